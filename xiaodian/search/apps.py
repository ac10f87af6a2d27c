from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "xiaodian.search"
    label = "search"
    verbose_name = _("搜索")

    def ready(self) -> None:
        from xiaodian.catalog import events as catalog_events
        from xiaodian.stores import events as store_events

        from . import receivers, services  # noqa: F401  (receivers: index updates on commit)

        catalog_events.product_changed.connect(services.index_products)
        store_events.store_changed.connect(services.index_stores)
