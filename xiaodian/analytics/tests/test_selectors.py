"""The data center's numbers, each computed by hand from a few orders and refunds."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from xiaodian.aftersales.rules import Kind, State
from xiaodian.analytics import rules, selectors
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.scenes import PRIVATE_DOMAIN, Scene

from .conftest import sh

pytestmark = pytest.mark.django_db

MARCH_1, MARCH_2, MARCH_3, MARCH_4 = (date(2026, 3, d) for d in (1, 2, 3, 4))


def report(store, start=MARCH_1, end=MARCH_4):
    return selectors.store_report(store, start, end)


def day(result, when: date):
    return next(d for d in result.days if d.date == when)


# ------------------------------------------------------------------------------ empty and shape


def test_every_day_of_the_range_is_a_row_even_without_orders(store):
    result = report(store, date(2026, 2, 25), MARCH_4)
    assert [d.date for d in result.days] == [date(2026, 2, d) for d in (25, 26, 27, 28)] + [
        MARCH_1,
        MARCH_2,
        MARCH_3,
        MARCH_4,
    ]
    for d in result.days:
        assert (d.gmv_fen, d.orders, d.created_orders, d.refund_fen, d.refunded_orders) == (0, 0, 0, 0, 0)
        assert set(d.by_scene) == set(Scene.values)
    assert result.totals.gmv_fen == 0
    assert result.active_scenes == []


def test_rates_are_none_when_there_is_nothing_to_divide_by(store):
    rates = report(store).rates
    assert (rates.paid_rate, rates.refund_amount_rate, rates.refund_order_rate) == (None, None, None)


def test_a_one_day_range_is_one_row(store, make_order):
    make_order(sh(2026, 3, 2, 9), sh(2026, 3, 2, 9, 5), total_fen=700)
    result = report(store, MARCH_2, MARCH_2)
    assert len(result.days) == 1 and result.days[0].gmv_fen == 700


# ------------------------------------------------------------------------------------- the sums


@pytest.fixture
def march(store, make_order, make_refund, make_store, make_user, make_subject):
    """Four days of a store's orders, and a neighbour's order that must not count.

    1 Mar: A live room ¥10.00 paid, B 1:1 chat ¥25.00 paid, C search ¥3.00 unpaid (created only).
    2 Mar: D Moments ¥40.00 created 1 Mar 23:50, paid 2 Mar 00:10; E live room ¥5.00 paid.
    3 Mar: nothing paid; refunds: ¥4.00 on A, ¥10.00 (a return) on B, ¥5.00 on B again (4 Mar).
    An exchange on D, a rejected refund on E and one still refunding on E: none count."""
    a = make_order(sh(2026, 3, 1, 10), sh(2026, 3, 1, 10, 1), total_fen=1_000, scene=Scene.LIVE_ROOM)
    b = make_order(sh(2026, 3, 1, 11), sh(2026, 3, 1, 11, 1), total_fen=2_500, scene=Scene.CHAT)
    make_order(sh(2026, 3, 1, 12), None, total_fen=300, scene=Scene.SEARCH)
    d = make_order(sh(2026, 3, 1, 23, 50), sh(2026, 3, 2, 0, 10), total_fen=4_000, scene=Scene.MOMENTS)
    e = make_order(sh(2026, 3, 2, 15), sh(2026, 3, 2, 15, 1), total_fen=500, scene=Scene.LIVE_ROOM)
    make_refund(a, 400, sh(2026, 3, 3, 9))
    make_refund(b, 1_000, sh(2026, 3, 3, 10), kind=Kind.RETURN, state=State.MERCHANT_RETURN_SUCCESS)
    make_refund(b, 500, sh(2026, 3, 4, 10))
    make_refund(d, 4_000, sh(2026, 3, 3, 11), kind=Kind.EXCHANGE, state=State.MERCHANT_RETURN_SUCCESS)
    make_refund(e, 500, sh(2026, 3, 3, 12), state=State.MERCHANT_REJECT_REFUND)
    make_refund(e, 500, sh(2026, 3, 3, 13), state=State.PLATFORM_REFUNDING)
    neighbour = make_user("neighbour")
    elsewhere = make_store(neighbour, make_subject(neighbour), name="隔壁小店")
    other = make_order(sh(2026, 3, 1, 10), sh(2026, 3, 1, 10, 1), total_fen=99_900, at=elsewhere)
    make_refund(other, 99_900, sh(2026, 3, 3, 9))
    return store


def test_gmv_and_paid_orders_per_day_count_paid_orders_by_the_day_they_were_paid(march):
    result = report(march)
    assert [(d.gmv_fen, d.orders) for d in result.days] == [(3_500, 2), (4_500, 2), (0, 0), (0, 0)]
    assert (result.totals.gmv_fen, result.totals.orders) == (8_000, 4)


def test_gmv_splits_by_scene_and_by_domain(march):
    result = report(march)
    first, second = day(result, MARCH_1), day(result, MARCH_2)
    assert (first.by_scene[Scene.LIVE_ROOM].gmv_fen, first.by_scene[Scene.CHAT].gmv_fen) == (1_000, 2_500)
    assert first.by_scene[Scene.SEARCH].orders == 0  # created, never paid
    assert (first.public.gmv_fen, first.public.orders) == (1_000, 1)
    assert (first.private.gmv_fen, first.private.orders) == (2_500, 1)
    assert (second.public.gmv_fen, second.private.gmv_fen) == (500, 4_000)
    totals = result.totals
    assert totals.by_scene[Scene.LIVE_ROOM].gmv_fen == 1_500 and totals.by_scene[Scene.LIVE_ROOM].orders == 2
    assert (totals.public.gmv_fen, totals.private.gmv_fen) == (1_500, 6_500)
    assert totals.public.gmv_fen + totals.private.gmv_fen == totals.gmv_fen
    assert result.active_scenes == [Scene.LIVE_ROOM, Scene.CHAT, Scene.MOMENTS]


def test_private_domain_is_scenes_9_to_13():
    assert {int(s) for s in PRIVATE_DOMAIN} == {9, 10, 11, 12, 13}


def test_created_orders_and_the_paid_rate(march):
    result = report(march)
    assert [d.created_orders for d in result.days] == [4, 1, 0, 0]
    rates = result.rates
    assert (rates.orders_created, rates.orders_created_paid, rates.orders_paid) == (5, 4, 4)
    assert rates.paid_rate == Decimal("0.8")


def test_refunds_count_succeeded_refunds_and_returns_by_the_day_they_were_refunded(march):
    result = report(march)
    assert [(d.refund_fen, d.refunded_orders) for d in result.days] == [(0, 0), (0, 0), (1_400, 2), (500, 1)]
    rates = result.rates
    assert rates.refund_fen == 1_900
    assert rates.refunded_orders == 2  # B was refunded on two days: one order
    assert rates.refund_amount_rate == Decimal("0.2375")  # 1900 / 8000
    assert rates.refund_order_rate == Decimal("0.5")


def test_rates_round_to_four_places():
    assert selectors.ratio(1, 3) == Decimal("0.3333")
    assert str(selectors.ratio(2, 3)) == "0.6667"
    assert selectors.ratio(5, 0) is None


def test_the_range_cuts_orders_and_refunds_at_its_edges(march):
    result = report(march, MARCH_2, MARCH_3)
    assert result.totals.gmv_fen == 4_500  # D and E; A and B were paid on 1 Mar
    assert result.totals.created_orders == 1  # E; D was created on 1 Mar
    assert result.totals.refund_fen == 1_400  # the ¥5.00 on 4 Mar is outside


# ----------------------------------------------------------------------------- Shanghai midnight


def test_days_are_shanghai_days_not_utc_days(store, make_order):
    # 23:59:59 in Shanghai is 15:59:59 UTC the same date; 00:00 in Shanghai is 16:00 UTC the day before.
    make_order(sh(2026, 3, 1, 23, 59), datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), total_fen=100)
    make_order(sh(2026, 3, 1, 23, 59), datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC), total_fen=200)
    # 07:59 UTC on 2 Mar is 15:59 in Shanghai, still 2 Mar; 00:30 UTC on 2 Mar is 08:30 on 2 Mar.
    make_order(sh(2026, 3, 2, 8), datetime(2026, 3, 2, 0, 30, tzinfo=UTC), total_fen=400)
    result = report(store, MARCH_1, MARCH_2)
    assert [d.gmv_fen for d in result.days] == [100, 600]


def test_a_day_before_the_range_in_shanghai_is_outside_even_if_the_same_utc_date(store, make_order):
    # 1 Mar 07:00 in Shanghai is 28 Feb 23:00 UTC; 28 Feb 23:30 in Shanghai is 28 Feb 15:30 UTC.
    make_order(sh(2026, 2, 28, 23), sh(2026, 2, 28, 23, 30), total_fen=100)
    make_order(sh(2026, 3, 1, 7), sh(2026, 3, 1, 7), total_fen=200)
    make_order(sh(2026, 3, 4, 23), sh(2026, 3, 5, 0, 0), total_fen=400)  # paid the day after the range
    result = report(store)
    assert result.totals.gmv_fen == 200
    assert result.totals.created_orders == 2


def test_refunds_bucket_by_the_shanghai_day_too(store, make_order, make_refund):
    order = make_order(sh(2026, 3, 1, 10), sh(2026, 3, 1, 10), total_fen=1_000)
    make_refund(order, 100, datetime(2026, 3, 2, 15, 59, tzinfo=UTC))  # 2 Mar 23:59 Shanghai
    make_refund(order, 200, datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # 3 Mar 00:00 Shanghai
    result = report(store)
    assert [d.refund_fen for d in result.days] == [0, 100, 200, 0]


# ------------------------------------------------------------------------------- query budget


@pytest.mark.parametrize("days", [1, 31, 366])
def test_a_report_costs_four_queries_whatever_its_length(march, days, django_assert_num_queries):
    end = date(2026, 3, 31)
    start = date.fromordinal(end.toordinal() - days + 1)
    with django_assert_num_queries(4):
        selectors.store_report(march, start, end)


# ------------------------------------------------------------------------------------ the range

NOW = sh(2026, 3, 10, 0, 30)  # 00:30 in Shanghai is still 9 Mar in UTC: today is 10 Mar


def test_the_default_range_is_the_last_30_days_including_today():
    with clock.travel_to(NOW):
        assert selectors.today() == date(2026, 3, 10)
        assert selectors.date_range() == (date(2026, 2, 9), date(2026, 3, 10))


def test_a_range_given_by_its_end_only_is_the_30_days_ending_there():
    with clock.travel_to(NOW):
        assert selectors.date_range(None, MARCH_4) == (date(2026, 2, 3), MARCH_4)
        assert selectors.date_range(MARCH_4, None) == (MARCH_4, date(2026, 3, 10))
        assert selectors.date_range(None, date(2000, 1, 5)) == (rules.EARLIEST_DAY, date(2000, 1, 5))


def test_a_range_may_be_366_days_and_no_more():
    with clock.travel_to(NOW):
        assert selectors.date_range(date(2025, 3, 10), date(2026, 3, 10)) == (
            date(2025, 3, 10),
            date(2026, 3, 10),
        )
        with pytest.raises(DomainError) as refused:
            selectors.date_range(date(2025, 3, 9), date(2026, 3, 10))
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "date_range_too_long",
        422,
        "to",
    )
    assert "366" in refused.value.message


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (MARCH_4, MARCH_1, "from"),  # backwards
        (MARCH_1, date(2026, 3, 11), "to"),  # tomorrow
        (date(1999, 12, 31), MARCH_1, "from"),  # before the platform
        (date(1, 1, 1), None, "from"),
        (None, date(1, 1, 1), "to"),  # would overflow computing the default start
        (date(9999, 12, 31), None, "from"),
    ],
)
def test_bad_ranges_are_refused_with_a_code_and_the_field(start, end, field):
    with clock.travel_to(NOW), pytest.raises(DomainError) as refused:
        selectors.date_range(start, end)
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "date_range_invalid",
        422,
        field,
    )
