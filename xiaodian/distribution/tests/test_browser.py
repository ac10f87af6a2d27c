"""The discovery feed in a real browser (phone size): from the home page to 发现, a product item is
tapped, bought and paid; the order records scene 8 with the page's impression as its source."""

import os

import pytest

from xiaodian.core.browser import sign_in_as
from xiaodian.distribution.models import ServedPage
from xiaodian.orders.models import Order
from xiaodian.orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("XIAODIAN_SHOTS", "")


def test_a_buyer_taps_a_feed_item_and_buys_it_with_scene_8(browser, live_server, open_store, listed, buyer):
    from playwright.sync_api import expect

    store = open_store("发现好店")
    product = listed(store, "山茶花精华", price_fen=9_900)
    listed(open_store("另一家店"), "桂花乌龙")

    page = sign_in_as(browser, live_server, buyer)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/")
    page.click("#discover-link")
    expect(page.locator("h1")).to_have_text("发现")
    item = page.locator(f"#feed-product-{product.pk}")
    expect(item).to_contain_text("山茶花精华")
    expect(item).to_contain_text("发现好店")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/discover.png", full_page=True)
    impression = ServedPage.objects.get(viewer=buyer)
    item.locator("a.feed-link").click()
    expect(page.locator("h1")).to_have_text("山茶花精华")
    assert f"scene=8&source_type=feed&source_id={impression.pk}" in page.url
    page.click("#buy-form button[value=buy]")
    expect(page.locator("h1")).to_have_text("确认订单")
    for name, value in ADDRESS.items():
        page.fill(f"#id_{name}", value)
    page.click("#place-order")
    expect(page.locator("h1")).to_have_text("微信支付（沙箱）")
    page.click("button:has-text('确认支付')")
    expect(page.locator("h1")).to_have_text("订单详情")
    order = Order.objects.get(buyer=buyer)
    assert (order.scene, order.source_type, order.source_id, order.paid_at is not None) == (
        8,
        "feed",
        impression.pk,
        True,
    )
    expect(page.locator("#order-source")).to_contain_text("发现页推荐")
