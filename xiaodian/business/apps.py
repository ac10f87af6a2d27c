from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessConfig(AppConfig):
    name = "xiaodian.business"
    label = "business"
    verbose_name = _("企业联系人")

    def ready(self) -> None:
        from xiaodian.chats import extensions as chats

        from . import services

        # Every message in a business chat passes the consent, role and service-mode gate, and
        # carries the store's verified subject (docs/business.md).
        chats.business_gate.register(services.check_message)
