"""Buying in a live room in a real browser (Debian's Chromium driven by Playwright): a buyer opens
the room, buys the pinned item at its live price, pays in the WeChat Pay sandbox, and the order
records scene 2 (live room) with the room as its source."""

import pytest

from xiaodian.core.browser import sign_in_as
from xiaodian.live.models import ShelfItem
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status

pytestmark = pytest.mark.browser


def test_buy_the_pinned_item_in_a_live_room_and_pay(browser, live_server, buyer, item, live_room, sku):
    from playwright.sync_api import expect

    page = sign_in_as(browser, live_server, buyer)
    page.goto(f"{live_server.url}/live-rooms/{live_room.pk}/")
    expect(page.locator("h1")).to_have_text("春装上新")
    pinned = page.locator(".shelf-item.pinned")
    expect(pinned).to_have_count(1)
    expect(pinned).to_contain_text("羊毛大衣")
    expect(pinned.locator(".live-price")).to_have_text("¥68.00")
    expect(pinned.locator(".original-price")).to_have_text("¥100.00")
    pinned.locator(f"#buy-{item.pk}").click()

    expect(page.locator("h1")).to_have_text("直播间下单")
    expect(page.locator(f"#pick-{item.pk}")).to_be_checked()
    expect(page.locator("input[name=address_id][value=new]")).to_be_checked()
    page.fill("#id_recipient", "王小明")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_region", "上海市浦东新区")
    page.fill("#id_detail", "世纪大道 100 号")
    page.click("#place-order")

    # the WeChat Pay sandbox's pay page; 确认支付 pays and comes back to the order
    expect(page.locator("h1")).to_have_text("微信支付（沙箱）")
    page.click("button:has-text('确认支付')")
    expect(page.locator("h1")).to_have_text("订单详情")
    expect(page.locator("#order-status")).to_have_text("待发货")
    expect(page.locator("#order-scene")).to_have_text("直播间")
    expect(page.locator("#order-source")).to_contain_text("春装上新")

    order = Order.objects.get(buyer=buyer)
    assert page.url == f"{live_server.url}/orders/{order.pk}/"
    assert (order.status, order.scene, order.source_type, order.source_id) == (
        Status.TO_SHIP,
        2,
        "live_room",
        live_room.pk,
    )
    assert order.total_fen == 6_800 and order.lines.get().unit_price_fen == 6_800
    assert ShelfItem.objects.get(pk=item.pk).flash_stock == 9

    # the room's page shows one unit fewer at the live price
    page.goto(f"{live_server.url}/live-rooms/{live_room.pk}/")
    expect(page.locator(f"#stock-{item.pk}")).to_have_text("9")
