"""Product cards in chats, groups and Moments (social.cards.resolvers["product"]): a published
product is a card anyone may see, with its lowest price and first photo, and opens its page."""

from xiaodian.catalog import services
from xiaodian.social import cards


def test_a_listed_product_is_a_card_with_its_price_photo_and_page(make_product, paid_store, make_user):
    product = make_product(paid_store, title="亚麻衬衫", listed=True)
    viewer = make_user()

    shown = cards.resolve([("product", product.pk)], viewer.pk)

    card = shown[("product", product.pk)]
    assert card["title"] == "亚麻衬衫"
    assert card["subtitle"] == "¥99.00"  # the lowest active price of 99.00 and 129.00
    assert card["image_url"] == product.images.order_by("position", "pk").first().image.url
    assert card["url"] == f"/products/{product.pk}/"
    # a published product is public: a visitor who is not signed in sees the same card
    assert cards.resolve([("product", product.pk)], None) == shown


def test_drafts_and_delisted_products_are_not_cards(make_product, paid_store, make_user):
    draft = make_product(paid_store)
    delisted = make_product(paid_store, listed=True)
    services.delist_product(product=delisted)

    assert cards.resolve([("product", draft.pk), ("product", delisted.pk)], make_user().pk) == {}


def test_product_cards_take_one_query_however_many(
    make_product, paid_store, make_user, django_assert_max_num_queries
):
    ids = [make_product(paid_store, title=f"衬衫{n}", listed=True).pk for n in range(6)]
    viewer = make_user()

    with django_assert_max_num_queries(1):
        shown = cards.resolvers["product"](ids, viewer.pk)

    assert sorted(shown) == sorted(ids)
