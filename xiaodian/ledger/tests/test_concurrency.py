import threading

import pytest
from django.db import connection
from django.db.models import Sum

from xiaodian.ledger import selectors, services
from xiaodian.ledger.models import Account, Journal, LineMoney, OrderMoney
from xiaodian.ledger.rules import AccountKind


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
