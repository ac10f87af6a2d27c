"""After-sales react to refund outcomes, inside the refund notification's transaction
(the payments app sends these signals synchronously)."""

from django.dispatch import receiver

from xiaodian.payments.signals import refund_failed, refund_succeeded

from . import services


@receiver(refund_succeeded)
def refunded(sender, refund, **kwargs):
    services.refund_succeeded(refund.out_refund_no)


@receiver(refund_failed)
def refund_did_not_go_through(sender, refund, final=False, **kwargs):
    services.refund_failed(refund.out_refund_no, final=final, reason=refund.failure)
