from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "xiaodian.orders"
    label = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the payment receivers)
