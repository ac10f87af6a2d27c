"""The payments sweep: what WeChat Pay advises when a notification does not come (ask about the
payment or the refund), applied exactly as the notification would have been."""

from datetime import timedelta

import pytest

from xiaodian.core import clock
from xiaodian.payments import rules, services
from xiaodian.payments.gateway import WeChatPayGateway
from xiaodian.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from xiaodian.wechatpay_sandbox.models import SandboxRefund
from xiaodian.wechatpay_sandbox.testing import hold_refund_notifications, notification_for, pay_in_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment():
    return services.create_payment(
        purpose="checkout", reference_id=42, amount_fen=8_800, description="订单 42"
    )


def test_a_payment_whose_notification_was_lost_is_applied_by_the_sweep(payment, succeeded):
    notification_for(payment)  # the payer paid; the notification never arrives
    assert services.sweep() == {"paid": 0, "refunds_settled": 0}  # too early to ask
    with clock.travel_to(clock.now() + rules.QUERY_AFTER + timedelta(seconds=1)):
        assert services.sweep() == {"paid": 1, "refunds_settled": 0}
        assert services.sweep() == {"paid": 0, "refunds_settled": 0}  # once
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert succeeded == [payment]


def test_an_unpaid_payment_stays_unpaid_and_an_old_one_is_no_longer_asked_about(payment, succeeded):
    with clock.travel_to(clock.now() + rules.QUERY_AFTER + timedelta(seconds=1)):
        assert services.sweep()["paid"] == 0
    notification_for(payment)
    with clock.travel_to(clock.now() + rules.QUERY_WITHIN + timedelta(minutes=1)):
        assert services.sweep()["paid"] == 0
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CREATED


def test_a_refund_whose_notification_was_lost_is_settled_by_the_sweep(payment, refund_events):
    pay_in_sandbox(payment)
    hold_refund_notifications(payment)
    refund = services.refund_payment(payment=payment, amount_fen=1_000, reason="test", out_refund_no="RSW1")
    assert refund.status == RefundStatus.PROCESSING
    with clock.travel_to(clock.now() + rules.QUERY_AFTER + timedelta(seconds=1)):
        assert services.sweep() == {"paid": 0, "refunds_settled": 1}
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund_events == [("succeeded", "RSW1")]


# ------------------------------------------- a refund recorded, then the process killed (issue 13)


class _Killed(BaseException):
    """The process dies here (kill -9): nothing after this line runs, nothing is rolled back."""


def _killed_before_submitting(payment, monkeypatch, number: str):
    """`refund_payment` commits the refund, then its process dies before WeChat Pay hears of it."""

    def die(refund):
        raise _Killed

    with monkeypatch.context() as patched:
        patched.setattr(services, "_submit", die)
        with pytest.raises(_Killed):
            services.refund_payment(payment=payment, amount_fen=1_000, reason="test", out_refund_no=number)
    refund = Refund.objects.get(out_refund_no=number)
    assert (refund.status, refund.refund_id) == (RefundStatus.PROCESSING, "")
    assert not SandboxRefund.objects.filter(out_refund_no=number).exists()
    return refund


def _at_sandbox(number: str) -> list[tuple[str, int]]:
    return list(SandboxRefund.objects.filter(out_refund_no=number).values_list("status", "submissions"))


def test_a_refund_killed_before_its_submission_is_submitted_when_asked_for_again(
    payment, monkeypatch, refund_events
):
    """The durable handler runs again (the worker, after the server died mid-handler): asking with
    the same number submits what never reached WeChat Pay, once."""
    pay_in_sandbox(payment)
    _killed_before_submitting(payment, monkeypatch, "RK1")
    refund = services.refund_payment(payment=payment, amount_fen=1_000, reason="test", out_refund_no="RK1")
    assert refund.status == RefundStatus.SUCCEEDED
    assert _at_sandbox("RK1") == [("SUCCESS", 1)]
    again = services.refund_payment(payment=payment, amount_fen=1_000, reason="test", out_refund_no="RK1")
    assert again.pk == refund.pk and _at_sandbox("RK1") == [("SUCCESS", 1)]
    assert refund_events == [("succeeded", "RK1")]


def test_a_refund_killed_before_its_submission_is_submitted_by_the_sweep(payment, monkeypatch, refund_events):
    """Nobody asks again (the handler's second run found the row and returned): the sweep, asking
    WeChat Pay about refunds still processing, submits the one it has never heard of."""
    pay_in_sandbox(payment)
    refund = _killed_before_submitting(payment, monkeypatch, "RK2")
    assert services.sweep() == {"paid": 0, "refunds_settled": 0}  # too early to ask
    assert _at_sandbox("RK2") == []
    with clock.travel_to(clock.now() + rules.QUERY_AFTER + timedelta(seconds=1)):
        assert services.sweep() == {"paid": 0, "refunds_settled": 1}
        assert services.sweep() == {"paid": 0, "refunds_settled": 0}  # once
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.refund_id
    assert _at_sandbox("RK2") == [("SUCCESS", 1)]
    assert refund_events == [("succeeded", "RK2")]


def test_a_refund_whose_submission_arrived_before_the_kill_is_not_submitted_again(
    payment, monkeypatch, refund_events
):
    """WeChat Pay took the submission, the process died before reading the answer (and the
    notification is late): asking again applies WeChat Pay's answer and submits nothing."""
    pay_in_sandbox(payment)
    hold_refund_notifications(payment)
    real = services._submit

    def arrive_then_die(refund):
        WeChatPayGateway().create_refund(
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            refund_fen=refund.amount_fen,
            total_fen=payment.amount_fen,
            reason=refund.reason,
        )
        raise _Killed

    with monkeypatch.context() as patched:
        patched.setattr(services, "_submit", arrive_then_die)
        with pytest.raises(_Killed):
            services.refund_payment(payment=payment, amount_fen=1_000, reason="test", out_refund_no="RK3")
    assert services._submit is real
    refund = services.refund_payment(payment=payment, amount_fen=1_000, reason="test", out_refund_no="RK3")
    assert refund.status == RefundStatus.SUCCEEDED
    assert _at_sandbox("RK3") == [("SUCCESS", 1)]
    assert refund_events == [("succeeded", "RK3")]


def test_an_unpaid_payment_is_asked_about_again_after_half_its_age(payment):
    start = clock.now()
    asked = []
    for minutes in (2, 3.5, 4, 6, 12):
        with clock.travel_to(start + timedelta(minutes=minutes)):
            services.sweep()
            asked.append(Payment.objects.get(pk=payment.pk).next_query_at)
    # asked at 2 min (next at 3), at 3.5 (next at 5.25), not at 4, at 6 (next at 9), at 12 (next at 18)
    assert [round((a - start).total_seconds() / 60, 2) for a in asked] == [3.0, 5.25, 5.25, 9.0, 18.0]
