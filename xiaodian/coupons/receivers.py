"""The coupons' handler of the order's durable events (connected in `CouponsConfig.ready()`): it
looks only at the coupons the orders used (one query finds none for orders without one), and is
idempotent: a coupon is returned once. (A closed order paid late takes its coupon again inside the
payment's transaction: `services.take_back_for_reopen`, an orders.extensions.reopen_holds.)"""

from xiaodian.orders import events

from . import services


def give_back_coupons(*, order_ids: list[int]) -> None:
    services.return_coupons(order_ids=order_ids)


def connect() -> None:
    events.order_cancelled.connect(give_back_coupons)
