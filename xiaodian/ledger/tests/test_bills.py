"""Daily bills (对账单): a Shanghai day's openings, movements and closings, and the list of days.
Postings are dated by the controlled clock, so they land on the days the tests choose."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.ledger import exports, selectors, services
from xiaodian.ledger.models import Entry, LineMoney
from xiaodian.ledger.rules import STORE_KINDS

from .conftest import DAY1, at, refund, settle

pytestmark = pytest.mark.django_db


def summary(bill):
    return {a.account: (a.opening_fen, a.in_fen, a.out_fen, a.closing_fen) for a in bill.accounts}


def test_a_days_bill_opens_where_the_day_before_closed(history, store):
    first = selectors.daily_bill(store, DAY1)
    assert summary(first)["pending"] == (0, 3431, 0, 3431)
    assert [(m.account, m.source_type, m.amount_fen, m.balance_fen) for m in first.entries] == [
        ("pending", "payment", 3431, 3431)
    ]
    assert first.entries[0].order_id == history.pk and first.entries[0].source_key == str(history.pk)
    assert (first.in_fen, first.out_fen, first.movements) == (3431, 0, 1)

    second = selectors.daily_bill(store, DAY1 + timedelta(days=1))  # 00:10 is the next Shanghai day
    assert summary(second)["pending"] == (3431, 0, -3431, 0)
    assert summary(second)["available"] == (0, 2451, 0, 2451)  # 3431 − (1000 − 20 fee given back)
    assert [(m.account, m.source_type, m.amount_fen, m.balance_fen) for m in second.entries] == [
        ("pending", "refund", -980, 2451),
        ("pending", "settlement", -2451, 0),
        ("available", "settlement", 2451, 2451),
    ]
    assert [(t.source_type, t.in_fen, t.out_fen, t.net_fen, t.movements) for t in second.totals] == [
        ("refund", 0, -980, -980, 1),
        ("settlement", 2451, -2451, 0, 2),
    ]
    assert (second.in_fen, second.out_fen) == (0, -980)  # settlement moves money inside the store

    quiet = selectors.daily_bill(store, DAY1 + timedelta(days=2))
    assert quiet.entries == [] and quiet.totals == [] and quiet.movements == 0
    assert all(a.opening_fen == a.closing_fen for a in quiet.accounts)
    assert summary(quiet)["available"] == (2451, 0, 0, 2451)

    fourth = selectors.daily_bill(store, DAY1 + timedelta(days=3))
    assert summary(fourth)["available"] == (2451, 0, -1000, 1451)
    assert summary(fourth)["withdrawing"] == (0, 1000, -1000, 0)
    assert (fourth.in_fen, fourth.out_fen) == (0, -1000)  # only the transfer paid out leaves

    future = selectors.daily_bill(store, date(2999, 1, 1))
    before = selectors.daily_bill(store, date(2000, 1, 1))
    assert future.entries == [] and summary(future)["available"] == (1451, 0, 0, 1451)
    assert before.entries == [] and all(v == (0, 0, 0, 0) for v in summary(before).values())


def test_the_list_of_bills_has_the_days_with_movements_newest_first(history, store):
    page = selectors.bills(store)
    assert page.count == 3
    assert [d.date for d in page.items] == [DAY1 + timedelta(days=3), DAY1 + timedelta(days=1), DAY1]
    for day in page.items:  # the summary row says what the day's bill says
        bill = selectors.daily_bill(store, day.date)
        assert summary(day) == summary(bill)
        assert (day.in_fen, day.out_fen, day.movements) == (bill.in_fen, bill.out_fen, bill.movements)
    older = selectors.bills(store, offset=1, limit=1)
    assert older.count == 3 and [d.date for d in older.items] == [DAY1 + timedelta(days=1)]
    assert older.items[0].account("available").closing_fen == 2451
    ranged = selectors.bills(store, since=DAY1 + timedelta(days=1), until=DAY1 + timedelta(days=2))
    assert ranged.count == 1 and ranged.items[0].date == DAY1 + timedelta(days=1)
    assert selectors.bills(store, since=date(2999, 1, 1)) == selectors.BillPage([], 0)
    assert selectors.bills(store, offset=3).items == [] and selectors.bills(store, offset=3).count == 3


def naive_balances(store, moment):
    sums = dict(
        Entry.objects.filter(account__store=store, created_at__lt=moment)
        .values("account__kind")
        .annotate(t=Sum("amount_fen"))
        .values_list("account__kind", "t")
        .order_by()
    )
    return {kind: sums.get(kind, 0) for kind in STORE_KINDS}


def test_openings_are_the_same_from_either_side_of_the_index(paid, store):
    """Near the first entry the opening is the sum before the day; near now, the running balance
    less what came since: both are the sum of the entries before the day."""
    start = at(DAY1, 12)
    for day in range(10):
        with clock.travel_to(start + timedelta(days=day)):
            order = paid()
            if day % 2:
                settle(order)
    with clock.travel_to(start + timedelta(days=10)):
        for day in range(-1, 12):
            moment = selectors.day_start(DAY1 + timedelta(days=day))
            assert selectors.balances_at(store, moment) == naive_balances(store, moment), day


def test_a_bill_costs_a_fixed_number_of_queries(paid, store, django_assert_num_queries):
    for moment in (at(DAY1 - timedelta(days=1), 9), at(DAY1, 9), at(DAY1, 10), at(DAY1, 11)):
        with clock.travel_to(moment):
            settle(paid())
    with django_assert_num_queries(3):  # the accounts, the openings, the day's entries
        bill = selectors.daily_bill(store, DAY1)
    assert bill.movements == 9
    with django_assert_num_queries(4):  # the days, grouped sums, and the closing balances (2)
        page = selectors.bills(store)
    assert page.count == 2


# -- property: random postings across days ---------------------------------------------------------

step = st.tuples(
    st.integers(0, 40),  # hours that pass first
    st.sampled_from(["pay", "refund", "settle", "withdraw", "withdraw_fails"]),
    st.integers(1, 100),  # a share, in percent
)


def test_bills_add_up_over_random_postings_across_days(paid, store, merchant):
    seen = dict.fromkeys(["refund", "settle", "withdraw", "withdraw_fails", "days"], 0)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(steps=st.lists(step, min_size=1, max_size=8), start_hour=st.integers(0, 23))
    # Every kind of posting over several days, whatever the random examples draw (the coverage
    # check below then cannot depend on chance).
    @example(
        steps=[
            (0, "pay", 1),
            (2, "refund", 30),
            (25, "settle", 1),
            (1, "withdraw", 40),
            (26, "withdraw_fails", 50),
            (3, "pay", 1),
        ],
        start_hour=22,
    )
    def check(steps, start_hour):
        with transaction.atomic(), clock.travel_to(at(DAY1, start_hour)):
            post(steps)
            prove(DAY1 - timedelta(days=1), clock.today() + timedelta(days=1))
            seen["days"] = max(seen["days"], len(selectors.bills(store).items))
            transaction.set_rollback(True)  # each example starts from an empty ledger

    def post(steps):
        orders, keys = [], iter(range(1, 1000))
        for hours, action, share in steps:
            clock.advance(timedelta(hours=hours))
            if action == "pay" or not orders:
                orders.append(paid())
            elif action == "refund":
                order = orders[share % len(orders)]
                line = LineMoney.objects.filter(order__order_id=order.pk).order_by("line_id").first()
                left = line.paid_fen - line.refunded_fen
                if left:
                    refund(order, max(1, left * share // 100), f"AS{next(keys)}")
                    seen["refund"] += 1
            elif action == "settle":
                settle(orders[share % len(orders)])
                seen["settle"] += 1
            else:
                held = selectors.balance(store).available_fen
                amount = max(100, held * share // 100)
                try:
                    w = services.request_withdrawal(store=store, amount_fen=amount, by=merchant)
                except DomainError:
                    continue  # too little available, or the day's three used
                finish = services.withdrawal_returned if action == "withdraw_fails" else None
                if finish:
                    finish(out_bill_no=w.out_bill_no, amount_fen=amount, reason="no")
                else:
                    services.withdrawal_paid(
                        out_bill_no=w.out_bill_no, amount_fen=amount, transfer_bill_no="T"
                    )
                seen[action] += 1

    def prove(first, last):
        day, previous = first, None
        page = {d.date: d for d in selectors.bills(store, limit=100).items}
        while day <= last:
            bill = selectors.daily_bill(store, day)
            assert {a.account: a.opening_fen for a in bill.accounts} == naive_balances(
                store, selectors.day_start(day)
            )
            for a in bill.accounts:
                moved = [m for m in bill.entries if m.account == a.account]
                assert a.opening_fen + sum(m.amount_fen for m in moved) == a.closing_fen
                assert a.in_fen + a.out_fen == a.closing_fen - a.opening_fen
                balance = a.opening_fen
                for m in moved:  # each movement's balance is the running one
                    balance += m.amount_fen
                    assert m.balance_fen == balance
            if previous is not None:  # the closing of day D is the opening of day D+1
                assert [a.closing_fen for a in previous.accounts] == [a.opening_fen for a in bill.accounts]
            assert (day in page) == bool(bill.entries)
            if day in page:
                assert summary(page[day]) == summary(bill)
                assert (page[day].in_fen, page[day].out_fen) == (bill.in_fen, bill.out_fen)
            previous, day = bill, day + timedelta(days=1)
        held = selectors.balance(store)
        closing = {a.account: a.closing_fen for a in previous.accounts}
        assert (closing["available"], closing["pending"], closing["withdrawing"]) == (
            held.available_fen,
            held.pending_fen,
            held.withdrawing_fen,
        )
        assert closing["owed"] == -held.owed_fen

    check()
    assert all(seen.values()) and seen["days"] >= 3, seen  # the examples reached each kind of posting


def test_a_settlement_run_is_one_bill_line_per_account_naming_its_orders(paid, store):
    """Three orders settled by the run: the day's bill shows the store's one settlement journal
    (pending −, available +), its key giving the orders' range and count; the CSV the same."""
    with clock.travel_to(at(DAY1, 10)):
        orders = [paid() for _ in range(3)]
    day2 = DAY1 + timedelta(days=1)
    with clock.travel_to(at(day2, 9)):
        services.end_periods(line_ids=LineMoney.objects.values_list("line_id", flat=True))
        assert services.settle_due() == 3
    ids = sorted(o.pk for o in orders)
    key = f"orders:{ids[0]}-{ids[-1]}:3"
    bill = selectors.daily_bill(store, day2)
    assert [(m.account, m.source_type, m.source_key, m.order_id, m.amount_fen) for m in bill.entries] == [
        ("pending", "settlement", key, None, -3 * 3431),
        ("available", "settlement", key, None, 3 * 3431),
    ]
    assert [(t.source_type, t.net_fen, t.movements) for t in bill.totals] == [("settlement", 0, 2)]
    rows = list(exports.rows(bill))
    assert [row[3] for row in rows if key in row] == [key, key]
