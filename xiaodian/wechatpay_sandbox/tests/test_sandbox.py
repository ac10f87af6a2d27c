"""The sandbox as WeChat Pay: it checks who is calling, and its pay page plays the payer."""

import json
import time

import pytest
from django.test import Client
from wechatpayv3.utils import build_authorization

from xiaodian.payments import protocol, services
from xiaodian.payments.models import NotificationReceipt, PaymentStatus
from xiaodian.wechatpay_sandbox import services as sandbox
from xiaodian.wechatpay_sandbox.models import SandboxTradeState, SandboxTransaction
from xiaodian.wechatpay_sandbox.testing import sandbox_trade

pytestmark = pytest.mark.django_db
NATIVE = "/sandbox/wechatpay/v3/pay/transactions/native"


def native_body(out_trade_no="T20261122SANDBOX1"):
    me = sandbox.identity()
    return {
        "appid": me.appid,
        "mchid": me.mchid,
        "description": "商品",
        "out_trade_no": out_trade_no,
        "amount": {"total": 100, "currency": "CNY"},
        "notify_url": "http://in-process.invalid/api/v1/payments/wechatpay/notify",
    }


def signed(body: dict, *, path="/v3/pay/transactions/native", key=None) -> str:
    me = sandbox.identity()
    return build_authorization(
        path,
        "POST",
        me.mchid,
        me.cert_serial_no,
        protocol.private_key(key or me.merchant_private_key_path.read_text()),
        data=json.dumps(body),
    )


def post(body: dict, authorization: str):
    return Client().post(
        NATIVE,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": authorization},
    )


def test_a_correctly_signed_request_is_answered_and_signed_by_the_platform():
    body = native_body()
    r = post(body, signed(body))
    assert r.status_code == 200 and r.json()["code_url"].startswith(
        "http://testserver/sandbox/wechatpay/pay/"
    )
    me = sandbox.identity()
    assert r["Wechatpay-Serial"] == me.public_key_id
    text = protocol.message(r["Wechatpay-Timestamp"], r["Wechatpay-Nonce"], r.content.decode())
    assert protocol.verify(me.platform_public_key_path.read_text(), text, r["Wechatpay-Signature"])


@pytest.mark.parametrize("spoil", ["body", "signature", "path", "missing", "scheme", "serial", "old"])
def test_the_sandbox_refuses_a_bad_merchant_signature(spoil):
    body = native_body()
    authorization = signed(body)
    if spoil == "body":
        body = body | {"amount": {"total": 1, "currency": "CNY"}}
    elif spoil == "signature":
        at = authorization.index('signature="') + len('signature="') + 5
        authorization = (
            authorization[:at] + ("A" if authorization[at] != "A" else "B") + authorization[at + 1 :]
        )
    elif spoil == "path":
        authorization = signed(body, path="/v3/pay/transactions/jsapi")
    elif spoil == "missing":
        authorization = ""
    elif spoil == "scheme":
        authorization = authorization.replace("WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SHA256-RSA1024")
    elif spoil == "serial":
        authorization = authorization.replace(sandbox.identity().cert_serial_no, "0" * 40)
    elif spoil == "old":
        stamp = authorization.split('timestamp="')[1].split('"')[0]
        authorization = authorization.replace(f'timestamp="{stamp}"', f'timestamp="{int(time.time()) - 600}"')
    r = post(body, authorization)
    assert r.status_code == 401
    assert r.json()["code"] == "SIGN_ERROR" and r.json()["message"]
    assert not sandbox_trades()


def sandbox_trades():
    return list(SandboxTransaction.objects.all())


# ---------------------------------------------------------------------------------------- pay page


@pytest.fixture
def payment(db):
    return services.create_payment(
        purpose="checkout", reference_id=7, amount_fen=123_456, description="山野高山茶 x2"
    )


def test_the_pay_page_shows_the_amount_and_description(payment):
    r = Client().get(services.pay_url(payment))
    html = r.content.decode()
    assert r.status_code == 200
    assert "¥1,234.56" in html and "山野高山茶 x2" in html and "确认支付" in html
    assert payment.out_trade_no in html


def test_confirming_on_the_pay_page_pays_and_returns_to_a_path_on_this_site(payment, succeeded):
    r = Client().post(services.pay_url(payment) + "?return=/orders/1/")
    assert r.status_code == 302 and r["Location"] == "/orders/1/"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and succeeded == [payment]
    trade = sandbox_trade(payment)
    assert trade.trade_state == SandboxTradeState.SUCCESS and trade.notified_at is not None
    assert NotificationReceipt.objects.get(payment=payment).notification_id == trade.notification_id
    again = Client().get(services.pay_url(payment))
    assert "支付成功" in again.content.decode() and "确认支付" not in again.content.decode()
    Client().post(services.pay_url(payment))  # pressing again pays nothing more
    assert len(succeeded) == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "orders/1"]
)
def test_the_pay_page_returns_only_to_this_site(payment, target):
    r = Client().post(services.pay_url(payment), {}, QUERY_STRING=f"return={target}")
    assert r.status_code == 200 and "支付成功" in r.content.decode()


def test_a_closed_transaction_cannot_be_paid(payment):
    services.close_payment(payment)
    assert payment.status == PaymentStatus.CLOSED
    assert "交易已关闭" in Client().get(services.pay_url(payment)).content.decode()
    r = Client().post(services.pay_url(payment))
    assert r.status_code == 409
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CLOSED


def test_the_pay_page_of_an_unknown_transaction_is_not_found(db):
    assert Client().get("/sandbox/wechatpay/pay/wx-no-such/").status_code == 404
