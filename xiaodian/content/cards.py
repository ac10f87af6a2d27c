"""Product cards: content names products by id and cannot import the catalog, so a card is
resolved when a page is rendered, through an extension point a higher layer fills.

`resolve_products(ids)` answers `{id: {"title", "price_fen", "image_url"}}` for the ids it knows
(published products); content alone knows none. The catalog registers
`catalog.selectors.product_cards` into `product_card_resolver` when it loads (`CatalogConfig.
ready()`). An unresolved card renders as a plain link to the product page.

A bound account's profile also lists what apps above content know: its stores
(`store_entry_resolver`, filled by the catalog) and a video account's live rooms
(`live_rooms_resolver`, filled by live), and its owner's showcase (`showcase_resolver`); a live
room's page asks `room_promotions_resolver` for the other stores' products its creator promotes
there (both filled by the alliance). The store page, the product page and a live room's page
show the store's coupons to claim through `coupon_cards_resolver` (filled by coupons). Each
answers nothing until an app registers.
"""

import re
from collections.abc import Iterable

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from xiaodian.core.extensions import ExtensionPoint
from xiaodian.core.money import format_fen

from . import rules

_CARD_ELEMENT = re.compile(r'<product-card data-product-id="(\d+)">.*?</product-card>', re.DOTALL)


# ------------------------------------------------------------ what apps above content supply


def _no_products(ids: list[int]) -> dict[int, dict]:
    """`{id: {"title", "price_fen", "image_url"}}` for the ids that are published products.
    Content alone knows no products."""
    return {}


def _no_store_entries(kind: str, account_id: int) -> list[dict]:
    """The open stores the account is bound to, `{store_id, name, products: [{id, title,
    price_fen, image_url}]}` each. Content alone knows no stores."""
    return []


def _no_live_rooms(account_id: int) -> list[dict]:
    """The video account's live and scheduled rooms, `{id, title, state, state_label,
    scheduled_at, url}` each. Content alone knows no rooms."""
    return []


def _no_showcase(account_id: int) -> dict | None:
    """The public showcase (橱窗) of the video account's owner, `{url, count}`, or None. Content
    alone knows no showcases."""
    return None


def _no_room_promotions(room_id: int, account_id: int) -> list[dict]:
    """Products a live room of the account promotes for other stores, beside its own shelf:
    `{product_id, title, price_fen, image_url, url}` each (the url records the room as the
    source). Content alone knows none."""
    return []


def _no_coupon_cards(store_id: int | None, product_id: int | None, room_id: int | None) -> list[dict]:
    """The store's coupons a buyer may claim now on a page: the store's (and, with `product_id`,
    those of that product; with `room_id`, only that live room's live coupons), `{id, name,
    label, kind, sold_out, claim_url}` each. Content alone knows no coupons."""
    return []


product_card_resolver = ExtensionPoint("content.product_card_resolver", default=_no_products)
store_entry_resolver = ExtensionPoint("content.store_entry_resolver", default=_no_store_entries)
live_rooms_resolver = ExtensionPoint("content.live_rooms_resolver", default=_no_live_rooms)
# Filled by the alliance (docs/alliance.md "Touchpoints"): a creator's showcase on its video
# account's profile, and the alliance products a creator's live room shows (live asks for them).
showcase_resolver = ExtensionPoint("content.showcase_resolver", default=_no_showcase)
room_promotions_resolver = ExtensionPoint("content.room_promotions_resolver", default=_no_room_promotions)
# Filled by coupons (docs/coupons.md "Pages"): coupon cards on the store, product and live room pages.
coupon_cards_resolver = ExtensionPoint("content.coupon_cards_resolver", default=_no_coupon_cards)

# --------------------------------------------------------------------------------- cards


def resolve_products(ids: Iterable[int]) -> dict[int, dict]:
    ids = list(ids)
    return product_card_resolver(ids) if ids else {}


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
    account as the source, through `store_entry_resolver` (stores and products are above
    content). `kind` is "official_account", "video_account" or "mini_program"."""
    source = {"scene": ENTRY_SCENES[kind], "source_type": kind, "source_id": account_id}
    entries = store_entry_resolver(kind, account_id)
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
    `live_rooms_resolver` (live rooms are an app above content): `{id, title, state,
    state_label, scheduled_at, url}` each."""
    return live_rooms_resolver(account_id)


def showcase(account_id: int) -> dict | None:
    """The account owner's public showcase for the profile, `{url, count}`, through
    `showcase_resolver` (the alliance is above content), or None."""
    return showcase_resolver(account_id)


def room_promotions(room_id: int, account_id: int) -> list[dict]:
    """The other stores' products a live room of the account promotes (the alliance's), each
    `{product_id, title, price_fen, image_url, url}`, through `room_promotions_resolver`."""
    return room_promotions_resolver(room_id, account_id)


def coupon_cards(
    store_id: int | None, *, product_id: int | None = None, room_id: int | None = None
) -> list[dict]:
    """The coupons to claim on a store's page (its store and product coupons), a product's page
    (the store's and that product's) or a live room's (that room's live coupons; `store_id`
    may be None), through
    `coupon_cards_resolver` (coupons is above every app that shows them)."""
    return coupon_cards_resolver(store_id, product_id, room_id)
