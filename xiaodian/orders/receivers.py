"""Orders react to payments: a checkout's successful payment pays its orders, inside the
notification's transaction (payments sends the signal synchronously)."""

from xiaodian.payments.models import Purpose
from xiaodian.payments.signals import payment_succeeded

from . import services


def pay_orders(sender, payment, **kwargs):
    if payment.purpose == Purpose.CHECKOUT:
        services.apply_payment(payment)


def connect() -> None:
    payment_succeeded.connect(pay_orders, dispatch_uid="orders.pay_orders")
