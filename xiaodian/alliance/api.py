"""The alliance's endpoints (mirroring WeChat Store's league API in our conventions): a store
enables it and runs plans (owner and admins); a promoter joins, browses the library, keeps a
showcase and makes promotion links."""

from ninja import Query, Router

from xiaodian.accounts.auth import public_auth
from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.core.permissions import require_operator, require_user
from xiaodian.stores.access import store_for

from . import reports, selectors, services
from .models import LivePromotion, Plan, Promoter, PromotionLink, ShowcaseItem, StoreAlliance
from .schemas import (
    AgencyCreatorsOut,
    AgencyIn,
    AllianceOut,
    CommissionOrderOut,
    DaysParams,
    EarningsDailyOut,
    EarningsOut,
    JoinIn,
    LibraryFilter,
    LibraryItemOut,
    LivePromotionIn,
    LivePromotionOut,
    OverviewOut,
    PerformanceOut,
    PerformanceParams,
    PlanOut,
    PlansIn,
    PlansOut,
    PromotedProductOut,
    PromoterOut,
    PromotionLinkIn,
    PromotionLinkOut,
    ShowcaseIn,
    ShowcaseItemOut,
    VideoPromotionOut,
)

router = Router(tags=["alliance"])


def alliance_out(store, enabled: StoreAlliance | None) -> dict:
    return {
        "store_id": store.pk,
        "enabled": enabled is not None,
        "enabled_at": enabled.enabled_at if enabled else None,
        "conditions": [c.as_dict() for c in selectors.eligibility(store)],
    }


@router.get("/stores/{store_id}/alliance", response=AllianceOut)
def store_alliance(request, store_id: ObjectId):
    """Whether the store has enabled the alliance, and each eligibility condition, met or not."""
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    return alliance_out(store, StoreAlliance.objects.filter(store=store).first())


@router.post("/stores/{store_id}/alliance", response=AllianceOut)
@refuses("alliance_not_eligible")
def enable_alliance(request, store_id: ObjectId):
    """Enable the alliance (owner, admin): an enterprise or individual business, score ≥ 4.0 or
    none yet, no violation in 30 days. A refusal (`alliance_not_eligible`) lists every unmet
    condition in `conditions`. Enabling again answers the same."""
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    return alliance_out(store, services.enable_alliance(store=store, by=request.auth))


def plan_out(plan: Plan) -> dict:
    return {
        "id": plan.pk,
        "store_id": plan.store_id,
        "product_id": plan.product_id,
        "product_title": plan.product.title,
        "kind": plan.kind,
        "commission_ratio_ppm": plan.commission_ratio_ppm,
        "service_ratio_ppm": plan.service_ratio_ppm,
        "starts_at": plan.starts_at,
        "ends_at": plan.ends_at,
        "stopped_at": plan.stopped_at,
        "state": selectors.plan_state(plan),
        "promoters": [
            {"id": row.promoter.pk, "name": row.promoter.name, "kind": row.promoter.kind}
            for row in plan.listed.all()
        ],
    }


@router.get("/stores/{store_id}/alliance/plans", response=Page[PlanOut])
@refuses("alliance_not_enabled")
def store_plans(request, store_id: ObjectId, page: Query[PageParams]):
    """The store's plans, newest first (owner, admin)."""
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    services.require_enabled(store)
    result = paginate(selectors.store_plans(store), page)
    result["items"] = [plan_out(p) for p in result["items"]]
    return result


@router.post("/stores/{store_id}/alliance/plans", response={201: PlansOut})
@refuses(
    "alliance_not_enabled",
    "alliance_ratio_invalid",
    "alliance_too_many_products",
    "alliance_product_invalid",
    "alliance_plan_dates_invalid",
    "alliance_open_plan_required",
    "alliance_exclusive_conflict",
    "alliance_plan_exists",
    "alliance_promoters_invalid",
)
def create_plans(request, store_id: ObjectId, body: PlansIn):
    """One plan per product (1–20 of the store's listed products), all or nothing: type 1 open,
    2 targeted (needs the open plan live; names 1–30 promoters), 3 exclusive (names its promoters;
    never beside an open plan). Ratios in parts per million, 0–900000."""
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    plans = services.create_plans(store=store, by=request.auth, **body.dict())
    rows = selectors.store_plans(store).filter(pk__in=[p.pk for p in plans]).order_by("pk")
    return 201, {"items": [plan_out(p) for p in rows]}


@router.post("/alliance/plans/{plan_id}/stop", response=PlanOut)
@refuses("alliance_plan_not_live")
def stop_plan(request, plan_id: ObjectId):
    """Stop a plan (owner, admin of its store): its links attribute nothing from now on."""
    plan = services.stop_plan(plan_id=plan_id, by=request.auth)
    return plan_out(selectors.store_plans(plan.store).get(pk=plan.pk))


def promoter_out(promoter: Promoter) -> dict:
    agency = selectors.agency_of(promoter)
    account = promoter.video_account
    return {
        "id": promoter.pk,
        "kind": promoter.kind,
        "name": promoter.name,
        "video_account_id": account.pk if account else None,
        "video_account_name": account.name if account else "",
        "agency_id": agency.pk if agency else None,
        "agency_name": agency.name if agency else "",
        "creators": promoter.members.count() if promoter.kind == "agency" else 0,
    }


@router.post("/alliance/promoters", response={201: PromoterOut})
@refuses("alliance_promoter_exists", "alliance_video_account_required")
def join(request, body: JoinIn):
    """Join the alliance as a promoter: a creator (with a video account of one's own), an agency,
    or a sharer."""
    require_user(request.auth)
    services.join_alliance(user=request.auth, **body.dict())
    return 201, promoter_out(selectors.promoter_of(request.auth))


@router.post("/alliance/promoters/me/agency", response=PromoterOut)
@refuses("alliance_promoter_required", "alliance_agency_invalid")
def join_agency(request, body: AgencyIn):
    """A creator joins an agency: plans that list the agency become the creator's to promote."""
    services.join_agency(promoter=selectors.promoter_of(request.auth), agency_id=body.agency_id)
    return promoter_out(selectors.promoter_of(request.auth))


@router.get("/alliance/promoters/{promoter_id}", response=PromoterOut)
def promoter(request, promoter_id: ObjectId):
    """A promoter's profile."""
    found = (
        Promoter.objects.select_related("video_account", "membership__agency").filter(pk=promoter_id).first()
    )
    if found is None:
        raise DomainError("not_found")
    return promoter_out(found)


def library_item(plan: Plan) -> dict:
    return {
        "plan_id": plan.pk,
        "kind": plan.kind,
        "product_id": plan.product_id,
        "title": plan.product.title,
        "store_id": plan.store_id,
        "store_name": plan.store.name,
        "price_fen": plan.price_fen,
        "commission_ratio_ppm": plan.commission_ratio_ppm,
        "service_ratio_ppm": plan.service_ratio_ppm,
        "commission_fen": selectors.commission_fen(plan.price_fen, plan.commission_ratio_ppm),
        "store_score": None if plan.store_score is None else str(plan.store_score),
        "sales": plan.sales,
        "rank": plan.rank,
        "ends_at": plan.ends_at,
    }


@router.get("/alliance/library", response=Page[LibraryItemOut])
@refuses("alliance_promoter_required")
def library(request, filters: Query[LibraryFilter], page: Query[PageParams]):
    """The product library: live plans the caller may promote (open plans, and targeted or
    exclusive plans listing the caller or its agency), one per product, ranked by commission ×
    store score × sales; `?category=` (with the categories under it), ratio and price ranges."""
    promoter = selectors.promoter_of(request.auth)
    rows = selectors.library(
        promoter,
        selectors.LibraryFilters(
            category_id=filters.category,
            ratio_min_ppm=filters.ratio_min_ppm,
            ratio_max_ppm=filters.ratio_max_ppm,
            price_min_fen=filters.price_min_fen,
            price_max_fen=filters.price_max_fen,
        ),
    )
    result = paginate(rows, page)
    result["items"] = [library_item(p) for p in result["items"]]
    return result


def showcase_out(item: ShowcaseItem) -> dict:
    return {
        "product_id": item.product_id,
        "title": item.product.title,
        "store_id": item.product.store_id,
        "added_at": item.added_at,
    }


@router.get("/alliance/showcase/items", response=Page[ShowcaseItemOut])
@refuses("alliance_promoter_required")
def showcase(request, page: Query[PageParams]):
    """The caller's showcase, newest first."""
    promoter = selectors.promoter_of(request.auth)
    result = paginate(selectors.showcase(promoter), page)
    result["items"] = [showcase_out(i) for i in result["items"]]
    return result


@router.post("/alliance/showcase/items", response={201: ShowcaseItemOut})
@refuses("alliance_promoter_required", "alliance_not_promotable")
def add_to_showcase(request, body: ShowcaseIn):
    """Add a library product to the showcase (again: the same item)."""
    promoter = selectors.promoter_of(request.auth)
    item = services.add_showcase_item(promoter=promoter, product_id=body.product_id)
    return 201, showcase_out(selectors.showcase(promoter).get(pk=item.pk))


@router.delete("/alliance/showcase/items", response={204: None})
@refuses("alliance_promoter_required")
def remove_from_showcase(request, product_id: ObjectId):
    """Take `?product_id=` out of the showcase (not there: nothing happens)."""
    services.remove_showcase_item(promoter=selectors.promoter_of(request.auth), product_id=product_id)
    return 204, None


def _listed(rows: list, page: PageParams) -> dict:
    return {"items": rows[page.offset : page.offset + page.limit], "count": len(rows)}


@router.get("/alliance/promoters/{promoter_id}/showcase", response=Page[PromotedProductOut], auth=public_auth)
def public_showcase(request, promoter_id: ObjectId, page: Query[PageParams]):
    """A promoter's public showcase (橱窗): the items that still attribute, newest first, each
    with the product page's URL carrying the showcase (`showcase`, scene 3 for a creator, 4
    otherwise): a purchase through it is attributed to the promoter."""
    promoter = Promoter.objects.select_related("membership__agency").filter(pk=promoter_id).first()
    if promoter is None:
        raise DomainError("not_found")
    return _listed(selectors.public_showcase(promoter), page)


@router.get("/alliance/live-rooms/{room_id}/promotions", response=Page[PromotedProductOut], auth=public_auth)
def room_promotions(request, room_id: ObjectId, page: Query[PageParams]):
    """The alliance products a live room's creator shows beside the room's shelf (those the
    creator may still promote), at the store's price; the URL carries the room (`live_promotion`,
    scene 2). A room without any answers an empty page."""
    return _listed(selectors.room_promotions(room_id), page)


def live_promotion_out(row: LivePromotion) -> dict:
    return {
        "room_id": row.room_id,
        "product_id": row.product_id,
        "promoter_id": row.promoter_id,
        "added_at": row.added_at,
    }


@router.post("/alliance/live-rooms/{room_id}/promotions", response={201: LivePromotionOut})
@refuses(
    "alliance_promoter_required", "alliance_video_account_required", "alliance_not_promotable", "shelf_full"
)
def add_room_promotion(request, room_id: ObjectId, body: LivePromotionIn):
    """Show a product the caller (a promoter) may promote in a live or scheduled room of its own
    video account (another's room, or an ended one: 404). Bought at the store's price, no flash stock; the line is
    attributed to the creator while the room is live. Again: the same row."""
    require_user(request.auth)
    row = services.add_live_promotion(user=request.auth, room_id=room_id, product_id=body.product_id)
    return 201, live_promotion_out(row)


@router.delete("/alliance/live-rooms/{room_id}/promotions/{product_id}", response={204: None})
def remove_room_promotion(request, room_id: ObjectId, product_id: ObjectId):
    """Take the product out of the caller's live or scheduled room (not there: nothing happens;
    another's room: 404)."""
    require_user(request.auth)
    services.remove_live_promotion(user=request.auth, room_id=room_id, product_id=product_id)
    return 204, None


@router.get("/alliance/videos", response=list[VideoPromotionOut])
@refuses("alliance_promoter_required")
def my_videos(request):
    """The caller's short videos with a product card (newest 50), each saying whether a purchase
    from it is attributed to the caller now, and under which plan."""
    rows = selectors.video_promotions(selectors.promoter_of(request.auth))
    return [
        {
            "video_id": v.video_id,
            "title": v.title,
            "published": v.published,
            "product_id": v.product_id,
            "attributes": v.published and v.plan is not None,
            "plan_id": v.plan.pk if v.plan else None,
            "commission_ratio_ppm": v.plan.commission_ratio_ppm if v.plan else None,
        }
        for v in rows
    ]


def link_out(request, link: PromotionLink) -> dict:
    return {
        "code": selectors.code_of(link.token),
        "plan_id": link.plan_id,
        "product_id": link.plan.product_id,
        "promoter_id": link.promoter_id,
        "agency_id": link.agency_id,
        "url": request.build_absolute_uri(selectors.product_url(link)),
        "short_url": request.build_absolute_uri(selectors.short_url(link)),
        "created_at": link.created_at,
    }


@router.post("/alliance/links", response={201: PromotionLinkOut})
@refuses("alliance_promoter_required", "alliance_not_promotable")
def make_link(request, body: PromotionLinkIn):
    """The caller's promotion link and share code for a plan it may promote (one per plan: asked
    again, the same). A buyer who opens it and buys has the line attributed to the caller."""
    link = services.make_link(promoter=selectors.promoter_of(request.auth), plan_id=body.plan_id)
    return 201, link_out(request, link)


def _commission_page(rows, page: PageParams) -> dict:
    result = paginate(rows, page)
    result["items"] = selectors.commission_orders(result["items"])
    return result


@router.get("/alliance/commissions", response=Page[CommissionOrderOut])
def my_commissions(request, page: Query[PageParams]):
    """The caller's commission orders (as a promoter, or an agency's service fees), newest first."""
    require_user(request.auth)
    return _commission_page(selectors.promoter_commissions(request.auth), page)


@router.get("/alliance/earnings", response=EarningsOut)
def my_earnings(request):
    """The caller's commission balances: pending, available (withdrawable), owed, withdrawing."""
    require_user(request.auth)
    return selectors.earnings(request.auth)


@router.get("/stores/{store_id}/alliance/commissions", response=Page[CommissionOrderOut])
def store_commissions(request, store_id: ObjectId, page: Query[PageParams]):
    """The commission orders on the store's lines, newest first (owner, admin, finance)."""
    store = store_for(request.auth, store_id, Perm.FINANCE)
    return _commission_page(selectors.store_commissions(store), page)


# -- reports (reports.py; docs/alliance.md "Reports") ------------------------------------------------


def _span(span) -> dict:
    return {"days": span.days, "from_": span.start, "to": span.end}


@router.get("/alliance/earnings/daily", response=EarningsDailyOut, by_alias=True)
def my_earnings_daily(request, params: Query[DaysParams]):
    """The caller's commission per Shanghai day over the last `days` (default 30, 1–366), every
    day present: earned (claimed at payment), settled (into available), clawed back by refunds."""
    require_user(request.auth)
    report = reports.earnings_daily(request.auth, params.days)
    return {
        **_span(report.window),
        "items": report.items(),
        "totals": {
            "earned_fen": report.earned_fen,
            "settled_fen": report.settled_fen,
            "clawed_back_fen": report.clawed_back_fen,
        },
    }


@router.get("/stores/{store_id}/alliance/performance", response=PerformanceOut, by_alias=True)
def store_performance(request, store_id: ObjectId, params: Query[PerformanceParams], page: Query[PageParams]):
    """The store's promoted sales of orders paid in the last `days`, per promoter or per product
    (`by`): orders, units, paid, refunded, commission and service fees; the most paid first;
    with the window's totals (owner, admin, finance)."""
    store = store_for(request.auth, store_id, Perm.FINANCE)
    span = reports.window(params.days)
    result = paginate(reports.store_performance(store, params.by, span), page)
    return {
        "store_id": store.pk,
        "by": params.by,
        **_span(span),
        "items": [reports.performance_row(r) for r in result["items"]],
        "count": result["count"],
        "totals": reports.store_totals(store, span),
    }


@router.get("/alliance/agency/creators", response=AgencyCreatorsOut, by_alias=True)
@refuses("alliance_promoter_required", "alliance_agency_required")
def agency_creators(request, params: Query[DaysParams], page: Query[PageParams]):
    """An agency's creators (members now), each with its sales and commission through the agency
    in the last `days`, the most paid first; the agency's totals, its service fees included."""
    agency = reports.agency_of_user(request.auth)
    report = reports.agency_report(agency, reports.window(params.days))
    rows = report.creators[page.offset : page.offset + page.limit]
    return {
        "agency_id": agency.pk,
        **_span(report.window),
        "items": [
            {
                "promoter_id": row.creator.pk,
                "name": row.creator.name,
                "video_account_name": row.creator.video_account.name if row.creator.video_account else "",
                "joined_at": row.member.joined_at,
                **row.sums,
            }
            for row in rows
        ],
        "count": len(report.creators),
        "totals": report.totals,
        "others": report.others,
    }


@router.get("/operations/alliance", response=OverviewOut, by_alias=True)
def alliance_overview(request, params: Query[DaysParams]):
    """Operators: stores enabled, live plans by type, promoters by kind, the promoted sales of
    the last `days` per day (GMV, commission, service fees) and in all, the top promoters and
    stores by GMV."""
    require_operator(request.auth)
    view = reports.overview(reports.window(params.days))
    return {
        **_span(view.window),
        "stores_enabled": view.stores_enabled,
        "live_plans": {str(k): n for k, n in view.live_plans.items()},
        "promoters": view.promoters,
        "totals": view.totals,
        "items": [
            {"date": d, "paid_fen": p, "commission_fen": c, "service_fen": s}
            for d, p, c, s in zip(view.window.dates, view.paid, view.commission, view.service, strict=True)
        ],
        "top_promoters": [
            {"promoter_id": r["promoter_id"], "name": r["promoter__name"], "kind": r["promoter__kind"], **r}
            for r in view.top_promoters
        ],
        "top_stores": [
            {"store_id": r["plan__store_id"], "name": r["plan__store__name"], **r} for r in view.top_stores
        ],
    }
