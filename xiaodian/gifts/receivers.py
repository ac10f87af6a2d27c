"""The gifts' handlers of the order's durable events (connected in `GiftsConfig.ready()`): a gift
follows its orders as they are paid, cancelled and refunded. Each is idempotent (services)."""

from xiaodian.orders import events

from . import services


def connect() -> None:
    events.order_paid.connect(services.record_gift_paid)
    events.order_cancelled.connect(services.record_gift_cancelled)
    events.line_refunded.connect(services.record_gift_refunded)
