from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "xiaodian.payments"
    label = "payments"
    verbose_name = _("支付")

    def ready(self) -> None:
        from xiaodian.core import payments

        from . import events, services
        from .gateway import WeChatPayGateway

        # The stores' deposits (core.payments.gateway()) are paid through WeChat Pay.
        payments.payment_gateway.register(WeChatPayGateway)
        events.late_deposit_paid.connect(services.refund_late_deposit)
