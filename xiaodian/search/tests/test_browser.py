"""Searching in a real browser (Debian's Chromium driven by Playwright): a buyer searches, opens
the products tab, taps a result, buys and pays in the WeChat Pay sandbox; the order records
scene 7 (search)."""

import pytest

from xiaodian.core.browser import sign_in_as
from xiaodian.orders.models import Order

pytestmark = pytest.mark.browser


def test_search_a_product_and_buy_it(browser, live_server, open_store, listed, make_user):
    from playwright.sync_api import expect

    shop = open_store("拾光服饰")
    shirt = listed(shop, "亚麻宽松衬衫", price_fen=15_900)
    buyer = make_user("searcher")
    page = sign_in_as(browser, live_server, buyer)
    page.click("#nav-search")
    page.fill("#search-form input[name=q]", "拾光")
    page.click("#search-form button[type=submit]")
    expect(page.locator(f"#result-store-{shop.pk}")).to_contain_text("拾光服饰")
    page.click("#search-tabs a[data-tab=products]")
    result = page.locator(f"#result-product-{shirt.pk}")
    expect(result).to_contain_text("¥159.00")
    result.locator("a.result-link").click()

    expect(page.locator("h1")).to_have_text("亚麻宽松衬衫")
    page.click("#buy-form button[value=buy]")
    expect(page.locator("h1")).to_have_text("确认订单")
    page.fill("#id_recipient", "王小明")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_region", "上海市浦东新区")
    page.fill("#id_detail", "世纪大道 100 号")
    page.click("#place-order")
    expect(page.locator("h1")).to_have_text("微信支付（沙箱）")
    page.click("button:has-text('确认支付')")
    expect(page.locator("#order-scene")).to_have_attribute("data-scene", "7")
    order = Order.objects.get(buyer=buyer)
    assert (order.scene, order.source_type) == (7, "search")
