from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "xiaodian.alliance"
    label = "alliance"
    verbose_name = _("优选联盟")

    def ready(self) -> None:
        from xiaodian.catalog import events as catalog_events
        from xiaodian.content import cards
        from xiaodian.ledger import extensions as ledger_extensions
        from xiaodian.orders import events as orders
        from xiaodian.orders import extensions, sources
        from xiaodian.orders.rules import Scene
        from xiaodian.stores import events as store_events

        from . import rules, selectors, services

        # A line bought through a promotion link, a showcase, a short video or a live room's
        # alliance products is the promoter's (the first provider wins),
        # and its plan and ratios are kept beside it inside the checkout.
        extensions.attributions.register(services.attribute_lines)
        extensions.holds.register(services.record_attributions)
        # When the order is paid, the ledger pays the promoter (and the agency) from the line.
        ledger_extensions.commissions.register(selectors.commission_claims)
        # A promotion link opens the product page as a product share whose source is the link.
        sources.register(
            rules.SOURCE_TYPE, selectors.link_sources, _("优选联盟推广"), scenes=(Scene.PRODUCT_SHARE,)
        )
        # A showcase names its promoter: scene 3 (a creator's, on the video account) or 4.
        sources.register(
            rules.SHOWCASE_SOURCE,
            selectors.showcase_sources,
            _("橱窗"),
            scenes=(Scene.SHORT_VIDEO, Scene.PRODUCT_SHARE),
        )
        # Alliance products in a creator's live room name the room (scene 2), bought at the store's
        # price through the product page (the room's own source stays for its flash-sale flow).
        sources.register(
            rules.LIVE_SOURCE, selectors.live_sources, _("直播间推荐"), scenes=(Scene.LIVE_ROOM,)
        )
        # A creator's video account profile links its showcase; a live room shows its alliance products.
        cards.showcase_resolver.register(selectors.account_showcase)
        cards.room_promotions_resolver.register(selectors.room_promotions)
        # The library's rank follows the orders: a paid one counts as a sale at once (one task row
        # per payment); one refunded in full stops counting at the hourly rerank (tasks.py).
        orders.order_paid.connect(services.rerank_orders)
        # The library counts one table: a plan keeps its store's and product's state, its lowest
        # price and category, read again whenever the catalog or the stores say they changed.
        catalog_events.product_changed.connect(services.refresh_library_products)
        store_events.store_changed.connect(services.refresh_library_stores)
