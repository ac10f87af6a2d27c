"""Writes for coupons and full-reduction campaigns, and their part in the checkout.

- A store creates coupons (draft), issues them (active) and stops them; it runs campaigns.
- A buyer claims a coupon: the total is taken by one conditional UPDATE (`claimed_count <
  total_quantity`) and the per-buyer limit is checked under the buyer's row lock, with a unique
  `(coupon, buyer, seq)` behind it; so neither is exceeded under any concurrency.
- At checkout (orders.extensions): `checkout_discounts` prices the chosen coupons and the
  campaigns per store order (reads only); `take_coupons`, a hold inside the checkout's
  transaction, uses each chosen coupon by one conditional UPDATE (a coupon is used by at most one
  order).
- Coupons come back (`return_coupons`, on `order_cancelled`) when their order closes unpaid, or is
  cancelled or fully refunded before they expire; `take_back_for_reopen` (an orders reopen hold,
  in the payment's transaction) takes one again if its order is paid after closing, or refuses,
  and the late payment is refunded, when the buyer used it elsewhere meanwhile.
"""

import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Product
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.money import format_fen
from xiaodian.core.text import is_storable
from xiaodian.live import rules as live_rules
from xiaodian.live.models import LiveRoom
from xiaodian.live.rules import RoomState
from xiaodian.orders.extensions import CheckoutContext, Discount, StoreOrderDraft, Written
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.stores import services as stores
from xiaodian.stores.models import Store, StoreLink
from xiaodian.stores.rules import LinkState, StoreState

from . import rules
from .models import BuyerCoupon, Campaign, Coupon
from .rules import USABLE, BuyerCouponState, CampaignState, CouponState, DiscountType, Kind

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------ merchants

_FIELDS = (
    "name",
    "kind",
    "discount_type",
    "amount_fen",
    "threshold_fen",
    "percent_off",
    "cap_fen",
    "claim_starts_at",
    "claim_ends_at",
    "use_starts_at",
    "use_ends_at",
    "valid_days",
    "total_quantity",
    "per_buyer_limit",
    "live_room_id",
)
# What may still change once a coupon is issued (buyers hold it as it was).
_ISSUED_FIELDS = {"name", "total_quantity"}


def _invalid(field: str, message: str | None = None) -> DomainError:
    return DomainError("validation_error", message, field=field)


def _int(values: dict, field: str, low: int, high: int) -> int:
    value = values.get(field)
    if type(value) is not int or not low <= value <= high:
        raise _invalid(field)
    return value


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > rules.NAME_MAX or not is_storable(name):
        raise _invalid("name", _("名称需为 1–%(n)d 个字符。") % {"n": rules.NAME_MAX})
    return name


YEAR_MIN, YEAR_MAX = 2000, 9000  # as a live room's schedule (live.services)


def _aware(value: Any) -> Any:
    """A time without a zone is Shanghai's."""
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, clock.SHANGHAI)
    return value


def _window(starts: Any, ends: Any, field: str) -> None:
    if not isinstance(starts, datetime) or not isinstance(ends, datetime):
        raise _invalid(field)
    # The year first: a zone's offset near year 1 or 9999 overflows on the way to UTC (a 500 on
    # SQLite, a row PostgreSQL stores but no driver can read back).
    if not all(YEAR_MIN <= moment.year <= YEAR_MAX for moment in (starts, ends)):
        raise _invalid(field)
    if ends <= starts or ends - starts > rules.WINDOW_MAX:
        raise _invalid(field, _("结束时间须晚于开始时间，且时长不超过一年。"))


def _clean_coupon(
    store: Store, values: dict, product_ids: Sequence[int] | None
) -> tuple[dict, list[Product]]:
    """A coupon's fields, checked together (the kind with its products or room, the discount with
    its amounts, the windows); answers the fields and, for a product coupon, its products."""
    values = {key: _aware(values.get(key)) for key in _FIELDS}
    values["name"] = _name(values["name"])
    if values["kind"] not in Kind.values:
        raise _invalid("kind")
    kind, dtype = values["kind"], values["discount_type"]
    if dtype == DiscountType.THRESHOLD_OFF:
        values["threshold_fen"] = _int(values, "threshold_fen", 2, rules.AMOUNT_MAX_FEN)
        values["amount_fen"] = _int(values, "amount_fen", 1, values["threshold_fen"] - 1)
        values["percent_off"] = values["cap_fen"] = 0
    elif dtype == DiscountType.AMOUNT_OFF:
        values["amount_fen"] = _int(values, "amount_fen", 1, rules.AMOUNT_MAX_FEN)
        values["threshold_fen"] = values["percent_off"] = values["cap_fen"] = 0
    elif dtype == DiscountType.PERCENT_OFF:
        values["percent_off"] = _int(values, "percent_off", rules.PERCENT_MIN, rules.PERCENT_MAX)
        values["cap_fen"] = _int(
            {**values, "cap_fen": values["cap_fen"] or 0}, "cap_fen", 0, rules.AMOUNT_MAX_FEN
        )
        values["threshold_fen"] = _int(
            {**values, "threshold_fen": values["threshold_fen"] or 0},
            "threshold_fen",
            0,
            rules.AMOUNT_MAX_FEN,
        )
        values["amount_fen"] = 0
    else:
        raise _invalid("discount_type")
    _window(values["claim_starts_at"], values["claim_ends_at"], "claim_ends_at")
    if values["valid_days"] is not None:
        if values["use_starts_at"] is not None or values["use_ends_at"] is not None:
            raise _invalid("valid_days", _("用券时间：固定时段或领取后 N 天，二选一。"))
        _int(values, "valid_days", 1, rules.VALID_DAYS_MAX)
    else:
        _window(values["use_starts_at"], values["use_ends_at"], "use_ends_at")
        if values["use_ends_at"] <= values["claim_starts_at"]:
            raise _invalid("use_ends_at", _("用券结束时间须晚于开始领取的时间。"))
    values["total_quantity"] = _int(values, "total_quantity", 1, rules.TOTAL_MAX)
    values["per_buyer_limit"] = _int(
        {**values, "per_buyer_limit": values["per_buyer_limit"] or 1},
        "per_buyer_limit",
        1,
        rules.PER_BUYER_MAX,
    )
    products: list[Product] = []
    if kind == Kind.PRODUCT:
        ids = sorted(set(product_ids or ()))
        if not 1 <= len(ids) <= rules.PRODUCTS_MAX:
            raise _invalid("product_ids", _("商品券须选择 1–%(n)d 个本店商品。") % {"n": rules.PRODUCTS_MAX})
        products = list(Product.objects.filter(store=store, pk__in=ids))
        if len(products) != len(ids):
            raise _invalid("product_ids", _("只能选择本店的商品。"))
    elif product_ids:
        raise _invalid("product_ids", _("只有商品券可以指定商品。"))
    if kind == Kind.LIVE:
        room_id = values["live_room_id"]
        room = LiveRoom.objects.filter(pk=room_id).first() if type(room_id) is int and room_id >= 1 else None
        bound = (
            room is not None
            and room.state != RoomState.ENDED
            and StoreLink.objects.filter(
                store=store, video_account_id=room.account_id, state=LinkState.BOUND
            ).exists()
        )
        if not bound:
            raise _invalid("live_room_id", _("直播券须指定一个未结束、且视频号已关联本店的直播间。"))
    elif values["live_room_id"] is not None:
        raise _invalid("live_room_id", _("只有直播券可以指定直播间。"))
    return values, products


def create_coupon(
    *, store: Store, product_ids: Sequence[int] | None = None, issue: bool = False, **fields: Any
) -> Coupon:
    """A new coupon of the store: a draft, or issued at once with `issue`."""
    values, products = _clean_coupon(store, fields, product_ids)
    now = clock.now()
    with transaction.atomic():
        coupon = Coupon.objects.create(
            store=store,
            created_at=now,
            state=CouponState.ACTIVE if issue else CouponState.DRAFT,
            issued_at=now if issue else None,
            **values,
        )
        coupon.products.set(products)
    return coupon


def _stores_coupon(store_ids: Iterable[int], coupon_id: int, *, lock: bool = False) -> Coupon:
    found = Coupon.objects.filter(pk=coupon_id, store_id__in=list(store_ids))
    coupon = (found.select_for_update() if lock else found).first()
    if coupon is None:
        raise DomainError("not_found")
    return coupon


def update_coupon(
    *, store: Store, coupon_id: int, changes: Mapping[str, Any], product_ids: Sequence[int] | None = None
) -> Coupon:
    """Change a coupon of `store`: a draft in any field (checked again as a whole), an issued one
    only its name and total (never below what was claimed). `state: "active"` issues a draft."""
    changes = dict(changes)
    issue = changes.pop("state", None)
    if issue not in (None, CouponState.ACTIVE):
        raise _invalid("state", _("停止请用停止接口。"))
    with transaction.atomic():
        coupon = _stores_coupon([store.pk], coupon_id, lock=True)
        if coupon.state == CouponState.DRAFT:
            values = {key: getattr(coupon, key) for key in _FIELDS} | changes
            ids = (
                product_ids if product_ids is not None else list(coupon.products.values_list("pk", flat=True))
            )
            values, products = _clean_coupon(store, values, ids)
            for key, value in values.items():
                setattr(coupon, key, value)
            coupon.products.set(products)
        else:
            if set(changes) - _ISSUED_FIELDS or product_ids is not None:
                raise DomainError("invalid_transition", _("已发放的优惠券只能修改名称和发放总量。"))
            if coupon.state == CouponState.STOPPED and changes:
                raise DomainError("invalid_transition")
            if "name" in changes:
                coupon.name = _name(changes["name"])
            if "total_quantity" in changes:
                coupon.total_quantity = _int(
                    changes, "total_quantity", max(1, coupon.claimed_count), rules.TOTAL_MAX
                )
        if issue == CouponState.ACTIVE and coupon.state != CouponState.ACTIVE:
            if coupon.state != CouponState.DRAFT:
                raise DomainError("invalid_transition")
            coupon.state, coupon.issued_at = CouponState.ACTIVE, clock.now()
        coupon.save()
    return coupon


def stop_coupon(*, store: Store, coupon_id: int) -> Coupon:
    """Stop issuing: nobody claims it any more; coupons already claimed stay usable."""
    with transaction.atomic():
        coupon = _stores_coupon([store.pk], coupon_id, lock=True)
        if coupon.state == CouponState.STOPPED:
            return coupon
        now = clock.now()
        Coupon.objects.filter(pk=coupon.pk).update(state=CouponState.STOPPED, stopped_at=now)
        coupon.state, coupon.stopped_at = CouponState.STOPPED, now
    return coupon


def create_campaign(
    *,
    store: Store,
    name: str,
    product_ids: Sequence[int],
    tiers: Sequence[Sequence[int]],
    starts_at: datetime,
    ends_at: datetime,
) -> Campaign:
    """A full-reduction campaign over some of the store's products, live from `starts_at`."""
    name = _name(name)
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    _window(starts_at, ends_at, "ends_at")
    if ends_at <= clock.now():
        raise _invalid("ends_at", _("结束时间须晚于现在。"))
    clean = _clean_tiers(tiers)
    ids = sorted(set(product_ids))
    if not 1 <= len(ids) <= rules.PRODUCTS_MAX:
        raise _invalid("product_ids", _("须选择 1–%(n)d 个本店商品。") % {"n": rules.PRODUCTS_MAX})
    products = list(Product.objects.filter(store=store, pk__in=ids))
    if len(products) != len(ids):
        raise _invalid("product_ids", _("只能选择本店的商品。"))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            store=store, name=name, tiers=clean, starts_at=starts_at, ends_at=ends_at, created_at=clock.now()
        )
        campaign.products.set(products)
        # The checkout looks for campaigns only while one may be running (stores.Store.promotions_until).
        stores.extend_promotions(store_id=store.pk, until=ends_at)
    return campaign


def _clean_tiers(tiers: Sequence[Sequence[int]]) -> list[list[int]]:
    """1–TIERS_MAX tiers of [threshold, off], 0 < off < threshold, thresholds and offs rising."""
    try:
        clean = sorted([int(t), int(o)] for t, o in tiers if type(t) is int and type(o) is int)
    except (TypeError, ValueError):
        raise _invalid("tiers") from None
    ok = len(clean) == len(tiers) and 1 <= len(clean) <= rules.TIERS_MAX
    ok = ok and all(0 < off < threshold <= rules.AMOUNT_MAX_FEN for threshold, off in clean)
    ok = ok and all(a[0] < b[0] and a[1] < b[1] for a, b in itertools.pairwise(clean))
    if not ok:
        raise _invalid(
            "tiers",
            _("满减档位：1–%(n)d 档，每档满 X 减 Y（0 < Y < X），档位递增。") % {"n": rules.TIERS_MAX},
        )
    return clean


def stop_campaign(*, store: Store, campaign_id: int) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id, store=store).first()
        if campaign is None:
            raise DomainError("not_found")
        if campaign.state != CampaignState.STOPPED:
            campaign.state, campaign.stopped_at = CampaignState.STOPPED, clock.now()
            campaign.save(update_fields=["state", "stopped_at"])
    return campaign


# --------------------------------------------------------------------------------- buyers


def _not_claimable(coupon: Coupon, now: datetime) -> str | None:
    if coupon.state == CouponState.STOPPED:
        return _("优惠券已停止发放。")
    if coupon.store.state != StoreState.OPEN:
        return _("店铺暂停营业，优惠券不能领取。")
    if now < coupon.claim_starts_at:
        return _("还没到领取时间。")
    if now >= coupon.claim_ends_at:
        return _("领取时间已过。")
    return None


def validity(coupon: Coupon, claimed_at: datetime) -> tuple[datetime, datetime]:
    """When a coupon claimed at `claimed_at` may be used: its fixed window, or N days from the claim."""
    if coupon.valid_days is not None:
        return claimed_at, claimed_at + timedelta(days=coupon.valid_days)
    assert coupon.use_starts_at is not None and coupon.use_ends_at is not None
    return coupon.use_starts_at, coupon.use_ends_at


def claim_coupon(*, buyer: User, coupon_id: int, room_id: int | None = None) -> BuyerCoupon:
    """The buyer claims one of the coupon (from the store page, a product page, or, for a live
    coupon, only its live room while it is live: `room_id`)."""
    coupon = (
        Coupon.objects.filter(pk=coupon_id).exclude(state=CouponState.DRAFT).select_related("store").first()
    )
    if coupon is None:
        raise DomainError("not_found")
    now = clock.now()
    if (why := _not_claimable(coupon, now)) is not None:
        raise DomainError("coupon_not_claimable", why)
    if coupon.kind == Kind.LIVE and (
        room_id != coupon.live_room_id
        or not LiveRoom.objects.filter(pk=room_id or 0, state=RoomState.LIVE).exists()
    ):
        raise DomainError("coupon_not_claimable", _("直播券只能在直播中的直播间里领取。"), field="room_id")
    valid_from, valid_until = validity(coupon, now)
    if valid_until <= now:
        raise DomainError("coupon_not_claimable", _("这张优惠券的使用期已过。"))
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=buyer.pk).first()  # one claim of a buyer at a time
            held = BuyerCoupon.objects.filter(coupon=coupon, buyer=buyer).count()
            if held >= coupon.per_buyer_limit:
                raise DomainError(
                    "coupon_limit_reached",
                    _("每人限领 %(n)d 张，你已领完。") % {"n": coupon.per_buyer_limit},
                )
            taken = Coupon.objects.filter(
                pk=coupon.pk,
                state=CouponState.ACTIVE,
                claim_ends_at__gt=now,
                claimed_count__lt=F("total_quantity"),
            ).update(claimed_count=F("claimed_count") + 1)
            if not taken:
                if Coupon.objects.filter(pk=coupon.pk, state=CouponState.ACTIVE).exists():
                    raise DomainError("coupon_sold_out")
                raise DomainError("coupon_not_claimable", _("优惠券已停止发放。"))
            return BuyerCoupon.objects.create(
                coupon=coupon,
                buyer=buyer,
                seq=held + 1,
                valid_from=valid_from,
                valid_until=valid_until,
                claimed_at=now,
            )
    except IntegrityError:  # (the lock above makes this the database's word only)
        raise DomainError(
            "coupon_limit_reached", _("每人限领 %(n)d 张，你已领完。") % {"n": coupon.per_buyer_limit}
        ) from None


# ------------------------------------------------------------------------------- checkout


def label(coupon: Coupon) -> str:
    """How a coupon's discount reads: 满 ¥199.00 减 ¥20.00, 8.5 折, 立减 ¥5.00."""
    if coupon.discount_type == DiscountType.THRESHOLD_OFF:
        return _("满 %(t)s 减 %(a)s") % {
            "t": format_fen(coupon.threshold_fen),
            "a": format_fen(coupon.amount_fen),
        }
    if coupon.discount_type == DiscountType.AMOUNT_OFF:
        return _("立减 %(a)s") % {"a": format_fen(coupon.amount_fen)}
    text = _("%(p)s 折") % {"p": f"{(100 - coupon.percent_off) / 10:g}"}
    if coupon.threshold_fen:
        text = _("满 %(t)s 打 %(d)s") % {"t": format_fen(coupon.threshold_fen), "d": text}
    if coupon.cap_fen:
        text += _("，最多减 %(c)s") % {"c": format_fen(coupon.cap_fen)}
    return text


def tier_label(threshold_fen: int, off_fen: int) -> str:
    """A campaign's tier as it reads: 满 ¥199.00 减 ¥20.00."""
    return _("满 %(t)s 减 %(a)s") % {"t": format_fen(threshold_fen), "a": format_fen(off_fen)}


@dataclass(frozen=True)
class Priced:
    """What a buyer coupon would take off one store order, or why it cannot be used."""

    amount_fen: int = 0
    reason: str = ""  # a key of rules.NOT_USABLE ("" when usable)
    message: str = ""


def price_coupon(
    held: BuyerCoupon,
    product_ids: frozenset[int] | None,
    draft: StoreOrderDraft,
    *,
    room_id: int | None,
    now: datetime,
) -> Priced:
    """What `held` takes off the store order `draft`, bought in `room_id` (a live room's checkout)
    or not. `product_ids` are a product coupon's products."""
    coupon = held.coupon

    def refuse(reason: str, **params: str) -> Priced:
        return Priced(
            reason=reason,
            message=str(rules.NOT_USABLE[reason]) % params if params else str(rules.NOT_USABLE[reason]),
        )

    if held.state not in USABLE:
        return refuse("used")
    if now >= held.valid_until:
        return refuse("expired")
    if now < held.valid_from:
        return refuse("not_yet_valid")
    if coupon.store_id != draft.store.pk:
        return refuse("other_store")
    if coupon.kind == Kind.LIVE and room_id != coupon.live_room_id:
        return refuse("outside_room")
    lines = draft.lines if product_ids is None else [ln for ln in draft.lines if ln.product_id in product_ids]
    eligible = sum(line.total_fen for line in lines)
    if not eligible:
        return refuse("other_products")
    if eligible < coupon.threshold_fen:
        return refuse(
            "threshold",
            short=format_fen(coupon.threshold_fen - eligible),
            threshold=format_fen(coupon.threshold_fen),
        )
    if coupon.discount_type == DiscountType.PERCENT_OFF:
        amount = rules.percent_off_fen(eligible, coupon.percent_off, coupon.cap_fen)
    else:
        amount = coupon.amount_fen
    return Priced(amount_fen=min(amount, eligible))


def product_sets(coupons: Iterable[Coupon]) -> dict[int, frozenset[int]]:
    """The products of each product coupon among `coupons` (one query, none without one)."""
    ids = [c.pk for c in coupons if c.kind == Kind.PRODUCT]
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    if ids:
        for coupon_id, product_id in Coupon.products.through.objects.filter(coupon_id__in=ids).values_list(
            "coupon_id", "product_id"
        ):
            found[coupon_id].add(product_id)
    return {pk: frozenset(products) for pk, products in found.items()}


def _room_of(context: CheckoutContext) -> int | None:
    return context.source_id if context.source_type == live_rules.SOURCE_TYPE else None


def checkout_discounts(context: CheckoutContext, drafts: Mapping[int, StoreOrderDraft]) -> list[Discount]:
    """The orders' `discounts` extension: per store order, its best running campaign, then the
    buyer's chosen coupon (one per store order). A chosen coupon that cannot be used refuses the
    checkout (`coupon_not_usable`, the message says why)."""
    now = clock.now()
    found = _campaign_discounts(drafts, now)
    if context.coupon_ids:
        found += _coupon_discounts(context, drafts, now)
    return found


def _campaign_discounts(drafts: Mapping[int, StoreOrderDraft], now: datetime) -> list[Discount]:
    running = [
        store_id
        for store_id, draft in drafts.items()
        if draft.store.promotions_until is not None and draft.store.promotions_until > now
    ]
    if not running:
        return []
    campaigns = list(
        Campaign.objects.filter(
            store_id__in=running, state=CampaignState.ACTIVE, starts_at__lte=now, ends_at__gt=now
        ).prefetch_related("products")
    )
    found = []
    for store_id in running:
        best: tuple[int, Campaign] | None = None
        for campaign in campaigns:
            if campaign.store_id != store_id:
                continue
            named = {p.pk for p in campaign.products.all()}
            eligible = sum(ln.total_fen for ln in drafts[store_id].lines if ln.product_id in named)
            off = rules.best_tier(eligible, campaign.tiers)
            if off and (best is None or off > best[0]):
                best = (off, campaign)
        if best is not None:
            off, campaign = best
            found.append(
                Discount(
                    store_id=store_id,
                    amount_fen=off,
                    reason="campaign",
                    reference=f"campaign:{campaign.pk}",
                    label=campaign.name,
                )
            )
    return found


def _coupon_discounts(
    context: CheckoutContext, drafts: Mapping[int, StoreOrderDraft], now: datetime
) -> list[Discount]:
    chosen = list(
        BuyerCoupon.objects.select_related("coupon").filter(pk__in=context.coupon_ids, buyer=context.buyer)
    )
    if len(chosen) != len(context.coupon_ids):
        raise DomainError("not_found", field="coupon_ids")
    products = product_sets(held.coupon for held in chosen)
    room_id = _room_of(context)
    taken: dict[int, BuyerCoupon] = {}
    found = []
    for held in chosen:
        draft = drafts.get(held.coupon.store_id)
        if draft is None:
            raise _refusal("other_store")
        if held.coupon.store_id in taken:
            raise _refusal("one_per_order")
        priced = price_coupon(held, products.get(held.coupon_id), draft, room_id=room_id, now=now)
        if priced.reason:
            raise DomainError(
                "coupon_not_usable", priced.message, field="coupon_ids", extra={"reason": priced.reason}
            )
        taken[held.coupon.store_id] = held
        found.append(
            Discount(
                store_id=draft.store.pk,
                amount_fen=priced.amount_fen,
                reason="coupon",
                reference=f"coupon:{held.pk}",
                label=held.coupon.name,
            )
        )
    context.memo["coupons"] = taken
    return found


def _refusal(reason: str) -> DomainError:
    return DomainError(
        "coupon_not_usable", str(rules.NOT_USABLE[reason]), field="coupon_ids", extra={"reason": reason}
    )


def take_coupons(context: CheckoutContext, written: Written) -> None:
    """The orders' hold, inside the checkout's transaction: each chosen coupon is used by its store
    order, by one conditional UPDATE (still usable, not expired); one used meanwhile by another
    checkout refuses this one."""
    taken: dict[int, BuyerCoupon] = context.memo.get("coupons", {})
    if not taken:
        return
    now = clock.now()
    for order in written.orders:
        held = taken.get(order.store_id)
        if held is None:
            continue
        given = sum(d["amount_fen"] for d in order.discounts if d["reference"] == f"coupon:{held.pk}")
        if not given:  # nothing left to take off (campaigns took the order to its 1-fen floor): kept
            continue
        if not BuyerCoupon.objects.filter(pk=held.pk, state__in=USABLE, valid_until__gt=now).update(
            state=BuyerCouponState.USED, order=order, used_at=now, discount_fen=given
        ):
            raise _refusal("used")


# ------------------------------------------------------------------------------- returns

_CANCELLED = (Status.CANCELLED_UNPAID, Status.CANCELLED_OVERSOLD, Status.CANCELLED_REFUNDED)


def return_coupons(*, order_ids: Iterable[int]) -> int:
    """`order_cancelled`'s handler: the coupons of orders that closed unpaid come back to their
    buyers; those of orders cancelled after payment (oversold, a gift nobody accepted, fully
    refunded) come back only before they expire. Each coupon once, and only while its order is
    still cancelled (its row locked, as a late payment locks it to reopen it). Answers how many."""
    returned = 0
    now = clock.now()
    used = BuyerCoupon.objects.filter(order_id__in=list(order_ids), state=BuyerCouponState.USED).order_by(
        "pk"
    )
    for held in used:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update().filter(pk=held.order_id or 0, status__in=_CANCELLED).first()
            )
            if order is None:
                continue  # paid meanwhile, or not cancelled: the coupon stays used
            if order.paid_at is not None and now >= held.valid_until:
                continue  # refunded after the coupon expired: it stays used
            returned += BuyerCoupon.objects.filter(
                pk=held.pk, order_id=order.pk, state=BuyerCouponState.USED
            ).update(state=BuyerCouponState.RETURNED, returned_at=now)
    return returned


def take_back_for_reopen(order: Order) -> None:
    """orders.extensions.reopen_holds: a closed order paid late (inside the payment's transaction,
    the order's row locked) takes again the coupon it gave back when it closed; if the buyer has
    used that coupon on another order meanwhile, it refuses, and the order is cancelled and its
    payment refunded (orders.apply_payment) — never one coupon discounting two paid orders."""
    for held_id in coupon_references(order.discounts):
        mine = BuyerCoupon.objects.filter(pk=held_id, order_id=order.pk)
        if mine.filter(state=BuyerCouponState.RETURNED).update(state=BuyerCouponState.USED):
            continue
        if not mine.filter(state=BuyerCouponState.USED).exists():  # (never given back: still its own)
            raise _refusal("used")


def coupon_references(discounts: list[dict]) -> list[int]:
    """The buyer coupons named in an order's `discounts`."""
    return [
        int(d["reference"].split(":", 1)[1])
        for d in discounts
        if d.get("reason") == "coupon" and str(d.get("reference", "")).startswith("coupon:")
    ]
