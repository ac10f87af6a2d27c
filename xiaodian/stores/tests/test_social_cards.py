"""Store cards in chats, groups and Moments (social.cards.resolvers["store"]): an open store is a
card anyone may see, opening its public page; a store not open is no card."""

from xiaodian.social import cards
from xiaodian.stores import services


def test_an_open_store_is_a_card_that_opens_its_page(make_store, merchant, subject, make_user):
    store = services.update_store(
        store=make_store(merchant, subject, name="拾光服饰"), description="慢慢挑的好衣服"
    )

    shown = cards.resolve([("store", store.pk)], make_user().pk)

    assert shown == {
        ("store", store.pk): {
            "title": "拾光服饰",
            "subtitle": "慢慢挑的好衣服",
            "image_url": "",
            "url": f"/shop/{store.pk}/",
        }
    }
    assert cards.resolve([("store", store.pk)], None) == shown  # the store page is public


def test_a_store_not_open_is_no_card(make_store, make_subject, merchant, subject, make_user):
    closed = make_store(merchant, subject)
    services.close_store(store=closed)
    opening = make_store(merchant, make_subject(merchant, verified=False))  # not verified: still opening

    assert cards.resolve([("store", closed.pk), ("store", opening.pk)], make_user().pk) == {}


def test_store_cards_take_one_query_however_many(
    make_store, merchant, subject, make_user, django_assert_max_num_queries
):
    ids = [make_store(merchant, subject).pk for _ in range(5)]
    viewer = make_user()

    with django_assert_max_num_queries(1):
        shown = cards.resolvers["store"](ids, viewer.pk)

    assert sorted(shown) == sorted(ids)
