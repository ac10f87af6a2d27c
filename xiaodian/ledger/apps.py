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
        from xiaodian.payments import events as payments
        from xiaodian.stores import events as stores

        from . import events, guard, services

        orders.order_paid.connect(services.post_paid_orders)
        orders.line_refunded.connect(services.post_line_refund)
        aftersales.aftersale_period_ended.connect(services.settle_line)
        events.withdrawal_requested.connect(services.submit_withdrawal)
        payments.transfer_succeeded.connect(services.withdrawal_paid)
        payments.transfer_failed.connect(services.withdrawal_returned)
        stores.deposit_paid.connect(services.post_deposit_paid)
        stores.deposit_refunded.connect(services.post_deposit_refunded)
        connection_created.connect(guard.register_sqlite_function)
