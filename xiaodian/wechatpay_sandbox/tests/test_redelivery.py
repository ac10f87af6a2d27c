"""A notification is never lost with the process that should send it: the first redelivery is
written in the transaction that settles the payment or the refund, and backs off as WeChat Pay's
does; a redelivery of a notification already taken does nothing."""

import pytest
from django_tasks_db.models import DBTaskResult

from xiaodian.core import clock
from xiaodian.payments import services as payments
from xiaodian.payments.models import PaymentStatus, RefundStatus
from xiaodian.wechatpay_sandbox import rules, services, tasks
from xiaodian.wechatpay_sandbox.models import SandboxRefund, SandboxTransaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment():
    return payments.create_payment(purpose="checkout", reference_id=7, amount_fen=5_000, description="订单 7")


@pytest.fixture
def unreachable(monkeypatch):
    """The merchant's endpoint does not answer (or the process dies before it could)."""
    monkeypatch.setattr(services, "_post", lambda *args: False)
    return lambda: monkeypatch.undo()


def _queued(task):
    return list(DBTaskResult.objects.filter(task_path=task.module_path).order_by("run_after"))


def test_the_first_redelivery_is_written_with_the_success_and_delivers_later(payment, unreachable):
    moment = clock.now()
    with clock.travel_to(moment):
        trade = services.pay_for(payment.out_trade_no)
    assert trade.notified_at is None and trade.notify_attempts == 1
    (queued,) = _queued(tasks.deliver_sandbox_notification)
    assert queued.args_kwargs["args"] == [trade.pk, 1]
    assert queued.run_after == moment + rules.NOTIFY_RETRY_DELAYS[0]
    unreachable()  # the endpoint is back
    assert tasks.deliver_sandbox_notification.call(trade.pk, 1) is True
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    # Delivered: a later redelivery of the same notification sends nothing.
    assert tasks.deliver_sandbox_notification.call(trade.pk, 2) is True
    assert SandboxTransaction.objects.get(pk=trade.pk).notify_attempts == 2


def test_a_delivered_notification_leaves_only_a_redelivery_that_does_nothing(payment):
    trade = services.pay_for(payment.out_trade_no)
    assert trade.notified_at is not None
    (queued,) = _queued(tasks.deliver_sandbox_notification)
    assert tasks.deliver_sandbox_notification.call(*queued.args_kwargs["args"]) is True
    assert SandboxTransaction.objects.get(pk=trade.pk).notify_attempts == 1


def test_a_failed_redelivery_queues_the_next_with_the_next_delay(payment, unreachable):
    trade = services.pay_for(payment.out_trade_no)
    moment = clock.now()
    with clock.travel_to(moment):
        assert tasks.deliver_sandbox_notification.call(trade.pk, 1) is False
    later = [q for q in _queued(tasks.deliver_sandbox_notification) if q.args_kwargs["args"] == [trade.pk, 2]]
    assert [q.run_after for q in later] == [moment + rules.NOTIFY_RETRY_DELAYS[1]]


def test_a_refund_notification_is_redelivered_from_a_row_written_with_the_refund(payment, monkeypatch):
    services.pay_for(payment.out_trade_no)
    payment.refresh_from_db()
    monkeypatch.setattr(services, "_post", lambda *args: False)  # the refund's notification is lost
    refund = payments.refund_payment(payment=payment, amount_fen=1_000, reason="r", out_refund_no="RD1")
    assert refund.status == RefundStatus.PROCESSING  # settled at the sandbox, not heard of yet
    monkeypatch.undo()
    sandbox_refund = SandboxRefund.objects.get(out_refund_no="RD1")
    (queued,) = _queued(tasks.deliver_sandbox_refund_notification)
    assert queued.args_kwargs["args"] == [sandbox_refund.pk, 1, sandbox_refund.notification_id]
    assert tasks.deliver_sandbox_refund_notification.call(*queued.args_kwargs["args"]) is True
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
