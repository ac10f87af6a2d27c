from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessConfig(AppConfig):
    name = "xiaodian.business"
    label = "business"
    verbose_name = _("企业联系人")

    def ready(self) -> None:
        from xiaodian.chats import extensions as chats
        from xiaodian.orders import extensions as orders
        from xiaodian.service import extensions as service

        from . import selectors, services, views

        # Every message in a business chat passes the consent, role and service-mode gate, and
        # carries the store's verified subject (docs/business.md).
        chats.business_gate.register(services.check_message)
        # A legacy video store keeps the legacy customer service until its owner upgrades it: no
        # workbench session opens there, and 联系客服 leads to the business chat or the consent
        # page; the buyer's order page links the consent page.
        service.legacy_mode.register(selectors.in_legacy_service)
        service.legacy_entry.register(views.service_entry)
        orders.buyer_links.register(views.order_links)
