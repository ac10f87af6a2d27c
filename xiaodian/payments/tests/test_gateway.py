"""The merchant side against the sandbox, through the real wechatpayv3 SDK: every call is signed
by the merchant, checked by the sandbox, answered signed by the platform and checked by the SDK."""

import base64

import pytest
from django.test import Client

from xiaodian.payments import protocol
from xiaodian.payments.config import current
from xiaodian.payments.gateway import GatewayError, WeChatPayGateway
from xiaodian.wechatpay_sandbox import services as sandbox
from xiaodian.wechatpay_sandbox.models import SandboxTradeState, SandboxTransaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw():
    return WeChatPayGateway()


def test_native_prepay_answers_a_code_url_that_is_the_sandbox_pay_page(gw):
    code_url = gw.prepay_native(out_trade_no="T20261122NATIVE01", description="测试商品", amount_fen=1234)
    trade = SandboxTransaction.objects.get(out_trade_no="T20261122NATIVE01")
    assert code_url == f"/sandbox/wechatpay/pay/{trade.prepay_id}/"
    assert (trade.trade_type, trade.amount_total, trade.description) == ("NATIVE", 1234, "测试商品")
    assert trade.notify_url == current().notify_url
    assert Client().get(code_url).status_code == 200


def test_prepaying_the_same_order_again_answers_the_same_and_another_amount_is_refused(gw):
    first = gw.prepay_native(out_trade_no="T20261122NATIVE02", description="商品", amount_fen=100)
    assert gw.prepay_native(out_trade_no="T20261122NATIVE02", description="商品", amount_fen=100) == first
    with pytest.raises(GatewayError) as exc:
        gw.prepay_native(out_trade_no="T20261122NATIVE02", description="商品", amount_fen=101)
    assert (exc.value.status, exc.value.code) == (403, "OUT_TRADE_NO_USED")


def test_jsapi_prepay_and_the_signed_request_payment_parameters(gw):
    prepay_id = gw.prepay_jsapi(
        out_trade_no="T20261122JSAPI001", description="小程序商品", amount_fen=990, openid="oBuyer123"
    )
    trade = SandboxTransaction.objects.get(prepay_id=prepay_id)
    assert (trade.trade_type, trade.payer_openid) == ("JSAPI", "oBuyer123")
    params = gw.jsapi_params(prepay_id)
    assert params["package"] == f"prepay_id={prepay_id}"
    signed = protocol.message(params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
    assert protocol.verify(sandbox.identity().merchant_public_key, signed, params["paySign"])


def test_jsapi_prepay_needs_the_payer(gw):
    with pytest.raises(Exception, match="payer"):
        gw.prepay_jsapi(out_trade_no="T20261122JSAPI002", description="商品", amount_fen=1, openid="")


def test_query_follows_the_transaction_from_unpaid_to_paid(gw):
    gw.prepay_native(out_trade_no="T20261122QUERY001", description="商品", amount_fen=500)
    state = gw.query("T20261122QUERY001")
    assert (state["trade_state"], state["amount"]["total"]) == ("NOTPAY", 500)
    trade = sandbox.pay(
        SandboxTransaction.objects.get(out_trade_no="T20261122QUERY001").prepay_id, notify=False
    )
    state = gw.query("T20261122QUERY001")
    assert state["trade_state"] == "SUCCESS"
    assert state["transaction_id"] == trade.transaction_id
    assert state["payer"]["openid"] == trade.payer_openid
    with pytest.raises(GatewayError) as exc:
        gw.query("T20261122NOSUCH01")
    assert (exc.value.status, exc.value.code) == (404, "ORDER_NOT_EXIST")


def test_close_stops_an_unpaid_transaction_but_not_a_paid_one(gw):
    gw.prepay_native(out_trade_no="T20261122CLOSE001", description="商品", amount_fen=500)
    gw.close("T20261122CLOSE001")
    gw.close("T20261122CLOSE001")  # closing again is fine
    assert gw.query("T20261122CLOSE001")["trade_state"] == "CLOSED"

    gw.prepay_native(out_trade_no="T20261122CLOSE002", description="商品", amount_fen=500)
    sandbox.pay(SandboxTransaction.objects.get(out_trade_no="T20261122CLOSE002").prepay_id, notify=False)
    with pytest.raises(GatewayError) as exc:
        gw.close("T20261122CLOSE002")
    assert exc.value.code == "ORDERPAID"


def test_refunds_are_idempotent_by_number_and_never_exceed_the_payment(gw):
    gw.prepay_native(out_trade_no="T20261122REFUND01", description="商品", amount_fen=1000)
    with pytest.raises(GatewayError) as exc:  # not paid yet
        gw.create_refund(
            out_trade_no="T20261122REFUND01", out_refund_no="R1", refund_fen=1, total_fen=1000, reason=""
        )
    assert exc.value.code == "INVALID_REQUEST"
    sandbox.pay(SandboxTransaction.objects.get(out_trade_no="T20261122REFUND01").prepay_id, notify=False)

    first = gw.create_refund(
        out_trade_no="T20261122REFUND01",
        out_refund_no="R1",
        refund_fen=600,
        total_fen=1000,
        reason="部分退款",
    )
    # accepted: PROCESSING, as WeChat Pay answers; the outcome comes by notification
    assert (first["status"], first["amount"]["refund"], first["out_refund_no"]) == ("PROCESSING", 600, "R1")
    again = gw.create_refund(
        out_trade_no="T20261122REFUND01",
        out_refund_no="R1",
        refund_fen=600,
        total_fen=1000,
        reason="部分退款",
    )
    assert again["refund_id"] == first["refund_id"] and again["status"] == "SUCCESS"  # settled meanwhile
    with pytest.raises(GatewayError) as exc:
        gw.create_refund(
            out_trade_no="T20261122REFUND01", out_refund_no="R2", refund_fen=401, total_fen=1000, reason=""
        )
    assert exc.value.code == "INVALID_REQUEST"
    gw.create_refund(
        out_trade_no="T20261122REFUND01", out_refund_no="R3", refund_fen=400, total_fen=1000, reason=""
    )
    assert gw.query("T20261122REFUND01")["trade_state"] == SandboxTradeState.REFUND


def test_the_sdk_refuses_an_answer_not_signed_by_the_platform(gw, monkeypatch):
    real = sandbox.signed_headers

    def forged(body):
        headers = real(body)
        raw = bytearray(base64.b64decode(headers["Wechatpay-Signature"]))
        raw[0] ^= 1
        return headers | {"Wechatpay-Signature": base64.b64encode(bytes(raw)).decode()}

    monkeypatch.setattr(sandbox, "signed_headers", forged)
    with pytest.raises(GatewayError) as exc:
        gw.prepay_native(out_trade_no="T20261122FORGED01", description="商品", amount_fen=1)
    assert exc.value.code == "SIGN_ERROR"


def test_the_sandbox_refuses_a_merchant_it_did_not_issue_the_key_to(settings, tmp_path):
    from xiaodian.wechatpay_sandbox import identity

    stranger = identity.load(tmp_path / "stranger")
    settings.WECHATPAY = {**settings.WECHATPAY, "PRIVATE_KEY_PATH": str(stranger.merchant_private_key_path)}
    with pytest.raises(GatewayError) as exc:
        WeChatPayGateway().prepay_native(out_trade_no="T20261122STRANGE1", description="商品", amount_fen=1)
    assert (exc.value.status, exc.value.code) == (401, "SIGN_ERROR")
    assert not SandboxTransaction.objects.exists()


def test_with_a_base_url_the_calls_go_over_the_network(settings):
    settings.WECHATPAY = {**settings.WECHATPAY, "BASE_URL": "http://127.0.0.1:9/sandbox/wechatpay"}
    gw = WeChatPayGateway()
    assert not gw.config.in_process
    with pytest.raises(GatewayError) as exc:  # nothing listens on the discard port
        gw.query("T20261122NETWORK1")
    assert exc.value.code == "NETWORK_ERROR"
