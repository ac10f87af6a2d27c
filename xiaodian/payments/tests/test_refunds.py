"""Refunds through the gateway and the sandbox: submitted (PROCESSING), settled by a verified,
deduplicated REFUND.* notification, retried with backoff when they fail, given up at last."""

import base64
import itertools
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db.models import Sum
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.payments import rules, selectors, services, tasks
from xiaodian.payments.gateway import GatewayError, WeChatPayGateway
from xiaodian.payments.models import NotificationLog, NotificationReceipt, Payment, Refund, RefundStatus
from xiaodian.payments.signals import refund_succeeded
from xiaodian.payments.testing import run_refund_retries, run_refund_retry
from xiaodian.wechatpay_sandbox import services as sandbox
from xiaodian.wechatpay_sandbox.models import SandboxRefund
from xiaodian.wechatpay_sandbox.testing import (
    deliver_refund_notification,
    fail_refunds_in_sandbox,
    hold_refund_notifications,
    pay_in_sandbox,
    refund_notification_for,
    sandbox_refund,
)

pytestmark = pytest.mark.django_db
_references = itertools.count(1_000)


def paid(amount_fen: int = 1_000) -> Payment:
    return pay_in_sandbox(
        services.create_payment(
            purpose="checkout", reference_id=next(_references), amount_fen=amount_fen, description="订单"
        )
    )


@pytest.fixture
def payment():
    return paid()


def retries_queued() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path="xiaodian.payments.tasks.retry_refund").order_by("run_after")
    )


# ------------------------------------------------------------------------------------ round trip


def test_a_refund_is_processing_until_its_notification_says_it_succeeded(payment, refund_events):
    hold_refund_notifications(payment)
    refund = services.refund_payment(payment=payment, amount_fen=300, reason="少发一件", out_refund_no="RT-1")
    assert (refund.status, refund.attempts, refund.amount_fen) == (RefundStatus.PROCESSING, 1, 300)
    assert refund.refund_id.startswith("50") and refund.last_attempt_at is not None
    assert refund_events == [] and selectors.refund_by_number("RT-1") == refund
    assert WeChatPayGateway().query_refund("RT-1")["status"] == "SUCCESS"  # WeChat Pay's side is done

    refund = deliver_refund_notification(refund)
    assert refund.status == RefundStatus.SUCCEEDED and refund.succeeded_at is not None
    assert refund.refund_id == sandbox_refund(refund).refund_id
    assert refund_events == [("succeeded", "RT-1")]
    receipt = NotificationReceipt.objects.get(refund=refund)
    assert (receipt.event_type, receipt.payment_id) == ("REFUND.SUCCESS", payment.pk)
    log = NotificationLog.objects.get(event_type="REFUND.SUCCESS")
    assert (log.outcome, log.out_refund_no, log.out_trade_no) == ("accepted", "RT-1", payment.out_trade_no)


def test_the_sandbox_delivers_the_notification_at_once(payment, refund_events):
    """In-process, REFUND.SUCCESS arrives while refund_payment is still waiting for its answer."""
    refund = services.refund_payment(payment=payment, amount_fen=1_000, reason="取消")
    assert refund.status == RefundStatus.SUCCEEDED and refund.attempts == 1
    assert refund_events == [("succeeded", refund.out_refund_no)]
    assert sandbox_refund(refund).notified_at is not None
    again = services.refund_payment(
        payment=payment, amount_fen=1_000, reason="取消", out_refund_no=refund.out_refund_no
    )
    assert again == refund and len(refund_events) == 1 and SandboxRefund.objects.count() == 1


def test_query_refund_applies_an_outcome_whose_notification_was_lost(payment, refund_events):
    hold_refund_notifications(payment)
    refund = services.refund_payment(payment=payment, amount_fen=400, reason="")
    assert services.query_refund(refund)["status"] == "SUCCESS"
    assert refund.status == RefundStatus.SUCCEEDED and refund_events == [("succeeded", refund.out_refund_no)]
    deliver_refund_notification(refund)  # arrives after all: taken, nothing more happens
    assert len(refund_events) == 1 and refund.status == RefundStatus.SUCCEEDED


def test_the_sandbox_answers_a_refund_query_signed_and_a_missing_one_with_404(payment):
    refund = services.refund_payment(payment=payment, amount_fen=100, reason="", out_refund_no="RT-Q")
    answer = WeChatPayGateway().query_refund("RT-Q")
    assert (answer["status"], answer["amount"]["refund"], answer["refund_id"]) == (
        "SUCCESS",
        100,
        refund.refund_id,
    )
    with pytest.raises(GatewayError) as exc:
        WeChatPayGateway().query_refund("RT-NONE")
    assert (exc.value.status, exc.value.code) == (404, "RESOURCE_NOT_EXISTS")


# ----------------------------------------------------------------------------- notifications


@pytest.fixture
def held(payment):
    """A refund WeChat Pay has settled whose notification has not been delivered."""
    hold_refund_notifications(payment)
    return services.refund_payment(payment=payment, amount_fen=600, reason="部分退款", out_refund_no="RT-H")


def assert_still_processing(refund: Refund, refund_events: list):
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING and refund.succeeded_at is None
    assert not NotificationReceipt.objects.filter(refund=refund).exists()
    assert refund_events == []


def test_a_duplicate_refund_notification_is_a_success_without_a_second_signal(held, notify, refund_events):
    assert notify(*refund_notification_for(held)).status_code == 204
    succeeded_at = Refund.objects.get(pk=held.pk).succeeded_at
    assert notify(*refund_notification_for(held)).status_code == 204  # redelivered: same id, signed anew
    assert refund_events == [("succeeded", "RT-H")]
    assert NotificationReceipt.objects.filter(refund=held).count() == 1
    assert Refund.objects.get(pk=held.pk).succeeded_at == succeeded_at
    outcomes = (
        NotificationLog.objects.filter(out_refund_no="RT-H").order_by("pk").values_list("outcome", flat=True)
    )
    assert list(outcomes) == ["accepted", "duplicate"]


def test_a_forged_refund_notification_changes_nothing_and_is_logged(held, notify, refund_events, caplog):
    headers, body = refund_notification_for(held)
    raw = bytearray(base64.b64decode(headers["Wechatpay-Signature"]))
    raw[-1] ^= 0x01
    r = notify(headers | {"Wechatpay-Signature": base64.b64encode(bytes(raw)).decode()}, body)
    assert (r.status_code, r.json()["code"]) == (401, "notification_signature_invalid")
    forged = json.dumps(json.loads(body) | {"event_type": "REFUND.SUCCESS", "summary": "伪造"}).encode()
    assert notify(headers, forged).status_code == 401
    assert_still_processing(held, refund_events)
    assert (
        NotificationLog.objects.filter(outcome="rejected", code="notification_signature_invalid").count() == 2
    )
    assert "notification rejected" in caplog.text
    assert notify(*refund_notification_for(held)).status_code == 204  # the genuine one still counts


@pytest.mark.parametrize("minutes", [6, -6])
def test_a_stale_refund_notification_is_refused(held, notify, refund_events, minutes):
    sent = clock.now()
    with clock.travel_to(sent):
        headers, body = refund_notification_for(held)
    with clock.travel_to(sent + timedelta(minutes=minutes)):
        r = notify(headers, body)
    assert (r.status_code, r.json()["code"]) == (400, "notification_expired")
    assert_still_processing(held, refund_events)
    assert NotificationLog.objects.get(outcome="rejected").code == "notification_expired"


def test_a_refund_notification_for_another_amount_is_refused_and_logged(held, notify, refund_events, caplog):
    SandboxRefund.objects.filter(pk=sandbox_refund(held).pk).update(amount_refund=599)
    r = notify(*refund_notification_for(held))  # genuinely signed, wrong amount
    assert (r.status_code, r.json()["code"]) == (400, "refund_amount_mismatch")
    assert_still_processing(held, refund_events)
    log = NotificationLog.objects.get(outcome="rejected")
    assert (log.code, log.out_refund_no) == ("refund_amount_mismatch", "RT-H")
    assert "expected refund 600" in log.reason and "refund_amount_mismatch" in caplog.text


def test_a_notification_for_a_refund_we_never_made_is_refused(held, notify, refund_events):
    SandboxRefund.objects.filter(pk=sandbox_refund(held).pk).update(out_refund_no="RT-UNKNOWN")
    headers, body = sandbox.build_refund_notification(SandboxRefund.objects.get(out_refund_no="RT-UNKNOWN"))
    r = notify(headers, body)
    assert (r.status_code, r.json()["code"]) == (400, "notification_invalid")
    assert_still_processing(held, refund_events)
    assert NotificationLog.objects.get(outcome="rejected").out_refund_no == "RT-UNKNOWN"


def test_a_failing_receiver_rolls_the_refund_back_and_asks_for_a_redelivery(held, notify, refund_events):
    def explode(sender, refund, **kwargs):
        raise RuntimeError("the after-sale could not be updated")

    refund_succeeded.connect(explode, dispatch_uid="explode")
    try:
        r = notify(*refund_notification_for(held))
    finally:
        refund_succeeded.disconnect(dispatch_uid="explode")
    assert (r.status_code, r.json()["code"]) == (409, "notification_not_applied")
    refund_events.clear()  # the recording receiver ran first; its work rolled back with the rest
    assert_still_processing(held, refund_events)
    assert notify(*refund_notification_for(held)).status_code == 204
    assert refund_events == [("succeeded", "RT-H")]


# --------------------------------------------------------------------------- failures and retries


def test_an_abnormal_refund_fails_and_a_retry_is_queued(payment, refund_events):
    fail_refunds_in_sandbox(payment)
    now = clock.now()
    with clock.travel_to(now):
        refund = services.refund_payment(payment=payment, amount_fen=500, reason="", out_refund_no="RT-A")
    assert (refund.status, refund.gave_up, refund.attempts) == (RefundStatus.FAILED, False, 1)
    assert refund.failure == "ABNORMAL: 退款异常" and refund.failed_at == now
    assert refund.next_retry_at == now + timedelta(minutes=1)
    assert refund_events == [("failed", "RT-A", False)]
    (queued,) = retries_queued()
    assert (queued.run_after, queued.args_kwargs["args"]) == (now + timedelta(minutes=1), [refund.pk, 1])
    assert NotificationReceipt.objects.get(refund=refund).event_type == "REFUND.ABNORMAL"


def test_a_closed_refund_fails_the_same_way(payment, refund_events):
    fail_refunds_in_sandbox(payment, status="CLOSED")
    refund = services.refund_payment(payment=payment, amount_fen=500, reason="")
    assert (refund.status, refund.failure) == (RefundStatus.FAILED, "CLOSED: 退款关闭")
    assert refund_events == [("failed", refund.out_refund_no, False)]


def test_the_retry_task_submits_it_again_and_it_succeeds_the_second_time(payment, refund_events):
    fail_refunds_in_sandbox(payment, times=1)
    refund = services.refund_payment(payment=payment, amount_fen=500, reason="质量问题", out_refund_no="RT-R")
    assert refund.status == RefundStatus.FAILED
    with clock.travel_to(refund.next_retry_at):
        assert tasks.retry_refund.call(refund.pk, 1) == RefundStatus.SUCCEEDED
    refund.refresh_from_db()
    assert (refund.status, refund.attempts, refund.failure, refund.next_retry_at) == (
        RefundStatus.SUCCEEDED,
        2,
        "",
        None,
    )
    assert refund_events == [("failed", "RT-R", False), ("succeeded", "RT-R")]
    assert sandbox_refund(refund).submissions == 2 and SandboxRefund.objects.count() == 1
    assert tasks.retry_refund.call(refund.pk, 1) == RefundStatus.SUCCEEDED  # a late duplicate: nothing
    assert refund_events[-1] == ("succeeded", "RT-R") and len(refund_events) == 2


def test_it_is_given_up_after_the_last_retry_and_can_still_be_retried_by_hand(payment, refund_events):
    fail_refunds_in_sandbox(payment, times=rules.REFUND_MAX_ATTEMPTS)
    start = clock.now()
    with clock.travel_to(start):
        refund = services.refund_payment(payment=payment, amount_fen=800, reason="", out_refund_no="RT-G")
    refund = run_refund_retries(refund)
    assert (refund.status, refund.gave_up, refund.attempts, refund.next_retry_at) == (
        RefundStatus.FAILED,
        True,
        rules.REFUND_MAX_ATTEMPTS,
        None,
    )
    assert refund_events == [("failed", "RT-G", False)] * 3 + [("failed", "RT-G", True)]
    assert [q.run_after for q in retries_queued()] == [
        start + timedelta(minutes=1),
        start + timedelta(minutes=6),
        start + timedelta(minutes=36),
    ]
    with pytest.raises(AssertionError):
        run_refund_retry(refund)  # nothing queued any more

    # given up, it holds nothing: the rest of the payment can be refunded otherwise
    assert (
        services.refund_payment(payment=payment, amount_fen=1_000, reason="").status == RefundStatus.SUCCEEDED
    )
    assert services.retry_failed_refund(refund).gave_up  # no room left: stays given up, no new signal
    assert len([e for e in refund_events if e[0] == "failed"]) == 4


def test_an_operator_retries_a_refund_that_was_given_up(payment, refund_events):
    fail_refunds_in_sandbox(payment, times=rules.REFUND_MAX_ATTEMPTS)
    refund = run_refund_retries(services.refund_payment(payment=payment, amount_fen=800, reason=""))
    assert refund.gave_up
    refund = services.retry_failed_refund(refund)
    assert (refund.status, refund.gave_up, refund.attempts) == (RefundStatus.SUCCEEDED, False, 5)
    assert refund_events[-1] == ("succeeded", refund.out_refund_no)


def test_a_retry_overtaken_by_a_newer_attempt_does_nothing(payment, refund_events):
    fail_refunds_in_sandbox(payment, times=2)
    refund = services.refund_payment(payment=payment, amount_fen=500, reason="")
    refund = services.retry_failed_refund(refund)  # by hand, before the queued retry ran
    assert (refund.status, refund.attempts) == (RefundStatus.FAILED, 2)
    assert tasks.retry_refund.call(refund.pk, 1) == RefundStatus.FAILED
    refund.refresh_from_db()
    assert refund.attempts == 2 and len(refund_events) == 2
    assert run_refund_retry(refund).status == RefundStatus.SUCCEEDED


def test_a_refund_wechat_pay_refuses_is_retried_unless_asking_again_cannot_help(
    payment, monkeypatch, refund_events
):
    def refuse_with(code):
        def refuse(**kwargs):
            raise sandbox.SandboxError(403 if code == "NOT_ENOUGH" else 400, code, "拒绝")

        return refuse

    monkeypatch.setattr(sandbox, "refund", refuse_with("NOT_ENOUGH"))
    with pytest.raises(DomainError) as exc:
        services.refund_payment(payment=payment, amount_fen=300, reason="", out_refund_no="RT-N")
    assert exc.value.code == "refund_failed"
    refund = Refund.objects.get(out_refund_no="RT-N")
    assert (refund.status, refund.gave_up, refund.next_retry_at is not None) == (
        RefundStatus.FAILED,
        False,
        True,
    )
    assert "NOT_ENOUGH" in refund.failure

    monkeypatch.setattr(sandbox, "refund", refuse_with("INVALID_REQUEST"))
    with pytest.raises(DomainError):
        services.refund_payment(payment=payment, amount_fen=300, reason="", out_refund_no="RT-I")
    assert Refund.objects.get(out_refund_no="RT-I").gave_up
    assert refund_events == [("failed", "RT-N", False), ("failed", "RT-I", True)]


def test_a_success_reported_after_a_lost_answer_wins(payment, monkeypatch, refund_events):
    """The refund call timed out, but WeChat Pay had taken it: its REFUND.SUCCESS settles it."""
    hold_refund_notifications(payment)
    real = WeChatPayGateway.create_refund

    def timed_out(self, **kwargs):
        real(self, **kwargs)
        raise GatewayError(0, "NETWORK_ERROR", "read timed out")

    monkeypatch.setattr(WeChatPayGateway, "create_refund", timed_out)
    with pytest.raises(DomainError):
        services.refund_payment(payment=payment, amount_fen=700, reason="", out_refund_no="RT-T")
    refund = Refund.objects.get(out_refund_no="RT-T")
    assert refund.status == RefundStatus.FAILED
    refund = deliver_refund_notification(refund)
    assert (refund.status, refund.next_retry_at) == (RefundStatus.SUCCEEDED, None)
    assert refund_events == [("failed", "RT-T", False), ("succeeded", "RT-T")]
    assert tasks.retry_refund.call(refund.pk, 1) == RefundStatus.SUCCEEDED  # the queued retry: nothing


def test_a_failed_refund_still_to_be_retried_holds_its_amount(payment):
    fail_refunds_in_sandbox(payment)
    services.refund_payment(payment=payment, amount_fen=800, reason="")
    with pytest.raises(DomainError) as exc:
        services.refund_payment(payment=payment, amount_fen=201, reason="")
    assert exc.value.code == "refund_exceeds_payment"
    assert (
        services.refund_payment(payment=payment, amount_fen=200, reason="").status == RefundStatus.SUCCEEDED
    )


# --------------------------------------------------------------------------------- the invariant


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    amount=st.integers(1, 2_000),
    failing=st.integers(0, 5),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["refund", "refund", "fail", "retry", "retry", "again"]), st.integers(1, 100)
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_succeeded_refunds_never_exceed_the_payment(amount, failing, steps):
    """Partial refunds (n% of the payment), failures switched on for the next few, retries and
    the same numbers asked again, in any order."""
    payment = paid(amount)
    fail_refunds_in_sandbox(payment, times=failing)
    for step, n in steps:
        refunds = list(Refund.objects.filter(payment=payment).order_by("pk"))
        try:
            if step == "refund":
                services.refund_payment(payment=payment, amount_fen=max(1, amount * n // 100), reason="")
            elif step == "fail":
                fail_refunds_in_sandbox(payment, times=n % 5 + 1)
            elif refunds and step == "retry":
                services.retry_failed_refund(refunds[n % len(refunds)])
            elif refunds and step == "again":
                chosen = refunds[n % len(refunds)]
                services.refund_payment(
                    payment=payment,
                    amount_fen=chosen.amount_fen,
                    reason="",
                    out_refund_no=chosen.out_refund_no,
                )
        except DomainError as exc:
            refused = exc.code
        else:
            refused = None
        assert refused in (None, "refund_exceeds_payment", "refund_failed")
        mine = Refund.objects.filter(payment=payment)
        succeeded = mine.filter(status=RefundStatus.SUCCEEDED).aggregate(s=Sum("amount_fen"))["s"] or 0
        held = mine.exclude(status=RefundStatus.FAILED, gave_up=True).aggregate(s=Sum("amount_fen"))["s"] or 0
        at_wechat = (
            SandboxRefund.objects.filter(
                trade__out_trade_no=payment.out_trade_no, status="SUCCESS"
            ).aggregate(s=Sum("amount_refund"))["s"]
            or 0
        )
        assert succeeded <= held <= amount
        assert succeeded == at_wechat  # every outcome reached us, once
    for status, gave_up in Refund.objects.filter(payment=payment).values_list("status", "gave_up"):
        event(f"a refund ended {status}{' (given up)' if gave_up else ''}")


# --------------------------------------------------------------------------------------- admin


def test_the_admin_shows_where_each_refund_stands_and_retries_failed_ones(client, make_user, payment):
    fail_refunds_in_sandbox(payment)
    refund = services.refund_payment(payment=payment, amount_fen=500, reason="", out_refund_no="RT-ADM")
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:payments_refund_changelist"), {"gave_up__exact": "0"})
    html = page.content.decode()
    assert page.status_code == 200 and "RT-ADM" in html and "ABNORMAL: 退款异常" in html
    for column in ("column-attempts", "column-failure", "column-last_attempt_at", "column-next_retry_at"):
        assert column in html
    r = client.post(
        reverse("admin:payments_refund_changelist"),
        {"action": "retry_now", "_selected_action": [refund.pk]},
        follow=True,
    )
    assert r.status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.SUCCEEDED, 2)


def test_only_a_superuser_may_retry_refunds_from_the_admin(client, make_user, payment):
    fail_refunds_in_sandbox(payment)
    refund = services.refund_payment(payment=payment, amount_fen=500, reason="")
    staff = make_user("viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_refund"))
    client.force_login(staff)
    url = reverse("admin:payments_refund_changelist")
    assert "retry_now" not in client.get(url).content.decode()
    client.post(url, {"action": "retry_now", "_selected_action": [refund.pk]})
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.FAILED, 1)
