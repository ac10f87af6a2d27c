"""Measure every store's metrics over a window: a handful of GROUP BY store aggregates (orders,
reviews, after-sales, disputes, service sessions, products), whatever the number of orders. No
Python loop over orders; the loop here is over the stores the aggregates return.

Definitions (docs/scoring.md):
- qualifying orders: paid in the window (cancelled-unpaid orders were never paid);
- negative-review rate: first reviews of 1–2 stars / first reviews, written in the window;
- quality-return rate: paid orders with a quality-caused refund completed in the window / qualifying;
- 48 h shipping rate: orders paid in the window shipped within 48 h / those due (shipped, or paid
  48 h before the window's end and not cancelled before shipping);
- delivery time: hours from shipping to receipt, orders received in the window;
- after-sale handling time: hours from request to close, requests closed in the window (buyers'
  own cancellations excluded);
- dispute rate: disputes decided for the buyer in the window / qualifying;
- 3-minute reply rate: from `ServiceSessionFact`, sessions started in the window;
- complaint rate: complaints ruled upheld (the merchant at fault) in the window / qualifying, from
  the complaints app through the `upheld_complaints` extension point (complaints sits beside
  scoring, so the web app, above both, registers it).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum

from xiaodian.aftersales.models import AfterSale, Dispute
from xiaodian.aftersales.rules import QUALITY_REASONS, SUCCEEDED, Decision, Kind, State
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.core.extensions import ExtensionPoint
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.reviews.models import Review

from . import rules
from .models import ServiceSessionFact


def _no_complaints(*, start: datetime, end: datetime, store_ids=None) -> dict[int, int]:
    return {}


# store id -> complaints ruled upheld in [start, end): one GROUP BY (complaints.selectors)
upheld_complaints = ExtensionPoint("scoring.upheld_complaints", default=_no_complaints)

NOT_SHIPPING = (Status.CANCELLED_OVERSOLD, Status.CANCELLED_REFUNDED)


@dataclass
class Measured:
    """One store's counts over the window. `metrics` maps a metric to (value, numerator,
    denominator); a metric without a denominator (no reviews, nothing received) is absent."""

    qualifying: int = 0
    gmv_30d_fen: int = 0
    orders_30d: int = 0
    settled_30d: int = 0
    listed_products: int = 0
    recent_violations: int = 0
    counts: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


def _span(duration: str) -> ExpressionWrapper:
    end, start = duration.split("-")
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _hours(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600
    return float(value) / 3_600_000_000  # SQLite answers an average duration in microseconds


def _for(queryset: QuerySet, store_ids, field_name: str = "store_id") -> QuerySet:
    return queryset if store_ids is None else queryset.filter(**{f"{field_name}__in": store_ids})


def measure(*, start: datetime, end: datetime, store_ids=None) -> dict[int, Measured]:
    """Every store's counts for the window [start, end); only `store_ids` when given."""
    stores: dict[int, Measured] = {}

    def at(store_id: int) -> Measured:
        return stores.setdefault(store_id, Measured())

    in_window = Q(paid_at__gte=start, paid_at__lt=end)
    received = Q(received_at__gte=start, received_at__lt=end, shipped_at__isnull=False)
    recent = Q(paid_at__gte=end - timedelta(days=30), paid_at__lt=end)
    # Due: shipped, or 48 h passed by the window's end — or by now, for a window that ends later
    # (a recompute during the day): an order still inside its 48 h is not late yet.
    due_by = min(end, clock.now()) - rules.SHIP_WITHIN
    due = Q(shipped_at__isnull=False) | (Q(paid_at__lte=due_by) & ~Q(status__in=NOT_SHIPPING))
    orders = (
        _for(Order.objects.filter(in_window | received), store_ids)
        .values("store_id")
        .annotate(
            qualifying=Count("id", filter=in_window),
            ship_due=Count("id", filter=in_window & due),
            ship_on_time=Count("id", filter=in_window & Q(shipped_at__lte=F("paid_at") + rules.SHIP_WITHIN)),
            received=Count("id", filter=received),
            delivery=Avg(_span("received_at-shipped_at"), filter=received),
            gmv_30d=Sum("total_fen", filter=recent),
            orders_30d=Count("id", filter=recent),
            settled_30d=Count(
                "id",
                filter=Q(
                    status=Status.COMPLETED,
                    received_at__gte=end - rules.HOT_SETTLED_WITHIN,
                    received_at__lt=end,
                ),
            ),
        )
        .order_by()
    )
    for row in orders:
        m = at(row["store_id"])
        m.qualifying = row["qualifying"]
        m.gmv_30d_fen = row["gmv_30d"] or 0
        m.orders_30d = row["orders_30d"]
        m.settled_30d = row["settled_30d"]
        m.counts.update(ship_due=row["ship_due"], ship_on_time=row["ship_on_time"], received=row["received"])
        if row["ship_due"]:
            m.metrics["ship_48h_rate"] = (
                row["ship_on_time"] / row["ship_due"],
                row["ship_on_time"],
                row["ship_due"],
            )
        if row["received"]:
            m.metrics["delivery_hours"] = (_hours(row["delivery"]), None, row["received"])

    reviews = (
        _for(Review.objects.filter(created_at__gte=start, created_at__lt=end), store_ids)
        .values("store_id")
        .annotate(reviewed=Count("id"), negative=Count("id", filter=Q(rating__in=rules.NEGATIVE_RATINGS)))
        .order_by()
    )
    for row in reviews:
        m = at(row["store_id"])
        m.metrics["negative_review_rate"] = (
            row["negative"] / row["reviewed"],
            row["negative"],
            row["reviewed"],
        )

    refunded = Q(refunded_at__gte=start, refunded_at__lt=end)
    closed = Q(closed_at__gte=start, closed_at__lt=end) & ~Q(state=State.USER_CANCELD)
    quality = refunded & Q(
        state__in=SUCCEEDED,
        kind__in=(Kind.REFUND, Kind.RETURN),
        reason_code__in=QUALITY_REASONS,
        order__paid_at__gte=start,  # of the qualifying orders: the numerator is part of the denominator
        order__paid_at__lt=end,
    )
    aftersales = (
        _for(AfterSale.objects.filter(refunded | closed), store_ids)
        .values("store_id")
        .annotate(
            quality_orders=Count("order_id", distinct=True, filter=quality),
            handled=Count("id", filter=closed),
            handling=Avg(_span("closed_at-created_at"), filter=closed),
        )
        .order_by()
    )
    quality_orders: dict[int, int] = {}
    for row in aftersales:
        m = at(row["store_id"])
        quality_orders[row["store_id"]] = row["quality_orders"]
        if row["handled"]:
            m.metrics["aftersale_hours"] = (_hours(row["handling"]), None, row["handled"])

    disputes = dict(
        _for(
            Dispute.objects.filter(decided_at__gte=start, decided_at__lt=end, decision=Decision.FOR_BUYER),
            store_ids,
            "aftersale__store_id",
        )
        .values_list("aftersale__store_id")
        .annotate(n=Count("id"))
        .order_by()
    )

    sessions = (
        _for(ServiceSessionFact.objects.filter(started_at__gte=start, started_at__lt=end), store_ids)
        .values("store_id")
        .annotate(
            counted=Count("id", filter=Q(in_service_hours=True)),
            fast=Count(
                "id",
                filter=Q(
                    in_service_hours=True,
                    first_human_reply_seconds__lte=rules.REPLY_WITHIN.total_seconds(),
                ),
            ),
        )
        .order_by()
    )
    for row in sessions:
        m = at(row["store_id"])
        if row["counted"]:
            m.metrics["reply_3min_rate"] = (row["fast"] / row["counted"], row["fast"], row["counted"])

    complaints = upheld_complaints(start=start, end=end, store_ids=store_ids)

    for store_id, m in stores.items():
        if m.qualifying:
            for name, numerator in (
                ("quality_return_rate", quality_orders.get(store_id, 0)),
                ("dispute_rate", disputes.get(store_id, 0)),
                ("complaint_rate", complaints.get(store_id, 0)),
            ):
                m.metrics[name] = (numerator / m.qualifying, numerator, m.qualifying)

    products = (
        _for(Product.objects.all(), store_ids)
        .values("store_id")
        .annotate(
            listed=Count("id", filter=Q(state=ProductState.LISTED)),
            violations=Count("id", filter=Q(banned_at__gte=end - rules.BRAND_CLEAN_FOR)),
        )
        .filter(Q(listed__gt=0) | Q(violations__gt=0))
        .order_by()
    )
    for row in products:
        m = stores.get(row["store_id"])
        if m is not None:
            m.listed_products = row["listed"]
            m.recent_violations = row["violations"]
    return stores
