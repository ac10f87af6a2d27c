"""The sandbox's 商家转账 transfer bills, as WeChat Pay's v3 API has them: signed both ways,
idempotent by out_bill_no, amounts checked, a failure switch, the query, and the
MCHTRANSFER.BILL.FINISHED notification delivered (and delivered again) like a refund's."""

import json

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from wechatpayv3.utils import build_authorization

from xiaodian.core import clock
from xiaodian.payments import protocol
from xiaodian.payments.gateway import WeChatPayGateway
from xiaodian.wechatpay_sandbox import rules, services, tasks
from xiaodian.wechatpay_sandbox.models import SandboxTransferBill, SandboxTransferState

pytestmark = pytest.mark.django_db
ROOT = "/sandbox/wechatpay"
BILLS = "/v3/fund-app/mch-transfer/transfer-bills"
NOTIFY_URL = "http://in-process.invalid/api/v1/payments/wechatpay/notify"


def bill_body(out_bill_no="W20261207SANDBOX1", amount=1_000, **changes):
    body = {
        "appid": services.identity().appid,
        "out_bill_no": out_bill_no,
        "transfer_scene_id": "1005",
        "openid": "o-payee-1",
        "transfer_amount": amount,
        "transfer_remark": "店铺提现",
        "notify_url": NOTIFY_URL,
    }
    return body | changes


def call(method: str, path: str, body: dict | None = None, *, authorization: str | None = None):
    me = services.identity()
    text = json.dumps(body) if body is not None else ""
    if authorization is None:
        authorization = build_authorization(
            path,
            method,
            me.mchid,
            me.cert_serial_no,
            protocol.private_key(me.merchant_private_key_path.read_text()),
            data=text or None,
        )
    client = Client()
    if method == "GET":
        return client.get(ROOT + path, headers={"Authorization": authorization})
    return client.post(
        ROOT + path, data=text, content_type="application/json", headers={"Authorization": authorization}
    )


@pytest.fixture
def unreachable(monkeypatch):
    """The merchant's notify endpoint does not take notifications."""
    monkeypatch.setattr(services, "_post", lambda *args: False)
    return lambda: monkeypatch.undo()


def _queued():
    return list(
        DBTaskResult.objects.filter(
            task_path=tasks.deliver_sandbox_transfer_notification.module_path
        ).order_by("run_after")
    )


def test_a_signed_transfer_is_accepted_and_answered_signed(unreachable):
    r = call("POST", BILLS, bill_body())
    assert r.status_code == 200, r.content
    answer = r.json()
    assert answer["out_bill_no"] == "W20261207SANDBOX1" and answer["state"] == "ACCEPTED"
    assert len(answer["transfer_bill_no"]) == 40 and answer["create_time"].endswith("+08:00")
    me = services.identity()
    text = protocol.message(r["Wechatpay-Timestamp"], r["Wechatpay-Nonce"], r.content.decode())
    assert protocol.verify(me.platform_public_key_path.read_text(), text, r["Wechatpay-Signature"])
    bill = SandboxTransferBill.objects.get()
    assert (bill.state, bill.transfer_amount, bill.openid) == (
        SandboxTransferState.SUCCESS,
        1_000,
        "o-payee-1",
    )


def test_a_transfer_with_a_bad_signature_is_refused_and_makes_no_bill():
    good = call("POST", BILLS, bill_body(amount=2_000)).request["HTTP_AUTHORIZATION"]
    SandboxTransferBill.objects.all().delete()
    r = call("POST", BILLS, bill_body(amount=99_999), authorization=good)  # signed another body
    assert r.status_code == 401 and r.json()["code"] == "SIGN_ERROR"
    assert not SandboxTransferBill.objects.exists()


def test_the_same_out_bill_no_answers_the_same_bill(unreachable):
    first = call("POST", BILLS, bill_body()).json()
    again = call("POST", BILLS, bill_body()).json()
    assert again["transfer_bill_no"] == first["transfer_bill_no"]
    assert SandboxTransferBill.objects.count() == 1
    other = call("POST", BILLS, bill_body(amount=2_000))
    assert other.status_code == 400 and other.json()["code"] == "INVALID_REQUEST"
    assert SandboxTransferBill.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"transfer_amount": rules.TRANSFER_MIN_FEN - 1},
        {"transfer_amount": rules.TRANSFER_NAME_REQUIRED_FEN},
        {"transfer_amount": "1000"},
        {"transfer_amount": 10.5},
        {"transfer_remark": "x" * 33},
        {"transfer_remark": ""},
        {"out_bill_no": "W-2026-1"},
        {"transfer_scene_id": "scene"},
        {"openid": ""},
        {"appid": "wx0000000000000000"},
        {"notify_url": "ftp://example.invalid/"},
    ],
)
def test_a_bad_transfer_is_refused_with_a_param_error(changes):
    r = call("POST", BILLS, bill_body(**changes))
    assert r.status_code == 400 and r.json()["code"] in ("PARAM_ERROR", "APPID_MCHID_NOT_MATCH")
    assert r.json()["message"]
    assert not SandboxTransferBill.objects.exists()


def test_the_smallest_transfer_is_taken(unreachable):
    assert call("POST", BILLS, bill_body(amount=rules.TRANSFER_MIN_FEN)).status_code == 200


def test_the_query_answers_the_bill_as_it_stands(unreachable):
    created = call("POST", BILLS, bill_body()).json()
    r = call("GET", f"{BILLS}/out-bill-no/W20261207SANDBOX1")
    assert r.status_code == 200
    bill = r.json()
    assert bill["state"] == "SUCCESS" and bill["transfer_bill_no"] == created["transfer_bill_no"]
    assert (bill["transfer_amount"], bill["openid"], bill["mch_id"]) == (
        1_000,
        "o-payee-1",
        services.identity().mchid,
    )
    assert "fail_reason" not in bill
    missing = call("GET", f"{BILLS}/out-bill-no/W20261207NOBILL")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


def test_the_failure_switch_fails_the_next_bills_with_a_reason(unreachable):
    services.fail_transfers("o-payee-1", times=1, reason="REAL_NAME_CHECK_FAIL")
    call("POST", BILLS, bill_body("W20261207FAIL1"))
    call("POST", BILLS, bill_body("W20261207OK2"))
    failed = call("GET", f"{BILLS}/out-bill-no/W20261207FAIL1").json()
    assert (failed["state"], failed["fail_reason"]) == ("FAIL", "REAL_NAME_CHECK_FAIL")
    assert call("GET", f"{BILLS}/out-bill-no/W20261207OK2").json()["state"] == "SUCCESS"
    # another payee is not affected by this payee's switch
    services.fail_transfers("o-payee-1", times=5)
    call("POST", BILLS, bill_body("W20261207OTHER", openid="o-payee-2"))
    assert SandboxTransferBill.objects.get(out_bill_no="W20261207OTHER").state == SandboxTransferState.SUCCESS


def test_the_notification_is_signed_sealed_and_says_the_outcome(unreachable):
    services.fail_transfers("o-payee-1", reason="ACCOUNT_FROZEN")
    call("POST", BILLS, bill_body())
    headers, body = services.build_transfer_notification(SandboxTransferBill.objects.get())
    notification = WeChatPayGateway().verify_notification(headers, body)
    assert notification.event_type == "MCHTRANSFER.BILL.FINISHED"
    resource = notification.resource
    assert (resource["out_bill_no"], resource["state"], resource["fail_reason"]) == (
        "W20261207SANDBOX1",
        "FAIL",
        "ACCOUNT_FROZEN",
    )
    assert resource["transfer_amount"] == 1_000 and resource["mch_id"] == services.identity().mchid
    assert json.loads(body)["resource"]["original_type"] == "mch_payment"
    # the same id on every build: a redelivery is recognisably the same notification
    assert json.loads(services.build_transfer_notification(SandboxTransferBill.objects.get())[1])["id"] == (
        notification.id
    )


def test_a_notification_not_taken_is_delivered_again_with_backoff(unreachable):
    moment = clock.now()
    with clock.travel_to(moment):
        call("POST", BILLS, bill_body())
    bill = SandboxTransferBill.objects.get()
    assert bill.notified_at is None and bill.notify_attempts == 1
    (queued,) = _queued()  # the first redelivery, written with the bill
    assert queued.args_kwargs["args"] == [bill.pk, 1]
    assert queued.run_after == moment + rules.NOTIFY_RETRY_DELAYS[0]
    with clock.travel_to(moment):
        assert tasks.deliver_sandbox_transfer_notification.call(bill.pk, 1) is False
    later = [q for q in _queued() if q.args_kwargs["args"] == [bill.pk, 2]]
    assert [q.run_after for q in later] == [moment + rules.NOTIFY_RETRY_DELAYS[1]]


def test_a_delivered_notification_is_not_sent_again(monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(services, "_post", lambda url, headers, body, nid: sent.append(nid) or True)
    call("POST", BILLS, bill_body())
    bill = SandboxTransferBill.objects.get()
    assert bill.notified_at is not None and sent == [bill.notification_id]
    (queued,) = _queued()
    assert tasks.deliver_sandbox_transfer_notification.call(*queued.args_kwargs["args"]) is True
    assert sent == [bill.notification_id]  # nothing more went out


def test_held_notifications_are_not_sent_nor_queued():
    services.hold_transfer_notifications("o-payee-1")
    call("POST", BILLS, bill_body())
    bill = SandboxTransferBill.objects.get()
    assert (bill.state, bill.notify_attempts) == (SandboxTransferState.SUCCESS, 0)
    assert not _queued()
