"""The live app's handlers of the order's durable events (connected in `LiveConfig.ready()`): an
order bought in a live room that closed unpaid gives its flash-sale units back; one paid after
closing takes them again. Both look only at the orders' flash holds (one query finds none for
orders from other scenes), and both are idempotent: a hold is released or taken once."""

from xiaodian.orders import events

from . import services


def give_back_flash_stock(*, order_ids: list[int]) -> None:
    services.release_flash_stock(order_ids=order_ids)


def take_flash_stock_again(*, order_ids: list[int]) -> None:
    services.retake_flash_stock(order_ids=order_ids)


def connect() -> None:
    events.order_cancelled.connect(give_back_flash_stock)
    events.order_reopened.connect(take_flash_stock_again)
