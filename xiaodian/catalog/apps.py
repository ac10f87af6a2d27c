from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "xiaodian.catalog"
    label = "catalog"
    verbose_name = _("商品")

    def ready(self) -> None:
        from xiaodian.content import cards
        from xiaodian.social import cards as social_cards
        from xiaodian.stores import homepage

        from . import selectors

        # Content and stores sit below the catalog: they show products through what it registers.
        cards.product_card_resolver.register(selectors.product_cards)
        cards.store_entry_resolver.register(selectors.store_entries)
        homepage.homepage_products.register(selectors.homepage_products)
        homepage.homepage_categories.register(selectors.homepage_categories)
        # Chats, groups and Moments show product cards.
        social_cards.resolvers["product"].register(selectors.social_product_cards)
