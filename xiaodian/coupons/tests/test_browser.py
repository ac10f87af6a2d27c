"""Coupons in a real browser (phone size): the merchant creates a store coupon from the store menu;
a buyer claims it on the store's coupon page and finds it in "my coupons"; an order placed with it
shows the discount on the order page, and the merchant's report counts it."""

import re
from datetime import timedelta

import pytest

from xiaodian.core import clock
from xiaodian.core.browser import sign_in_as
from xiaodian.coupons.models import BuyerCoupon
from xiaodian.orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.browser

SHOTS = "/tmp/c/shots"


def test_a_coupon_from_creation_to_the_report(browser, live_server, merchant, store, make_sku, buyer):
    from playwright.sync_api import expect

    sku = make_sku(store, title="山茶花精华", price_fen=25_000, stock=20)
    shop = sign_in_as(browser, live_server, merchant)
    shop.set_viewport_size({"width": 360, "height": 780})
    shop.goto(f"{live_server.url}/stores/{store.pk}/workbench/")
    shop.click(f".store-menu a[href='/stores/{store.pk}/coupons/']")
    shop.wait_for_url(re.compile(r"/coupons/$"))
    shop.fill("#id_name", "春季满减券")
    shop.select_option("#id_discount_type", "threshold_off")
    shop.fill("#id_amount", "20")
    shop.fill("#id_threshold", "199")
    later = (clock.now() + timedelta(days=3)).astimezone(clock.SHANGHAI)
    shop.fill("#id_claim_ends", later.strftime("%Y-%m-%dT%H:%M"))
    shop.fill("#id_total_quantity", "100")
    shop.click("#create-coupon")
    shop.screenshot(path=f"{SHOTS}/store-coupons-created.png", full_page=True)
    expect(shop.locator("#coupons li.card")).to_have_count(1)
    expect(shop.locator("#coupons li.card")).to_contain_text("满 ¥199.00 减 ¥20.00")
    assert shop.evaluate("document.documentElement.scrollWidth") <= 360

    person = sign_in_as(browser, live_server, buyer)
    person.set_viewport_size({"width": 360, "height": 780})
    # the store's homepage and the product page show the coupon's card
    person.goto(f"{live_server.url}/products/{sku.product_id}/")
    expect(person.locator("#coupon-cards")).to_contain_text("春季满减券")
    assert person.evaluate("document.documentElement.scrollWidth") <= 360
    person.screenshot(path=f"{SHOTS}/product-coupon-card.png", full_page=True)
    person.goto(f"{live_server.url}/shop/{store.pk}/")
    expect(person.locator("#coupon-cards")).to_contain_text("满 ¥199.00 减 ¥20.00")
    assert person.evaluate("document.documentElement.scrollWidth") <= 360
    person.screenshot(path=f"{SHOTS}/shop-coupon-card.png", full_page=True)
    person.click("#coupon-cards a")  # 全部: the store's coupon page
    person.wait_for_url(re.compile(rf"/shop/{store.pk}/coupons/$"))
    person.click("#claimable button[type=submit]")
    expect(person.locator(".messages, [role=status]").first).to_be_visible()
    person.screenshot(path=f"{SHOTS}/shop-coupons.png", full_page=True)
    person.goto(f"{live_server.url}/me/coupons/")
    expect(person.locator("#usable li.card")).to_contain_text("春季满减券")
    assert person.evaluate("document.documentElement.scrollWidth") <= 360
    person.screenshot(path=f"{SHOTS}/my-coupons.png", full_page=True)

    # checkout: the coupon is offered and chosen, the total is after it
    person.goto(f"{live_server.url}/checkout/?sku={sku.pk}&quantity=1")
    expect(person.locator(f"#coupon-off-{store.pk}")).to_contain_text("-¥20.00")
    expect(person.locator("#checkout-total")).to_have_text("¥230.00")
    assert person.evaluate("document.documentElement.scrollWidth") <= 360
    person.screenshot(path=f"{SHOTS}/checkout-with-coupon.png", full_page=True)
    for name, value in ADDRESS.items():
        person.fill(f"#id_{name}", value)
    person.click("#place-order")
    person.wait_for_url(re.compile(r"/(sandbox|orders)/"))
    held = BuyerCoupon.objects.get(buyer=buyer)
    assert held.state == "used"
    order = held.order
    person.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(person.locator("#amounts")).to_contain_text("-¥20.00")
    expect(person.locator("#amounts")).to_contain_text("¥230.00")
    person.screenshot(path=f"{SHOTS}/order-with-coupon.png", full_page=True)

    shop.reload()
    expect(shop.locator("#coupons li.card .used")).to_have_text("1")
    expect(shop.locator("#coupons li.card .paid")).to_have_text("¥230.00")
    shop.screenshot(path=f"{SHOTS}/store-coupons.png", full_page=True)
    shop.set_viewport_size({"width": 1366, "height": 900})
    shop.screenshot(path=f"{SHOTS}/store-coupons-desktop.png", full_page=True)
