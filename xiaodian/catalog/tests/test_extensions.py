"""The catalog fills the extension points of the apps below it when it loads."""

from xiaodian.catalog import selectors
from xiaodian.content import cards
from xiaodian.stores import homepage


def test_content_and_the_store_homepage_reach_products_through_the_catalog():
    assert cards.product_card_resolver.provider is selectors.product_cards
    assert cards.store_entry_resolver.provider is selectors.store_entries
    assert homepage.homepage_products.provider is selectors.homepage_products
