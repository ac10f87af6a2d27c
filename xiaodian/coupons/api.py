"""Coupons and campaigns: a store issues coupons and runs campaigns (product managers); buyers
list what they may claim, claim, and see their own; `POST /orders` takes `coupon_ids`."""

from django.db.models import Prefetch
from ninja import Query, Router, Schema
from pydantic import Field

from xiaodian.accounts.auth import public_auth
from xiaodian.accounts.rules import Perm
from xiaodian.catalog.models import Product
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.core.permissions import require_user
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from . import selectors, services
from .models import Campaign, Coupon
from .rules import BuyerCouponState
from .schemas import BuyerCouponOut, CampaignIn, CampaignOut, ClaimIn, CouponIn, CouponOut, CouponPatch

router = Router(tags=["coupons"])


def coupon_out(coupon: Coupon, now, *, report: bool = False) -> dict:
    out = {
        "id": coupon.pk,
        "store_id": coupon.store_id,
        "name": coupon.name,
        "kind": coupon.kind,
        "discount_type": coupon.discount_type,
        "label": services.label(coupon),
        "amount_fen": coupon.amount_fen,
        "threshold_fen": coupon.threshold_fen,
        "percent_off": coupon.percent_off,
        "cap_fen": coupon.cap_fen,
        "claim_starts_at": coupon.claim_starts_at,
        "claim_ends_at": coupon.claim_ends_at,
        "use_starts_at": coupon.use_starts_at,
        "use_ends_at": coupon.use_ends_at,
        "valid_days": coupon.valid_days,
        "total_quantity": coupon.total_quantity,
        "per_buyer_limit": coupon.per_buyer_limit,
        "claimed_count": coupon.claimed_count,
        "left": coupon.total_quantity - coupon.claimed_count,
        "state": selectors.coupon_state(coupon, now),
        "product_ids": sorted(p.pk for p in coupon.products.all()),
        "live_room_id": coupon.live_room_id,
    }
    if report:
        out |= {
            "used_count": coupon.used_count,  # type: ignore[attr-defined]
            "paid_fen": coupon.paid_fen,  # type: ignore[attr-defined]
            "discount_given_fen": coupon.discount_given_fen,  # type: ignore[attr-defined]
        }
    return out


class CouponFilter(Schema):
    manage: bool = Field(False, description="the store's own view: every coupon with its report")
    product_id: ObjectId | None = Field(None, description="claimable on this product's page")
    room_id: ObjectId | None = Field(None, description="with this live room's live coupons")


def _open_store(store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id, state=StoreState.OPEN).first()
    if store is None:
        raise DomainError("not_found")
    return store


@router.get("/stores/{store_id}/coupons", response=Page[CouponOut], auth=public_auth)
def list_coupons(request, store_id: ObjectId, filters: Query[CouponFilter], page: Query[PageParams]):
    """What a buyer may claim now (store and product coupons; a room's live coupons with
    `room_id`), or with `manage=true` (the store's staff) every coupon with its report: claimed,
    used, the paid amount of the orders that used it, the discount given."""
    now = clock.now()
    if filters.manage:
        store = store_for(request.auth, store_id, Perm.VIEW)
        found = paginate(selectors.store_report(store.pk), page)
        return {"items": [coupon_out(c, now, report=True) for c in found["items"]], "count": found["count"]}
    store = _open_store(store_id)
    found = paginate(
        selectors.claimable(store.pk, now, product_id=filters.product_id, room_id=filters.room_id), page
    )
    return {"items": [coupon_out(c, now) for c in found["items"]], "count": found["count"]}


@router.post("/stores/{store_id}/coupons", response={201: CouponOut})
def create_coupon(request, store_id: ObjectId, body: CouponIn):
    """A new coupon (product managers): a draft, or issued at once with `issue`."""
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    coupon = services.create_coupon(store=store, **body.dict())
    return 201, coupon_out(coupon, clock.now())


def _managed(request, coupon_id: int) -> Store:
    store_id = Coupon.objects.filter(pk=coupon_id).values_list("store_id", flat=True).first()
    if store_id is None:
        require_user(request.auth)
        raise DomainError("not_found")
    return store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)


@router.patch("/coupons/{coupon_id}", response=CouponOut)
def update_coupon(request, coupon_id: ObjectId, body: CouponPatch):
    """Change a draft in any field, an issued coupon's name and total; `state: "active"` issues."""
    store = _managed(request, coupon_id)
    changes = body.dict(exclude_unset=True)
    product_ids = changes.pop("product_ids", None)
    coupon = services.update_coupon(
        store=store, coupon_id=coupon_id, changes=changes, product_ids=product_ids
    )
    return coupon_out(coupon, clock.now())


@router.post("/coupons/{coupon_id}/stop", response=CouponOut)
def stop_coupon(request, coupon_id: ObjectId):
    """Stop issuing (again: the same answer); coupons already claimed stay usable."""
    store = _managed(request, coupon_id)
    return coupon_out(services.stop_coupon(store=store, coupon_id=coupon_id), clock.now())


def held_out(held, now) -> dict:
    return {
        "id": held.pk,
        "coupon": coupon_out(held.coupon, now),
        "store_name": held.coupon.store.name,
        "state": selectors.held_state(held, now),
        "valid_from": held.valid_from,
        "valid_until": held.valid_until,
        "claimed_at": held.claimed_at,
        "order_id": held.order_id,
        "discount_fen": held.discount_fen,
    }


@router.post("/coupons/{coupon_id}/claim", response={201: BuyerCouponOut})
@refuses("coupon_not_claimable", "coupon_sold_out", "coupon_limit_reached")
def claim_coupon(request, coupon_id: ObjectId, body: ClaimIn | None = None):
    """Claim one (a live coupon only in its live room while it is live: `room_id`)."""
    require_user(request.auth)
    held = services.claim_coupon(
        buyer=request.auth, coupon_id=coupon_id, room_id=body.room_id if body else None
    )
    held = (
        selectors.buyer_coupons(request.auth, clock.now())
        .prefetch_related("coupon__products")
        .get(pk=held.pk)
    )
    return 201, held_out(held, clock.now())


class MineFilter(Schema):
    state: BuyerCouponState | None = None
    store_id: ObjectId | None = None


@router.get("/me/coupons", response=Page[BuyerCouponOut])
def my_coupons(request, filters: Query[MineFilter], page: Query[PageParams]):
    """The buyer's coupons, soonest to expire first (`state`: unused, used, returned, expired)."""
    require_user(request.auth)
    now = clock.now()
    found = paginate(
        selectors.buyer_coupons(
            request.auth, now, state=filters.state, store_id=filters.store_id
        ).prefetch_related(Prefetch("coupon__products", queryset=Product.objects.only("pk"))),
        page,
    )
    return {"items": [held_out(h, now) for h in found["items"]], "count": found["count"]}


def campaign_out(campaign: Campaign, now) -> dict:
    return {
        "id": campaign.pk,
        "store_id": campaign.store_id,
        "name": campaign.name,
        "product_ids": sorted(p.pk for p in campaign.products.all()),
        "tiers": [{"threshold_fen": t, "off_fen": o} for t, o in campaign.tiers],
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "state": selectors.campaign_state(campaign, now),
    }


@router.get("/stores/{store_id}/campaigns", response=Page[CampaignOut], auth=public_auth)
def list_campaigns(request, store_id: ObjectId, page: Query[PageParams], manage: bool = False):
    """The store's running campaigns (with `manage=true`, its staff see every one)."""
    now = clock.now()
    if manage:
        found = selectors.campaigns_of(store_for(request.auth, store_id, Perm.VIEW).pk)
    else:
        found = selectors.campaigns_of(_open_store(store_id).pk).filter(
            state="active", starts_at__lte=now, ends_at__gt=now
        )
    listed = paginate(found, page)
    return {"items": [campaign_out(c, now) for c in listed["items"]], "count": listed["count"]}


@router.post("/stores/{store_id}/campaigns", response={201: CampaignOut})
def create_campaign(request, store_id: ObjectId, body: CampaignIn):
    """A full-reduction campaign over some of the store's products (product managers)."""
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    payload = body.dict()
    payload["tiers"] = [[tier["threshold_fen"], tier["off_fen"]] for tier in payload["tiers"]]
    return 201, campaign_out(services.create_campaign(store=store, **payload), clock.now())


@router.post("/campaigns/{campaign_id}/stop", response=CampaignOut)
def stop_campaign(request, campaign_id: ObjectId):
    store_id = Campaign.objects.filter(pk=campaign_id).values_list("store_id", flat=True).first()
    if store_id is None:
        require_user(request.auth)
        raise DomainError("not_found")
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    return campaign_out(services.stop_campaign(store=store, campaign_id=campaign_id), clock.now())
