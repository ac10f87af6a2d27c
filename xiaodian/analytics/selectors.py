"""The merchant data center's numbers for one store over a range of Shanghai days: GMV and paid
orders per day by scene and by domain, created and paid orders, refunds, and the rates.

Four GROUP BY queries whatever the range's length (paid orders by day and scene, created orders by
day, refunds by day, distinct refunded orders); the days between are filled with zeros in Python.
Definitions are in docs/analytics.md."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from xiaodian.aftersales.models import AfterSale
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.scenes import PRIVATE_DOMAIN, Scene
from xiaodian.orders.models import Order
from xiaodian.stores.models import Store

from . import rules

SCENES: tuple[int, ...] = tuple(Scene.values)
RATE_PLACES = Decimal("0.0001")


# ----------------------------------------------------------------------------------- the range


today = clock.today  # the views ask the report's module for "today"


def date_range(start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The range a report covers: `end` defaults to today and `start` to the 30 days ending at
    `end`. Both days count; both lie between 2000-01-01 and today; at most 366 days."""
    last = today()
    end = end or last
    _check_day("to", end, last)
    start = start or max(end - timedelta(days=rules.DEFAULT_DAYS - 1), rules.EARLIEST_DAY)
    _check_day("from", start, last)
    if start > end:
        raise DomainError("date_range_invalid", _("开始日期不能晚于结束日期。"), field="from")
    if (end - start).days + 1 > rules.MAX_DAYS:
        raise DomainError(
            "date_range_too_long", _("日期范围最长 %(days)s 天。") % {"days": rules.MAX_DAYS}, field="to"
        )
    return start, end


def _check_day(name: str, day: date, last: date) -> None:
    if not rules.EARLIEST_DAY <= day <= last:
        raise DomainError(
            "date_range_invalid",
            _("日期须在 %(earliest)s 到今天（%(today)s）之间。")
            % {"earliest": rules.EARLIEST_DAY.isoformat(), "today": last.isoformat()},
            field=name,
        )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The range's first instant and the instant after its last day, in Shanghai."""
    return (
        datetime.combine(start, time.min, tzinfo=rules.TZ),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=rules.TZ),
    )


# ------------------------------------------------------------------------------------ the report


@dataclass
class Figures:
    """Paid orders and their GMV (sum of total_fen) in some slice."""

    gmv_fen: int = 0
    orders: int = 0

    def add(self, gmv_fen: int, orders: int) -> None:
        self.gmv_fen += gmv_fen
        self.orders += orders


@dataclass
class Row:
    """One day's numbers, or the range's totals (`date` None)."""

    date: date | None
    by_scene: dict[int, Figures] = field(default_factory=lambda: {s: Figures() for s in SCENES})
    public: Figures = field(default_factory=Figures)
    private: Figures = field(default_factory=Figures)
    created_orders: int = 0
    refund_fen: int = 0
    refunded_orders: int = 0

    @property
    def gmv_fen(self) -> int:
        return self.public.gmv_fen + self.private.gmv_fen

    @property
    def orders(self) -> int:
        return self.public.orders + self.private.orders

    def add_paid(self, scene: int, gmv_fen: int, orders: int) -> None:
        self.by_scene[scene].add(gmv_fen, orders)
        (self.private if scene in PRIVATE_DOMAIN else self.public).add(gmv_fen, orders)


@dataclass(frozen=True)
class Rates:
    orders_created: int  # created in the range
    orders_created_paid: int  # of those, paid (at any time so far)
    orders_paid: int  # paid in the range
    paid_rate: Decimal | None  # orders_created_paid / orders_created
    gmv_fen: int
    refund_fen: int  # refunded in the range
    refunded_orders: int  # distinct orders with a refund in the range
    refund_amount_rate: Decimal | None  # refund_fen / gmv_fen
    refund_order_rate: Decimal | None  # refunded_orders / orders_paid


@dataclass(frozen=True)
class Report:
    store_id: int
    start: date
    end: date
    days: list[Row]
    totals: Row
    rates: Rates

    @property
    def active_scenes(self) -> list[int]:
        """Scenes with a paid order in the range, in code order (the charts' series)."""
        return [s for s in SCENES if self.totals.by_scene[s].orders]


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator to four places (half up); None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def store_report(store: Store, start: date, end: date) -> Report:
    """The store's numbers for the Shanghai days start..end (both included; see `date_range`)."""
    lo, hi = _bounds(start, end)
    days = {start + timedelta(days=i): Row(start + timedelta(days=i)) for i in range((end - start).days + 1)}
    totals = Row(None)

    paid = (
        Order.objects.filter(store=store, paid_at__gte=lo, paid_at__lt=hi)
        .annotate(day=TruncDate("paid_at", tzinfo=rules.TZ))
        .values("day", "scene")
        .annotate(gmv_fen=Sum("total_fen"), orders=Count("id"))
        .order_by()
    )
    for row in paid:
        days[row["day"]].add_paid(row["scene"], row["gmv_fen"], row["orders"])
        totals.add_paid(row["scene"], row["gmv_fen"], row["orders"])

    created = (
        Order.objects.filter(store=store, created_at__gte=lo, created_at__lt=hi)
        .annotate(day=TruncDate("created_at", tzinfo=rules.TZ))
        .values("day")
        .annotate(orders=Count("id"), paid=Count("id", filter=Q(paid_at__isnull=False)))
        .order_by()
    )
    created_paid = 0
    for created_row in created:
        days[created_row["day"]].created_orders = created_row["orders"]
        totals.created_orders += created_row["orders"]
        created_paid += created_row["paid"]

    refunds = AfterSale.objects.filter(
        store=store,
        state__in=rules.REFUNDED_STATES,
        kind__in=rules.REFUNDED_KINDS,
        refunded_at__gte=lo,
        refunded_at__lt=hi,
    )
    by_day = (
        refunds.annotate(day=TruncDate("refunded_at", tzinfo=rules.TZ))
        .values("day")
        .annotate(refund_fen=Sum("amount_fen"), orders=Count("order_id", distinct=True))
        .order_by()
    )
    for refund_row in by_day:
        days[refund_row["day"]].refund_fen = refund_row["refund_fen"]
        days[refund_row["day"]].refunded_orders = refund_row["orders"]
        totals.refund_fen += refund_row["refund_fen"]
    # An order refunded on two days counts once in the range.
    totals.refunded_orders = refunds.aggregate(n=Count("order_id", distinct=True))["n"]

    rates = Rates(
        orders_created=totals.created_orders,
        orders_created_paid=created_paid,
        orders_paid=totals.orders,
        paid_rate=ratio(created_paid, totals.created_orders),
        gmv_fen=totals.gmv_fen,
        refund_fen=totals.refund_fen,
        refunded_orders=totals.refunded_orders,
        refund_amount_rate=ratio(totals.refund_fen, totals.gmv_fen),
        refund_order_rate=ratio(totals.refunded_orders, totals.orders),
    )
    return Report(
        store_id=store.pk, start=start, end=end, days=list(days.values()), totals=totals, rates=rates
    )
