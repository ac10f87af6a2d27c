"""Refunds go through WeChat Pay v3 and its sandbox: the refund notification finishes the request."""

from xiaodian.aftersales import services
from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.rules import State
from xiaodian.payments.models import Refund
from xiaodian.payments.testing import run_refund_retry
from xiaodian.wechatpay_sandbox.testing import fail_refunds_in_sandbox


def test_an_approved_refund_is_paid_back_through_the_sandbox(
    buyer, really_paid, merchant_view, django_capture_on_commit_callbacks
):
    order, payment = really_paid
    aftersale = services.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=order.lines.get().pk,
        kind="refund",
        quantity=1,
        reason_code="quality",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    aftersale.refresh_from_db()
    assert aftersale.state == State.MERCHANT_REFUND_SUCCESS
    refund = Refund.objects.get(out_refund_no=f"AS{aftersale.pk}")
    assert (refund.status, refund.amount_fen, refund.payment_id) == ("succeeded", 1999, payment.pk)


def test_a_failed_refund_shows_and_its_retry_finishes_it(
    buyer, really_paid, merchant_view, django_capture_on_commit_callbacks
):
    order, payment = really_paid
    fail_refunds_in_sandbox(payment, times=1)
    aftersale = services.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=order.lines.get().pk,
        kind="refund",
        quantity=2,
        reason_code="quality",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_aftersale(store=merchant_view, aftersale_id=aftersale.pk)
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.PLATFORM_REFUND_FAIL
    with django_capture_on_commit_callbacks(execute=True):
        run_refund_retry(Refund.objects.get(out_refund_no=f"AS{aftersale.pk}"))
    assert AfterSale.objects.get(pk=aftersale.pk).state == State.MERCHANT_REFUND_SUCCESS
    order.refresh_from_db()
    assert order.status == 200  # both units refunded
