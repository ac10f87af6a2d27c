"""Reads of shares: where a share's link leads, whether a checkout through it verifies, the
sharer's list, and how orders and the alliance describe it."""

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from xiaodian.accounts.models import User
from xiaodian.alliance.extensions import Promotion
from xiaodian.catalog.models import Product
from xiaodian.content.models import MiniProgram
from xiaodian.orders import extensions, sources
from xiaodian.orders.models import Order, OrderLine
from xiaodian.social import cards
from xiaodian.stores.homepage import mini_program_link
from xiaodian.stores.models import Store

from . import membership, rules
from .models import Share

_PAGES: dict[str, str] = {
    rules.CardKind.PRODUCT: "catalog:product",
    rules.CardKind.STORE: "stores:shop",
    rules.CardKind.ORDER: "orders:order_detail",
}


def card_page(share: Share, viewer_id: int | None) -> str:
    """The card's own page: the product, the store, the order; a gift's page as the gifts app
    resolves it (the home page while none does)."""
    if share.kind in _PAGES:
        return reverse(_PAGES[share.kind], args=[share.card_id])
    if share.kind == rules.CardKind.MINI_PROGRAM:
        return mini_program_link(share.card_id)
    found = cards.resolve([(share.kind, share.card_id)], viewer_id).get((share.kind, share.card_id))
    return (found or {}).get("url") or reverse("web:home")


def open_url(share: Share, viewer_id: int | None) -> str:
    """Where the short link leads: the card's page carrying the share as the source of its
    channel's scene (9, 10, 11, 13). A mini-program card carries the mini program (scene 12)."""
    page = card_page(share, viewer_id)
    if share.kind in rules.OWN_SOURCE_KINDS:
        return page
    query = urlencode(
        {
            "scene": rules.SCENE_OF_CHANNEL[share.channel],
            "source_type": rules.SOURCE_TYPE,
            "source_id": share.pk,
        }
    )
    return f"{page}?{query}"


def my_shares(user: User) -> QuerySet[Share]:
    return Share.objects.filter(sharer=user).order_by("-id")


def my_share(user: User, share_id: int) -> Share | None:
    return Share.objects.filter(sharer=user, pk=share_id).first()


_TITLES: dict[str, tuple[QuerySet, str]] = {
    rules.CardKind.PRODUCT: (Product.objects.all(), "title"),
    rules.CardKind.STORE: (Store.objects.all(), "name"),
    rules.CardKind.ORDER: (Order.objects.all(), "number"),
    rules.CardKind.MINI_PROGRAM: (MiniProgram.objects.all(), "name"),
}


def with_titles(shares: list[Share]) -> list[Share]:
    """Set `title` on each share: its card's product title, store name, order number or mini
    program name ("" when gone, or a gift); one query per kind present."""
    wanted: dict[str, set[int]] = {}
    for share in shares:
        wanted.setdefault(share.kind, set()).add(share.card_id)
    found = {
        kind: dict(_TITLES[kind][0].filter(pk__in=ids).values_list("pk", _TITLES[kind][1]))
        for kind, ids in wanted.items()
        if kind in _TITLES
    }
    for share in shares:
        share.title = found.get(share.kind, {}).get(share.card_id, "")  # type: ignore[attr-defined]
    return shares


# ------------------------------------------------------------------------ orders' source type


def share_sources(ids: list[int]) -> dict[int, sources.Source]:
    """orders.sources: who shared, where ("小王 · 群聊"), for the order page."""
    rows = (
        Share.objects.filter(pk__in=ids)
        .select_related("sharer")
        .only("pk", "channel", "sharer__display_name", "sharer__username")
    )
    return {share.pk: sources.Source(f"{share.sharer} · {share.get_channel_display()}") for share in rows}


def _bought_products(share: Share, claim: sources.Claim) -> frozenset[int]:
    """The checkout's products the share's card shows: the product, the store's products, the
    order's products (one query for an order card). A gift or mini-program card sells none here."""
    if share.kind == rules.CardKind.PRODUCT:
        return claim.product_ids & {share.card_id}
    if share.kind == rules.CardKind.STORE:
        if share.card_id not in claim.store_ids:
            return frozenset()
        return claim.product_ids  # (narrowed to the store's by `promotion`; enough to verify)
    if share.kind == rules.CardKind.ORDER:
        shown = OrderLine.objects.filter(order_id=share.card_id).values_list("product_id", flat=True)
        return claim.product_ids & set(shown)
    return frozenset()


def verify_share(claim: sources.Claim) -> bool:
    """orders.sources: a checkout through a share keeps its scene only when the share exists, its
    channel is the scene's, the buyer is not the sharer, the card is what is bought (its product,
    or a product of its store or its order), and the buyer is a member of the channel (could have
    seen it: `membership`). Two queries at most (three for an order card)."""
    share = Share.objects.filter(pk=claim.source_id).first()
    if share is None or share.kind in rules.OWN_SOURCE_KINDS:
        return False
    if rules.SCENE_OF_CHANNEL.get(share.channel) != claim.scene or share.sharer_id == claim.buyer.pk:
        return False
    if not _bought_products(share, claim):
        return False
    return membership.is_member(share.channel, share.channel_id, claim.buyer.pk, share.created_at)


def promotion(context: extensions.CheckoutContext) -> Promotion | None:
    """alliance.extensions.promotions: the sharer promoted the card's products of this checkout
    (the share verified before the checkout got here)."""
    if context.source_id is None:
        return None
    share = Share.objects.filter(pk=context.source_id).first()
    if share is None:
        return None
    lines = context.lines
    if share.kind == rules.CardKind.PRODUCT:
        products = {line.product_id for line in lines if line.product_id == share.card_id}
    elif share.kind == rules.CardKind.STORE:
        products = {line.product_id for line in lines if line.store_id == share.card_id}
    elif share.kind == rules.CardKind.ORDER:
        shown = set(OrderLine.objects.filter(order_id=share.card_id).values_list("product_id", flat=True))
        products = {line.product_id for line in lines if line.product_id in shown}
    else:
        products = set()
    return Promotion(user_id=share.sharer_id, product_ids=frozenset(products)) if products else None
