from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GiftsConfig(AppConfig):
    name = "xiaodian.gifts"
    label = "gifts"
    verbose_name = _("礼物")

    def ready(self) -> None:
        from xiaodian.social import cards

        from . import receivers, selectors

        # A gift follows its orders: paid (its day starts), cancelled (180 or 250), refunded (181).
        receivers.connect()
        # Chats, groups and Moments show gift cards.
        cards.resolvers["gift"].register(selectors.gift_cards)
