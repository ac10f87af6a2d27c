"""Coupon cards on the pages of the apps below coupons (content.cards.coupon_cards_resolver): the
store page and the product page show the store's coupons to claim, a live room its live coupons
(claimable only while it is live); the card's claim comes back to the page. And the live room's
buy page offers the buyer's coupons at the live price."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from xiaodian.coupons import selectors, services
from xiaodian.coupons.models import BuyerCoupon
from xiaodian.live import services as live
from xiaodian.orders.models import Order
from xiaodian.orders.tests.conftest import ADDRESS
from xiaodian.orders.tests.test_pages import block, text


@pytest.fixture
def buyer_client(buyer):
    client = Client()
    client.force_login(buyer)
    return client


def test_the_store_page_shows_its_coupons_and_a_card_claims_one(
    make_coupon, make_sku, store, buyer, buyer_client
):
    coupon = make_coupon(name="全店满减")
    sku = make_sku(store)
    other = make_sku(store)
    only_other = make_coupon(name="单品券", kind="product", product_ids=[other.product_id])
    page = buyer_client.get(reverse("stores:shop", args=[store.pk]))
    cards = block(page, "coupon-cards")
    assert "全店满减" in cards and "满 ¥199.00 减 ¥20.00" in cards and "单品券" in cards
    assert f'href="/shop/{store.pk}/coupons/"' in page.content.decode()

    r = buyer_client.post(
        reverse("coupons:claim"), {"coupon_id": coupon.pk, "next": f"/shop/{store.pk}/"}, follow=True
    )
    assert r.redirect_chain[-1][0] == f"/shop/{store.pk}/" and "领取成功" in text(r)
    assert BuyerCoupon.objects.get(buyer=buyer).coupon_id == coupon.pk
    r = buyer_client.post(reverse("coupons:claim"), {"coupon_id": coupon.pk, "next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == "/me/coupons/"  # only back to this site; the limit refused
    assert BuyerCoupon.objects.filter(buyer=buyer).count() == 1

    # the product page: the store's coupons and that product's only
    page = buyer_client.get(reverse("catalog:product", args=[sku.product_id]))
    assert "全店满减" in block(page, "coupon-cards") and "单品券" not in block(page, "coupon-cards")
    page = buyer_client.get(reverse("catalog:product", args=[other.product_id]))
    assert f'id="coupon-card-{only_other.pk}"' in page.content.decode()


def test_signed_out_a_card_sends_to_sign_in_and_unknown_coupons_are_404(make_coupon, store, client):
    coupon = make_coupon()
    r = client.post(reverse("coupons:claim"), {"coupon_id": coupon.pk, "next": f"/shop/{store.pk}/"})
    assert r.status_code == 302 and "/login" in r.url and BuyerCoupon.objects.count() == 0
    client.force_login(coupon.store.staff.first().user)
    assert client.post(reverse("coupons:claim"), {"coupon_id": 99_999}).status_code == 404
    assert client.post(reverse("coupons:claim"), {"coupon_id": "x"}).status_code == 404
    # a digit int() does not read (superscript two): a 404 like any other, never a 500
    assert client.post(reverse("coupons:claim"), {"coupon_id": "²"}).status_code == 404
    assert client.post(reverse("coupons:claim"), {"coupon_id": coupon.pk, "room_id": "²"}).status_code == 404
    assert client.get(reverse("coupons:claim")).status_code == 405


def test_a_live_coupon_shows_only_in_its_room_and_is_claimed_there_while_live(
    make_coupon, store, room, creator, bound, buyer, buyer_client
):
    coupon = make_coupon(name="直播专享", kind="live", live_room_id=room.pk)
    assert "直播专享" not in text(buyer_client.get(reverse("stores:shop", args=[store.pk])))
    url = reverse("live:room", args=[room.pk])
    page = buyer_client.get(url)  # scheduled: shown, not claimable yet
    assert "直播专享" in block(page, "coupon-cards") and "直播中可领" in block(page, "coupon-cards")
    assert f'id="claim-card-{coupon.pk}"' not in page.content.decode()

    live.start_live_room(owner=creator, room_id=room.pk)
    page = buyer_client.get(url)
    assert f'id="claim-card-{coupon.pk}"' in page.content.decode()
    assert f'name="room_id" value="{room.pk}"' in page.content.decode()
    r = buyer_client.post(reverse("coupons:claim"), {"coupon_id": coupon.pk, "room_id": room.pk, "next": url})
    assert r.status_code == 302 and r.url == url
    assert BuyerCoupon.objects.get(buyer=buyer).coupon_id == coupon.pk
    # claimed without the room: refused with the reason, nothing claimed
    r = buyer_client.post(reverse("coupons:claim"), {"coupon_id": coupon.pk, "next": url}, follow=True)
    assert "直播券只能在直播中的直播间里领取" in text(r) and BuyerCoupon.objects.count() == 1

    live.end_live_room(owner=creator, room_id=room.pk)
    assert 'id="coupon-cards"' not in buyer_client.get(url).content.decode()


def test_the_cards_cost_one_query(make_coupon, make_sku, store, live_room, bound, django_assert_num_queries):
    sku = make_sku(store)
    for n in range(3):
        make_coupon(name=f"券{n}")
    make_coupon(kind="product", product_ids=[sku.product_id])
    make_coupon(kind="live", live_room_id=live_room.pk)
    with django_assert_num_queries(1):
        assert len(selectors.coupon_cards(store.pk, None, None)) == 4
    with django_assert_num_queries(1):
        assert len(selectors.coupon_cards(store.pk, sku.product_id, None)) == 4
    with django_assert_num_queries(1):
        assert len(selectors.coupon_cards(None, None, live_room.pk)) == 1


def test_the_live_buy_page_offers_the_best_coupon_and_buys_at_the_live_price_with_it(
    make_coupon, live_room, item, buyer, buyer_client
):
    small = make_coupon(discount_type="amount_off", threshold_fen=0, amount_fen=300)
    big = make_coupon(
        kind="live", live_room_id=live_room.pk, discount_type="amount_off", threshold_fen=0, amount_fen=800
    )
    far = make_coupon(threshold_fen=50_000, amount_fen=5_000)
    held = {
        c.pk: services.claim_coupon(
            buyer=buyer, coupon_id=c.pk, room_id=live_room.pk if c.kind == "live" else None
        )
        for c in (small, big, far)
    }
    url = reverse("live:buy", args=[live_room.pk])
    page = buyer_client.get(url, {"item": item.pk})
    html = page.content.decode()
    assert re.search(rf'id="coupon-{held[big.pk].pk}" checked', html)  # the best, preselected
    assert "-¥8.00" in block(page, "coupons") and "-¥3.00" in block(page, "coupons")
    assert re.search(rf'id="coupon-{held[far.pk].pk}" disabled', html)  # with its reason
    key = re.search(r'name="key" value="(\w+)"', html).group(1)
    form = {"key": key, "shelf_item_id": item.pk, "quantity": 2, "address_id": "new", **ADDRESS}
    r = buyer_client.post(url, form | {"coupon_id": held[far.pk].pk})
    assert r.status_code == 422 and "还差" in text(r) and Order.objects.count() == 0

    r = buyer_client.post(url, form | {"key": key + "b", "coupon_id": held[big.pk].pk})
    assert r.status_code == 302
    order = Order.objects.get()
    assert (order.goods_fen, order.discount_fen, order.total_fen) == (13_600, 800, 12_800)
    assert BuyerCoupon.objects.get(pk=held[big.pk].pk).order_id == order.pk

    r = buyer_client.post(url, form | {"key": key + "c", "coupon_id": ""})  # none chosen: no discount
    assert r.status_code == 302 and Order.objects.order_by("-pk").first().discount_fen == 0
