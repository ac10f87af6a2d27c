"""Reads of the alliance: a store's eligibility, its plans, a user's promoter profile, the plans a
promoter may promote, and the product library (ranked, filtered, a fixed number of queries)."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.catalog.selectors import product_cards
from xiaodian.complaints.models import Complaint
from xiaodian.complaints.rules import State as ComplaintState
from xiaodian.content import cards as content_cards
from xiaodian.content.models import Video, VideoAccount
from xiaodian.content.rules import State as ContentState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.ledger.extensions import CommissionClaim
from xiaodian.ledger.models import Account, LineCommission
from xiaodian.ledger.rules import PROMOTER_KINDS, AccountKind, ClaimKind
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import Scene, Status
from xiaodian.orders.sources import Source
from xiaodian.scoring.models import CurrentScore
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState
from xiaodian.stores.selectors import CategoryTree

from . import rules
from .models import (
    AttributedLine,
    LivePromotion,
    Plan,
    PlanPromoter,
    Promoter,
    PromotionLink,
    ShowcaseItem,
    StoreAlliance,
)
from .rules import PlanKind

# Orders whose units count as sold for the library's ranking: paid and not cancelled.
SOLD_STATUSES = (Status.GIFT_PENDING, Status.TO_SHIP, Status.PARTLY_SHIPPED, Status.SHIPPED, Status.COMPLETED)

# ------------------------------------------------------------------------------------- enabling


@dataclass(frozen=True)
class Condition:
    """One eligibility condition: whether the store meets it, and what it is / what the store has."""

    code: str  # subject_kind | score | violation
    met: bool
    message: str
    value: str

    def as_dict(self) -> dict:
        return {"code": self.code, "met": self.met, "message": self.message, "value": self.value}


def current_score(store: Store):
    """The store's current score (a Decimal), or None while it has none."""
    return CurrentScore.objects.filter(store=store).values_list("value", flat=True).first()


def recent_violations(store: Store, *, since: datetime) -> int:
    """How many violations the store has had since `since`. The platform has no violations
    record yet: the nearest thing is a complaint against the store that the platform upheld
    (the merchant at fault), counted by when it was ruled. Replace this one function when
    violations (trust and safety) land."""
    return Complaint.objects.filter(store=store, state=ComplaintState.UPHELD, ruled_at__gte=since).count()


def eligibility(store: Store) -> list[Condition]:
    """Every condition for enabling the alliance (DOMAIN.md), met or not, in a fixed order."""
    kind = store.subject.kind
    score = current_score(store)
    violations = recent_violations(store, since=clock.now() - rules.VIOLATION_WINDOW)
    return [
        Condition(
            "subject_kind",
            kind in rules.ELIGIBLE_SUBJECTS,
            _("主体须为企业或个体工商户"),
            kind,
        ),
        Condition(
            "score",
            score is None or score >= rules.MIN_SCORE,
            _("店铺评分须不低于 %(min)s（暂无评分也可以）") % {"min": rules.MIN_SCORE},
            "" if score is None else str(score),
        ),
        Condition(
            "violation",
            violations == 0,
            _("近 %(days)d 天内没有违规（平台判定成立的投诉）") % {"days": rules.VIOLATION_WINDOW.days},
            str(violations),
        ),
    ]


def is_enabled(store: Store) -> bool:
    return StoreAlliance.objects.filter(store=store).exists()


# ---------------------------------------------------------------------------------------- plans


def live_q(now: datetime, prefix: str = "") -> Q:
    """Plans running now: started, not stopped, not ended."""
    return Q(**{f"{prefix}stopped_at__isnull": True, f"{prefix}starts_at__lte": now}) & (
        Q(**{f"{prefix}ends_at__isnull": True}) | Q(**{f"{prefix}ends_at__gt": now})
    )


def active_q(now: datetime, prefix: str = "") -> Q:
    """Plans running now or still to start (what exclusivity counts)."""
    return Q(**{f"{prefix}stopped_at__isnull": True}) & (
        Q(**{f"{prefix}ends_at__isnull": True}) | Q(**{f"{prefix}ends_at__gt": now})
    )


def plan_state(plan: Plan, now: datetime | None = None) -> str:
    now = now or clock.now()
    if plan.stopped_at is not None:
        return "stopped"
    if plan.ends_at is not None and plan.ends_at <= now:
        return "ended"
    return "live" if plan.starts_at <= now else "scheduled"


def store_plans(store: Store) -> QuerySet[Plan]:
    """The store's plans, newest first, with their product and listed promoters."""
    return (
        Plan.objects.filter(store=store)
        .select_related("product")
        .prefetch_related("listed__promoter")
        .order_by("-id")
    )


# ------------------------------------------------------------------------------------ promoters


def promoter_of(user: User) -> Promoter:
    """The user's promoter profile (with its agency), or `alliance_promoter_required`."""
    promoter = (
        Promoter.objects.select_related("video_account", "membership__agency").filter(user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if promoter is None:
        raise DomainError("alliance_promoter_required")
    return promoter


def agency_of(promoter: Promoter) -> Promoter | None:
    membership = getattr(promoter, "membership", None) if promoter.pk else None
    try:
        return membership.agency if membership is not None else None
    except Promoter.DoesNotExist:  # pragma: no cover - a membership always has its agency
        return None


def _acting_ids(promoter: Promoter) -> list[int]:
    """The promoters whose listing lets this one promote: itself, and its agency."""
    agency = agency_of(promoter)
    return [promoter.pk] + ([agency.pk] if agency is not None else [])


def promotable_plans(promoter: Promoter, now: datetime | None = None) -> QuerySet[Plan]:
    """Live plans of enabled, open stores' listed products that the promoter may promote: every
    open plan, and the targeted or exclusive plans that list it or its agency. Never a plan of a
    store the promoter works in (owner or staff): its own sales are not the alliance's to pay."""
    now = now or clock.now()
    listed = PlanPromoter.objects.filter(plan=OuterRef("pk"), promoter_id__in=_acting_ids(promoter))
    own = StoreStaff.objects.filter(store=OuterRef("store_id"), user_id=promoter.user_id)
    return (
        Plan.objects.filter(
            live_q(now),
            Exists(StoreAlliance.objects.filter(store=OuterRef("store_id"))),
            store__state=StoreState.OPEN,
            product__state=ProductState.LISTED,
        )
        .filter(Q(kind=PlanKind.OPEN) | (Q(kind__in=rules.LISTED_KINDS) & Q(Exists(listed))))
        .exclude(Exists(own))
    )


@dataclass(frozen=True)
class Grant:
    """May `promoter` promote `plan`, and through which agency (None: on its own)."""

    plan: Plan
    agency: Promoter | None


def grant(promoter: Promoter, plan: Plan) -> Grant | None:
    """The promoter's grant for a plan already known to be promotable by someone: an open plan is
    anyone's; a listed plan is the listed promoter's, or the listed agency's creators' (then the
    promotion goes through that agency). One query for a listed plan."""
    own_agency = promoter if promoter.kind == rules.PromoterKind.AGENCY else None
    if plan.kind == PlanKind.OPEN:
        return Grant(plan, own_agency)
    listed = set(PlanPromoter.objects.filter(plan=plan).values_list("promoter_id", flat=True))
    if promoter.pk in listed:
        return Grant(plan, own_agency)
    agency = agency_of(promoter)
    if agency is not None and agency.pk in listed:
        return Grant(plan, agency)
    return None


def promotable_plan(promoter: Promoter, plan_id: int) -> Grant:
    """A plan the promoter may promote now, or `alliance_not_promotable`."""
    plan = promotable_plans(promoter).select_related("product", "store").filter(pk=plan_id).first()
    found = grant(promoter, plan) if plan is not None else None
    if found is None:
        raise DomainError("alliance_not_promotable", field="plan_id")
    return found


# -------------------------------------------------------------------------------------- library


@dataclass(frozen=True)
class LibraryFilters:
    category_id: int | None = None
    ratio_min_ppm: int | None = None
    ratio_max_ppm: int | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None


def subtree(category_id: int) -> list[int]:
    """The category and every category under it (one query)."""
    tree = CategoryTree()
    if category_id not in tree.by_id:
        return []
    found, stack = [], [category_id]
    while stack:
        node = stack.pop()
        found.append(node)
        stack += [c.pk for c in tree.children.get(node, [])]
    return found


class _Library(QuerySet):
    """The library's plans, whose `count()` is another statement's (`counted_by`): the same plans,
    counted in a cheaper shape. Any queryset made from it (a filter, a slice) counts itself."""

    _counted: QuerySet | None = None

    @classmethod
    def counted_by(cls, plans: QuerySet[Plan], counted: QuerySet) -> "_Library":
        library = cls(model=plans.model, query=plans.query.chain(), using=plans.db)
        library._counted = counted
        return library

    def count(self) -> int:
        if self._counted is None:
            return super().count()
        return self._counted.count()


def library(promoter: Promoter, filters: LibraryFilters | None = None) -> QuerySet[Plan]:
    """The product library: the plans the promoter may promote, one per product (a targeted or
    exclusive plan that lists the promoter hides the product's open plan), filtered, and ranked
    by `rank` = commission_ratio_ppm × score × (sales + 1) (alliance.rules; docs/alliance.md).

    The same plans as `promotable_plans`, read off one table: whether the store is open and in
    the alliance and the product listed, the lowest price and the category are kept on the plan
    (services.refresh_library), so the page and its count probe no other table per candidate
    (the promoter's few listings and own stores are hashed once)."""
    filters = filters or LibraryFilters()
    now = clock.now()
    listings = PlanPromoter.objects.filter(live_q(now, "plan__"), promoter_id__in=_acting_ids(promoter))
    own = StoreStaff.objects.filter(store=OuterRef("store_id"), user_id=promoter.user_id)
    plans = Plan.objects.filter(live_q(now), in_library=True).exclude(Exists(own))
    if filters.category_id is not None:
        plans = plans.filter(category_id__in=subtree(filters.category_id))
    if filters.ratio_min_ppm is not None:
        plans = plans.filter(commission_ratio_ppm__gte=filters.ratio_min_ppm)
    if filters.ratio_max_ppm is not None:
        plans = plans.filter(commission_ratio_ppm__lte=filters.ratio_max_ppm)
    if filters.price_min_fen is not None:
        plans = plans.filter(price_fen__gte=filters.price_min_fen)
    if filters.price_max_fen is not None:
        plans = plans.filter(price_fen__lte=filters.price_max_fen)
    open_plans = Q(kind=PlanKind.OPEN) & ~Q(product_id__in=listings.values("plan__product_id"))
    listed_plans = Q(pk__in=listings.values("plan_id"))
    # Counted as the open plans and the listed ones (never open: disjoint) in two branches of one
    # statement, so PostgreSQL counts each from the index plan_library_count alone; one OR of the
    # two would read every candidate's row.
    counted = (
        plans.filter(open_plans)
        .order_by()
        .values("kind")
        .union(plans.filter(listed_plans).order_by().values("kind"), all=True)
    )
    plans = plans.filter(open_plans | listed_plans)
    score = CurrentScore.objects.filter(store=OuterRef("store_id")).values("value")
    plans = plans.annotate(store_score=Subquery(score[:1]), sales=F("sales_30d"), rank=F("library_rank"))
    # rank and sales are kept on the plan (services.rerank; index plan_library_rank)
    return _Library.counted_by(plans.select_related("product", "store").order_by("-rank", "-pk"), counted)


def sales(now: datetime, product_ids: list[int] | None = None) -> dict[int, int]:
    """{product: units in paid, not cancelled orders paid in the last SALES_WINDOW} of these
    products (or of every product that sold), for the library's rank."""
    lines = OrderLine.objects.filter(
        order__status__in=SOLD_STATUSES, order__paid_at__gte=now - rules.SALES_WINDOW
    )
    if product_ids is not None:
        lines = lines.filter(product_id__in=product_ids)
    return dict(lines.values("product_id").annotate(units=Sum("quantity")).values_list("product_id", "units"))


def store_scores(store_ids: list[int]) -> dict:
    """{store: current score} of the stores that have one."""
    return dict(CurrentScore.objects.filter(store_id__in=store_ids).values_list("store_id", "value"))


def products_with_active_plans(order_ids: list[int]) -> list[int]:
    """The products of these orders' lines that have a plan not stopped or ended."""
    products = set(OrderLine.objects.filter(order_id__in=order_ids).values_list("product_id", flat=True))
    if not products:
        return []
    return sorted(
        set(
            Plan.objects.filter(active_q(clock.now()), product_id__in=products).values_list(
                "product_id", flat=True
            )
        )
    )


def link_sources(tokens: list[int]) -> dict:
    """orders.sources: the links among `tokens` (as an order's source). Who promoted is for
    attribution, not for show: the order page names no one."""
    return {
        t: Source("") for t in PromotionLink.objects.filter(token__in=tokens).values_list("token", flat=True)
    }


# ---------------------------------------------------------------------------------------- links

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def code_of(token: int) -> str:
    """A link's share code: its token in base 36 (what `/a/<code>` carries)."""
    digits = []
    while token:
        token, digit = divmod(token, 36)
        digits.append(_DIGITS[digit])
    return "".join(reversed(digits)) or "0"


def token_of(code: str) -> int | None:
    """The token a share code names, or None when it is not one."""
    code = code.strip().lower()
    if not 1 <= len(code) <= 13 or any(c not in _DIGITS for c in code):
        return None
    token = int(code, 36)
    return token if 1 <= token < 2**rules.TOKEN_BITS else None


def link_by_code(code: str) -> PromotionLink | None:
    token = token_of(code)
    return PromotionLink.objects.select_related("plan").filter(token=token).first() if token else None


def product_url(link: PromotionLink) -> str:
    """The product page carrying the link: a product share (scene 4) whose source is the link."""
    query = urlencode(
        {"scene": Scene.PRODUCT_SHARE, "source_type": rules.SOURCE_TYPE, "source_id": link.token}
    )
    return f"{reverse('catalog:product', args=[link.plan.product_id])}?{query}"


def short_url(link: PromotionLink) -> str:
    return reverse("alliance:share", args=[code_of(link.token)])


def commission_fen(price_fen: int | None, ratio_ppm: int) -> int | None:
    """What one unit at `price_fen` earns at `ratio_ppm` (rounded down to the fen)."""
    return None if price_fen is None else price_fen * ratio_ppm // rules.PPM


def showcase(promoter: Promoter) -> QuerySet[ShowcaseItem]:
    return (
        ShowcaseItem.objects.filter(promoter=promoter).select_related("product").order_by("-added_at", "-id")
    )


# ---------------------------------------------------------------------------------- touchpoints


def best_grant(promoter: Promoter, product_id: int, now: datetime | None = None) -> Grant | None:
    """The plan a showcase, short video or live room of the promoter sells `product_id` under:
    of the live plans it may promote for the product, a targeted or exclusive one before the open
    one (as the library shows), then the higher commission, then the newer. None: the promoter
    may promote no plan of it (stopped, ended, store closed or disabled, product delisted, not
    listed for the promoter or its agency)."""
    plans = (
        promotable_plans(promoter, now)
        .filter(product_id=product_id)
        .select_related("product", "store")
        .order_by("-kind", "-commission_ratio_ppm", "-pk")
    )
    for plan in plans[:5]:
        found = grant(promoter, plan)
        if found is not None:
            return found
    return None


def promotable_products(promoter: Promoter, now: datetime | None = None):
    """The ids of the products the promoter may promote now (a subquery)."""
    return promotable_plans(promoter, now).values("product_id")


def showcase_scene(promoter: Promoter) -> int:
    """A creator's showcase hangs on its video account (scene 3, short video); an agency's or a
    sharer's is shared as a product share (scene 4)."""
    return Scene.SHORT_VIDEO if promoter.kind == rules.PromoterKind.CREATOR else Scene.PRODUCT_SHARE


def touchpoint_url(product_id: int, *, scene: int, source_type: str, source_id: int) -> str:
    query = urlencode({"scene": scene, "source_type": source_type, "source_id": source_id})
    return f"{reverse('catalog:product', args=[product_id])}?{query}"


def _cards(product_ids: list[int], *, scene: int, source_type: str, source_id: int) -> list[dict]:
    """Product cards (title, lowest active price, first image) in the given order, each linking
    to the product page with the touchpoint as its source. One query."""
    found = product_cards(product_ids)
    return [
        {
            "product_id": pk,
            **found[pk],
            "url": touchpoint_url(pk, scene=scene, source_type=source_type, source_id=source_id),
        }
        for pk in product_ids
        if pk in found
    ]


def public_showcase(promoter: Promoter, limit: int = rules.SHOWCASE_MAX) -> list[dict]:
    """The promoter's showcase as buyers see it: only the items that still attribute (a plan the
    promoter may promote is live for the product), newest first, each linking to the product
    page with the showcase as its source. Two queries."""
    ids = list(
        ShowcaseItem.objects.filter(promoter=promoter, product_id__in=promotable_products(promoter))
        .order_by("-added_at", "-id")
        .values_list("product_id", flat=True)[:limit]
    )
    return _cards(
        ids, scene=showcase_scene(promoter), source_type=rules.SHOWCASE_SOURCE, source_id=promoter.pk
    )


def showcase_url(promoter: Promoter) -> str:
    return reverse("alliance:showcase", args=[promoter.pk])


def account_showcase(account_id: int) -> dict | None:
    """`content.cards.showcase_resolver`: the showcase of the creator whose video account this
    is, `{url, count}` (the items that still attribute), or None when it has none. Two queries."""
    promoter = (
        Promoter.objects.select_related("membership__agency")
        .filter(video_account_id=account_id, kind=rules.PromoterKind.CREATOR)
        .first()
    )
    if promoter is None:
        return None
    count = ShowcaseItem.objects.filter(
        promoter=promoter, product_id__in=promotable_products(promoter)
    ).count()
    return {"url": showcase_url(promoter), "count": count} if count else None


def showcase_sources(ids: list[int]) -> dict:
    """orders.sources: the promoters among `ids` whose showcase an order names: the showcase page."""
    rows = Promoter.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: Source(name, reverse("alliance:showcase", args=[pk])) for pk, name in rows}


def _room_url(room_id: int) -> str:
    try:
        return reverse("live:room", args=[room_id])
    except NoReverseMatch:  # live is not installed
        return ""


def live_sources(room_ids: list[int]) -> dict:
    """orders.sources: the rooms among `room_ids` that show an alliance product (the room's page)."""
    rows = LivePromotion.objects.filter(room_id__in=room_ids).values_list("room_id", flat=True).distinct()
    return {room_id: Source("", _room_url(room_id)) for room_id in rows}


def room_promotions(room_id: int, account_id: int | None = None) -> list[dict]:
    """`content.cards.room_promotions_resolver`: the alliance products the room's creator shows
    in it and may still promote, each linking to the product page with the room as its source
    (scene 2, `live_promotion`). One query without any; three with."""
    found = LivePromotion.objects.filter(room_id=room_id)
    if account_id is not None:
        found = found.filter(video_account_id=account_id)
    rows = list(found.select_related("promoter__membership__agency").order_by("-added_at", "-id"))
    if not rows:
        return []
    allowed = set(
        promotable_plans(rows[0].promoter)
        .filter(product_id__in=[row.product_id for row in rows])
        .values_list("product_id", flat=True)
    )
    ids = [row.product_id for row in rows if row.product_id in allowed]
    return _cards(ids, scene=Scene.LIVE_ROOM, source_type=rules.LIVE_SOURCE, source_id=room_id)


def creator_rooms(promoter: Promoter) -> list[dict]:
    """The live and scheduled rooms of the promoter's video accounts (the live app's, through
    content's resolver), each with the alliance products it shows."""
    accounts = VideoAccount.objects.filter(owner_id=promoter.user_id).order_by("pk")
    rooms = [room for pk in accounts.values_list("pk", flat=True) for room in content_cards.live_rooms(pk)]
    shown: dict[int, list[int]] = {}
    for room_id, product_id in LivePromotion.objects.filter(
        promoter=promoter, room_id__in=[r["id"] for r in rooms]
    ).values_list("room_id", "product_id"):
        shown.setdefault(room_id, []).append(product_id)
    ids = [pk for products in shown.values() for pk in products]
    titles = dict(Product.objects.filter(pk__in=ids).values_list("pk", "title"))
    return [
        {**room, "products": [{"id": pk, "title": titles.get(pk, "")} for pk in shown.get(room["id"], [])]}
        for room in rooms
    ]


@dataclass(frozen=True)
class VideoPromotion:
    """One of the creator's short videos with a product card: whether a purchase from it
    attributes to the creator now, and under which plan."""

    video_id: int
    title: str
    published: bool
    product_id: int
    plan: Plan | None


def video_promotions(promoter: Promoter, limit: int = 50) -> list[VideoPromotion]:
    """The promoter's short videos (on any of its user's video accounts) that carry a product,
    newest first, each with the plan a purchase from it would be attributed under (None: it
    attributes nothing: the creator may not promote that product now)."""
    videos = list(
        Video.objects.filter(account__owner_id=promoter.user_id, product_id__isnull=False).order_by("-id")[
            :limit
        ]
    )
    allowed = set(
        promotable_plans(promoter)
        .filter(product_id__in=[v.product_id for v in videos])
        .values_list("product_id", flat=True)
    )
    found = []
    for video in videos:
        product_id = video.product_id or 0  # never 0: only videos with a product are read
        grant_ = best_grant(promoter, product_id) if product_id in allowed else None
        found.append(
            VideoPromotion(
                video.pk,
                video.title,
                video.state == ContentState.PUBLISHED,
                product_id,
                grant_.plan if grant_ is not None else None,
            )
        )
    return found


def store_attributed_lines(store: Store) -> QuerySet[AttributedLine]:
    """The store's lines sold through promotion links, newest first (with order, promoter, plan)."""
    return (
        AttributedLine.objects.filter(plan__store=store)
        .select_related("line__order", "promoter", "agency", "plan")
        .order_by("-created_at", "-line_id")
    )


# -- commission orders ------------------------------------------------------------------------------


def commission_claims(order_ids: list[int]) -> list[CommissionClaim]:
    """The ledger's `commissions` extension point: for the paid orders' attributed lines, the
    promoter's commission and, through an agency, the agency's service fee, at the ratios fixed
    in the checkout (plans never change their ratios)."""
    claims = []
    rows = AttributedLine.objects.filter(line__order_id__in=order_ids).values_list(
        "line_id", "promoter__user_id", "agency__user_id", "commission_ratio_ppm", "service_ratio_ppm"
    )
    for line_id, promoter, agency, commission, service in rows.order_by("line_id"):
        if commission:
            claims.append(
                CommissionClaim(line_id, promoter, ClaimKind.COMMISSION, commission, f"AL{line_id}")
            )
        if agency is not None and service:
            claims.append(CommissionClaim(line_id, agency, ClaimKind.SERVICE, service, f"AL{line_id}-S"))
    return claims


@dataclass(frozen=True)
class CommissionOrder:
    """One promoter's claim on one order line, in WeChat's states: 20 unsettled, 100 settled,
    200 settlement cancelled (refunded in full before it settled)."""

    reference: str
    kind: str
    order_id: int
    line_id: int
    store_id: int
    promoter_id: int  # the user
    ratio_ppm: int
    paid_fen: int
    refunded_fen: int
    amount_fen: int  # at payment
    commission_fen: int  # now: less what refunds took back (or clawed back after settlement)
    state: int
    settled_at: datetime | None


def _commission_orders(rows) -> list[CommissionOrder]:
    """Each claim with its state: settled (100) once its settlement moved money (`settled_fen`,
    by a journal of its own or a batch's), whatever refunds clawed back after; cancelled (200)
    when refunds took all of it before; else unsettled (20)."""
    found = []
    for claim in rows:
        held = claim.held_fen
        if claim.settled_fen > 0:
            state = rules.COMMISSION_SETTLED
        elif not held:
            state = rules.COMMISSION_CANCELLED
        else:
            state = rules.COMMISSION_UNSETTLED
        found.append(
            CommissionOrder(
                reference=claim.reference,
                kind=claim.kind,
                order_id=claim.line.order.order_id,
                line_id=claim.line.line_id,
                store_id=claim.line.order.store_id,
                promoter_id=claim.promoter_id,
                ratio_ppm=claim.ratio_ppm,
                paid_fen=claim.line.paid_fen,
                refunded_fen=claim.line.refunded_fen,
                amount_fen=claim.amount_fen,
                commission_fen=held,
                state=state,
                settled_at=claim.settled_at,
            )
        )
    return found


def promoter_commissions(user: User) -> QuerySet[LineCommission]:
    """The user's commission orders (as a promoter or an agency), newest first."""
    return LineCommission.objects.filter(promoter=user).select_related("line__order").order_by("-pk")


def store_commissions(store: Store) -> QuerySet[LineCommission]:
    """The commission orders on the store's lines, newest first."""
    return (
        LineCommission.objects.filter(line__order__store=store).select_related("line__order").order_by("-pk")
    )


def commission_orders(rows: QuerySet[LineCommission]) -> list[CommissionOrder]:
    return _commission_orders(rows)


@dataclass(frozen=True)
class Earnings:
    pending_fen: int
    available_fen: int
    owed_fen: int
    withdrawing_fen: int


def earnings(user: User) -> Earnings:
    """The promoter's balances from the ledger (one query)."""
    held = dict(Account.objects.filter(user=user, kind__in=PROMOTER_KINDS).values_list("kind", "balance_fen"))
    return Earnings(
        pending_fen=held.get(AccountKind.PROMOTER_PENDING, 0),
        available_fen=held.get(AccountKind.PROMOTER_AVAILABLE, 0),
        owed_fen=-held.get(AccountKind.PROMOTER_OWED, 0),
        withdrawing_fen=held.get(AccountKind.PROMOTER_WITHDRAWING, 0),
    )
