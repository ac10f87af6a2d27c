from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "xiaodian.ledger"
    label = "ledger"
    verbose_name = _("资金账本")

    def ready(self):
        from django.db.backends.signals import connection_created

        from xiaodian.aftersales import events as aftersales
        from xiaodian.orders import events as orders

        from . import guard, services

        orders.order_paid.connect(services.post_paid_orders)
        orders.line_refunded.connect(services.post_line_refund)
        aftersales.aftersale_period_ended.connect(services.settle_line)
        connection_created.connect(guard.register_sqlite_function)
