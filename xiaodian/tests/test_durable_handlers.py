"""Every durable event handler is idempotent: run twice, the second run changes nothing. Each
handler has a test named `test_<handler>_is_idempotent` (here, or beside its app's other tests);
a handler connected without one fails `test_every_durable_handler_has_an_idempotency_test`."""

import re
from pathlib import Path

from xiaodian.aftersales import services as aftersales
from xiaodian.aftersales.rules import State
from xiaodian.core import clock
from xiaodian.core.events import durable_events
from xiaodian.live import receivers as live
from xiaodian.live.models import FlashHold, ShelfItem
from xiaodian.orders import rules as order_rules
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.orders.tests.conftest import ADDRESS
from xiaodian.payments import services as payments
from xiaodian.payments.models import Payment, Purpose, Refund, RefundStatus
from xiaodian.stores import services as stores
from xiaodian.stores.models import StoreDeposit
from xiaodian.stores.rules import DepositStatus, StoreState
from xiaodian.wechatpay_sandbox.testing import pay_deposit_in_sandbox, pay_in_sandbox


def test_every_durable_handler_has_an_idempotency_test():
    sources = "\n".join(p.read_text() for p in Path(__file__).resolve().parents[1].glob("**/tests/test_*.py"))
    tested = set(re.findall(r"^def test_(\w+)_is_idempotent\(", sources, flags=re.M))
    untested = sorted(
        f"{event.name}: {handler_name}"
        for event in durable_events().values()
        for handler_name, handler in event.handlers.items()
        if ".tests." not in handler.__module__ and handler.__name__ not in tested
    )
    assert not untested, f"durable handlers with no idempotency test: {untested}"


def _twice(handler, **payload):
    handler(**payload)
    handler(**payload)


# ------------------------------------------------------------------------------------- orders


def _checkout_paid_in_sandbox(buyer, sku, key):
    placed = orders.place_order(
        buyer=buyer, items=[orders.LineRequest(sku.pk, 1)], address=ADDRESS, idempotency_key=key
    )
    payment = orders.pay_checkout(buyer=buyer, order_id=placed.order_ids[0])
    return placed, payment


def test_settle_cancelled_payment_is_idempotent(buyer, make_sku, store, make_user):
    """An oversold order's refund is asked for twice and made once; a closed order's payment is
    closed once."""
    sku = make_sku(store, stock=1)
    with clock.travel_to(clock.now()):
        placed, payment = _checkout_paid_in_sandbox(buyer, sku, "late")
        clock.advance(order_rules.PAY_WITHIN)
        orders.close_expired_orders()
        orders.place_order(  # someone else buys the last unit meanwhile
            buyer=make_user(), items=[orders.LineRequest(sku.pk, 1)], address=ADDRESS, idempotency_key="o"
        )
        pay_in_sandbox(payment)  # WeChat Pay's money arrives late: the order is oversold
    order = Order.objects.get(pk=placed.order_ids[0])
    assert order.status == Status.CANCELLED_OVERSOLD
    _twice(orders.settle_cancelled_payment, order_ids=[order.pk])
    (refund,) = Refund.objects.filter(payment=payment)
    assert (refund.out_refund_no, refund.amount_fen, refund.status) == (
        orders.oversold_refund_no(order),
        order.total_fen,
        RefundStatus.SUCCEEDED,
    )

    other = make_sku(store, stock=5)
    with clock.travel_to(clock.now()):
        closed, unpaid = _checkout_paid_in_sandbox(buyer, other, "closed")
        orders.cancel_order(buyer=buyer, order_id=closed.order_ids[0])
        _twice(orders.settle_cancelled_payment, order_ids=closed.order_ids)
    unpaid.refresh_from_db()
    assert unpaid.status == "closed"


# --------------------------------------------------------------------------------------- live


def test_give_back_flash_stock_is_idempotent(buy, item, buyer):
    checkout = buy(item, 2)
    orders.cancel_order(buyer=buyer, order_id=checkout.orders.get().pk)
    before = ShelfItem.objects.get(pk=item.pk).flash_stock
    _twice(live.give_back_flash_stock, order_ids=[checkout.orders.get().pk])
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == before + 2


def test_take_flash_stock_again_is_idempotent(buy, item, buyer):
    checkout = buy(item, 2)
    order = checkout.orders.get()
    orders.cancel_order(buyer=buyer, order_id=order.pk)
    live.give_back_flash_stock(order_ids=[order.pk])
    full = ShelfItem.objects.get(pk=item.pk).flash_stock
    Order.objects.filter(pk=order.pk).update(status=Status.TO_SHIP)  # as a late payment would
    _twice(live.take_flash_stock_again, order_ids=[order.pk])
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == full - 2
    assert FlashHold.objects.get(order=order).released_at is None


# ---------------------------------------------------------------------------------- after-sales


def test_submit_refund_is_idempotent(buyer, make_sku, store, merchant):
    from xiaodian.accounts.rules import Perm
    from xiaodian.stores.access import store_for

    placed, payment = _checkout_paid_in_sandbox(buyer, make_sku(store, price_fen=1999), "as")
    pay_in_sandbox(payment)
    order = Order.objects.get(pk=placed.order_ids[0])
    request = aftersales.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=order.lines.get().pk,
        kind="refund",
        quantity=1,
        reason_code="quality",
    )
    aftersales.approve_aftersale(
        store=store_for(merchant, store.pk, Perm.MANAGE_ORDERS), aftersale_id=request.pk
    )
    _twice(aftersales.submit_refund, aftersale_id=request.pk)
    (refund,) = Refund.objects.filter(payment=payment)
    assert (refund.amount_fen, refund.status) == (1999, RefundStatus.SUCCEEDED)
    request.refresh_from_db()
    assert request.state == State.MERCHANT_REFUND_SUCCESS


# ------------------------------------------------------------------------------ payments, stores


def test_refund_late_deposit_is_idempotent(store, categories):
    deposit = stores.pay_deposit(store=store, category_id=categories["女装"].pk)
    payment = Payment.objects.get(purpose=Purpose.DEPOSIT, reference_id=deposit.pk)
    stores.close_store(store=store)
    pay_in_sandbox(payment)  # paid after the store closed: nothing left to pay for
    _twice(payments.refund_late_deposit, payment_id=payment.pk)
    (refund,) = Refund.objects.filter(payment=payment)
    assert (refund.amount_fen, refund.status) == (payment.amount_fen, RefundStatus.SUCCEEDED)


def test_refund_deposits_is_idempotent(store, categories):
    deposit = pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["女装"].pk))
    stores.close_store(store=store)  # the handler's first run, at once
    _twice(stores.refund_deposits, store_id=store.pk)  # and the worker's, twice more
    payment = Payment.objects.get(purpose=Purpose.DEPOSIT, reference_id=deposit.pk)
    (refund,) = Refund.objects.filter(payment=payment)
    assert refund.status == RefundStatus.SUCCEEDED
    assert StoreDeposit.objects.get(pk=deposit.pk).status == DepositStatus.REFUNDED
    store.refresh_from_db()
    assert store.state == StoreState.CLOSED
