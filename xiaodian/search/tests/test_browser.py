"""Searching in a real browser (Debian's Chromium driven by Playwright): a buyer searches, opens
the products tab, taps a result, buys and pays in the WeChat Pay sandbox; the order records
scene 7 (search)."""

import os

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


SHOTS = os.environ.get("XIAODIAN_SCREENSHOTS")  # a directory: save what the pages looked like


def _fits(page, width: int) -> None:
    """Nothing on the page is wider than the phone."""
    wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
    assert wide == []


def test_the_results_page_on_a_360_px_phone(browser, live_server, open_store, listed, indexed):
    from playwright.sync_api import expect

    from xiaodian.catalog import services as catalog
    from xiaodian.catalog.tests.conftest import image_bytes, upload

    shop = open_store("拾光服饰")
    for n in range(23):
        product = listed(shop, f"亚麻宽松衬衫 第{n}款 法式收腰显瘦长袖上衣", price_fen=15_900 + n)
        if n < 4:
            catalog.add_product_image(product=product, upload=upload(image_bytes((120, 120), colour="teal")))
    open_store("拾光书房", category="图书")
    page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/search/?q=拾光")
    expect(page.locator(f"#result-store-{shop.pk}")).to_contain_text("23 件在售")
    expect(page.locator("#search-tabs a.current")).to_have_text("店铺")
    # the store with products first; the other (none listed) after it
    expect(page.locator("#search-results > li").first).to_have_id(f"result-store-{shop.pk}")
    _fits(page, 360)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "search-stores-360.png"), full_page=True)

    page.click("#search-tabs a[data-tab=products]")
    expect(page.locator("#search-form input[name=q]")).to_have_value("拾光")  # the query stays
    expect(page.locator("#search-results > li")).to_have_count(20)
    expect(page.locator("#result-count")).to_have_text("找到 23 个结果")
    expect(page.locator("#search-results img").first).to_be_visible()
    _fits(page, 360)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "search-products-360.png"), full_page=True)
    page.click("#next-page")  # load more: the next page is added under the first (htmx)
    expect(page.locator("#search-results > li")).to_have_count(23)
    expect(page.locator("#next-page")).to_have_count(0)
    assert "offset" not in page.url

    page.fill("#search-form input[name=q]", "火星探测器")
    page.click("#search-form button[type=submit]")
    expect(page.locator("#no-results")).to_be_visible()
    expect(page.locator("#suggestions a").first).to_be_visible()
    _fits(page, 360)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "search-empty-360.png"), full_page=True)
    page.context.close()
