from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "xiaodian.orders"
    label = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from xiaodian.social import cards

        from . import events, receivers, selectors, services

        receivers.connect()
        events.order_cancelled.connect(services.settle_cancelled_payment)
        # Chats, groups and Moments show order cards, to those who may see the order.
        cards.resolvers["order"].register(selectors.order_cards)
