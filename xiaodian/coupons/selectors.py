"""Reads for coupons and campaigns: what a buyer may claim where, what a buyer holds, and each
coupon's report for its store (claimed, used, the paid amount of the orders that used it, the
discount given)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.live import rules as live_rules
from xiaodian.live.models import LiveRoom
from xiaodian.live.rules import RoomState
from xiaodian.orders.extensions import CouponOffer, PricedLine, StoreOrderDraft
from xiaodian.stores.models import StoreLink
from xiaodian.stores.rules import LinkState

from . import services
from .models import BuyerCoupon, Campaign, Coupon
from .rules import USABLE, BuyerCouponState, CampaignState, CouponState, Kind

_USED = Q(claims__state=BuyerCouponState.USED)


def coupon_state(coupon: Coupon, now: datetime) -> str:
    """draft, active, stopped, or ended (issued, past its claim window)."""
    if coupon.state == CouponState.ACTIVE and now >= coupon.claim_ends_at:
        return CouponState.ENDED
    return coupon.state


def held_state(held: BuyerCoupon, now: datetime) -> str:
    """unused, used, returned, or expired (usable but past its use window)."""
    if held.state in USABLE and now >= held.valid_until:
        return BuyerCouponState.EXPIRED
    return held.state


def campaign_state(campaign: Campaign, now: datetime) -> str:
    if campaign.state == CampaignState.ACTIVE and now >= campaign.ends_at:
        return CampaignState.ENDED
    return campaign.state


def store_report(store_id: int) -> QuerySet[Coupon]:
    """Every coupon of the store with its report: `used_count`, `paid_fen` (the totals of the
    orders that used it) and `discount_given_fen` (what it took off them). Two queries."""
    return (
        Coupon.objects.filter(store_id=store_id)
        .annotate(
            used_count=Count("claims", filter=_USED),
            paid_fen=Coalesce(Sum("claims__order__total_fen", filter=_USED), 0),
            discount_given_fen=Coalesce(Sum("claims__discount_fen", filter=_USED), 0),
        )
        .prefetch_related("products")
        .order_by("-pk")
    )


def claimable(
    store_id: int, now: datetime, *, product_id: int | None = None, room_id: int | None = None
) -> QuerySet[Coupon]:
    """The store's issued coupons a buyer may claim now: store coupons; product coupons (of
    `product_id` when given); live coupons only of `room_id`. Sold-out ones included (shown as
    such). Two queries."""
    kinds = Q(kind=Kind.STORE) | Q(kind=Kind.PRODUCT)
    if product_id is not None:
        kinds = Q(kind=Kind.STORE) | Q(kind=Kind.PRODUCT, products=product_id)
    if room_id is not None:
        kinds |= Q(kind=Kind.LIVE, live_room_id=room_id)
    return (
        Coupon.objects.filter(kinds, store_id=store_id, state=CouponState.ACTIVE)
        .filter(claim_starts_at__lte=now, claim_ends_at__gt=now)
        .distinct()
        .prefetch_related("products")
        .order_by("-pk")
    )


def buyer_coupons(buyer: User, now: datetime, *, state: str | None = None, store_id: int | None = None):
    """The buyer's coupons, soonest to expire first; `state` filters on the shown state."""
    found = BuyerCoupon.objects.filter(buyer=buyer).select_related("coupon", "coupon__store")
    if store_id is not None:
        found = found.filter(coupon__store_id=store_id)
    if state == BuyerCouponState.EXPIRED:
        found = found.filter(state__in=USABLE, valid_until__lte=now)
    elif state in (BuyerCouponState.UNUSED, BuyerCouponState.RETURNED):
        found = found.filter(state=state, valid_until__gt=now)
    elif state == BuyerCouponState.USED:
        found = found.filter(state=state)
    return found.order_by("valid_until", "pk")


def campaigns_of(store_id: int) -> QuerySet[Campaign]:
    return Campaign.objects.filter(store_id=store_id).prefetch_related("products").order_by("-pk")


@dataclass(frozen=True)
class Offer:
    """A buyer's coupon for a store order at checkout: what it would take off, or why not."""

    held: BuyerCoupon
    amount_fen: int
    reason: str
    message: str


def offers(
    buyer: User,
    draft: StoreOrderDraft,
    now: datetime,
    *,
    room_id: int | None = None,
    held: list[BuyerCoupon] | None = None,
    products: Mapping[int, frozenset[int]] | None = None,
) -> list[Offer]:
    """The buyer's usable coupons of the draft's store (or `held`, loaded already), each priced
    against it, best first (the checkout page offers the first)."""
    if held is None:
        held = list(_usable(buyer, [draft.store.pk], now))
    if products is None:
        products = services.product_sets(h.coupon for h in held)
    priced = [
        (h, services.price_coupon(h, products.get(h.coupon_id), draft, room_id=room_id, now=now))
        for h in held
        if h.coupon.store_id == draft.store.pk
    ]
    found = [Offer(held=h, amount_fen=p.amount_fen, reason=p.reason, message=p.message) for h, p in priced]
    return sorted(found, key=lambda o: (bool(o.reason), -o.amount_fen, o.held.valid_until, o.held.pk))


def _usable(buyer: User, store_ids: list[int], now: datetime) -> QuerySet[BuyerCoupon]:
    return BuyerCoupon.objects.filter(
        buyer=buyer, coupon__store_id__in=store_ids, state__in=USABLE, valid_until__gt=now
    ).select_related("coupon")


def checkout_offers(
    buyer: User, drafts: Mapping[int, StoreOrderDraft], source_type: str, source_id: int | None
) -> dict[int, list[CouponOffer]]:
    """The orders' `checkout_offers`: each store order's offers (`offers`), for the checkout page."""
    if not buyer.is_authenticated or not drafts:
        return {}
    now = clock.now()
    room_id = source_id if source_type == live_rules.SOURCE_TYPE else None
    held = list(_usable(buyer, list(drafts), now))  # two queries at most, whatever the stores
    products = services.product_sets(h.coupon for h in held)
    found = {}
    for store_id, draft in drafts.items():
        found[store_id] = [
            CouponOffer(
                coupon_id=offer.held.pk,
                label=f"{services.label(offer.held.coupon)} · {offer.held.coupon.name}",
                amount_fen=offer.amount_fen,
                problem=offer.message,
            )
            for offer in offers(buyer, draft, now, room_id=room_id, held=held, products=products)
        ]
    return found


def draft_of(store, lines: list[tuple[int, int, int, int]]) -> StoreOrderDraft:
    """A store order as the checkout page sees it: (sku id, product id, quantity, unit price) lines."""
    return StoreOrderDraft(
        store=store,
        lines=tuple(PricedLine(sku_id=s, product_id=p, quantity=q, unit_price_fen=u) for s, p, q, u in lines),
    )


CARDS_MAX = 6


def coupon_cards(store_id: int | None, product_id: int | None, room_id: int | None) -> list[dict]:
    """`content.cards.coupon_cards_resolver`: the coupons a buyer may claim now on a page, newest
    first, `{id, name, label, kind, sold_out, claim_url}` each: a live room's live coupons (`room_id`), else
    the store's store coupons and product coupons (with `product_id`, only that product's). One
    query."""
    now = clock.now()
    if room_id is not None:
        kinds = Q(kind=Kind.LIVE, live_room_id=room_id)
    elif product_id is not None:
        kinds = Q(kind=Kind.STORE) | Q(kind=Kind.PRODUCT, products=product_id)
    else:
        kinds = Q(kind=Kind.STORE) | Q(kind=Kind.PRODUCT)
    found = Coupon.objects.filter(
        kinds, state=CouponState.ACTIVE, claim_starts_at__lte=now, claim_ends_at__gt=now
    )
    if store_id is not None:
        found = found.filter(store_id=store_id)
    claim_url = reverse("coupons:claim")
    return [
        {
            "id": coupon.pk,
            "name": coupon.name,
            "label": services.label(coupon),
            "kind": coupon.kind,
            "sold_out": coupon.claimed_count >= coupon.total_quantity,
            "claim_url": claim_url,
        }
        for coupon in found.distinct().order_by("-pk")[:CARDS_MAX]
    ]


CHOICES_MAX = 200


def create_choices(store_id: int) -> tuple[list[Product], list[LiveRoom]]:
    """What the merchant page offers to name on a coupon or campaign: the store's products (not
    banned; newest first) and the live rooms not ended of the video accounts bound to it. Two
    queries."""
    products = list(
        Product.objects.filter(store_id=store_id)
        .exclude(state=ProductState.BANNED)
        .only("pk", "title")
        .order_by("-pk")[:CHOICES_MAX]
    )
    accounts = StoreLink.objects.filter(store_id=store_id, state=LinkState.BOUND).values("video_account_id")
    rooms = list(
        LiveRoom.objects.filter(account_id__in=accounts)
        .exclude(state=RoomState.ENDED)
        .only("pk", "title", "state")
        .order_by("-pk")[:CHOICES_MAX]
    )
    return products, rooms
