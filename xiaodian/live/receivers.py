"""The live app learns of orders through their signals (sent on commit): an order bought in a
live room that closed unpaid gives its flash-sale units back; one paid after closing takes them
again. Orders from other scenes cost no query here."""

from django.dispatch import receiver

from xiaodian.orders.rules import Scene, Status
from xiaodian.orders.signals import order_cancelled, order_paid

from . import services


@receiver(order_cancelled)
def give_back_flash_stock(sender, orders, **kwargs):
    closed = [o.pk for o in orders if o.scene == Scene.LIVE_ROOM and o.status == Status.CANCELLED_UNPAID]
    if closed:
        services.release_flash_stock(order_ids=closed)


@receiver(order_paid)
def take_flash_stock_again(sender, orders, **kwargs):
    paid = [o.pk for o in orders if o.scene == Scene.LIVE_ROOM]
    if paid:
        services.retake_flash_stock(order_ids=paid)
