"""One copy of every rule (STYLE.md "Habits"): a policy number lives in its owning app's `rules.py`;
services, forms, schemas and models read it from there.

Two kinds of check: the rule's value is defined in one module only (a source scan, so a second
`SHIP_WITHIN = timedelta(hours=48)` fails even while the values agree), and each form, schema and
model declares the limit its rule holds (so a literal that drifts from the rule fails)."""

import ast
from pathlib import Path

import pytest

from xiaodian.accounts import rules as account_rules
from xiaodian.accounts.models import Subject
from xiaodian.aftersales import forms as aftersale_forms
from xiaodian.aftersales import schemas as aftersale_schemas
from xiaodian.aftersales.models import AfterSale
from xiaodian.content import forms as content_forms
from xiaodian.content import rules as content_rules
from xiaodian.content import schemas as content_schemas
from xiaodian.content.models import MiniProgram
from xiaodian.orders import forms as order_forms
from xiaodian.orders import rules as order_rules
from xiaodian.orders import schemas as order_schemas
from xiaodian.orders.models import Address, Order, Shipment
from xiaodian.reviews import rules as review_rules
from xiaodian.scoring import metrics
from xiaodian.scoring import rules as scoring_rules
from xiaodian.search import rules as search_rules
from xiaodian.service import forms as service_forms
from xiaodian.service import rules as service_rules
from xiaodian.service import schemas as service_schemas
from xiaodian.service.models import Conversation, ServiceSettings
from xiaodian.stores import forms as store_forms
from xiaodian.stores import homepage
from xiaodian.stores import rules as store_rules
from xiaodian.stores import schemas as store_schemas
from xiaodian.stores.models import BrandAuthorization
from xiaodian.web import forms as web_forms

PACKAGE = Path(__file__).resolve().parent.parent

# rule -> the one module that defines it (relative to xiaodian/)
OWNERS = {
    "SHIP_WITHIN": "orders/rules.py",
    "NEGATIVE_RATINGS": "reviews/rules.py",
    "CARRIER_MAX": "orders/rules.py",
    "TRACKING_NO_MIN": "orders/rules.py",
    "TRACKING_NO_MAX": "orders/rules.py",
    "TRACKING_NO": "orders/rules.py",
    "MODULES_MAX": "stores/rules.py",
    "HOMEPAGE_TITLE_MAX": "stores/rules.py",
    "GRID_PRODUCTS_MAX": "stores/rules.py",
    "GRID_AUTO_LIMIT": "stores/rules.py",
    "ARTICLES_MAX": "stores/rules.py",
    "VIDEOS_MAX": "stores/rules.py",
    "DEFAULT_GRID_LIMIT": "stores/rules.py",
    "PICKER_MAX": "stores/rules.py",
    "BANNER_MAX_BYTES": "stores/rules.py",
    "BANNER_MAX_PIXELS": "stores/rules.py",
    "NO_SCORE_WEIGHT": "scoring/rules.py",
}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if "tests" not in rel.parts and "migrations" not in rel.parts:
            yield str(rel), path.read_text(encoding="utf-8")


def _definitions() -> dict[str, set[str]]:
    """Rule name -> the modules that assign it a value (an import, `A = B.A` aliasing aside)."""
    found: dict[str, set[str]] = {}
    for rel, source in _sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assign):
                targets = [t for t in node.targets if isinstance(t, ast.Name)]
                unpacked = [e for t in node.targets if isinstance(t, ast.Tuple) for e in t.elts]
                names = [t.id for t in targets + unpacked if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                names = [node.target.id]
            else:
                continue
            for name in names:
                if name in OWNERS:
                    found.setdefault(name, set()).add(rel)
    return found


def test_each_rule_is_defined_once_in_its_owning_apps_rules():
    definitions = _definitions()
    assert {name: sorted(where) for name, where in definitions.items()} == {
        name: [owner] for name, owner in OWNERS.items()
    }


def test_no_literal_copy_of_the_tracking_number_pattern_or_the_negative_threshold():
    copies = [
        rel
        for rel, source in _sources()
        if (rel != "orders/rules.py" and "[A-Za-z0-9-]{" in source) or "rating__lte=2" in source
    ]
    assert copies == []


def test_the_48_hour_shipping_rate_measures_the_orders_ship_by():
    assert scoring_rules.SHIP_WITHIN is order_rules.SHIP_WITHIN
    assert metrics.rules is scoring_rules


def test_the_negative_review_rate_counts_the_reviews_negative_ratings():
    assert scoring_rules.NEGATIVE_RATINGS is review_rules.NEGATIVE_RATINGS


def test_search_ranks_an_unscored_store_with_the_scores_weight():
    assert search_rules.DEFAULT_TRAFFIC_WEIGHT == scoring_rules.NO_SCORE_WEIGHT


def test_the_tracking_number_rule_and_its_hint_agree():
    pattern = order_rules.TRACKING_NO
    assert pattern.fullmatch("A" * order_rules.TRACKING_NO_MIN)
    assert pattern.fullmatch("1" * order_rules.TRACKING_NO_MAX)
    assert not pattern.fullmatch("A" * (order_rules.TRACKING_NO_MIN - 1))
    assert not pattern.fullmatch("1" * (order_rules.TRACKING_NO_MAX + 1))
    hint = str(order_rules.TRACKING_NO_HINT)
    assert f"{order_rules.TRACKING_NO_MIN}–{order_rules.TRACKING_NO_MAX}" in hint


def test_carriers_are_chosen_from_the_rules_list():
    codes = [code for code, _label in order_forms.carrier_choices() if code]
    assert codes == list(order_rules.CARRIERS)
    assert [c for c, _label in order_forms.ShipForm.base_fields["carrier"].choices if c] == codes
    assert tuple(c.name_zh for c in order_rules.CARRIERS.values()) == order_forms.CARRIERS
    assert all(len(c.name_zh) <= order_rules.CARRIER_MAX for c in order_rules.CARRIERS.values())


def _schema_max(schema, field: str) -> int:
    prop = schema.model_json_schema()["properties"][field]
    options = prop.get("anyOf", [prop])  # `str | None`: the string's branch
    (limit,) = [o["maxLength"] for o in options if "maxLength" in o]
    return limit


def _form_max(form_class, field: str) -> int:
    return form_class.base_fields[field].max_length


def _model_max(model, field: str) -> int:
    return model._meta.get_field(field).max_length


CARRIER, TRACKING = order_rules.CARRIER_MAX, order_rules.TRACKING_NO_MAX

DECLARED = [
    # shipments: orders', and after-sales' return and exchange shipments
    # (an order's carrier is chosen from rules.CARRIERS: test_carriers_are_chosen_from_the_rules_list)
    (_form_max, order_forms.ShipForm, "tracking_no", TRACKING),
    (_model_max, Shipment, "carrier_code", order_rules.CARRIER_CODE_MAX),
    (_schema_max, order_schemas.BulkShipIn, "carrier", CARRIER),
    (_schema_max, order_schemas.BulkShipItemIn, "carrier", CARRIER),
    (_schema_max, order_schemas.BulkShipItemIn, "tracking_no", TRACKING),
    # the buyer's note and the order list's search
    (_form_max, order_forms.CheckoutForm, "note", order_rules.NOTE_MAX),
    (_schema_max, order_schemas.CheckoutIn, "note", order_rules.NOTE_MAX),
    (_model_max, Order, "note", order_rules.NOTE_MAX),
    (_form_max, order_forms.StoreOrderFilterForm, "q", order_rules.SEARCH_MAX),
    (_schema_max, order_schemas.OrderFilter, "q", order_rules.SEARCH_MAX),
    (_schema_max, order_schemas.ShipIn, "carrier", CARRIER),
    (_schema_max, order_schemas.ShipIn, "tracking_no", TRACKING),
    (_model_max, Shipment, "carrier", CARRIER),
    (_model_max, Shipment, "tracking_no", TRACKING),
    (_form_max, aftersale_forms.ReturnShipForm, "carrier", CARRIER),
    (_form_max, aftersale_forms.ReturnShipForm, "tracking_no", TRACKING),
    (_form_max, aftersale_forms.ReceivedForm, "carrier", CARRIER),
    (_form_max, aftersale_forms.ReceivedForm, "tracking_no", TRACKING),
    (_schema_max, aftersale_schemas.ShipmentIn, "carrier", CARRIER),
    (_schema_max, aftersale_schemas.ShipmentIn, "tracking_no", TRACKING),
    (_schema_max, aftersale_schemas.ReceivedIn, "carrier", CARRIER),
    (_schema_max, aftersale_schemas.ReceivedIn, "tracking_no", TRACKING),
    (_model_max, AfterSale, "return_carrier", CARRIER),
    (_model_max, AfterSale, "return_tracking_no", TRACKING),
    (_model_max, AfterSale, "exchange_carrier", CARRIER),
    (_model_max, AfterSale, "exchange_tracking_no", TRACKING),
    # delivery addresses and sources
    *[
        (check, where, field, limit)
        for field, limit in (
            ("recipient", order_rules.RECIPIENT_MAX),
            ("phone", order_rules.PHONE_MAX),
            ("region", order_rules.REGION_MAX),
            ("detail", order_rules.DETAIL_MAX),
        )
        for check, where in (
            (_form_max, order_forms.CheckoutForm),
            (_schema_max, order_schemas.AddressIn),
            (_model_max, Address),
        )
    ],
    (_schema_max, order_schemas.CheckoutIn, "source_type", order_rules.SOURCE_TYPE_MAX),
    (_schema_max, order_schemas.CartItemIn, "source_type", order_rules.SOURCE_TYPE_MAX),
    (_model_max, Order, "source_type", order_rules.SOURCE_TYPE_MAX),
    # the store homepage
    *[
        (_form_max, form, "title", store_rules.HOMEPAGE_TITLE_MAX)
        for form in (
            store_forms.BannerForm,
            store_forms.ProductGridForm,
            store_forms.ArticlesForm,
            store_forms.VideosForm,
        )
    ],
    (_schema_max, homepage.Banner, "title", store_rules.HOMEPAGE_TITLE_MAX),
    (_schema_max, homepage.Banner, "image", store_rules.IMAGE_PATH_MAX),
    # stores, subjects, brand authorisations
    (_form_max, web_forms.StoreCreateForm, "name", store_rules.NAME_INPUT_MAX),
    (_form_max, web_forms.StoreSettingsForm, "name", store_rules.NAME_INPUT_MAX),
    (_schema_max, store_schemas.StoreIn, "name", store_rules.NAME_INPUT_MAX),
    (_form_max, web_forms.BrandAuthorizationForm, "brand", store_rules.BRAND_MAX),
    (_form_max, web_forms.BrandAuthorizationForm, "certificate_number", store_rules.CERTIFICATE_NUMBER_MAX),
    (_schema_max, store_schemas.BrandAuthorizationIn, "brand", store_rules.BRAND_MAX),
    (
        _schema_max,
        store_schemas.BrandAuthorizationIn,
        "certificate_number",
        store_rules.CERTIFICATE_NUMBER_MAX,
    ),
    (_model_max, BrandAuthorization, "brand", store_rules.BRAND_MAX),
    (_model_max, BrandAuthorization, "certificate_number", store_rules.CERTIFICATE_NUMBER_MAX),
    (_form_max, web_forms.SubjectForm, "licence_number", account_rules.LICENCE_NUMBER_INPUT_MAX),
    (_form_max, web_forms.SubjectForm, "trade_name", account_rules.TRADE_NAME_MAX),
    (_model_max, Subject, "trade_name", account_rules.TRADE_NAME_MAX),
    # mini programs
    (_form_max, content_forms.MiniProgramForm, "app_id", content_rules.APP_ID_LENGTH),
    (_schema_max, content_schemas.MiniProgramIn, "app_id", content_rules.APP_ID_LENGTH),
    (_model_max, MiniProgram, "app_id", content_rules.APP_ID_LENGTH),
    # customer service
    (_form_max, service_forms.SettingsForm, "welcome_message", service_rules.SETTINGS_MESSAGE_MAX),
    (_form_max, service_forms.SettingsForm, "offline_message", service_rules.SETTINGS_MESSAGE_MAX),
    (_schema_max, service_schemas.SettingsIn, "welcome_message", service_rules.SETTINGS_MESSAGE_MAX),
    (_model_max, ServiceSettings, "welcome_message", service_rules.SETTINGS_MESSAGE_MAX),
    (_model_max, ServiceSettings, "offline_message", service_rules.SETTINGS_MESSAGE_MAX),
    (_form_max, service_forms.ModeForm, "webhook_url", service_rules.WEBHOOK_URL_MAX),
    (_model_max, ServiceSettings, "webhook_url", service_rules.WEBHOOK_URL_MAX),
    (_schema_max, service_schemas.SettingsIn, "webhook_url", service_rules.WEBHOOK_URL_MAX),
    (_form_max, service_forms.RatingForm, "comment", service_rules.RATING_COMMENT_MAX),
    (_schema_max, service_schemas.RateIn, "comment", service_rules.RATING_COMMENT_MAX),
    (_model_max, Conversation, "rating_comment", service_rules.RATING_COMMENT_MAX),
]


@pytest.mark.parametrize(
    ("check", "where", "field", "rule"),
    DECLARED,
    ids=[f"{getattr(w, '__name__', w)}.{f}" for _c, w, f, _r in DECLARED],
)
def test_forms_schemas_and_models_declare_the_rules_limit(check, where, field, rule):
    assert check(where, field) == rule


def test_the_homepage_schemas_take_their_list_limits_from_the_rules():
    grid = homepage.ProductGrid.model_json_schema()["properties"]
    assert grid["product_ids"]["maxItems"] == store_rules.GRID_PRODUCTS_MAX
    assert grid["limit"]["maximum"] == store_rules.GRID_PRODUCTS_MAX
    assert grid["limit"]["default"] == store_rules.GRID_AUTO_LIMIT
    assert (
        homepage.Articles.model_json_schema()["properties"]["article_ids"]["maxItems"]
        == store_rules.ARTICLES_MAX
    )
    assert (
        homepage.Videos.model_json_schema()["properties"]["video_ids"]["maxItems"] == store_rules.VIDEOS_MAX
    )
    assert aftersale_schemas.AfterSaleIn.model_json_schema()["properties"]["quantity"]["maximum"] == (
        order_rules.QUANTITY_MAX
    )
