from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "xiaodian.aftersales"
    label = "aftersales"
    verbose_name = _("售后")

    def ready(self) -> None:
        from xiaodian.orders import events as order_events

        from . import events, receivers, services  # receivers: refund outcomes from the payments app

        events.refund_approved.connect(services.submit_refund)
        order_events.order_confirmed.connect(services.schedule_period_end)
        receivers.connect()
