from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "xiaodian.orders"
    label = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from . import events, receivers, services

        receivers.connect()
        events.order_cancelled.connect(services.settle_cancelled_payment)
