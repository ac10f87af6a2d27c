"""`bench score` at a tiny scale (40 stores, 3,000 orders), in the test database (SQLite or
PostgreSQL, as the suite runs): the seed's counts and proportions, the data's consistency with
the orders and after-sales rules, the recompute's scores, reuse, and the JSON the command prints.
The recompute runs in this process here: a fresh process would not see the test's transaction."""

import io
import json
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.db.models import F, Q

from xiaodian.aftersales.models import AfterSale, Dispute
from xiaodian.aftersales.rules import FINAL, SUCCEEDED, Kind, State
from xiaodian.benchmarks import score
from xiaodian.orders.models import Order, OrderLine
from xiaodian.orders.rules import Status
from xiaodian.reviews.models import Review
from xiaodian.scoring import days as scoring_days
from xiaodian.scoring import rules as scoring_rules
from xiaodian.scoring.models import ServiceSessionFact, StoreScore
from xiaodian.stores.models import Store

STORES, ORDERS = 40, 3_000


@pytest.fixture
def result(benchmark_database):
    return score.run(stores=STORES, orders=ORDERS, isolate=False)


def test_the_seed_has_the_sizes_asked_for(result):
    assert result["seed"]["reused"] is False
    assert result["rows"]["stores"] == STORES
    assert result["rows"]["orders"] == result["rows"]["lines"] == ORDERS
    assert result["seed"]["loaded"]["orders"] == ORDERS
    stores = score.bench_stores()
    assert stores.filter(state="open").count() == STORES
    assert 1 <= stores.filter(kind="brand").count() <= 12  # about 10%
    assert OrderLine.objects.filter(order__store__in=stores).values("order").distinct().count() == ORDERS


def test_the_mix_has_realistic_proportions(result):
    orders, sales, reviews, sessions = (
        result["orders"],
        result["aftersales"],
        result["reviews"],
        result["service_sessions"],
    )
    assert 0.015 <= orders["cancelled_unpaid"] <= 0.05
    assert 0.68 <= orders["paid_in_window"] <= 0.82  # 90 of 120 days
    assert orders["completed"] > 0.8 and orders["shipped"] > 0 and orders["refunded"] > 0
    assert 0.02 <= orders["shipped_late"] <= 0.09
    assert 0.025 <= sales["of_paid_orders"] <= 0.06
    assert 0.35 <= sales["quality_reasons"] <= 0.65
    assert all(sales["kinds"][kind] for kind in ("refund", "return", "exchange"))
    assert sales["succeeded"] > 0.6 and sales["closed"] > 0.8
    assert result["rows"]["disputes"] >= 1 and result["disputes"]["of_aftersales"] <= 0.12
    assert 0.25 <= reviews["of_received_lines"] <= 0.35
    assert 0.01 <= reviews["negative"] <= 0.1
    assert 0.15 <= sessions["per_order"] <= 0.25 and sessions["reply_3min_in_hours"] > 0.8
    complaints = result["complaints"]
    assert result["rows"]["complaints"] >= 3 and 0.001 <= complaints["of_paid_orders"] <= 0.012
    assert 0.2 <= complaints["upheld"] <= 0.7 and complaints["upheld_in_window"] >= 1


def test_order_counts_are_skewed_and_some_stores_stay_below_the_threshold(result):
    stores = result["stores"]
    assert stores["with_enough_orders"] >= 5 and stores["below"] >= 5
    assert stores["most_qualifying_orders"] > 5 * stores["median_qualifying_orders"]


def test_the_rows_follow_the_orders_and_aftersales_rules(result):
    orders = Order.objects.filter(store__in=score.bench_stores())
    assert not orders.filter(status=Status.CANCELLED_UNPAID).exclude(paid_at=None).exists()
    assert not orders.filter(status=Status.CANCELLED_UNPAID, closed_at=None).exists()
    assert not orders.filter(shipped_at__lt=F("paid_at")).exists()
    assert not orders.filter(received_at__isnull=False, shipped_at=None).exists()
    assert not orders.filter(status=Status.COMPLETED, received_at=None).exists()
    assert not orders.filter(status=Status.SHIPPED).filter(Q(shipped_at=None) | ~Q(received_at=None)).exists()
    assert not orders.filter(status=Status.CANCELLED_REFUNDED, closed_at=None).exists()
    assert not orders.exclude(status=Status.CANCELLED_UNPAID).filter(paid_at=None).exists()
    assert not orders.exclude(total_fen=F("goods_fen") + F("shipping_fen")).exists()
    assert not orders.filter(created_at__gt=datetime.fromisoformat(result["seed"]["seeded_at"])).exists()

    sales = AfterSale.objects.filter(store__in=score.bench_stores())
    assert not sales.filter(state__in=FINAL, closed_at=None).exists()
    assert not sales.filter(
        state__in=SUCCEEDED, kind__in=(Kind.REFUND, Kind.RETURN), refunded_at=None
    ).exists()
    assert not sales.exclude(state__in=FINAL).exclude(closed_at=None).exists()
    assert not sales.filter(created_at__lt=F("order__paid_at")).exists()
    assert not sales.filter(closed_at__lt=F("created_at")).exists()
    assert not sales.filter(kind=Kind.EXCHANGE).exclude(amount_fen=0).exists()
    assert not sales.filter(amount_fen__gt=F("order__total_fen")).exists()
    refunded = sales.filter(state__in=SUCCEEDED, kind__in=(Kind.REFUND, Kind.RETURN))
    assert refunded.filter(order__status=Status.CANCELLED_REFUNDED).exists()
    for sale in sales.filter(kind__in=(Kind.REFUND, Kind.RETURN))[:50]:
        assert sale.units == list(range(sale.quantity))
    decided = Dispute.objects.filter(aftersale__in=sales).exclude(decision="")
    assert not decided.filter(decision="merchant").exclude(aftersale__state=State.MERCHANT_FAIL).exists()
    assert not decided.filter(decided_at=None).exists()

    reviews = Review.objects.filter(store__in=score.bench_stores())
    assert not reviews.filter(order__received_at=None).exists()
    assert not reviews.filter(created_at__lt=F("order__received_at")).exists()
    assert not reviews.exclude(buyer=F("order__buyer")).exists()
    assert (
        ServiceSessionFact.objects.filter(store__in=score.bench_stores()).count()
        == result["rows"]["service_sessions"]
    )


def test_complaints_follow_the_complaints_rules_and_feed_the_complaint_rate(result):
    from xiaodian.complaints.models import Complaint

    complaints = Complaint.objects.filter(store__in=score.bench_stores())
    assert complaints.count() == result["rows"]["complaints"]
    assert not complaints.filter(order__paid_at=None).exists()
    assert not complaints.filter(created_at__lt=F("order__paid_at")).exists()
    assert not complaints.exclude(store=F("order__store")).exists()
    assert not complaints.exclude(buyer=F("order__buyer")).exists()
    assert not complaints.filter(state__in=("upheld", "dismissed"), ruled_at=None).exists()
    assert not complaints.filter(state__in=("open", "answered")).exclude(ruled_at=None).exists()
    assert not complaints.filter(state="open").exclude(answered_at=None).exists()
    assert not complaints.filter(ruled_at__lt=F("answered_at")).exists()
    # the recompute counted each store's upheld complaints in the window
    as_of = date.fromisoformat(result["as_of"])
    start, end = scoring_days.window(as_of)
    upheld = complaints.filter(state="upheld", ruled_at__gte=start, ruled_at__lt=end)
    assert upheld.exists()
    for row in StoreScore.objects.filter(store__in=upheld.values("store"), as_of=as_of):
        rate = row.metrics["complaint_rate"]
        assert rate["numerator"] == upheld.filter(store_id=row.store_id).count(), row.store_id


def test_the_recompute_scores_exactly_the_stores_with_enough_orders(result):
    timed = result["recompute"]
    assert timed["seconds"] >= 0 and timed["peak_rss_mb"] > 0
    assert timed["summary"]["stores"] >= STORES
    assert timed["stores_scored"] == result["stores"]["with_enough_orders"]
    qualifying = score.qualifying_orders(date.fromisoformat(result["as_of"]))
    scores = StoreScore.objects.filter(store__in=score.bench_stores(), as_of=result["as_of"])
    assert scores.count() == STORES
    for row in scores:
        enough = qualifying.get(row.store_id, 0) >= scoring_rules.MIN_ORDERS
        assert (row.score is not None) == enough, row.store_id
        assert row.qualifying_orders == qualifying.get(row.store_id, 0)
    assert result["targets"]["recompute_met"] is True and result["targets"]["memory_met"] is True


def test_a_seed_of_the_same_size_is_reused_and_another_size_replaces_it(result):
    again = score.run(stores=STORES, orders=ORDERS, recompute_scores=False)
    assert again["seed"]["reused"] is True and again["recompute"] is None
    assert again["rows"] == result["rows"]  # nothing seeded twice

    other = score.run(stores=30, orders=2_000, isolate=False)
    assert other["seed"]["reused"] is False
    assert (other["rows"]["stores"], other["rows"]["orders"]) == (30, 2_000)
    assert Store.objects.filter(name__startswith=score.STORE_PREFIX).count() == 30
    assert Order.objects.count() == OrderLine.objects.count() == 2_000


def test_the_command_prints_only_json_on_stdout(benchmark_database):
    out = io.StringIO()
    call_command("bench", "score", "--stores", "20", "--orders", "1000", "--in-process", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["scenario"] == "score" and result["database"] in ("sqlite", "postgresql")
    assert result["scale"] == {"stores": 20, "orders": 1_000}
    assert result["recompute"]["process"].startswith("in-process")
    assert set(result["targets"]) == {"recompute_s", "peak_rss_mb", "recompute_met", "memory_met"}
