"""Payments fills the extension points of the apps below it when it loads."""

from xiaodian.core import payments
from xiaodian.payments.gateway import WeChatPayGateway


def test_deposits_are_charged_through_wechat_pay():
    assert payments.payment_gateway.provider is WeChatPayGateway
    assert isinstance(payments.gateway(), WeChatPayGateway)
