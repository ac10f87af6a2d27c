from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharesConfig(AppConfig):
    name = "xiaodian.shares"
    label = "shares"
    verbose_name = _("分享")

    def ready(self) -> None:
        from xiaodian.alliance import extensions as alliance
        from xiaodian.orders import extensions, sources
        from xiaodian.social import cards

        from . import rules, selectors, services

        # Every card posted into a chat, a group or Moments is a share: the poster (chats, social)
        # calls `card_shared` in its transaction; the share answers the short link the card opens.
        cards.card_shared.register(services.record_share)
        # The link opens the card's page carrying the share as the source of scene 9, 10, 11 or 13,
        # which a checkout keeps only when it verifies (the buyer is in the channel, bought the card).
        sources.register(
            rules.SOURCE_TYPE,
            selectors.share_sources,
            _("分享"),
            scenes=rules.SCENE_OF_CHANNEL.values(),
            verify=selectors.verify_share,
        )
        # A share's orders are counted inside the checkout that makes them.
        extensions.holds.register(services.count_orders)
        # A sharer who is an alliance promoter earns on the card's product, as through a link.
        alliance.promotions.register(rules.SOURCE_TYPE, selectors.promotion)
