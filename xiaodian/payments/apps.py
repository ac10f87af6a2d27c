from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "xiaodian.payments"
    label = "payments"
    verbose_name = _("支付")

    def ready(self) -> None:
        from . import events, services

        events.late_deposit_paid.connect(services.refund_late_deposit)
