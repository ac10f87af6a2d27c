import threading

import pytest
from django.db import connection
from django.db.models import Q, Sum

from xiaodian.core.errors import DomainError
from xiaodian.core.events import run_pending
from xiaodian.ledger import events, rules, selectors, services
from xiaodian.ledger.models import Account, Journal, LineMoney, OrderMoney, Withdrawal
from xiaodian.ledger.rules import AccountKind
from xiaodian.payments import events as payment_events


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_on_one_store_are_each_posted_once(paid, store, make_sku):
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    sku = make_sku(store, price_fen=1999, stock=100)
    orders = [paid((sku, 2)) for _ in range(12)]
    for order in orders[:6]:  # half settled: their refunds come out of available
        for line in order.lines.all():
            services.settle_line(order_id=order.pk, line_id=line.pk)
    lines = list(LineMoney.objects.filter(order__order_id__in=[o.pk for o in orders]))
    # every line refunded in full, and each refund sent twice at once (the worker's at-least-once)
    calls = [(line.line_id, line.paid_fen, f"R{line.line_id}") for line in lines] * 2
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def refund(line_id, amount, key):
        barrier.wait()
        try:
            services.post_line_refund(line_id=line_id, amount_fen=amount, quantity=2, out_refund_no=key)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Journal.objects.filter(source_type="refund").count() == len(lines)
    paid_total = sum(line.paid_fen for line in lines)
    assert Account.objects.get(kind=AccountKind.REFUNDS_OUT).balance_fen == paid_total
    assert OrderMoney.objects.aggregate(t=Sum("refunded_fen"))["t"] == paid_total
    assert Account.objects.get(kind=AccountKind.FEE_INCOME).balance_fen == 0  # every fee went back
    b = selectors.balance(store)
    assert (b.pending_fen, b.available_fen, b.owed_fen) == (0, 0, 0)
    assert selectors.unbalanced_journals() == []
    assert selectors.drifted_balances() == []
    assert selectors.total_of_all_accounts() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_and_refunds_never_overdraw(paid, store, make_sku, merchant):
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    sku = make_sku(store, price_fen=1999, stock=100)
    orders = [paid((sku, 2)) for _ in range(12)]
    for order in orders[:6]:
        for line in order.lines.all():
            services.settle_line(order_id=order.pk, line_id=line.pk)
    settled = selectors.balance(store).available_fen
    assert settled == 6 * (3998 - 80)
    lines = list(LineMoney.objects.filter(order__order_id__in=[o.pk for o in orders]).order_by("line_id"))
    from_store = sum(1000 - rules.fee_share(line.fee_fen, line.paid_fen, 1000) for line in lines[:6])
    # 16 refunds of 1000 fen (12 lines, 4 of them sent twice) and 16 withdrawals of 7000 at once:
    # at most 3 withdrawals a day, and 3 of them and the settled lines' refunds do not all fit
    refunds = [(line.line_id, f"R{line.line_id}") for line in lines] + [
        (line.line_id, f"R{line.line_id}") for line in lines[:4]
    ]
    calls = [("refund", *r) for r in refunds] + [("withdraw", None, None)] * 16
    assert len(calls) == 32
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []
    # no submission during the race (no handler, so no outbox row either): submitted below
    events.withdrawal_requested.disconnect(services.submit_withdrawal)
    refused: list[str] = []

    def act(what, line_id, key):
        barrier.wait()
        try:
            if what == "refund":
                services.post_line_refund(line_id=line_id, amount_fen=1000, quantity=1, out_refund_no=key)
            else:
                services.request_withdrawal(store=store, amount_fen=7000, by=merchant)
        except DomainError as exc:
            refused.append(exc.code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=call) for call in calls]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        events.withdrawal_requested.connect(services.submit_withdrawal)
    assert errors == []
    withdrawn = Withdrawal.objects.count()
    assert 1 <= withdrawn <= rules.WITHDRAWALS_PER_DAY
    assert set(refused) <= {"balance_insufficient", "withdrawal_limit_reached"}
    assert len(refused) == 16 - withdrawn
    assert Journal.objects.filter(source_type="refund").count() == 12  # each refund once
    assert Journal.objects.filter(source_type="withdrawal").count() == withdrawn
    b = selectors.balance(store)
    assert b.available_fen >= 0 and b.withdrawing_fen == 7000 * withdrawn
    # nothing lost or made: what settled is what refunds took, what was withdrawn, what is left
    # (less what the store now owes)
    assert b.available_fen - b.owed_fen == settled - from_store - 7000 * withdrawn
    assert selectors.unbalanced_journals() == []
    assert selectors.drifted_balances() == []
    assert selectors.total_of_all_accounts() == 0
    # then the transfers go out and succeed
    for withdrawal in Withdrawal.objects.all():
        services.submit_withdrawal(withdrawal_id=withdrawal.pk)
    run_pending(payment_events.transfer_succeeded)
    assert selectors.balance(store).withdrawing_fen == 0
    assert services.account(AccountKind.WITHDRAWALS_OUT).balance_fen == 7000 * withdrawn
    assert selectors.total_of_all_accounts() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_settlements_and_refunds_settle_each_order_once(paid, store, other_store, make_sku):
    """Every order's lines ended; at once: two settlement runs (each with its two workers), two
    `settle_orders` of them all, every line's `settle_line` twice, and a refund of every other
    line. Each order settles exactly once, with what the refunds racing it left: the settlement
    entries move what the orders were marked with, nothing is pending, and every fen is where
    the rules put it."""
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    skus = [make_sku(shop, price_fen=1999, stock=100) for shop in (store, other_store)]
    orders = [paid((sku, 2)) for _ in range(6) for sku in skus]
    ids = [order.pk for order in orders]
    services.end_periods(line_ids=LineMoney.objects.values_list("line_id", flat=True))
    lines = list(LineMoney.objects.order_by("line_id"))
    calls = (
        [("due", None)] * 2
        + [("orders", None)] * 2
        + [("line", line) for line in lines] * 2
        + [("refund", line) for line in lines[::2]]
    )
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(what, line):
        barrier.wait()
        try:
            if what == "due":
                services.settle_due(chunk=3, workers=2)
            elif what == "orders":
                services.settle_orders(order_ids=ids, chunk=4)
            elif what == "line":
                services.settle_line(order_id=line.order.order_id, line_id=line.line_id)
            else:
                services.post_line_refund(
                    line_id=line.line_id, amount_fen=1000, quantity=1, out_refund_no=f"R{line.line_id}"
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    money = OrderMoney.objects.filter(order_id__in=ids)
    assert money.filter(settled_at__isnull=True).count() == 0
    assert sum(money.values_list("pending_fen", flat=True)) == 0
    settled = sum(money.values_list("settled_fen", flat=True))
    moved = Journal.objects.filter(source_type="settlement").aggregate(
        t=Sum("entries__amount_fen", filter=Q(entries__account__kind=AccountKind.PENDING))
    )["t"]
    assert moved == -settled  # no order's settlement posted twice, none lost
    kept = sum(m.paid_fen - m.fee_fen - m.refunded_fen + m.fee_returned_fen for m in money)
    assert settled >= kept  # refunds after settlement came out of available afterwards
    for shop in (store, other_store):
        b = selectors.balance(shop)
        mine = money.filter(store=shop)
        assert b.pending_fen == 0
        assert b.available_fen - b.owed_fen == sum(
            m.paid_fen - m.fee_fen - m.refunded_fen + m.fee_returned_fen for m in mine
        )
    assert Journal.objects.filter(source_type="refund").count() == len(lines[::2])
    assert selectors.unbalanced_journals() == []
    assert selectors.drifted_balances() == []
    assert selectors.total_of_all_accounts() == 0
