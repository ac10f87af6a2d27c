from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "xiaodian.distribution"
    label = "distribution"
    verbose_name = _("流量分发")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as label

        from xiaodian.catalog import events as catalog_events
        from xiaodian.core.scenes import Scene
        from xiaodian.orders import events as order_events
        from xiaodian.orders import sources

        from . import rules, selectors, services

        # products enter and leave the candidate table as they are listed, edited and delisted
        catalog_events.product_changed.connect(services.index_products)
        # a paid order is a purchase each of the buyer's contacts may see ("n 位朋友赞过")
        order_events.order_paid.connect(services.record_purchases)
        # a feed impression is the verified source of scene 8 (the buyer was shown the product)
        sources.register(
            rules.SOURCE_TYPE,
            selectors.impression_sources,
            label("发现页推荐"),
            scenes=[Scene.FEED],
            verify=selectors.verify_impression,
        )
