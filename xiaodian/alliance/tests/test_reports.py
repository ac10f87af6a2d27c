"""The alliance's reports, read through reports.py: a promoter's commission per day (earned,
settled, clawed back), a store's promoted sales by promoter and by product, an agency's creators,
and the operators' overview; each a fixed number of queries."""

from datetime import timedelta

import pytest

from xiaodian.alliance import reports, services
from xiaodian.core import clock
from xiaodian.ledger import services as money
from xiaodian.orders.models import OrderLine

pytestmark = pytest.mark.django_db


def test_the_creators_commission_per_day(sales, today, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        report = reports.earnings_daily(sales.creator.user, 30)
    assert len(report.window.dates) == 30 and report.window.end.isoformat() == "2026-03-10"
    last3 = report.items()[-3:]
    assert [
        (d["date"].isoformat(), d["earned_fen"], d["settled_fen"], d["clawed_back_fen"]) for d in last3
    ] == [
        ("2026-03-08", 2000, 0, 0),
        ("2026-03-09", 1000, 0, 0),
        ("2026-03-10", 0, 1000, 500),
    ]
    assert (report.earned_fen, report.settled_fen, report.clawed_back_fen) == (3000, 1000, 500)
    assert not report.empty


def test_an_agency_earns_its_service_fee_per_day(sales, today):
    report = reports.earnings_daily(sales.agency.user, 7)
    assert (report.earned_fen, report.settled_fen, report.clawed_back_fen) == (500, 500, 0)
    assert report.items()[-2]["earned_fen"] == 500


def test_a_claw_back_after_settlement_counts_on_its_day(sales, today):
    line2 = OrderLine.objects.get(product=sales.p2)
    clock.advance(timedelta(days=1))
    money.post_line_refund(line_id=line2.pk, amount_fen=10_000, quantity=1, out_refund_no="AS2")
    report = reports.earnings_daily(sales.creator.user, 30)
    assert report.items()[-1] == {
        "date": clock.today(),
        "earned_fen": 0,
        "settled_fen": 0,
        "clawed_back_fen": 1000,
    }
    assert report.clawed_back_fen == 1500


def test_days_are_shanghai_days_and_the_window_is_its_days(sales, today):
    # the sharer's sale at 12:00 Shanghai on March 10 is today's; a one-day window holds only it
    assert reports.earnings_daily(sales.sharer.user, 1).items() == [
        {"date": clock.today(), "earned_fen": 1000, "settled_fen": 0, "clawed_back_fen": 0}
    ]
    assert reports.earnings_daily(sales.creator.user, 1).earned_fen == 0


def test_nothing_earned_is_empty(make_user, today):
    report = reports.earnings_daily(make_user(), 90)
    assert report.empty and len(report.items()) == 90


def test_the_store_by_promoter(sales, today, django_assert_max_num_queries):
    span = reports.window(30)
    with django_assert_max_num_queries(2):  # the page, the count
        rows = reports.store_performance(sales.store, "promoter", span)
        page, count = list(rows[:20]), rows.count()
    assert count == 2
    assert [reports.performance_row(r) for r in page] == [
        {
            "id": sales.creator.pk,
            "name": sales.creator.name,
            "kind": "creator",
            "orders": 2,
            "units": 3,
            "paid_fen": 30_000,
            "refunded_fen": 5_000,
            "commission_fen": 1500 + 1000,
            "service_fen": 500,
        },
        {
            "id": sales.sharer.pk,
            "name": sales.sharer.name,
            "kind": "sharer",
            "orders": 1,
            "units": 1,
            "paid_fen": 10_000,
            "refunded_fen": 0,
            "commission_fen": 1000,
            "service_fen": 0,
        },
    ]
    with django_assert_max_num_queries(1):
        assert reports.store_totals(sales.store, span) == {
            "orders": 3,
            "units": 4,
            "paid_fen": 40_000,
            "refunded_fen": 5_000,
            "commission_fen": 3500,
            "service_fen": 500,
        }


def test_the_store_by_product(sales, today):
    rows = [
        reports.performance_row(r)
        for r in reports.store_performance(sales.store, "product", reports.window(30))
    ]
    assert [
        (r["id"], r["name"], r["orders"], r["units"], r["paid_fen"], r["commission_fen"], r["service_fen"])
        for r in rows
    ] == [
        (sales.p1.pk, "山茶花精华", 2, 3, 30_000, 2500, 0),
        (sales.p2.pk, "玫瑰面霜", 1, 1, 10_000, 1000, 500),
    ]
    assert rows[0]["kind"] == ""


def test_the_window_keeps_the_orders_paid_in_it(sales, today):
    rows = list(reports.store_performance(sales.store, "product", reports.window(1)))
    assert [(r["plan__product_id"], r["orders"], r["paid_fen"]) for r in rows] == [(sales.p1.pk, 1, 10_000)]
    # another store sees nothing of these
    assert list(reports.store_performance(sales.other_store, "promoter", reports.window(30))) == []


def test_the_agency_sees_its_creators(sales, today, make_promoter, django_assert_max_num_queries):
    idle = make_promoter()
    services.join_agency(promoter=idle, agency_id=sales.agency.pk)
    with django_assert_max_num_queries(2):  # the members, the agency's lines by promoter
        report = reports.agency_report(sales.agency, reports.window(30))
        names = [(c.creator.name, c.creator.video_account.name) for c in report.creators]
    assert [n for n, _account in names] == [sales.creator.name, idle.name]
    busy, quiet = report.creators
    assert busy.sums == {
        "orders": 1,
        "units": 1,
        "paid_fen": 10_000,
        "refunded_fen": 0,
        "commission_fen": 1000,
        "service_fen": 500,
    }
    assert quiet.sums == reports.ZERO
    assert report.totals["service_fen"] == 500 and report.others == reports.ZERO


def test_a_creator_who_left_still_counts_in_the_agencys_totals(sales, today, make_promoter):
    other = make_promoter(kind="agency")
    services.join_agency(promoter=sales.creator, agency_id=other.pk)
    report = reports.agency_report(sales.agency, reports.window(30))
    assert report.creators == []
    assert report.totals["paid_fen"] == 10_000 and report.others["service_fen"] == 500


def test_the_operators_overview(sales, today, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        view = reports.overview(reports.window(30))
    assert view.stores_enabled == 1
    assert view.live_plans == {1: 1, 2: 0, 3: 1}
    assert view.promoters == {"creator": 1, "agency": 1, "sharer": 1}
    assert view.paid[-3:] == [20_000, 10_000, 10_000]
    assert view.commission[-3:] == [1500, 1000, 1000]
    assert view.service[-3:] == [0, 500, 0]
    assert view.totals == {
        "orders": 3,
        "units": 4,
        "paid_fen": 40_000,
        "refunded_fen": 5_000,
        "commission_fen": 3500,
        "service_fen": 500,
    }
    assert [p["promoter_id"] for p in view.top_promoters] == [sales.creator.pk, sales.sharer.pk]
    assert [(s["plan__store_id"], s["paid_fen"]) for s in view.top_stores] == [(sales.store.pk, 40_000)]
