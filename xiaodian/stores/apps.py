from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "xiaodian.stores"
    label = "stores"
    verbose_name = _("店铺")

    def ready(self) -> None:
        from xiaodian.social import cards

        from . import events, receivers, selectors, services  # noqa: F401  (receivers: connects the signal receivers)

        events.store_closing.connect(services.refund_deposits)
        # Chats, groups and Moments show store cards (social sits below the stores).
        cards.resolvers["store"].register(selectors.store_cards)
