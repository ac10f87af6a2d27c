"""The catalog's rules, at the service level: what a product may hold, how it moves between
states, what listing needs, how stock is set and images are checked."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from xiaodian.catalog import rules, services, signals
from xiaodian.catalog.models import SKU, Product, ProductImage
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.stores import selectors as store_selectors
from xiaodian.stores import services as stores
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from .conftest import TWO_SKUS, image_bytes, skus, upload


def refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


# ---------------------------------------------------------------------------------------- creating


def test_a_new_product_is_a_draft_with_its_skus(product):
    assert product.state == ProductState.DRAFT
    rows = list(product.skus.values_list("specs", "price_fen", "stock", "is_active"))
    assert rows == [
        ({"颜色": "红", "尺码": "M"}, 9900, 5, True),
        ({"颜色": "蓝", "尺码": "L"}, 12900, 0, True),
    ]


def test_spec_names_take_the_first_skus_spelling_and_order(paid_store, categories):
    product = services.create_product(
        store=paid_store,
        category_id=categories["女装"].pk,
        title="针织开衫",
        skus=[
            {"specs": {"颜色": "米白", "Size": "S"}, "price_fen": 100, "stock": 1},
            {"specs": {"size ": "M", " 颜色": "米白"}, "price_fen": 100, "stock": 1},
        ],
    )
    assert product.spec_names == ["颜色", "Size"]
    assert [s.specs for s in product.skus.all()] == [
        {"颜色": "米白", "Size": "S"},
        {"颜色": "米白", "Size": "M"},
    ]


def test_a_product_without_variants_has_one_sku_with_no_specs(paid_store, categories):
    product = services.create_product(
        store=paid_store,
        category_id=categories["女装"].pk,
        title="帆布包",
        skus=[{"specs": {}, "price_fen": 5900, "stock": 3}],
    )
    assert product.skus.get().specs == {}
    refused(
        "sku_specs_duplicate",
        services.create_product,
        store=paid_store,
        category_id=categories["女装"].pk,
        title="帆布包",
        skus=[{"specs": {}, "price_fen": 5900, "stock": 3}] * 2,
    )


def product_input(categories, **overrides):
    return {"category_id": categories["女装"].pk, "title": "亚麻衬衫", "skus": skus(*TWO_SKUS), **overrides}


def specs_rows(*specs):
    return [{"specs": s, "price_fen": 100, "stock": 1} for s in specs]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"title": "  "}, "validation_error", "title"),
        ({"title": "长" * (rules.TITLE_MAX + 1)}, "validation_error", "title"),
        ({"title": "衬衫 加微信 abc12345"}, "contact_details_not_allowed", "title"),
        ({"title": "衬衫 138 0013 8000"}, "contact_details_not_allowed", "title"),
        ({"description": "咨询请加 QQ 12345678"}, "contact_details_not_allowed", "description"),
        ({"description": "见 www.example.com"}, "contact_details_not_allowed", "description"),
        ({"description": "字" * (rules.DESCRIPTION_MAX + 1)}, "validation_error", "description"),
        ({"skus": []}, "validation_error", "skus"),
        ({"skus": specs_rows({"a": "1", "b": "1", "c": "1", "d": "1"})}, "sku_specs_invalid", "skus.0.specs"),
        ({"skus": specs_rows({"颜色": "红"}, {"尺码": "M"})}, "sku_specs_invalid", "skus.1.specs"),
        (
            {"skus": specs_rows({"颜色": "红"}, {"颜色": "红", "尺码": "M"})},
            "sku_specs_invalid",
            "skus.1.specs",
        ),
        ({"skus": specs_rows({"颜色": ""})}, "sku_specs_invalid", "skus.0.specs"),
        (
            {"skus": specs_rows({"颜色": "红" * (rules.SPEC_VALUE_MAX + 1)})},
            "sku_specs_invalid",
            "skus.0.specs",
        ),
        ({"skus": specs_rows({"颜色": "加微信 abc12345"})}, "contact_details_not_allowed", "skus.0.specs"),
        ({"skus": specs_rows({"颜色": 1})}, "sku_specs_invalid", "skus.0.specs"),
        ({"skus": specs_rows({"尺码": "M"}, {"尺码": "Ｍ"})}, "sku_specs_duplicate", "skus.1.specs"),
        ({"skus": specs_rows({"尺码": "xl"}, {"尺码": " XL"})}, "sku_specs_duplicate", "skus.1.specs"),
        ({"skus": [{"specs": {}, "price_fen": 0, "stock": 1}]}, "validation_error", "skus.0.price_fen"),
        (
            {"skus": [{"specs": {}, "price_fen": rules.PRICE_MAX_FEN + 1, "stock": 1}]},
            "validation_error",
            "skus.0.price_fen",
        ),
        ({"skus": [{"specs": {}, "price_fen": 1.5, "stock": 1}]}, "validation_error", "skus.0.price_fen"),
        ({"skus": [{"specs": {}, "price_fen": 100, "stock": -1}]}, "validation_error", "skus.0.stock"),
        (
            {"skus": [{"specs": {}, "price_fen": 100, "stock": rules.STOCK_MAX + 1}]},
            "validation_error",
            "skus.0.stock",
        ),
    ],
)
def test_what_a_product_may_not_hold(paid_store, categories, overrides, code, field):
    error = refused(code, services.create_product, store=paid_store, **product_input(categories, **overrides))
    assert error.field == field
    assert not Product.objects.exists()


def test_too_many_skus(paid_store, categories):
    rows = [{"specs": {"编号": str(n)}, "price_fen": 100, "stock": 1} for n in range(rules.SKUS_MAX + 1)]
    refused(
        "validation_error", services.create_product, store=paid_store, **product_input(categories, skus=rows)
    )
    rows.pop()
    assert (
        services.create_product(store=paid_store, **product_input(categories, skus=rows)).skus.count() == 100
    )


def test_only_leaf_categories_hold_products(paid_store, categories):
    error = refused(
        "category_not_leaf",
        services.create_product,
        store=paid_store,
        **product_input(categories, category_id=categories["服饰鞋包"].pk),
    )
    assert error.field == "category_id"
    refused(
        "not_found", services.create_product, store=paid_store, **product_input(categories, category_id=99999)
    )


def test_a_closed_store_adds_no_products(paid_store, categories):
    Store.objects.filter(pk=paid_store.pk).update(state=StoreState.CLOSED)
    paid_store.refresh_from_db()
    refused("store_not_open", services.create_product, store=paid_store, **product_input(categories))


def test_a_store_waiting_for_review_may_prepare_drafts(make_user, make_subject, make_store, categories):
    owner = make_user()
    waiting = make_store(owner, make_subject(owner, verified=False))
    assert waiting.state == StoreState.OPENING
    product = services.create_product(store=waiting, **product_input(categories))
    assert product.state == ProductState.DRAFT
    refused("store_not_open", services.list_product, product=product)


# ------------------------------------------------------------------------------------------ states

# (starting state, action, allowed?) for every state and every action.
MOVES = [
    (ProductState.DRAFT, "list", True),
    (ProductState.DRAFT, "delist", False),
    (ProductState.DRAFT, "ban", True),
    (ProductState.LISTED, "list", False),
    (ProductState.LISTED, "delist", True),
    (ProductState.LISTED, "ban", True),
    (ProductState.DELISTED, "list", True),
    (ProductState.DELISTED, "delist", False),
    (ProductState.DELISTED, "ban", True),
    (ProductState.BANNED, "list", False),
    (ProductState.BANNED, "delist", False),
    (ProductState.BANNED, "ban", False),
]
RESULT = {"list": ProductState.LISTED, "delist": ProductState.DELISTED, "ban": ProductState.BANNED}


def put_in_state(product, state, operator):
    if state in (ProductState.LISTED, ProductState.DELISTED):
        services.list_product(product=product)
    if state == ProductState.DELISTED:
        services.delist_product(product=product)
    if state == ProductState.BANNED:
        services.ban_product(operator=operator, product=product)
    assert Product.objects.get(pk=product.pk).state == state


def act(action, product, operator):
    if action == "list":
        return services.list_product(product=product)
    if action == "delist":
        return services.delist_product(product=product)
    return services.ban_product(operator=operator, product=product, reason="假冒商品")


@pytest.mark.parametrize(("start", "action", "allowed"), MOVES)
def test_every_state_transition(product, operator, start, action, allowed):
    put_in_state(product, start, operator)
    if allowed:
        act(action, product, operator)
        assert product.state == RESULT[action]
        assert Product.objects.get(pk=product.pk).state == RESULT[action]
    else:
        refused("invalid_transition", act, action, product, operator)
        assert Product.objects.get(pk=product.pk).state == start


def test_a_move_decided_on_a_stale_copy_is_refused(product):
    stale = Product.objects.select_related("store").get(pk=product.pk)
    services.list_product(product=product)
    services.delist_product(product=product)
    stale.state = ProductState.LISTED  # what this caller last saw
    refused("invalid_transition", services.delist_product, product=stale)


def test_listing_records_when_and_banning_records_why(product, operator):
    moment = clock.now().replace(microsecond=0) + timedelta(days=1)
    with clock.travel_to(moment):
        services.list_product(product=product)
    services.ban_product(operator=operator, product=product, reason="  售假  ")
    product.refresh_from_db()
    assert product.listed_at == moment
    assert (product.state, product.ban_reason) == (ProductState.BANNED, "售假")
    assert product.banned_at is not None


def test_only_operators_ban(product, merchant):
    refused("permission_denied", services.ban_product, operator=merchant, product=product)
    assert Product.objects.get(pk=product.pk).state == ProductState.DRAFT


def test_operators_lift_a_ban_and_the_merchant_lists_again(listed_product, operator, merchant):
    refused("invalid_transition", services.unban_product, operator=operator, product=listed_product)
    services.ban_product(operator=operator, product=listed_product, reason="误封")
    refused("permission_denied", services.unban_product, operator=merchant, product=listed_product)
    services.unban_product(operator=operator, product=listed_product)
    product = Product.objects.get(pk=listed_product.pk)
    assert (product.state, product.banned_at, product.ban_reason) == (ProductState.DELISTED, None, "")
    services.list_product(product=product)
    assert Product.objects.get(pk=product.pk).state == ProductState.LISTED


def test_state_changes_are_announced_on_commit(product, operator, django_capture_on_commit_callbacks):
    heard = []

    def listen(sender, product, signal, **kwargs):
        heard.append((signal, product.pk))

    for signal in (signals.product_listed, signals.product_delisted, signals.product_banned):
        signal.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.list_product(product=product)
        assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            services.delist_product(product=product)
            services.ban_product(operator=operator, product=product)
    finally:
        for signal in (signals.product_listed, signals.product_delisted, signals.product_banned):
            signal.disconnect(listen)
    assert heard == [
        (signals.product_listed, product.pk),
        (signals.product_delisted, product.pk),
        (signals.product_banned, product.pk),
    ]


# ----------------------------------------------------------------------------------- listing rules


def test_listing_needs_the_category_deposit(store, make_product, categories):
    product = make_product(store)  # 女装: the 服饰鞋包 deposit is not paid
    error = refused("deposit_required", services.list_product, product=product)
    assert error.field == "category_id"
    assert Product.objects.get(pk=product.pk).state == ProductState.DRAFT


def test_a_zero_deposit_category_lists_without_one(store, make_product):
    product = make_product(store, title="设计之书", category="图书")
    assert services.list_product(product=product).state == ProductState.LISTED


def test_after_the_deadline_an_unupgraded_store_cannot_list(
    make_store, merchant, subject, make_product, categories
):
    legacy = make_store(merchant, subject, name="老视频号小店", legacy_video=True)
    product = make_product(legacy, category="图书")
    rules_row = store_selectors.platform_rules()
    rules_row.upgrade_deadline = clock.now() - timedelta(days=1)
    rules_row.save()
    refused("not_upgraded", services.list_product, product=product)
    stores.upgrade_store(store=legacy)
    assert services.list_product(product=product).state == ProductState.LISTED


@pytest.mark.parametrize("state", [StoreState.CLOSING, StoreState.CLOSED])
def test_a_store_that_is_not_open_cannot_list(product, state):
    Store.objects.filter(pk=product.store_id).update(state=state)
    product.store.refresh_from_db()
    refused("store_not_open", services.list_product, product=product)


def test_listing_needs_a_sku_with_stock(make_product, paid_store):
    product = make_product(paid_store, rows=(("红", "M", 9900, 0), ("蓝", "L", 9900, 0)))
    error = refused("listing_needs_stock", services.list_product, product=product)
    assert error.field == "skus"


def test_a_sold_out_listed_product_stays_listed(listed_product):
    sku = listed_product.skus.get(stock=5)
    services.take_stock([(sku.pk, 5)])
    assert Product.objects.get(pk=listed_product.pk).state == ProductState.LISTED


# ---------------------------------------------------------------------------------------- updating


def sku_rows(product, **changes_by_colour):
    """The product's SKU list as an update would send it, with changes for some rows."""
    return [
        {
            "id": s.pk,
            "specs": s.specs,
            "price_fen": s.price_fen,
            "stock": s.stock,
            "expected_stock": s.stock,
            **changes_by_colour.get(s.specs.get("颜色"), {}),
        }
        for s in product.skus.filter(is_active=True)
    ]


def test_updating_text_and_category(product, categories):
    services.update_product(
        product=product, title="亚麻衬衫（新款）", description="更透气。", category_id=categories["男装"].pk
    )
    product.refresh_from_db()
    assert (product.title, product.description, product.category_id) == (
        "亚麻衬衫（新款）",
        "更透气。",
        categories["男装"].pk,
    )


def test_an_update_is_checked_before_anything_changes(product):
    before = sku_rows(product)
    refused(
        "validation_error",
        services.update_product,
        product=product,
        title="新标题",
        skus=sku_rows(product, 红={"price_fen": 0}),
    )
    product.refresh_from_db()
    assert product.title == "亚麻衬衫"
    assert sku_rows(product) == before


def test_a_listed_product_moves_only_to_a_category_it_could_be_listed_in(listed_product, categories):
    refused(
        "deposit_required", services.update_product, product=listed_product, category_id=categories["茶叶"].pk
    )
    refused(
        "category_not_leaf",
        services.update_product,
        product=listed_product,
        category_id=categories["生鲜"].pk,
    )
    services.update_product(product=listed_product, category_id=categories["图书"].pk)  # no deposit needed
    assert Product.objects.get(pk=listed_product.pk).category_id == categories["图书"].pk


def test_prices_and_stock_are_set(product):
    services.update_product(product=product, skus=sku_rows(product, 红={"price_fen": 8800, "stock": 50}))
    assert dict(product.skus.values_list("specs__颜色", "price_fen")) == {"红": 8800, "蓝": 12900}
    assert product.skus.get(specs__颜色="红").stock == 50


def test_setting_stock_that_orders_changed_meanwhile_is_refused(product):
    rows = sku_rows(product, 红={"stock": 50})  # read when the stock was 5
    red = product.skus.get(specs__颜色="红")
    services.take_stock([(red.pk, 2)])  # a buyer takes two meanwhile
    error = refused("stock_changed", services.update_product, product=product, skus=rows)
    assert error.field == "skus.0.stock"
    red.refresh_from_db()
    assert red.stock == 3  # the sale is not overwritten


def test_an_unchanged_stock_is_not_written_so_a_sale_meanwhile_does_not_conflict(product):
    rows = sku_rows(product, 红={"price_fen": 9500})
    red = product.skus.get(specs__颜色="红")
    services.take_stock([(red.pk, 1)])
    services.update_product(product=product, skus=rows)
    red.refresh_from_db()
    assert (red.price_fen, red.stock) == (9500, 4)


def test_setting_an_existing_skus_stock_needs_what_was_seen(product):
    rows = sku_rows(product)
    rows[0]["expected_stock"] = None
    error = refused("validation_error", services.update_product, product=product, skus=rows)
    assert error.field == "skus.0.expected_stock"
    rows[0]["stock"] = None  # leaving stock out keeps it
    services.update_product(product=product, skus=rows)
    assert product.skus.get(pk=rows[0]["id"]).stock == 5


def test_skus_left_out_are_retired_and_new_rows_are_added(product):
    red, blue = product.skus.order_by("id")
    rows = [r for r in sku_rows(product) if r["id"] == red.pk]
    rows.append({"specs": {"颜色": "绿", "尺码": "S"}, "price_fen": 9900, "stock": 7})
    services.update_product(product=product, skus=rows)
    blue.refresh_from_db()
    assert blue.is_active is False  # orders may still point at it
    active = list(product.skus.filter(is_active=True).values_list("specs__颜色", "stock"))
    assert active == [("红", 5), ("绿", 7)]


def test_an_update_keeps_spec_names_consistent_and_unique(product):
    rows = sku_rows(product)
    rows.append({"specs": {"颜色": "红", "尺码": "M"}, "price_fen": 9900, "stock": 1})
    refused("sku_specs_duplicate", services.update_product, product=product, skus=rows)
    rows[-1]["specs"] = {"颜色": "绿"}
    refused("sku_specs_invalid", services.update_product, product=product, skus=rows)


def test_another_products_sku_cannot_be_updated_through_this_one(product, make_product, paid_store):
    other = make_product(paid_store, title="别的商品")
    rows = sku_rows(product)
    rows[0]["id"] = other.skus.first().pk
    error = refused("not_found", services.update_product, product=product, skus=rows)
    assert error.field == "skus.0.id"
    assert other.skus.first().price_fen == 9900


def test_a_retired_sku_cannot_be_updated(product):
    red, blue = product.skus.order_by("id")
    services.update_product(product=product, skus=[r for r in sku_rows(product) if r["id"] == red.pk])
    rows = sku_rows(product)
    rows.append({"id": blue.pk, "specs": blue.specs, "price_fen": 100})
    refused("not_found", services.update_product, product=product, skus=rows)


def test_a_banned_product_is_kept_as_it_was(product, operator):
    services.ban_product(operator=operator, product=product)
    refused("invalid_transition", services.update_product, product=product, title="换个名字")
    refused("invalid_transition", services.add_product_image, product=product, upload=upload())
    assert Product.objects.get(pk=product.pk).title == "亚麻衬衫"


# ------------------------------------------------------------------------------------------ images


def test_an_image_is_stored_with_its_size_and_place(bare_product):
    product = bare_product
    first = services.add_product_image(product=product, upload=upload(image_bytes((40, 30))))
    second = services.add_product_image(
        product=product, upload=upload(image_bytes((20, 50), "JPEG"), "a.jpg", "image/jpeg")
    )
    assert (first.width, first.height, first.position) == (40, 30, 0)
    assert (second.width, second.height, second.position) == (20, 50, 1)
    assert first.image.name.endswith(".png") and second.image.name.endswith(".jpg")
    assert default_storage.exists(first.image.name)


@pytest.mark.parametrize(
    "data",
    [
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature and nothing behind it
        image_bytes(fmt="PNG")[:-30],  # truncated
        image_bytes(fmt="BMP"),  # a real image in a format we do not take
        b"",
    ],
    ids=["text", "png-signature", "truncated", "bmp", "empty"],
)
def test_bad_image_bytes_are_refused(bare_product, data):
    product = bare_product
    error = refused("image_invalid", services.add_product_image, product=product, upload=upload(data))
    assert error.field == "image"
    assert not ProductImage.objects.exists()


def test_an_image_over_the_byte_limit_is_refused(product, monkeypatch):
    data = image_bytes((64, 64))
    monkeypatch.setattr(rules, "IMAGE_MAX_BYTES", len(data) - 1)
    error = refused("payload_too_large", services.add_product_image, product=product, upload=upload(data))
    assert error.field == "image"


def test_an_image_over_the_pixel_limit_is_refused(product, monkeypatch):
    monkeypatch.setattr(rules, "IMAGE_MAX_PIXELS", 32)
    refused("image_invalid", services.add_product_image, product=product, upload=upload(image_bytes((33, 8))))
    services.add_product_image(product=product, upload=upload(image_bytes((32, 8))))


def test_a_product_holds_at_most_images_max(bare_product, monkeypatch):
    product = bare_product
    monkeypatch.setattr(rules, "IMAGES_MAX", 2)
    for _ in range(2):
        services.add_product_image(product=product, upload=upload())
    refused("images_limit_reached", services.add_product_image, product=product, upload=upload())
    assert product.images.count() == 2


def test_removing_an_image_deletes_its_file_after_the_commit(product, django_capture_on_commit_callbacks):
    image = services.add_product_image(product=product, upload=upload())
    name = image.image.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.remove_product_image(product=product, image_id=image.pk)
    assert not ProductImage.objects.filter(pk=image.pk).exists()
    assert default_storage.exists(name)  # not before the commit
    for callback in callbacks:
        callback()
    assert not default_storage.exists(name)


def test_another_products_image_cannot_be_removed_through_this_one(product, make_product, paid_store):
    other = make_product(paid_store, title="别的商品")
    image = services.add_product_image(product=other, upload=upload())
    refused("not_found", services.remove_product_image, product=product, image_id=image.pk)
    assert ProductImage.objects.filter(pk=image.pk).exists()


# ------------------------------------------------------------------------------------------- stock


def test_take_stock_is_all_or_nothing_in_the_callers_transaction(product):
    red, blue = product.skus.order_by("id")
    with pytest.raises(DomainError) as caught, transaction.atomic():
        services.take_stock([(red.pk, 1), (blue.pk, 1)])  # blue has none
    assert caught.value.code == "out_of_stock"
    assert SKU.objects.get(pk=red.pk).stock == 5
