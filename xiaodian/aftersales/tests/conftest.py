import pytest

from xiaodian.accounts.rules import Perm
from xiaodian.aftersales import services
from xiaodian.orders import services as orders
from xiaodian.orders.tests.conftest import (  # noqa: F401  (the orders fixtures, reused here)
    ADDRESS,
    buyer,
    make_sku,
    other_store,
    place,
    succeed,
)
from xiaodian.payments.models import Payment
from xiaodian.stores.access import store_for
from xiaodian.wechatpay_sandbox.testing import pay_in_sandbox


@pytest.fixture
def paid_order(place, make_sku, store):
    """A paid order at `store`: line A 3 × ¥10.00, line B 1 × ¥5.01."""

    def make(*lines):
        lines = lines or (
            (make_sku(store, price_fen=1000, stock=20), 3),
            (make_sku(store, price_fen=501, stock=20), 1),
        )
        checkout = place(*lines)
        succeed(checkout)
        return checkout.orders.get()

    return make


@pytest.fixture
def shipped_order(paid_order, store, buyer):
    def make(*lines, receive=True):
        order = paid_order(*lines)
        orders.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
        if receive:
            orders.confirm_receipt(buyer=buyer, order_id=order.pk)
        order.refresh_from_db()
        return order

    return make


RETURN_ADDRESS = {
    "recipient": "售后部",
    "phone": "13800138000",
    "region": "浙江省杭州市",
    "detail": "仓前街道 1 号",
}


@pytest.fixture
def merchant_view(merchant, store):
    """The store as its owner works on it, with a (default) return address for returns."""
    store = store_for(merchant, store.pk, Perm.MANAGE_ORDERS)
    if not store.return_addresses.exists():
        services.add_return_address(store=store, **RETURN_ADDRESS)
    return store


@pytest.fixture
def really_paid(buyer, make_sku, store, django_capture_on_commit_callbacks):
    """An order paid through the sandbox, so it can be refunded through it."""
    sku = make_sku(store, price_fen=1999, stock=5)
    checkout = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku.pk, 2)],
        address=ADDRESS,
        idempotency_key="real",
    ).checkout
    order = checkout.orders.get()
    payment = orders.pay_checkout(buyer=buyer, order_id=order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        pay_in_sandbox(payment)
    order.refresh_from_db()
    assert order.status == 20
    return order, Payment.objects.get(pk=payment.pk)
