"""Issue 17's buyer journey in a real browser, at a phone's and a desktop's width: sign in, land
on the home page, open a newly listed product, put two in the cart, check out with the buyer's
note, pay in the WeChat Pay sandbox and see the order waiting to ship. Nothing on the way is wider
than the screen."""

import io

import pytest
from django.core.management import call_command

from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.web.demo import PASSWORD

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def _fits(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_buyer_buys_from_the_home_page(browser, live_server, viewport):
    from playwright.sync_api import expect

    from xiaodian.core.browser import sign_in

    call_command("demo", no_serve=True, stdout=io.StringIO())
    page = sign_in(browser, live_server, "buyer", PASSWORD)
    page.set_viewport_size(VIEWPORTS[viewport])
    assert page.url == f"{live_server.url}/"  # a buyer lands on the home page
    expect(page.locator("#home-products .product-tile").first).to_be_visible()
    _fits(page)

    tile = page.locator("#home-products .product-tile").first
    title = tile.locator(".title").inner_text()
    tile.locator("a").first.click()
    expect(page.locator("h1")).to_have_text(title)
    _fits(page)
    first_in_stock = page.locator(".sku-choice:not(.sold-out) input[name=sku_id]").first
    first_in_stock.check()
    page.fill("#buy-form input[name=quantity]", "2")
    page.click("#buy-form button[value=cart]")

    page.click("header >> text=购物车")
    expect(page.locator("#cart .cart-item")).to_have_count(1)
    expect(page.locator("#cart")).to_contain_text(title)
    _fits(page)
    page.click("#checkout-form button[type=submit]")

    expect(page.locator("h1")).to_have_text("确认订单")
    page.fill("#id_recipient", "王小明")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_region", "上海市浦东新区")
    page.fill("#id_detail", "世纪大道 100 号")
    page.fill("#id_note", "请用纸箱包装")
    _fits(page)
    page.click("#place-order")

    expect(page.locator("h1")).to_have_text("微信支付（沙箱）")
    _fits(page)
    page.click("button:has-text('确认支付')")
    expect(page.locator("h1")).to_have_text("订单详情")
    expect(page.locator("#order-status")).to_have_text("待发货")
    _fits(page)

    order = Order.objects.get(buyer__username="buyer")
    assert (order.status, order.note) == (Status.TO_SHIP, "请用纸箱包装")
    line = order.lines.get()
    assert (line.quantity, line.product.title) == (2, title)
