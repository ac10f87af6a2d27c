"""Order cards in chats, groups and Moments (social.cards.resolvers["order"]): answered only for
those `selectors.order_for` shows the order to (its buyer, the store's staff with the order
permission); to anyone else, and to a visitor, the card is unavailable."""

from xiaodian.accounts.rules import Role
from xiaodian.orders.models import Order
from xiaodian.social import cards
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for


def _staff(merchant, store, user, role):
    stores.add_staff(store=store_for(merchant, store.pk), user_id=user.pk, role=role)


def test_the_buyer_sees_the_order_card(store, make_sku, place, buyer):
    place(make_sku(store), 1)
    order = Order.objects.get(buyer=buyer)

    shown = cards.resolve([("order", order.pk)], buyer.pk)

    assert shown == {
        ("order", order.pk): {
            "title": f"订单 {order.number}",
            "subtitle": "待付款",
            "image_url": "",
            "url": f"/orders/{order.pk}/",
        }
    }


def test_only_who_may_see_the_order_sees_its_card(store, make_sku, place, buyer, merchant, make_user):
    place(make_sku(store), 1)
    order = Order.objects.get(buyer=buyer)
    operator, agent, stranger = make_user(), make_user(), make_user()
    _staff(merchant, store, operator, Role.OPERATOR)  # manages orders
    _staff(merchant, store, agent, Role.AGENT)  # customer service only: no order permission

    def sees(user_id):
        return ("order", order.pk) in cards.resolve([("order", order.pk)], user_id)

    assert (sees(merchant.pk), sees(operator.pk)) == (True, True)
    assert (sees(agent.pk), sees(stranger.pk), sees(None)) == (False, False, False)


def test_order_cards_take_one_query_however_many(
    store, make_sku, place, buyer, django_assert_max_num_queries
):
    sku = make_sku(store, stock=20)
    for _ in range(5):
        place(sku, 1)
    ids = list(Order.objects.filter(buyer=buyer).values_list("pk", flat=True))

    with django_assert_max_num_queries(1):
        shown = cards.resolvers["order"](ids, buyer.pk)

    assert sorted(shown) == sorted(ids)
