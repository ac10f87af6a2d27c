"""The payments sweep: what WeChat Pay advises when a notification does not come (ask about the
payment or the refund), applied exactly as the notification would have been."""

from datetime import timedelta

import pytest

from xiaodian.core import clock
from xiaodian.payments import rules, services
from xiaodian.payments.models import Payment, PaymentStatus, RefundStatus
from xiaodian.wechatpay_sandbox.testing import hold_refund_notifications, notification_for, pay_in_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment():
    return services.create_payment(
        purpose="checkout", reference_id=42, amount_fen=8_800, description="订单 42"
    )


def test_a_payment_whose_notification_was_lost_is_applied_by_the_sweep(payment, succeeded):
    notification_for(payment)  # the payer paid; the notification never arrives
    assert services.sweep() == {"paid": 0, "refunds_settled": 0, "refunds_resent": 0}  # too early to ask
    with clock.travel_to(clock.now() + rules.QUERY_AFTER + timedelta(seconds=1)):
        assert services.sweep() == {"paid": 1, "refunds_settled": 0, "refunds_resent": 0}
        assert services.sweep() == {"paid": 0, "refunds_settled": 0, "refunds_resent": 0}  # once
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
        assert services.sweep() == {"paid": 0, "refunds_settled": 1, "refunds_resent": 0}
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund_events == [("succeeded", "RSW1")]


def test_a_refund_recorded_but_never_sent_is_sent_by_the_sweep_under_its_number(
    payment, refund_events, monkeypatch
):
    pay_in_sandbox(payment)
    # The process stops between recording the refund and sending it to WeChat Pay.
    monkeypatch.setattr(services, "_submit", lambda refund: refund)
    refund = services.refund_payment(payment=payment, amount_fen=2_000, reason="r", out_refund_no="RSW2")
    monkeypatch.undo()
    assert refund.status == RefundStatus.PROCESSING
    with clock.travel_to(clock.now() + rules.QUERY_AFTER + timedelta(seconds=1)):
        assert services.sweep() == {"paid": 0, "refunds_settled": 1, "refunds_resent": 1}
    refund.refresh_from_db()
    assert (refund.status, refund.amount_fen) == (RefundStatus.SUCCEEDED, 2_000)
    assert refund_events == [("succeeded", "RSW2")]


def test_an_unpaid_payment_is_asked_about_again_after_half_its_age(payment):
    start = clock.now()
    asked = []
    for minutes in (2, 3.5, 4, 6, 12):
        with clock.travel_to(start + timedelta(minutes=minutes)):
            services.sweep()
            asked.append(Payment.objects.get(pk=payment.pk).next_query_at)
    # asked at 2 min (next at 3), at 3.5 (next at 5.25), not at 4, at 6 (next at 9), at 12 (next at 18)
    assert [round((a - start).total_seconds() / 60, 2) for a in asked] == [3.0, 5.25, 5.25, 9.0, 18.0]
