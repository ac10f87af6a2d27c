"""Orders react to payments, inside the notification's transaction (payments sends the signals
synchronously): a checkout's successful payment pays its orders; a cancelled gift's successful
refund is recorded line by line (`line_refunded`, for the ledger)."""

from xiaodian.payments.models import Purpose
from xiaodian.payments.signals import payment_succeeded, refund_succeeded

from . import services


def pay_orders(sender, payment, **kwargs):
    if payment.purpose == Purpose.CHECKOUT:
        services.apply_payment(payment)


def gift_refunded(sender, refund, **kwargs):
    if refund.payment.purpose == Purpose.CHECKOUT:
        services.record_gift_refund(out_refund_no=refund.out_refund_no)


def connect() -> None:
    payment_succeeded.connect(pay_orders, dispatch_uid="orders.pay_orders")
    refund_succeeded.connect(gift_refunded, dispatch_uid="orders.gift_refunded")
