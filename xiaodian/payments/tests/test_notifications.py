"""WeChat Pay's notifications: verified (signature, 5-minute timestamp, amount), deduplicated by
id under a unique constraint in the same transaction as the state change, and all-or-nothing."""

import base64
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.core import clock
from xiaodian.payments import services
from xiaodian.payments.models import NotificationLog, NotificationReceipt, Payment, PaymentStatus
from xiaodian.payments.signals import payment_succeeded
from xiaodian.wechatpay_sandbox import services as sandbox
from xiaodian.wechatpay_sandbox.models import SandboxTransaction
from xiaodian.wechatpay_sandbox.testing import notification_for, sandbox_trade

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment():
    return services.create_payment(
        purpose="checkout", reference_id=42, amount_fen=8_800, description="订单 42"
    )


def assert_unchanged(payment: Payment, succeeded: list):
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED and not payment.transaction_id
    assert not NotificationReceipt.objects.exists()
    assert succeeded == []


def test_a_genuine_notification_marks_the_payment_succeeded_once(payment, succeeded, notify):
    headers, body = notification_for(payment)
    r = notify(headers, body)
    assert r.status_code == 204
    payment.refresh_from_db()
    trade = sandbox_trade(payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert (payment.transaction_id, payment.payer_openid) == (trade.transaction_id, trade.payer_openid)
    assert payment.paid_at == trade.success_time.replace(microsecond=0)
    assert succeeded == [payment]
    assert NotificationReceipt.objects.get().notification_id == trade.notification_id
    assert NotificationLog.objects.get().outcome == "accepted"


def test_a_duplicate_is_answered_as_a_success_without_a_second_transition(payment, succeeded, notify):
    headers, body = notification_for(payment)
    assert notify(headers, body).status_code == 204
    paid_at = Payment.objects.get(pk=payment.pk).paid_at
    headers, body = notification_for(payment)  # redelivered: same id, signed anew
    assert notify(headers, body).status_code == 204
    assert len(succeeded) == 1
    assert NotificationReceipt.objects.count() == 1
    assert Payment.objects.get(pk=payment.pk).paid_at == paid_at
    assert [log.outcome for log in NotificationLog.objects.order_by("pk")] == ["accepted", "duplicate"]


def flip_signature(headers: dict) -> dict:
    raw = bytearray(base64.b64decode(headers["Wechatpay-Signature"]))
    raw[-1] ^= 0x01
    return headers | {"Wechatpay-Signature": base64.b64encode(bytes(raw)).decode()}


def test_a_forged_notification_is_refused_and_logged(payment, succeeded, notify, caplog):
    headers, body = notification_for(payment)
    r = notify(flip_signature(headers), body)
    assert r.status_code == 401
    assert r.json() == {"code": "notification_signature_invalid", "message": r.json()["message"]}
    assert_unchanged(payment, succeeded)
    log = NotificationLog.objects.get()
    assert (log.outcome, log.code) == ("rejected", "notification_signature_invalid")
    assert log.notification_id == sandbox_trade(payment).notification_id
    assert "notification rejected" in caplog.text


def test_a_forged_notification_does_not_block_the_genuine_one_with_its_id(payment, succeeded, notify):
    headers, body = notification_for(payment)
    envelope = json.loads(body)
    forged = json.dumps(envelope | {"summary": "伪造"}).encode()
    assert notify(headers, forged).status_code == 401
    assert notify(headers, body).status_code == 204
    assert succeeded == [Payment.objects.get(pk=payment.pk)]


@pytest.mark.parametrize("minutes", [6, -6])
def test_a_stale_notification_is_refused(payment, succeeded, notify, minutes):
    sent = clock.now()
    with clock.travel_to(sent):
        headers, body = notification_for(payment)
    with clock.travel_to(sent + timedelta(minutes=minutes)):
        r = notify(headers, body)
    assert (r.status_code, r.json()["code"]) == (400, "notification_expired")
    assert_unchanged(payment, succeeded)
    assert NotificationLog.objects.get().code == "notification_expired"


def test_a_notification_within_five_minutes_is_taken(payment, succeeded, notify):
    sent = clock.now()
    with clock.travel_to(sent):
        headers, body = notification_for(payment)
    with clock.travel_to(sent + timedelta(minutes=4, seconds=50)):
        assert notify(headers, body).status_code == 204


def test_a_notification_for_another_amount_is_refused(payment, succeeded, notify):
    notification_for(payment)
    SandboxTransaction.objects.filter(out_trade_no=payment.out_trade_no).update(amount_total=1)
    headers, body = sandbox.build_notification(sandbox_trade(payment))  # genuinely signed
    r = notify(headers, body)
    assert (r.status_code, r.json()["code"]) == (400, "payment_amount_mismatch")
    assert_unchanged(payment, succeeded)
    assert NotificationLog.objects.get().code == "payment_amount_mismatch"


def test_a_notification_for_a_payment_we_never_made_is_refused(payment, succeeded, notify):
    notification_for(payment)
    SandboxTransaction.objects.filter(out_trade_no=payment.out_trade_no).update(
        out_trade_no="T20260000UNKNOWN"
    )
    headers, body = sandbox.build_notification(SandboxTransaction.objects.get())
    r = notify(headers, body)
    assert (r.status_code, r.json()["code"]) == (400, "notification_invalid")
    assert_unchanged(payment, succeeded)


def test_a_notification_sealed_with_another_key_is_refused(payment, succeeded, notify, settings):
    headers, body = notification_for(payment)
    settings.WECHATPAY = {**settings.WECHATPAY, "APIV3_KEY": "0" * 32}
    r = notify(headers, body)
    assert (r.status_code, r.json()["code"]) == (400, "notification_invalid")
    assert_unchanged(payment, succeeded)


def test_a_failing_receiver_rolls_everything_back_and_asks_for_a_retry(payment, succeeded, notify):
    def explode(sender, payment, **kwargs):
        raise RuntimeError("the orders could not be updated")

    headers, body = notification_for(payment)
    payment_succeeded.connect(explode, dispatch_uid="explode")
    try:
        r = notify(headers, body)
    finally:
        payment_succeeded.disconnect(dispatch_uid="explode")
    assert (r.status_code, r.json()["code"]) == (409, "notification_not_applied")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED and not payment.transaction_id
    assert not NotificationReceipt.objects.exists()
    assert NotificationLog.objects.get().outcome == "failed"
    succeeded.clear()  # the receiver ran before the one that raised; its work rolled back too

    assert notify(*notification_for(payment)).status_code == 204  # WeChat Pay's retry
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED
    assert len(succeeded) == 1


def test_garbage_is_refused_not_a_server_error(db, notify):
    for headers, body in [({}, b""), ({}, b"{}"), ({"Wechatpay-Serial": "x"}, b"\xff\xfe"), ({}, b"[1,2]")]:
        r = notify(headers, body)
        assert 400 <= r.status_code < 500 and set(r.json()) == {"code", "message"}
    assert NotificationLog.objects.filter(outcome="rejected").count() == 4


def test_another_base64_spelling_of_the_genuine_signature_is_refused(payment, succeeded):
    headers, body = notification_for(payment)
    signature = headers["Wechatpay-Signature"]  # 256 bytes: ends "X==", X has 4 unused bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    variant = signature[:-3] + alphabet[alphabet.index(signature[-3]) ^ 1] + "=="
    assert base64.b64decode(variant) == base64.b64decode(signature)
    status, answer = services.handle_notification(
        headers=headers | {"Wechatpay-Signature": variant}, body=body
    )
    assert (status, answer["code"]) == (401, "notification_signature_invalid")
    assert_unchanged(payment, succeeded)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_single_byte_change_to_body_or_signature_is_refused(payment, data):
    headers, body = notification_for(payment)
    signature = headers["Wechatpay-Signature"].encode()
    target = data.draw(st.sampled_from(["body", "signature"]))
    original = body if target == "body" else signature
    at = data.draw(st.integers(0, len(original) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != original[at]))
    changed = original[:at] + bytes([byte]) + original[at + 1 :]
    if target == "body":
        status, answer = services.handle_notification(headers=headers, body=changed)
    else:
        spoiled = headers | {"Wechatpay-Signature": changed.decode("latin-1")}
        status, answer = services.handle_notification(headers=spoiled, body=body)
    assert 400 <= status < 500 and answer["code"], (target, at, byte)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CREATED
