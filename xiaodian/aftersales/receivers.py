"""After-sales react to refund outcomes, inside the refund notification's transaction
(the payments app sends these signals synchronously)."""

from xiaodian.payments.signals import refund_failed, refund_succeeded

from . import services


def refunded(sender, refund, **kwargs):
    services.refund_succeeded(refund.out_refund_no)


def refund_did_not_go_through(sender, refund, final=False, **kwargs):
    services.refund_failed(refund.out_refund_no, final=final, reason=refund.failure)


def connect() -> None:
    refund_succeeded.connect(refunded, dispatch_uid="aftersales.refunded")
    refund_failed.connect(refund_did_not_go_through, dispatch_uid="aftersales.refund_failed")
