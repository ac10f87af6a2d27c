"""Badge rules at their edges: 4.49 vs 4.50, open 90 vs 91 days, the top 10%, the quarterly brand
decision."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from xiaodian.scoring.badges import StoreRow, award, hot_selling
from xiaodian.scoring.compute import Bench
from xiaodian.scoring.metrics import Measured
from xiaodian.scoring.rules import Badge

AS_OF = date(2026, 6, 30)
CATEGORY = 7
# The category's (20 scored stores) median score 4.2; top 10% from 5,000.00 yuan and 120 orders in
# 30 days; the service dimension's top decile 4.8.
BENCH = {
    (CATEGORY, "score"): Bench(4.2, 4.9, 20),
    (CATEGORY, "gmv_30d"): Bench(200_000, 500_000, 20),
    (CATEGORY, "orders_30d"): Bench(60, 120, 20),
    (CATEGORY, "service"): Bench(4.0, 4.8, 20),
}


def store(kind="ordinary", open_days=365):
    return StoreRow(id=1, category=CATEGORY, kind=kind, opened_on=AS_OF - timedelta(days=open_days))


def seller(**overrides):
    m = Measured(qualifying=300, gmv_30d_fen=500_000, orders_30d=120, settled_30d=100, listed_products=4)
    for name, value in overrides.items():
        setattr(m, name, value)
    return m


def badges(score="4.50", service=4.8, row=None, m=None, previous=None):
    return award(row or store(), m or seller(), Decimal(score), service, BENCH, AS_OF, previous)


@pytest.mark.parametrize(("score", "expected"), [("4.49", []), ("4.50", ["hot_selling", "service_store"])])
def test_badges_need_a_score_of_4_50(score, expected):
    assert badges(score) == expected


@pytest.mark.parametrize(("days", "hot"), [(90, False), (91, True)])
def test_hot_selling_needs_the_store_open_more_than_90_days(days, hot):
    assert hot_selling(store(open_days=days), seller(), Decimal("4.50"), BENCH, AS_OF) is hot


@pytest.mark.parametrize(
    ("overrides", "hot"),
    [
        ({}, True),
        ({"settled_30d": 99}, False),  # 100 settled orders in 30 days
        ({"gmv_30d_fen": 499_999}, False),  # a fen below the top 10% by GMV
        ({"orders_30d": 119}, False),  # one order below the top 10% by orders
    ],
)
def test_hot_selling_needs_the_category_top_ten_percent_by_gmv_and_orders(overrides, hot):
    assert hot_selling(store(), seller(**overrides), Decimal("4.50"), BENCH, AS_OF) is hot


def test_hot_selling_needs_a_score_above_the_category_median():
    bench = {**BENCH, (CATEGORY, "score"): Bench(4.5, 4.9, 20)}
    assert hot_selling(store(), seller(), Decimal("4.50"), bench, AS_OF) is False  # equal is not above
    assert hot_selling(store(), seller(), Decimal("4.51"), bench, AS_OF) is True


def test_a_small_category_is_compared_with_the_platform():
    small = {
        (CATEGORY, name): Bench(b.median, 0.0 if name != "score" else 1.0, 5)
        for (_, name), b in BENCH.items()
    }
    platform = {(None, name): bench for (_, name), bench in BENCH.items()}
    row = store()
    # against its own 5 stores it would pass anything; the platform's bar of 5,000 yuan holds it back
    assert hot_selling(row, seller(gmv_30d_fen=1), Decimal("4.50"), {**small, **platform}, AS_OF) is False


@pytest.mark.parametrize(("service", "expected"), [(4.79, []), (4.8, ["service_store"]), (float("nan"), [])])
def test_service_store_needs_the_category_top_decile_of_service(service, expected):
    assert badges(service=service, m=seller(settled_30d=0)) == expected


@pytest.mark.parametrize(
    ("overrides", "kind", "brand"),
    [
        ({}, "brand", True),
        ({}, "ordinary", False),
        ({"listed_products": 3}, "brand", False),
        ({"recent_violations": 1}, "brand", False),
    ],
)
def test_brand_store(overrides, kind, brand):
    got = badges(row=store(kind=kind), m=seller(settled_30d=0, **overrides), service=0.0)
    assert (Badge.BRAND in got) is brand


def test_the_brand_badge_is_decided_once_a_quarter():
    row, m = store(kind="brand"), seller(settled_30d=0)
    # decided on 2026-04-01 (this quarter): kept even though the score fell below 4.50
    kept = award(row, m, Decimal("4.00"), 0.0, BENCH, AS_OF, (date(2026, 4, 1), ["brand_store"]))
    assert kept == ["brand_store"]
    # not awarded this quarter: a better score waits for the next quarter
    waits = award(row, m, Decimal("4.90"), 0.0, BENCH, AS_OF, (date(2026, 4, 1), []))
    assert waits == []
    # a new quarter decides again
    assert award(row, m, Decimal("4.00"), 0.0, BENCH, date(2026, 7, 1), (AS_OF, ["brand_store"])) == []
    assert award(row, m, Decimal("4.90"), 0.0, BENCH, date(2026, 7, 1), (AS_OF, [])) == ["brand_store"]


def test_no_score_no_badges():
    assert award(store(kind="brand"), seller(), None, 5.0, BENCH, AS_OF, None) == []
