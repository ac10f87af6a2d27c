"""The coupons' handlers of the order's durable events (connected in `CouponsConfig.ready()`).
Both look only at the coupons the orders used (one query finds none for orders without one), and
both are idempotent: a coupon is returned, or taken again, once."""

from xiaodian.orders import events

from . import services


def give_back_coupons(*, order_ids: list[int]) -> None:
    services.return_coupons(order_ids=order_ids)


def take_coupons_again(*, order_ids: list[int]) -> None:
    services.retake_coupons(order_ids=order_ids)


def connect() -> None:
    events.order_cancelled.connect(give_back_coupons)
    events.order_reopened.connect(take_coupons_again)
