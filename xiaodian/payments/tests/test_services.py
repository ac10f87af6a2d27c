"""The interface the orders app calls: create, pay_url, query, close, refund."""

import re
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.payments import services
from xiaodian.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from xiaodian.payments.signals import payment_succeeded
from xiaodian.wechatpay_sandbox import services as sandbox
from xiaodian.wechatpay_sandbox import tasks as sandbox_tasks
from xiaodian.wechatpay_sandbox.models import SandboxRefund, SandboxTransaction
from xiaodian.wechatpay_sandbox.testing import pay_in_sandbox, sandbox_trade

pytestmark = pytest.mark.django_db


def checkout_payment(reference_id=1, amount_fen=2_000, **kwargs) -> Payment:
    return services.create_payment(
        purpose="checkout", reference_id=reference_id, amount_fen=amount_fen, description="订单", **kwargs
    )


def test_a_payment_is_prepaid_with_an_out_trade_no_that_reveals_no_count():
    first, second = checkout_payment(1), checkout_payment(2)
    for payment in (first, second):
        assert re.fullmatch(r"C\d{8}[0-9A-F]{20}", payment.out_trade_no) and len(payment.out_trade_no) <= 32
        assert payment.code_url == services.pay_url(payment)
        assert services.pay_url(payment).startswith("/sandbox/wechatpay/pay/wx")
    assert first.out_trade_no[9:] != second.out_trade_no[9:]
    assert SandboxTransaction.objects.count() == 2


def test_asking_again_for_the_same_reference_answers_the_same_payment():
    first = checkout_payment(5)
    again = checkout_payment(5)
    assert again.pk == first.pk and again.code_url == first.code_url
    assert SandboxTransaction.objects.count() == 1
    with pytest.raises(DomainError) as exc:
        checkout_payment(5, amount_fen=2_001)
    assert exc.value.code == "invalid_transition"


def test_a_paid_or_closed_payment_is_not_payable_again():
    paid = pay_in_sandbox(checkout_payment(1))
    closed = services.close_payment(checkout_payment(2))
    for payment in (paid, closed):
        with pytest.raises(DomainError) as exc:
            checkout_payment(payment.reference_id)
        assert exc.value.code == "invalid_transition"


def test_jsapi_payments_carry_a_prepay_id_and_pay_on_the_same_page(succeeded):
    payment = checkout_payment(9, channel="jsapi", payer_openid="oBuyer")
    assert payment.prepay_id.startswith("wx") and not payment.code_url
    assert services.pay_url(payment) == f"/sandbox/wechatpay/pay/{payment.prepay_id}/"
    assert services.jsapi_params(payment)["package"] == f"prepay_id={payment.prepay_id}"
    assert pay_in_sandbox(payment).payer_openid == "oBuyer"
    assert succeeded == [payment]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"purpose": "tips"}, "purpose"),
        ({"channel": "h5"}, "channel"),
        ({"channel": "jsapi"}, "payer_openid"),
        ({"amount_fen": 0}, "amount_fen"),
        ({"description": "  "}, "description"),
    ],
)
def test_create_payment_refuses_bad_input(kwargs, field):
    base = {"purpose": "checkout", "reference_id": 1, "amount_fen": 1, "description": "订单"}
    with pytest.raises(DomainError) as exc:
        services.create_payment(**(base | kwargs))
    assert (exc.value.code, exc.value.field) == ("validation_error", field)
    assert not Payment.objects.exists()


def test_a_prepay_that_fails_is_refused_and_tried_again_next_time(settings):
    settings.WECHATPAY = {**settings.WECHATPAY, "BASE_URL": "http://127.0.0.1:9/sandbox/wechatpay"}
    with pytest.raises(DomainError) as exc:
        checkout_payment(3)
    assert exc.value.code == "payment_failed"
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.CREATED and not payment.code_url
    settings.WECHATPAY = {**settings.WECHATPAY, "BASE_URL": ""}
    assert checkout_payment(3).code_url


def test_query_applies_a_success_whose_notification_was_lost(succeeded):
    payment = checkout_payment()
    sandbox.pay(sandbox_trade(payment).prepay_id, notify=False)
    state = services.query_payment(payment)
    assert state["trade_state"] == "SUCCESS"
    assert payment.status == PaymentStatus.SUCCEEDED and payment.transaction_id == state["transaction_id"]
    assert succeeded == [payment]
    services.query_payment(payment)
    assert len(succeeded) == 1


def test_closing_an_unpaid_payment_closes_it_at_wechat_pay():
    payment = services.close_payment(checkout_payment())
    assert payment.status == PaymentStatus.CLOSED and payment.closed_at is not None
    assert sandbox_trade(payment).trade_state == "CLOSED"
    assert services.close_payment(payment).status == PaymentStatus.CLOSED


def test_closing_a_payment_paid_meanwhile_applies_the_payment_instead(succeeded):
    payment = checkout_payment()
    sandbox.pay(sandbox_trade(payment).prepay_id, notify=False)
    assert services.close_payment(payment).status == PaymentStatus.SUCCEEDED
    assert succeeded == [payment]


def test_refunds_up_to_the_amount_paid():
    payment = pay_in_sandbox(checkout_payment(amount_fen=1_000))
    part = services.refund_payment(payment=payment, amount_fen=300, reason="少发一件")
    assert (part.status, part.amount_fen) == (RefundStatus.SUCCEEDED, 300) and part.refund_id.startswith("50")
    with pytest.raises(DomainError) as exc:
        services.refund_payment(payment=payment, amount_fen=701, reason="超额")
    assert exc.value.code == "refund_exceeds_payment"
    rest = services.refund_payment(payment=payment, amount_fen=700, reason="取消", out_refund_no="RF-1")
    assert (
        services.refund_payment(payment=payment, amount_fen=700, reason="取消", out_refund_no="RF-1") == rest
    )
    assert SandboxRefund.objects.count() == 2
    assert sum(r.amount_fen for r in Refund.objects.all()) == 1_000


def test_only_a_paid_payment_can_be_refunded():
    with pytest.raises(DomainError) as exc:
        services.refund_payment(payment=checkout_payment(), amount_fen=1, reason="")
    assert exc.value.code == "invalid_transition"


def test_a_refund_wechat_pay_refuses_is_failed_and_can_be_asked_again(monkeypatch):
    payment = pay_in_sandbox(checkout_payment(amount_fen=1_000))
    real = sandbox.refund

    def refuse(**kwargs):
        raise sandbox.SandboxError(403, "NOT_ENOUGH", "商户余额不足")

    monkeypatch.setattr(sandbox, "refund", refuse)
    with pytest.raises(DomainError) as exc:
        services.refund_payment(payment=payment, amount_fen=1_000, reason="", out_refund_no="RF-2")
    assert exc.value.code == "refund_failed"
    assert Refund.objects.get().status == RefundStatus.FAILED
    monkeypatch.setattr(sandbox, "refund", real)
    refund = services.refund_payment(payment=payment, amount_fen=1_000, reason="", out_refund_no="RF-2")
    assert refund.status == RefundStatus.SUCCEEDED and Refund.objects.count() == 1


def test_an_undelivered_notification_is_retried_later_by_a_task(succeeded):
    def explode(sender, payment, **kwargs):
        raise RuntimeError("down for a moment")

    payment = checkout_payment()
    now = clock.now()
    payment_succeeded.connect(explode, dispatch_uid="explode")
    try:
        with clock.travel_to(now):
            pay_in_sandbox(payment)
    finally:
        payment_succeeded.disconnect(dispatch_uid="explode")
    succeeded.clear()
    assert payment.status == PaymentStatus.CREATED
    trade = sandbox_trade(payment)
    assert (trade.notify_attempts, trade.notified_at) == (1, None)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "xiaodian.wechatpay_sandbox.tasks.deliver_sandbox_notification"
    assert queued.run_after == now + timedelta(seconds=15)
    assert queued.args_kwargs["args"] == [trade.pk, 1]

    assert sandbox_tasks.deliver_sandbox_notification.call(trade.pk, 1) is True
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and succeeded == [payment]
    assert sandbox_trade(payment).notified_at is not None
