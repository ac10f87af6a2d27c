import pytest

from xiaodian.core.payments import InternalGateway, PaymentGateway, gateway, payment_gateway


def test_the_registered_gateway_is_wechat_pay():
    # Registered by the payments app (a layer above) when it loads; core cannot name it.
    assert payment_gateway.registered and type(gateway()).__name__ == "WeChatPayGateway"
    assert isinstance(gateway(), PaymentGateway) and not isinstance(gateway(), InternalGateway)


def test_with_no_gateway_registered_deposits_settle_internally():
    with payment_gateway.override(None):
        assert isinstance(gateway(), InternalGateway)
    assert not isinstance(gateway(), InternalGateway)


def test_internal_charges_and_refunds_settle_at_once():
    charge = InternalGateway().charge(reference="deposit-1", amount_fen=100, description="d")
    assert charge.status == "succeeded"
    assert (
        charge.transaction_id
        != InternalGateway().charge(reference="r", amount_fen=1, description="").transaction_id
    )
    assert (
        InternalGateway().refund(transaction_id=charge.transaction_id, amount_fen=100, reason="x").status
        == "succeeded"
    )
    with pytest.raises(ValueError):
        InternalGateway().charge(reference="x", amount_fen=0, description="")
