"""The checkout page and the cart carry a share like any source, and `place_order` verifies it:
buy now and a checkout from the cart through a share the buyer could have seen record its scene;
through one they could not, scene 1 (the page never refuses the purchase)."""

from urllib.parse import parse_qsl, urlsplit

from django.urls import reverse

from xiaodian.orders.models import CartItem, Order
from xiaodian.orders.tests.test_pages import NEW_ADDRESS, checkout_post
from xiaodian.shares.models import Share


def _buy_now_through(client, link, sku) -> Order:
    response = client.get(link)
    product_page = response["Location"]
    page = client.get(reverse("orders:checkout"), {"sku": sku.pk, **_params(product_page)})
    placed = client.post(reverse("orders:checkout"), checkout_post(page, **NEW_ADDRESS))
    assert placed.status_code == 302
    return Order.objects.order_by("-pk").first()


def _params(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


def test_buy_now_through_a_share_records_its_scene(client, buyer, make_sku, store, share_card, members):
    sku = make_sku(store)
    link = share_card("product", sku.product_id, channel="moment", channel_id=4)
    members[("moment", 4)].add(buyer.pk)
    client.force_login(buyer)
    order = _buy_now_through(client, link, sku)
    assert (order.scene, order.source_type, order.source_id) == (11, "social_share", Share.objects.get().pk)


def test_buy_now_through_a_share_the_buyer_could_not_see_records_scene_1(
    client, buyer, make_sku, store, share_card
):
    sku = make_sku(store)
    link = share_card("product", sku.product_id, channel="moment", channel_id=4)  # not the buyer's friend
    client.force_login(buyer)
    order = _buy_now_through(client, link, sku)
    assert (order.scene, order.source_type, order.source_id) == (1, "", None)


def test_a_cart_checkout_keeps_the_share_as_its_last_touch(
    client, buyer, make_sku, store, share_card, members
):
    sku = make_sku(store)
    link = share_card("product", sku.product_id, channel="group", channel_id=9)
    members[("group", 9)].add(buyer.pk)
    client.force_login(buyer)
    product_page = client.get(link)["Location"]
    added = client.post(
        reverse("orders:cart_add"),
        {"sku_id": sku.pk, "quantity": 1, "action": "cart"},
        HTTP_REFERER=f"http://testserver{product_page}",
    )
    assert added.status_code == 302
    item = CartItem.objects.get()
    assert (item.scene, item.source_type) == (10, "social_share")
    page = client.get(reverse("orders:checkout"), {"item": [item.pk]})
    assert client.post(reverse("orders:checkout"), checkout_post(page, **NEW_ADDRESS)).status_code == 302
    order = Order.objects.get()
    assert (order.scene, order.source_type, order.source_id) == (10, "social_share", Share.objects.get().pk)
