from datetime import date, datetime, timedelta

import pytest

from xiaodian.aftersales.tests.conftest import (  # noqa: F401
    merchant_view,
    paid_order,
    really_paid,
    shipped_order,
)
from xiaodian.core import clock
from xiaodian.core.clock import SHANGHAI
from xiaodian.ledger import services
from xiaodian.ledger.models import LineMoney
from xiaodian.orders.tests.conftest import buyer, make_sku, other_store, place  # noqa: F401


@pytest.fixture
def paid(paid_order, django_capture_on_commit_callbacks):
    """A paid order whose `order_paid` handlers ran (as right after the commit)."""

    def make(*lines):
        with django_capture_on_commit_callbacks(execute=True):
            order = paid_order(*lines)
        return order

    return make


DAY1 = date(2026, 12, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock moment."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def settle(order):
    for line in order.lines.all():
        services.settle_line(order_id=order.pk, line_id=line.pk)


def refund(order, amount_fen, key):
    line = LineMoney.objects.filter(order__order_id=order.pk).order_by("line_id").first()
    services.post_line_refund(line_id=line.line_id, amount_fen=amount_fen, quantity=1, out_refund_no=key)


@pytest.fixture
def history(paid, store, merchant):
    """Day 1: an order paid at 23:30 (Shanghai). Day 2 at 00:10: a refund of ¥10 on it, then it
    settles. Day 3: nothing. Day 4: a ¥10 withdrawal, paid out."""
    with clock.travel_to(at(DAY1, 23, 30)):
        order = paid()
    with clock.travel_to(at(DAY1 + timedelta(days=1), 0, 10)):
        refund(order, 1000, "AS1")
        settle(order)
    with clock.travel_to(at(DAY1 + timedelta(days=3), 9)):
        w = services.request_withdrawal(store=store, amount_fen=1000, by=merchant)
        services.withdrawal_paid(out_bill_no=w.out_bill_no, amount_fen=1000, transfer_bill_no="T1")
    return order
