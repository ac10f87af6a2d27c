"""A gift order is its recipient's: only the recipient confirms receipt and asks for after-sales."""

import pytest

from xiaodian.aftersales import services as aftersales
from xiaodian.core.errors import DomainError
from xiaodian.orders import services

from .conftest import ADDRESS, succeed


@pytest.fixture
def friend(make_user):
    return make_user("friend")


def _gift(buyer, sku, friend, key="gift"):
    return services.place_order(
        buyer=buyer, items=[services.LineRequest(sku.pk, 1)], recipient=friend, idempotency_key=key
    )


def test_a_gift_is_the_recipients_to_confirm_and_ask_after_sales_about(buyer, friend, make_sku, store):
    placed = _gift(buyer, make_sku(store), friend)
    succeed(placed.checkout)
    order = placed.orders[0]
    services.accept_gift(recipient=friend, order_id=order.pk, address=ADDRESS)
    services.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    with pytest.raises(DomainError) as giver:
        services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert giver.value.code == "not_found"
    services.confirm_receipt(buyer=friend, order_id=order.pk)
    line = order.lines.get()
    ask = {
        "order_id": order.pk,
        "line_id": line.pk,
        "kind": "refund",
        "quantity": 1,
        "reason_code": "quality",
    }
    with pytest.raises(DomainError) as giver:
        aftersales.request_aftersale(buyer=buyer, **ask)
    assert giver.value.code == "not_found"
    assert aftersales.request_aftersale(buyer=friend, **ask).buyer_id == friend.pk
