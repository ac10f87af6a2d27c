"""Each metric from a fixture small enough to count by hand (docs/scoring.md has the definitions)."""

from datetime import timedelta

import pytest

from xiaodian.aftersales.rules import Decision, Kind, Reason, State
from xiaodian.orders.rules import Status
from xiaodian.scoring import metrics
from xiaodian.scoring.days import window
from xiaodian.scoring.models import ServiceSessionFact

from .facts import AS_OF, IN_WINDOW

pytestmark = pytest.mark.django_db

START, END = window(AS_OF)


def measure(store):
    return metrics.measure(start=START, end=END)[store.pk]


def test_the_window_is_the_90_shanghai_days_ending_with_the_day():
    assert START.isoformat() == "2026-04-02T00:00:00+08:00"
    assert END.isoformat() == "2026-07-01T00:00:00+08:00"


def test_qualifying_orders_are_the_paid_ones_in_the_window(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 3)
    facts.order(store, paid_at=None)  # cancelled unpaid: never qualifies
    facts.order(store, paid_at=START - timedelta(seconds=1))  # a second before the window
    facts.order(store, paid_at=START)  # the window's first instant
    facts.order(store, paid_at=END)  # the next day: outside
    assert measure(store).qualifying == 4


def test_negative_review_rate_is_one_and_two_star_first_reviews_over_reviewed_lines(facts, make_open_store):
    store = make_open_store()
    orders = facts.orders(store, 5)
    for order, rating in zip(orders, (1, 2, 3, 5, 5), strict=True):
        facts.review(order, rating)
    late = facts.order(store)
    facts.review(late, 1, at=END + timedelta(hours=1))  # written after the window
    # 2 of the 5 reviews in the window have 1–2 stars: 2 / 5 = 0.4
    assert measure(store).metrics["negative_review_rate"] == (0.4, 2, 5)


def test_quality_return_rate_counts_orders_with_a_completed_quality_refund(facts, make_open_store):
    store = make_open_store()
    orders = facts.orders(store, 8)
    facts.aftersale(orders[0], reason=Reason.QUALITY)
    facts.aftersale(orders[0], reason=Reason.DAMAGED)  # the same order twice: counted once
    facts.aftersale(
        orders[1], reason=Reason.NOT_AS_DESCRIBED, kind=Kind.RETURN, state=State.MERCHANT_RETURN_SUCCESS
    )
    facts.aftersale(orders[2], reason=Reason.NOT_WANTED)  # the buyer's mind, not quality
    facts.aftersale(
        orders[3], reason=Reason.QUALITY, state=State.MERCHANT_PROCESSING, handled_in=None
    )  # open
    facts.aftersale(
        orders[4], reason=Reason.WRONG_ITEM, kind=Kind.EXCHANGE, state=State.MERCHANT_RETURN_SUCCESS
    )
    # orders 0 and 1: 2 of 8 paid orders = 0.25
    assert measure(store).metrics["quality_return_rate"] == (0.25, 2, 8)


def test_ship_48h_rate_counts_due_orders_shipped_within_48_hours(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 2, shipped_after=timedelta(hours=47, minutes=59))  # on time
    facts.order(store, shipped_after=timedelta(hours=48))  # exactly 48 h: on time
    facts.order(store, shipped_after=timedelta(hours=48, seconds=1))  # late
    facts.order(store, shipped_after=None)  # paid a month ago, never shipped: late
    facts.order(store, paid_at=END - timedelta(hours=5), shipped_after=None)  # not due yet
    facts.order(store, shipped_after=None, status=Status.CANCELLED_REFUNDED)  # refunded before shipping
    # due: 5 (the first five), on time: 3 → 0.6
    assert measure(store).metrics["ship_48h_rate"] == (0.6, 3, 5)


def test_delivery_hours_average_shipping_to_receipt_of_orders_received_in_the_window(facts, make_open_store):
    store = make_open_store()
    facts.order(store, received_after=timedelta(hours=30))
    facts.order(store, received_after=timedelta(hours=50))
    facts.order(store, received_after=timedelta(hours=70))
    facts.order(store)  # shipped, not received
    # (30 + 50 + 70) / 3 = 50 hours
    value, _numerator, received = measure(store).metrics["delivery_hours"]
    assert received == 3
    assert value == pytest.approx(50.0)


def test_aftersale_hours_average_request_to_close_without_buyer_cancellations(facts, make_open_store):
    store = make_open_store()
    order = facts.order(store)
    facts.aftersale(order, handled_in=timedelta(hours=6))
    facts.aftersale(order, reason=Reason.NOT_WANTED, handled_in=timedelta(hours=30))
    facts.aftersale(order, state=State.USER_CANCELD, handled_in=timedelta(hours=100))  # the buyer withdrew
    facts.aftersale(order, state=State.MERCHANT_PROCESSING, handled_in=None)  # still open
    value, _n, handled = measure(store).metrics["aftersale_hours"]
    assert handled == 2
    assert value == pytest.approx(18.0)  # (6 + 30) / 2


def test_dispute_rate_counts_disputes_decided_for_the_buyer(facts, make_open_store):
    store = make_open_store()
    orders = facts.orders(store, 10)
    refused = [
        facts.aftersale(o, state=State.MERCHANT_REJECT_REFUND, handled_in=timedelta(hours=2))
        for o in orders[:3]
    ]
    facts.dispute(refused[0], Decision.FOR_BUYER)  # the merchant at fault
    facts.dispute(refused[1], Decision.FOR_MERCHANT)  # not at fault
    facts.dispute(refused[2], Decision.FOR_BUYER, at=START - timedelta(days=1))  # decided before the window
    assert measure(store).metrics["dispute_rate"] == (0.1, 1, 10)


def test_service_metrics_read_the_session_facts(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 4)
    rows = [
        (True, 179, False),  # 2:59 — counts
        (True, 180, False),  # 3:00 — counts
        (True, 181, True),  # 3:01 — does not (a session flag is not a complaint)
        (True, None, False),  # no human reply
        (False, 10, False),  # 23:30 — outside service hours: not counted
    ]
    for i, (hours, seconds, complained) in enumerate(rows):
        ServiceSessionFact.objects.create(
            store=store,
            session_key=f"s{i}",
            started_at=IN_WINDOW,
            in_service_hours=hours,
            first_human_reply_seconds=seconds,
            complained=complained,
        )
    got = measure(store)
    assert got.metrics["reply_3min_rate"] == (0.5, 2, 4)
    # complaints are filed and ruled in the complaints app (its tests measure them)
    assert got.metrics["complaint_rate"] == (0.0, 0, 4)


def test_a_store_without_reviews_or_receipts_has_no_such_metrics(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 2)
    got = measure(store)
    assert "negative_review_rate" not in got.metrics
    assert "delivery_hours" not in got.metrics
    assert got.metrics["quality_return_rate"] == (0.0, 0, 2)


def test_thirty_day_totals_for_the_hot_selling_badge(facts, make_open_store):
    store = make_open_store()
    facts.orders(store, 2, paid_at=END - timedelta(days=10), total_fen=5000, received_after=timedelta(days=2))
    facts.order(store, paid_at=END - timedelta(days=40), total_fen=7000)
    got = measure(store)
    assert (got.gmv_30d_fen, got.orders_30d, got.settled_30d, got.qualifying) == (10000, 2, 2, 3)


def test_one_store_is_measured_alone(facts, make_open_store):
    first, second = make_open_store(), make_open_store()
    facts.order(first)
    facts.order(second)
    got = metrics.measure(start=START, end=END, store_ids=[first.pk])
    assert set(got) == {first.pk}
    assert IN_WINDOW < END
