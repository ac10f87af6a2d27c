"""Every write of the alliance, each one transaction: enabling a store, creating and stopping
plans, joining as a promoter (and an agency), the showcase, promotion links, alliance products in
a creator's live rooms; and the checkout's attribution for every touchpoint (orders.extensions:
`attribute_lines` names the lines, `record_attributions` keeps plan and ratios beside each one
inside the checkout's transaction)."""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.catalog.models import SKU, Product
from xiaodian.catalog.rules import ProductState
from xiaodian.content import cards
from xiaodian.content.models import Video, VideoAccount
from xiaodian.content.rules import State as ContentState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import MAX_ID
from xiaodian.ledger import bulk as ledger_bulk
from xiaodian.orders import extensions
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from . import extensions as alliance_extensions
from . import rules, selectors
from .models import (
    AgencyMember,
    AttributedLine,
    LivePromotion,
    Plan,
    PlanPromoter,
    Promoter,
    PromotionLink,
    ShowcaseItem,
    StoreAlliance,
)
from .rules import PlanKind, PromoterKind

# ------------------------------------------------------------------------------------- enabling


def enable_alliance(*, store: Store, by: User) -> StoreAlliance:
    """Enable the alliance for the store if it is eligible (idempotent: enabled stays enabled).
    A refusal names every unmet condition, in the message and as `conditions`."""
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()
        existing = StoreAlliance.objects.filter(store=store).first()
        if existing is not None:
            return existing
        unmet = [c for c in selectors.eligibility(store) if not c.met]
        if unmet:
            raise DomainError(
                "alliance_not_eligible",
                _("店铺暂不符合开通优选联盟的条件：%(why)s。") % {"why": "；".join(c.message for c in unmet)},
                extra={"conditions": [c.as_dict() for c in unmet]},
            )
        enabled = StoreAlliance.objects.create(store=store, enabled_by=by, enabled_at=clock.now())
        refresh_library(store_ids=[store.pk])
        return enabled


def require_enabled(store: Store) -> None:
    if not selectors.is_enabled(store):
        raise DomainError("alliance_not_enabled")


# ---------------------------------------------------------------------------------------- plans


def _check_ratio(value: int, name: str) -> None:
    if type(value) is not int or not 0 <= value <= rules.RATIO_MAX_PPM:
        raise DomainError("alliance_ratio_invalid", field=name)


def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is read in Asia/Shanghai."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, clock.SHANGHAI)
    return value


def create_plans(
    *,
    store: Store,
    by: User,
    product_ids: Sequence[int],
    kind: int,
    commission_ratio_ppm: int,
    service_ratio_ppm: int = 0,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    promoter_ids: Sequence[int] = (),
) -> list[Plan]:
    """One plan of `kind` for each product (at most 20 a call), all or nothing. The products'
    rows are locked (in primary-key order) while their plans are checked and written, so two
    calls cannot open an open and an exclusive plan for one product at the same time."""
    require_enabled(store)
    now = clock.now()
    product_ids = sorted(set(product_ids))
    if not 1 <= len(product_ids) <= rules.PRODUCTS_PER_CALL:
        raise DomainError("alliance_too_many_products", field="product_ids")
    if kind not in PlanKind.values:
        raise DomainError("validation_error", field="kind")
    _check_ratio(commission_ratio_ppm, "commission_ratio_ppm")
    _check_ratio(service_ratio_ppm, "service_ratio_ppm")
    starts_at = max(_aware(starts_at) or now, now)
    ends_at = _aware(ends_at)
    if ends_at is not None and (ends_at <= starts_at or ends_at <= now):
        raise DomainError("alliance_plan_dates_invalid", field="ends_at")
    listed_ids = sorted(set(promoter_ids))
    listed = kind in rules.LISTED_KINDS
    if listed != bool(listed_ids) or len(listed_ids) > rules.LISTED_MAX:
        raise DomainError("alliance_promoters_invalid", field="promoter_ids")
    if listed and Promoter.objects.filter(pk__in=listed_ids).count() != len(listed_ids):
        raise DomainError("alliance_promoters_invalid", field="promoter_ids")
    with transaction.atomic():
        products = list(
            Product.objects.select_for_update()
            .filter(pk__in=product_ids, store=store, state=ProductState.LISTED)
            .order_by("pk")
        )
        if len(products) != len(product_ids):
            raise DomainError("alliance_product_invalid", field="product_ids")
        _check_coexistence(product_ids, kind, now)
        plans = Plan.objects.bulk_create(
            Plan(
                store=store,
                product=product,
                kind=kind,
                commission_ratio_ppm=commission_ratio_ppm,
                service_ratio_ppm=service_ratio_ppm,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=by,
                created_at=now,
            )
            for product in products
        )
        if listed:
            PlanPromoter.objects.bulk_create(
                PlanPromoter(plan=plan, promoter_id=promoter_id)
                for plan in plans
                for promoter_id in listed_ids
            )
        rerank(product_ids=product_ids)
        refresh_library(product_ids=product_ids)
        for plan in plans:
            plan.refresh_from_db(fields=["sales_30d", "library_rank", "in_library", "price_fen", "category"])
    return plans


# -- the library's conditions and filters ------------------------------------------------------
#
# Whether a plan's store is open and in the alliance and its product listed, the product's lowest
# active SKU price and its category are kept on the plan, so the library pages and counts one
# table (selectors.library) instead of probing store, enabling, product and SKUs for each of tens
# of thousands of candidates. They are read again from the tables they come from (never patched,
# so running it again changes nothing): for a store's plans when it enables the alliance and on
# the stores' `store_changed` (opened, closed, renamed); for a product's plans when a plan is
# created and on the catalog's `product_changed` (listed, delisted, banned, edited, prices). Both
# events are durable and run again if lost (core.events).


def refresh_library(
    *, product_ids: Sequence[int] | None = None, store_ids: Sequence[int] | None = None
) -> int:
    """Read the library's columns of these products' or stores' plans (every plan when both are
    None) from their product, SKUs and store again. Answers the plans updated."""
    plans = Plan.objects.all()
    if product_ids is not None:
        plans = plans.filter(product_id__in=ledger_bulk.ids(sorted(set(product_ids))))
    if store_ids is not None:
        plans = plans.filter(store_id__in=ledger_bulk.ids(sorted(set(store_ids))))
    eligible = (
        Q(Exists(StoreAlliance.objects.filter(store=OuterRef("store_id"))))
        & Q(Exists(Store.objects.filter(pk=OuterRef("store_id"), state=StoreState.OPEN)))
        & Q(Exists(Product.objects.filter(pk=OuterRef("product_id"), state=ProductState.LISTED)))
    )
    lowest = SKU.objects.filter(product=OuterRef("product_id"), is_active=True).order_by("price_fen")
    category = Product.objects.filter(pk=OuterRef("product_id")).values("category_id")
    return plans.update(
        in_library=ExpressionWrapper(eligible, output_field=BooleanField()),
        price_fen=Subquery(lowest.values("price_fen")[:1]),
        category_id=Subquery(category[:1]),
    )


def refresh_library_products(*, product_ids: list[int]) -> None:
    """`product_changed` (catalog): the products' plans' library columns, read again (idempotent)."""
    refresh_library(product_ids=product_ids)


def refresh_library_stores(*, store_ids: list[int]) -> None:
    """`store_changed` (stores): the stores' plans' library columns, read again (idempotent)."""
    refresh_library(store_ids=store_ids)


# -- the library's ranking -----------------------------------------------------------------------
#
# rank = commission_ratio_ppm × store score × (units sold in the last SALES_WINDOW + 1) is kept on
# each plan (`sales_30d`, `library_rank`), so the library reads the best plans off an index instead
# of summing every candidate product's order lines per request. It is recomputed from the orders
# themselves (never incremented, so running it again changes nothing):
#   - for a plan's product when the plan is created;
#   - for the products of orders paid (`order_paid`), through the durable event path, right after
#     the commit;
#   - for every plan not stopped or ended, every RERANK_EVERY (tasks.py): sales that leave the
#     30-day window, orders refunded in full (200) and store scores recomputed overnight take
#     effect then. (Not on `order_cancelled`: most of those are orders closed unpaid, which never
#     counted, and every handler costs each emission a task row.)

RERANK_CHUNK = 10_000


def rerank(*, product_ids: Sequence[int] | None = None) -> int:
    """Recompute `sales_30d` and `library_rank` of the active plans (not stopped, not ended) of
    these products, or of every product when None. Answers the plans whose rank changed."""
    now = clock.now()
    plans = Plan.objects.filter(selectors.active_q(now))
    if product_ids is not None:
        plans = plans.filter(product_id__in=ledger_bulk.ids(sorted(set(product_ids))))
    rows = list(
        plans.order_by("pk").values_list(
            "pk", "product_id", "store_id", "commission_ratio_ppm", "sales_30d", "library_rank"
        )
    )
    if not rows:
        return 0
    products = sorted({row[1] for row in rows})
    sold = selectors.sales(now, None if product_ids is None else products)
    scores = selectors.store_scores(sorted({row[2] for row in rows}))
    # only the plans whose rank moved are written: an unchanged row keeps its page all-visible, so
    # the library's count stays an index-only scan between vacuums
    changes = []
    for pk, product, store, ratio, was_sold, was_rank in rows:
        units = sold.get(product, 0)
        rank = rules.library_rank(ratio, scores.get(store), units)
        if (units, rank) != (was_sold, was_rank):
            changes.append((pk, units, rank))
    for start in range(0, len(changes), RERANK_CHUNK):
        ledger_bulk.update(
            Plan._meta.db_table,
            (("sales_30d", "int"), ("library_rank", "float")),
            changes[start : start + RERANK_CHUNK],
            constants={},
        )
    return len(changes)


def rerank_orders(*, order_ids: list[int]) -> None:
    """`order_paid`: the orders' products sold: their active plans' sales and rank, recomputed
    from the orders (idempotent). Two queries when none has a plan."""
    products = selectors.products_with_active_plans(order_ids)
    if products:
        rerank(product_ids=products)


def _check_coexistence(product_ids: list[int], kind: int, now: datetime) -> None:
    """The plan-type rules, against the products' live and upcoming plans (rows locked by the caller)."""
    active = set(
        Plan.objects.filter(selectors.active_q(now), product_id__in=product_ids).values_list(
            "product_id", "kind"
        )
    )
    live_open = set(
        Plan.objects.filter(
            selectors.live_q(now), product_id__in=product_ids, kind=PlanKind.OPEN
        ).values_list("product_id", flat=True)
    )
    kinds: dict[int, set[int]] = {}
    for product_id, plan_kind in active:
        kinds.setdefault(product_id, set()).add(plan_kind)
    for product_id in product_ids:
        has = kinds.get(product_id, set())
        if kind == PlanKind.OPEN and PlanKind.EXCLUSIVE in has:
            raise DomainError("alliance_exclusive_conflict", field="product_ids")
        if kind == PlanKind.EXCLUSIVE and PlanKind.OPEN in has:
            raise DomainError("alliance_exclusive_conflict", field="product_ids")
        if kind in (PlanKind.OPEN, PlanKind.EXCLUSIVE) and kind in has:
            raise DomainError("alliance_plan_exists", field="product_ids")
        if kind == PlanKind.TARGETED and product_id not in live_open:
            raise DomainError("alliance_open_plan_required", field="product_ids")


def stop_plan(*, plan_id: int, by: User) -> Plan:
    """Stop a live or scheduled plan (owner or admin of its store): links to it attribute nothing
    from now on; lines already attributed keep their plan and ratios."""
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise DomainError("not_found")
    store_for(by, plan.store_id, Perm.MANAGE_STORE)
    with transaction.atomic():
        # the product's row first, as create_plans takes it: a targeted plan checked against this
        # open plan waits for the stop (or sees it)
        Product.objects.select_for_update().filter(pk=plan.product_id).first()
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if selectors.plan_state(plan) in ("stopped", "ended"):
            raise DomainError("alliance_plan_not_live")
        plan.stopped_at = clock.now()
        plan.save(update_fields=["stopped_at"])
    return plan


# ------------------------------------------------------------------------------------ promoters


def join_alliance(*, user: User, kind: str, name: str, video_account_id: int | None = None) -> Promoter:
    """Make the user a promoter: a creator names a video account of their own; an agency or a
    sharer needs none."""
    name = (name or "").strip()
    if kind not in PromoterKind.values:
        raise DomainError("validation_error", field="kind")
    if not 1 <= len(name) <= rules.NAME_MAX:
        raise DomainError("validation_error", field="name")
    account = None
    if kind == PromoterKind.CREATOR:
        account = (
            VideoAccount.objects.filter(pk=video_account_id, owner=user).first()
            if video_account_id is not None
            else None
        )
        if account is None:
            raise DomainError("alliance_video_account_required", field="video_account_id")
    try:
        with transaction.atomic():
            return Promoter.objects.create(
                user=user, kind=kind, name=name, video_account=account, created_at=clock.now()
            )
    except IntegrityError as exc:
        raise DomainError("alliance_promoter_exists") from exc


def join_agency(*, promoter: Promoter, agency_id: int) -> AgencyMember:
    """A creator joins an agency (leaving the one it had): the agency's targeted and exclusive
    plans become the creator's to promote, through the agency (channel 101)."""
    agency = Promoter.objects.filter(pk=agency_id, kind=PromoterKind.AGENCY).first()
    if promoter.kind != PromoterKind.CREATOR or agency is None:
        raise DomainError("alliance_agency_invalid", field="agency_id")
    with transaction.atomic():
        member, _created = AgencyMember.objects.update_or_create(
            creator=promoter, defaults={"agency": agency, "joined_at": clock.now()}
        )
    return member


def add_showcase_item(*, promoter: Promoter, product_id: int) -> ShowcaseItem:
    """Add a library product to the promoter's showcase (adding it again changes nothing)."""
    if not selectors.promotable_plans(promoter).filter(product_id=product_id).exists():
        raise DomainError("alliance_not_promotable", field="product_id")
    with transaction.atomic():
        item, created = ShowcaseItem.objects.get_or_create(
            promoter=promoter, product_id=product_id, defaults={"added_at": clock.now()}
        )
        if created and ShowcaseItem.objects.filter(promoter=promoter).count() > rules.SHOWCASE_MAX:
            raise DomainError("validation_error", _("橱窗最多 %(n)d 个商品。") % {"n": rules.SHOWCASE_MAX})
    return item


def remove_showcase_item(*, promoter: Promoter, product_id: int) -> None:
    """Take a product out of the showcase (absent already: nothing happens)."""
    with transaction.atomic():
        ShowcaseItem.objects.filter(promoter=promoter, product_id=product_id).delete()


def make_link(*, promoter: Promoter, plan_id: int) -> PromotionLink:
    """The promoter's link for a plan it may promote: one per promoter and plan, asked again it
    answers the same link. Its token is random, so links cannot be guessed from one another."""
    found = selectors.promotable_plan(promoter, plan_id)
    existing = PromotionLink.objects.filter(promoter=promoter, plan=found.plan).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return PromotionLink.objects.create(
                token=secrets.randbits(rules.TOKEN_BITS) or 1,
                promoter=promoter,
                plan=found.plan,
                agency=found.agency,
                created_at=clock.now(),
            )
    except IntegrityError:  # asked twice at once (or, once in 2^62, a token taken): the first stands
        existing = PromotionLink.objects.filter(promoter=promoter, plan=found.plan).first()
        if existing is None:
            raise
        return existing


# ------------------------------------------------------------------------------- live rooms


def _own_room_account(user: User, room_id: int) -> int:
    """The video account (of the user's own) whose live or scheduled room `room_id` is, read
    through content's resolver (the alliance cannot read live's table); anyone else's room, an
    ended one or none at all: 404."""
    if type(room_id) is not int or not 1 <= room_id <= MAX_ID:
        raise DomainError("not_found")
    for account_id in (
        VideoAccount.objects.filter(owner_id=user.pk).order_by("pk").values_list("pk", flat=True)
    ):
        if any(r["id"] == room_id for r in cards.live_rooms(account_id)):
            return account_id
    raise DomainError("not_found")


def add_live_promotion(*, user: User, room_id: int, product_id: int) -> LivePromotion:
    """Show a product the user (a promoter) may promote in a live or scheduled room of its own
    video account, beside the room's shelf: bought at the store's price (no live price, no flash
    stock), the line attributed to the promoter while the room is live. Adding it again changes
    nothing; at most 100 a room. Not the user's room: 404."""
    account_id = _own_room_account(user, room_id)
    promoter = selectors.promoter_of(user)
    if not selectors.promotable_plans(promoter).filter(product_id=product_id).exists():
        raise DomainError("alliance_not_promotable", field="product_id")
    try:
        with transaction.atomic():
            Promoter.objects.select_for_update().filter(pk=promoter.pk).first()  # serialise the count
            existing = LivePromotion.objects.filter(room_id=room_id, product_id=product_id).first()
            if existing is not None:
                return existing
            if LivePromotion.objects.filter(room_id=room_id).count() >= rules.LIVE_PROMOTIONS_MAX:
                raise DomainError("shelf_full")
            return LivePromotion.objects.create(
                promoter=promoter,
                video_account_id=account_id,
                room_id=room_id,
                product_id=product_id,
                added_at=clock.now(),
            )
    except IntegrityError:  # the same product added twice at once: the first stands
        existing = LivePromotion.objects.filter(room_id=room_id, product_id=product_id).first()
        if existing is None:
            raise
        return existing  # the room is the user's, so the row is too


def remove_live_promotion(*, user: User, room_id: int, product_id: int) -> None:
    """Take an alliance product out of the user's live or scheduled room (not there: nothing
    happens; not the user's room: 404)."""
    _own_room_account(user, room_id)
    with transaction.atomic():
        LivePromotion.objects.filter(
            promoter__user_id=user.pk, room_id=room_id, product_id=product_id
        ).delete()


# ---------------------------------------------------------------------------------- attribution

_MEMO = "alliance"


@dataclass(frozen=True)
class _Claim:
    """Who a line of one product is attributed to, under which plan, through which touchpoint."""

    promoter: Promoter
    plan: Plan
    agency: Promoter | None
    touchpoint: str
    link: PromotionLink | None = None


def _valid_link(context: extensions.CheckoutContext) -> PromotionLink | None:
    """The checkout's promotion link when it still attributes: plan live, store enabled and open,
    the promoter still allowed by the plan, and the buyer not the promoter."""
    if context.source_type != rules.SOURCE_TYPE or context.source_id is None:
        return None
    link = (
        PromotionLink.objects.select_related("plan", "promoter", "promoter__membership__agency", "agency")
        .filter(token=context.source_id)
        .first()
    )
    if link is None or link.promoter.user_id == context.buyer.pk:
        return None
    if not selectors.promotable_plans(link.promoter).filter(pk=link.plan_id).exists():
        return None
    found = selectors.grant(link.promoter, link.plan)
    if found is None or (found.agency or None) != (link.agency or None):
        return None
    return link


def _promoters() -> QuerySet[Promoter]:
    return Promoter.objects.select_related("membership__agency")


def _granted(promoter: Promoter, product_ids, touchpoint: str, buyer: User) -> dict[int, _Claim]:
    """For each product, the promoter's best plan (selectors.best_grant), if the buyer is not
    the promoter."""
    if promoter.user_id == buyer.pk:
        return {}
    claims = {}
    for product_id in sorted(set(product_ids)):
        found = selectors.best_grant(promoter, product_id)
        if found is not None:
            claims[product_id] = _Claim(promoter, found.plan, found.agency, touchpoint)
    return claims


def _claims(context: extensions.CheckoutContext) -> dict[int, _Claim]:
    """{product_id: claim} for the checkout's touchpoint, when it still attributes (the same
    rules for every touchpoint: the plan live, its store enabled and open, the product listed,
    the promoter allowed, the buyer not the promoter):

    - `alliance`: the link's plan's product, to the link's promoter;
    - `showcase`: the products in the promoter's showcase;
    - `video`: the short video's product, to its video account's owner (a promoter);
    - `live_promotion`: the alliance products shown in the room (which must be live), to the
      creator who shows them;
    - a source type an app above registered (`alliance.extensions.promotions`: a share): the
      products it showed, to its user when a promoter."""
    source_id, products = context.source_id, {line.product_id for line in context.lines}
    if source_id is None or not 1 <= source_id < 2**63:
        return {}
    if context.source_type == rules.SOURCE_TYPE:
        link = _valid_link(context)
        if link is None:
            return {}
        return {
            link.plan.product_id: _Claim(
                link.promoter, link.plan, link.agency, rules.Touchpoint.LINK, link=link
            )
        }
    if context.source_type == rules.SHOWCASE_SOURCE:
        promoter = _promoters().filter(pk=source_id).first()
        if promoter is None:
            return {}
        shown = ShowcaseItem.objects.filter(promoter=promoter, product_id__in=products)
        return _granted(
            promoter, shown.values_list("product_id", flat=True), rules.Touchpoint.SHOWCASE, context.buyer
        )
    if context.source_type == rules.VIDEO_SOURCE:
        video = (
            Video.objects.filter(pk=source_id, state=ContentState.PUBLISHED)
            .values_list("product_id", "account__owner_id")
            .first()
        )
        if video is None or video[0] not in products:
            return {}
        promoter = _promoters().filter(user_id=video[1]).first()
        if promoter is None:
            return {}
        return _granted(promoter, [video[0]], rules.Touchpoint.VIDEO, context.buyer)
    if context.source_type == rules.LIVE_SOURCE:
        rows = list(
            LivePromotion.objects.filter(room_id=source_id, product_id__in=products).select_related(
                "promoter__membership__agency"
            )
        )
        if not rows:
            return {}
        promoter = rows[0].promoter
        rooms = cards.live_rooms(rows[0].video_account_id)
        if not any(r["id"] == source_id and r["state"] == rules.ROOM_ON_AIR for r in rooms):
            return {}
        return _granted(promoter, [r.product_id for r in rows], rules.Touchpoint.LIVE, context.buyer)
    return _promoted_above(context)


def _promoted_above(context: extensions.CheckoutContext) -> dict[int, _Claim]:
    """A touchpoint of an app above the alliance (alliance.extensions: a share in a chat names its
    sharer): the products it showed, to its user if a promoter, on the same rules."""
    promotion_of = alliance_extensions.promotions.get(context.source_type)
    found = promotion_of(context) if promotion_of is not None else None
    if found is None:
        return {}
    promoter = _promoters().filter(user_id=found.user_id).first()
    if promoter is None:
        return {}
    return _granted(promoter, found.product_ids, rules.Touchpoint.SHARE, context.buyer)


def _channel(claim: _Claim) -> int:
    if claim.agency is not None:
        return rules.CHANNEL_OF_KIND[PromoterKind.AGENCY]
    return rules.CHANNEL_OF_KIND[PromoterKind(claim.promoter.kind)]


def attribute_lines(context: extensions.CheckoutContext) -> Mapping[int, extensions.Attribution]:
    """orders.extensions.attributions: the lines a promotion sold (a link's plan's product, a
    showcase's products, a short video's product, a live room's alliance products) go to its
    promoter, with the sales channel (100 creator, 101 through an agency)."""
    claims = _claims(context)
    found = {
        line.sku_id: extensions.Attribution(
            scene=context.scene,
            source_type=context.source_type,
            source_id=context.source_id,
            promoter_id=claims[line.product_id].promoter.user_id,
            sales_channel=_channel(claims[line.product_id]),
        )
        for line in context.lines
        if line.product_id in claims
    }
    if found:
        context.memo[_MEMO] = claims
    return found


def record_attributions(context: extensions.CheckoutContext, written: extensions.Written) -> None:
    """orders.extensions.holds: beside each line a promotion sold, its plan and the plan's ratios
    (which never change: the rate the order is paid at). A line another provider named first is
    not the alliance's."""
    claims: dict[int, _Claim] | None = context.memo.get(_MEMO)
    if not claims:
        return
    now = clock.now()
    rows = []
    for line in written.lines:
        claim = claims.get(line.product_id)
        if (
            claim is None
            or line.source_type != context.source_type
            or line.source_id != context.source_id
            or line.promoter_id != claim.promoter.user_id
            or line.sales_channel is None
        ):
            continue
        rows.append(
            AttributedLine(
                line=line,
                plan=claim.plan,
                link=claim.link,
                touchpoint=claim.touchpoint,
                promoter=claim.promoter,
                agency=claim.agency,
                sales_channel=line.sales_channel,
                commission_ratio_ppm=claim.plan.commission_ratio_ppm,
                service_ratio_ppm=claim.plan.service_ratio_ppm if claim.agency is not None else 0,
                created_at=now,
            )
        )
    AttributedLine.objects.bulk_create(rows)
