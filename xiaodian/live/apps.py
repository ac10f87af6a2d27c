from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "xiaodian.live"
    label = "live"
    verbose_name = _("直播")

    def ready(self) -> None:
        from xiaodian.content import cards
        from xiaodian.orders import extensions, sources
        from xiaodian.stores import touchpoints

        from . import receivers, rules, selectors, services

        # Flash-sale stock goes back when orders close unpaid, and is taken again if paid late.
        receivers.connect()

        # A room's checkout pays the live price and takes the shelf item's flash-sale stock.
        extensions.price_adjustments.register(services.live_price)
        extensions.holds.register(services.take_flash_stock)
        # An order bought in a room names the room as its source (the order page links to it).
        sources.register(rules.SOURCE_TYPE, selectors.order_sources, _("直播间"))
        # The store's touchpoint report asks whether its products are on a live shelf.
        touchpoints.register_probe("live_shelf", selectors.store_on_live_shelf)
        # A video account's profile lists its live and scheduled rooms.
        cards.live_rooms_resolver.register(selectors.profile_rooms)
