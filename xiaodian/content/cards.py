"""Product cards: content names products by id and cannot import the catalog, so a card is
resolved when a page is rendered, through a hook a higher layer fills.

`resolve_products(ids)` answers `{id: {"title", "price_fen", "image_url"}}` for the ids it knows
(published products); content alone knows none. `CONTENT_PRODUCT_CARD_RESOLVER` names a function
with the same signature; the project sets it to `xiaodian.catalog.selectors.product_cards`.
An unresolved card renders as a plain link to the product page.
"""

import re
from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

from xiaodian.core.money import format_fen

from . import rules

_CARD_ELEMENT = re.compile(r'<product-card data-product-id="(\d+)">.*?</product-card>', re.DOTALL)


def _hook(setting: str):
    """The function a higher layer named in `setting` (a dotted path), or None when it is unset."""
    path = getattr(settings, setting, "")
    return import_string(path) if path else None


def resolve_products(ids: Iterable[int]) -> dict[int, dict]:
    ids = list(ids)
    resolve = _hook("CONTENT_PRODUCT_CARD_RESOLVER")
    if not ids or resolve is None:
        return {}
    return resolve(ids)


def product_link(product_id: int, *, scene: int, source_type: str, source_id: int) -> str:
    """The product page, with where the visit came from (scene and source) for attribution."""
    return f"/products/{product_id}/?scene={scene}&source_type={source_type}&source_id={source_id}"


def card(
    product_id: int, product: dict | None, *, scene: int, source_type: str, source_id: int
) -> SafeString:
    url = product_link(product_id, scene=scene, source_type=source_type, source_id=source_id)
    price = product.get("price_fen") if product else None
    context = {
        "product_id": product_id,
        "product": product,
        "price": format_fen(price) if isinstance(price, int) else "",
        "url": url,
    }
    return render_to_string("content/partials/product_card.html", context)


def render_article_body(article) -> SafeString:
    """The stored (sanitised) body with each card placeholder replaced by its card: one call to
    the resolver for the whole article."""
    products = resolve_products(article.product_ids)
    source = {"scene": rules.ARTICLE_SCENE, "source_type": "article", "source_id": article.pk}

    def replace(match) -> str:
        product_id = int(match.group(1))
        return card(product_id, products.get(product_id), **source)

    return mark_safe(_CARD_ELEMENT.sub(replace, article.body))  # the body was sanitised on write


# A bound account's profile shows its stores; purchases from there count for the account's scene.
ENTRY_SCENES = {
    "official_account": rules.ARTICLE_SCENE,
    "video_account": rules.VIDEO_SCENE,
    "mini_program": rules.MINI_PROGRAM_SCENE,
}


def store_entries(kind: str, account_id: int) -> list[dict]:
    """The stores bound to an account, each with a few product cards whose links record the
    account as the source, through `CONTENT_STORE_ENTRY_RESOLVER` (stores and products are above
    content). `kind` is "official_account", "video_account" or "mini_program"."""
    resolve = _hook("CONTENT_STORE_ENTRY_RESOLVER")
    if resolve is None:
        return []
    source = {"scene": ENTRY_SCENES[kind], "source_type": kind, "source_id": account_id}
    entries = resolve(kind, account_id)
    for entry in entries:
        # The store page records its own scene (5, homepage); the entry's products record the account's.
        entry["url"] = reverse("stores:shop", args=[entry["store_id"]])
        for product in entry["products"]:
            product["url"] = product_link(product["id"], **source)
            price = product.get("price_fen")
            product["price"] = format_fen(price) if isinstance(price, int) else ""
    return entries


def live_rooms(account_id: int) -> list[dict]:
    """A video account's live and scheduled rooms for its profile, through
    `CONTENT_LIVE_ROOMS_RESOLVER` (live rooms are an app above content): `{id, title, state,
    state_label, scheduled_at, url}` each."""
    resolve = _hook("CONTENT_LIVE_ROOMS_RESOLVER")
    return resolve(account_id) if resolve else []
