"""Product cards in content are resolved by the catalog: listed products only, in one query."""

from xiaodian.catalog import selectors, services
from xiaodian.content import services as content


def test_cards_resolve_listed_products_only(listed_product, product, django_assert_num_queries):
    with django_assert_num_queries(1):
        cards = selectors.product_cards([listed_product.pk, product.pk, 10**9])
    assert set(cards) == {listed_product.pk}
    card = cards[listed_product.pk]
    assert card["title"] == listed_product.title
    assert card["price_fen"] == min(s.price_fen for s in listed_product.skus.filter(is_active=True))
    services.delist_product(product=listed_product)
    assert selectors.product_cards([listed_product.pk]) == {}


def test_an_article_shows_the_card_with_a_link_that_carries_the_scene(client, make_user, listed_product):
    author = make_user("writer")
    account = content.create_official_account(owner=author, name="山野茶事")
    article = content.create_article(
        owner=author,
        account_id=account.pk,
        title="明前茶怎么泡",
        body=f'<p>推荐：</p><product-card data-product-id="{listed_product.pk}"></product-card>',
    )
    content.publish_article(owner=author, article_id=article.pk)
    page = client.get(f"/articles/{article.pk}/").content.decode()
    assert listed_product.title in page
    assert (
        f"/products/{listed_product.pk}/?scene=6&amp;source_type=article&amp;source_id={article.pk}" in page
    )
