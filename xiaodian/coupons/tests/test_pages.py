"""The discount on the order page, and the offers a checkout page can make from the buyer's coupons."""

import pytest
from django.test import Client
from django.urls import reverse

from xiaodian.core import clock
from xiaodian.coupons import selectors, services
from xiaodian.orders.models import Order
from xiaodian.orders.tests.test_pages import block


@pytest.fixture
def buyer_client(buyer):
    client = Client()
    client.force_login(buyer)
    return client


def test_the_order_page_shows_the_coupon_and_what_it_took_off(
    make_coupon, make_sku, store, buyer, place, buyer_client
):
    coupon = make_coupon(name="春季满减券")
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    order = Order.objects.get(checkout=place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk]))
    amounts = block(buyer_client.get(reverse("orders:order_detail", args=[order.pk])), "amounts")
    assert "春季满减券" in amounts and "-¥20.00" in amounts and "¥180.00" in amounts


def test_the_buyers_coupons_are_offered_best_first_with_the_reasons_of_the_others(
    make_coupon, make_sku, store, buyer
):
    small = services.claim_coupon(
        buyer=buyer, coupon_id=make_coupon(threshold_fen=0, discount_type="amount_off", amount_fen=500).pk
    )
    big = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)  # ¥20 off ¥199
    far = services.claim_coupon(
        buyer=buyer, coupon_id=make_coupon(threshold_fen=100_000, amount_fen=5_000).pk
    )
    sku = make_sku(store, price_fen=20_000)
    draft = selectors.draft_of(store, [(sku.pk, sku.product_id, 1, 20_000)])
    offers = selectors.offers(buyer, draft, clock.now())
    assert [(o.held.pk, o.amount_fen, o.reason) for o in offers] == [
        (big.pk, 2_000, ""),
        (small.pk, 500, ""),
        (far.pk, 0, "threshold"),
    ]
