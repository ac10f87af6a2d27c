"""Reads for the alliance's reports (docs/alliance.md "Reports"): a promoter's commission per day
(from the ledger's entries), a store's promoted sales by promoter and by product, an agency's
creators, and the operators' overview. Like selectors.py, reads only; each is a fixed number of
queries whatever the window or the number of rows.

A promoted sale is an `AttributedLine` whose order was **paid** in the window (Shanghai days, the
order's `paid_at`): its paid share and refunds are the ledger's (`LineMoney`), its commission and
service fee the claims' (`LineCommission`) as they stand now, after refunds (held)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.clock import SHANGHAI
from xiaodian.core.errors import DomainError
from xiaodian.core.text import is_digits
from xiaodian.ledger.models import Entry, LineCommission, LineMoney
from xiaodian.ledger.rules import PROMOTER_KINDS, AccountKind, ClaimKind
from xiaodian.ledger.rules import Source as LedgerSource
from xiaodian.stores.models import Store

from . import rules
from .models import AgencyMember, AttributedLine, Plan, Promoter, StoreAlliance
from .rules import PerformanceBy, PromoterKind
from .selectors import live_q, promoter_of

# ------------------------------------------------------------------------------------ the window


@dataclass(frozen=True)
class Window:
    """The last `days` Shanghai days ending today, both included."""

    days: int
    start: date
    end: date

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time.min, SHANGHAI),
            datetime.combine(self.end + timedelta(days=1), time.min, SHANGHAI),
        )


def window(days: int = rules.REPORT_DAYS) -> Window:
    """The window of `days` (1–366; callers validate) ending today by the platform's clock."""
    days = max(1, min(int(days), rules.REPORT_DAYS_MAX))
    end = clock.today()
    return Window(days=days, start=end - timedelta(days=days - 1), end=end)


def days_param(raw: str | None) -> int:
    """A page's `?days=`: a whole number 1–366, else the default (pages never refuse a window)."""
    if raw and is_digits(raw) and 1 <= int(raw) <= rules.REPORT_DAYS_MAX:
        return int(raw)
    return rules.REPORT_DAYS


# ----------------------------------------------------------------------- a promoter's earnings


@dataclass(frozen=True)
class DailyEarnings:
    """Per day of the window, in fen: commission `earned` (claimed when the order was paid, into
    pending), `settled` (pending → available when the line's after-sale period ended) and
    `clawed_back` (taken back by refunds, before or after settlement)."""

    window: Window
    earned: list[int]
    settled: list[int]
    clawed_back: list[int]

    @property
    def earned_fen(self) -> int:
        return sum(self.earned)

    @property
    def settled_fen(self) -> int:
        return sum(self.settled)

    @property
    def clawed_back_fen(self) -> int:
        return sum(self.clawed_back)

    @property
    def empty(self) -> bool:
        return not (any(self.earned) or any(self.settled) or any(self.clawed_back))

    def items(self) -> list[dict]:
        return [
            {"date": d, "earned_fen": e, "settled_fen": s, "clawed_back_fen": c}
            for d, e, s, c in zip(self.window.dates, self.earned, self.settled, self.clawed_back, strict=True)
        ]


def earnings_daily(user: User, days: int = rules.REPORT_DAYS) -> DailyEarnings:
    """The user's commission (as a promoter, or an agency's service fees) per Shanghai day, from
    the entries on their promoter accounts: one GROUP BY query (day, journal source, account)."""
    span = window(days)
    lo, hi = span.bounds
    index = {d: i for i, d in enumerate(span.dates)}
    earned, settled, back = [0] * span.days, [0] * span.days, [0] * span.days
    rows = (
        Entry.objects.filter(
            account__user_id=user.pk,
            account__kind__in=PROMOTER_KINDS,
            created_at__gte=lo,
            created_at__lt=hi,
            journal__source_type__in=(
                LedgerSource.PAYMENT,
                LedgerSource.REFUND,
                LedgerSource.COMMISSION_SETTLED,
            ),
        )
        .annotate(day=TruncDate("created_at", tzinfo=SHANGHAI))
        .values_list("day", "journal__source_type", "account__kind")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    )
    for day, source, kind, total in rows:
        i = index.get(day)
        if i is None:
            continue
        if source == LedgerSource.PAYMENT and kind == AccountKind.PROMOTER_PENDING:
            earned[i] += total
        elif source == LedgerSource.COMMISSION_SETTLED and kind == AccountKind.PROMOTER_PENDING:
            settled[i] -= total
        elif source == LedgerSource.REFUND:
            back[i] -= total
    return DailyEarnings(span, earned, settled, back)


# --------------------------------------------------------------------------- promoted sales


def _held(kind: str):
    claims = LineCommission.objects.filter(line__line_id=OuterRef("pk"), kind=kind)
    return Coalesce(
        Subquery(claims.values(held=F("amount_fen") - F("returned_fen"))[:1], output_field=IntegerField()),
        Value(0),
    )


def promoted_lines(span: Window) -> QuerySet[AttributedLine]:
    """The promoted lines whose order was paid in the window, each with its money: paid share,
    refunded, and the commission and service fee held now (0 while the payment is not posted)."""
    lo, hi = span.bounds
    money = LineMoney.objects.filter(line_id=OuterRef("pk"))
    return AttributedLine.objects.filter(line__order__paid_at__gte=lo, line__order__paid_at__lt=hi).annotate(
        line_paid=Coalesce(Subquery(money.values("paid_fen")[:1]), Value(0)),
        line_refunded=Coalesce(Subquery(money.values("refunded_fen")[:1]), Value(0)),
        line_commission=_held(ClaimKind.COMMISSION),
        line_service=_held(ClaimKind.SERVICE),
    )


_SUMS = {
    "orders": Count("line__order_id", distinct=True),
    "units": Coalesce(Sum("line__quantity"), Value(0)),
    "paid_fen": Coalesce(Sum("line_paid"), Value(0)),
    "refunded_fen": Coalesce(Sum("line_refunded"), Value(0)),
    "commission_fen": Coalesce(Sum("line_commission"), Value(0)),
    "service_fen": Coalesce(Sum("line_service"), Value(0)),
}
ZERO = dict.fromkeys(_SUMS, 0)


def grouped(lines: QuerySet[AttributedLine], *keys: str) -> QuerySet:
    """The lines' sums per `keys` (dicts: the keys, then orders, units, paid_fen, refunded_fen,
    commission_fen, service_fen), the most paid first (ties: the first key ascending)."""
    return lines.values(*keys).annotate(**_SUMS).order_by("-paid_fen", keys[0])


def totals(lines: QuerySet[AttributedLine]) -> dict:
    """The same sums over all the lines (one query)."""
    return lines.aggregate(**_SUMS)


# The row's id and name per grouping (the dict keys the pages and the API read).
_PERFORMANCE_KEYS = {
    PerformanceBy.PROMOTER: ("promoter_id", "promoter__name", "promoter__kind"),
    PerformanceBy.PRODUCT: ("plan__product_id", "plan__product__title"),
}


def performance_row(row: dict) -> dict:
    """A grouped row as the API answers it: {id, name, kind, ...sums} (kind '' for a product)."""
    key = "promoter_id" if "promoter_id" in row else "plan__product_id"
    name = row.get("promoter__name", row.get("plan__product__title", ""))
    return {"id": row[key], "name": name, "kind": row.get("promoter__kind", ""), **{k: row[k] for k in _SUMS}}


def store_performance(store: Store, by: str, span: Window) -> QuerySet:
    """The store's promoted sales in the window per promoter or per product, the most paid first
    (paginate it: a page and its count are two queries)."""
    return grouped(promoted_lines(span).filter(plan__store=store), *_PERFORMANCE_KEYS[PerformanceBy(by)])


def store_totals(store: Store, span: Window) -> dict:
    return totals(promoted_lines(span).filter(plan__store=store))


# -------------------------------------------------------------------------------- an agency


@dataclass(frozen=True)
class CreatorRow:
    """One of the agency's creators, with what it sold through the agency in the window."""

    member: AgencyMember
    sums: dict

    @property
    def creator(self) -> Promoter:
        return self.member.creator


@dataclass(frozen=True)
class AgencyReport:
    window: Window
    creators: list[CreatorRow]  # the agency's creators now, the most paid first
    totals: dict  # everything sold through the agency in the window (the agency's own links, and
    # creators who have left since, included): its service fees are `service_fen`
    others: dict = field(default_factory=lambda: dict(ZERO))  # the part not by a current creator


def agency_of_user(user: User) -> Promoter:
    """The user's promoter profile when it is an agency: no profile → `alliance_promoter_required`
    (409), another kind → `alliance_agency_required` (403)."""
    promoter = promoter_of(user)
    if promoter.kind != PromoterKind.AGENCY:
        raise DomainError("alliance_agency_required")
    return promoter


def agency_report(agency: Promoter, span: Window) -> AgencyReport:
    """The agency's creators (members now) and each one's sales and commission through the
    agency in the window, with the agency's service fees. Two queries whatever the number of
    creators: the members, and the agency's lines grouped by promoter."""
    members = list(
        AgencyMember.objects.filter(agency=agency)
        .select_related("creator__video_account")
        .order_by("joined_at", "pk")
    )
    by_promoter = {
        row["promoter_id"]: row for row in grouped(promoted_lines(span).filter(agency=agency), "promoter_id")
    }
    total = dict(ZERO)
    for row in by_promoter.values():
        for k in _SUMS:
            total[k] += row[k]
    creators = [CreatorRow(m, {k: by_promoter.get(m.creator_id, ZERO)[k] for k in _SUMS}) for m in members]
    creators.sort(key=lambda c: -c.sums["paid_fen"])  # stable: equal sales keep the joining order
    others = {k: total[k] - sum(c.sums[k] for c in creators) for k in _SUMS}
    return AgencyReport(span, creators, total, others)


# ----------------------------------------------------------------------------- the operators


@dataclass(frozen=True)
class Overview:
    window: Window
    stores_enabled: int
    live_plans: dict[int, int]  # plan kind → live plans
    promoters: dict[str, int]  # promoter kind → promoters
    paid: list[int]  # per day of the window: promoted sales' paid amount (GMV)
    commission: list[int]  # … commission held now
    service: list[int]  # … agencies' service fees held now
    totals: dict
    top_promoters: list[dict]
    top_stores: list[dict]


def overview(span: Window) -> Overview:
    """The alliance over the platform: stores enabled, live plans by type, promoters by kind,
    the promoted sales per day of the window (GMV, commission, service fees), their totals, and
    the top promoters and stores by GMV. Six queries."""
    now = clock.now()
    live = dict(Plan.objects.filter(live_q(now)).values_list("kind").annotate(n=Count("pk")).order_by())
    kinds = dict(Promoter.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    lines = promoted_lines(span)
    index = {d: i for i, d in enumerate(span.dates)}
    paid, commission, service = [0] * span.days, [0] * span.days, [0] * span.days
    total = dict(ZERO)
    per_day = (
        lines.annotate(day=TruncDate("line__order__paid_at", tzinfo=SHANGHAI))
        .values("day")
        .annotate(**_SUMS)
        .order_by()
    )
    for row in per_day:
        for k in _SUMS:
            total[k] += row[k]  # an order is paid on one day: the days' distinct orders add up
        i = index.get(row["day"])
        if i is not None:
            paid[i], commission[i], service[i] = row["paid_fen"], row["commission_fen"], row["service_fen"]
    top_promoters = list(grouped(lines, "promoter_id", "promoter__name", "promoter__kind")[: rules.TOP_N])
    top_stores = list(grouped(lines, "plan__store_id", "plan__store__name")[: rules.TOP_N])
    return Overview(
        window=span,
        stores_enabled=StoreAlliance.objects.count(),
        live_plans={kind.value: live.get(kind.value, 0) for kind in rules.PlanKind},
        promoters={kind.value: kinds.get(kind.value, 0) for kind in rules.PromoterKind},
        paid=paid,
        commission=commission,
        service=service,
        totals=total,
        top_promoters=top_promoters,
        top_stores=top_stores,
    )
