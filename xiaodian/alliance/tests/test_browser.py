"""The alliance in a real browser (phone size, then desktop): the merchant enables it and opens a
plan; a creator joins, adds the product to the showcase and makes a link; a buyer opens the
link, buys and pays in the WeChat Pay sandbox; the line is the creator's, and the merchant's
alliance page shows it. The commission is pending; the order ships and is received, the after-sale
period passes, the creator sees it settle and withdraws it."""

import re
from datetime import timedelta

import pytest

from xiaodian.aftersales import events as aftersale_events
from xiaodian.aftersales import rules as aftersale_rules
from xiaodian.aftersales import services as aftersales
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.browser import sign_in_as
from xiaodian.core.events import run_pending
from xiaodian.orders import services as orders
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel

pytestmark = pytest.mark.browser


def test_a_plan_a_link_and_a_purchase_through_it(
    browser, live_server, merchant, store, make_sku, make_user, buyer, tmp_path
):
    from playwright.sync_api import expect

    sku = make_sku(store, title="山茶花精华", price_fen=10_000, stock=20)
    # the merchant: from the store menu to the alliance page; enable; an open plan at 10%
    shop = sign_in_as(browser, live_server, merchant)
    shop.set_viewport_size({"width": 360, "height": 780})
    shop.goto(f"{live_server.url}/stores/{store.pk}/workbench/")
    shop.click(f".store-menu a[href='/stores/{store.pk}/alliance/']")
    shop.wait_for_url(re.compile(r"/alliance/$"))
    expect(shop.locator("#condition-subject_kind")).to_have_class("met")
    shop.click("#enable-button")
    expect(shop.locator("#enabled-at")).to_be_visible()
    shop.select_option("#id_products", str(sku.product_id))
    shop.fill("#id_commission", "10")
    shop.click("#create-plan")
    expect(shop.locator("#plans li.card")).to_have_count(1)
    expect(shop.locator("#plans li.card")).to_contain_text("山茶花精华")
    assert shop.evaluate("document.documentElement.scrollWidth") <= 360
    shop.screenshot(path=str(tmp_path / "alliance-merchant-phone.png"), full_page=True)

    # the creator joins with a video account, adds the product to the showcase, makes a link
    person = make_user("xiaoshan")
    content.create_video_account(owner=person, name="山野日记")
    creator = sign_in_as(browser, live_server, person)
    creator.set_viewport_size({"width": 360, "height": 780})
    creator.goto(f"{live_server.url}/alliance/")
    creator.select_option("#id_kind", "creator")
    creator.fill("#id_name", "小山")
    creator.select_option("#id_video_account_id", label="山野日记")
    creator.click("#join-button")
    expect(creator.locator(f"#library-{sku.product_id}")).to_contain_text("山茶花精华")
    creator.click(f"#add-{sku.product_id}")
    expect(creator.locator(f"#showcase-{sku.product_id}")).to_be_visible()
    creator.click(f"#make-link-{sku.product_id}")
    link_input = creator.locator("#links input[data-select-all]")
    expect(link_input).to_have_count(1)
    url = link_input.input_value()
    assert re.search(r"/a/[0-9a-z]+$", url)
    assert creator.evaluate("document.documentElement.scrollWidth") <= 360
    creator.screenshot(path=str(tmp_path / "alliance-center-phone.png"), full_page=True)

    # the buyer opens the link, buys and pays
    shopper = sign_in_as(browser, live_server, buyer)
    shopper.goto(url)
    expect(shopper.locator("#buy-form")).to_be_visible()
    shopper.click("#buy-form button[value=buy]")
    expect(shopper.locator("h1")).to_have_text("确认订单")
    if shopper.locator("#id_recipient").count():
        shopper.fill("#id_recipient", "王小明")
        shopper.fill("#id_phone", "13800138000")
        shopper.fill("#id_region", "上海市浦东新区")
        shopper.fill("#id_detail", "世纪大道 100 号")
    shopper.click("#place-order")
    expect(shopper.locator("h1")).to_have_text("微信支付（沙箱）")
    shopper.click("button:has-text('确认支付')")
    expect(shopper.locator("h1")).to_have_text("订单详情")

    line = OrderLine.objects.select_related("order").get(order__buyer=buyer)
    assert line.order.paid_at is not None
    assert (line.promoter_id, line.sales_channel) == (person.pk, SalesChannel.CREATOR)
    # the merchant's page shows the promoted sale and who promoted it
    shop.reload()
    expect(shop.locator(f"#promoted-{line.pk} .promoter")).to_have_text("小山")
    shop.set_viewport_size({"width": 1366, "height": 800})
    shop.screenshot(path=str(tmp_path / "alliance-merchant-desktop.png"), full_page=True)
    creator.set_viewport_size({"width": 1366, "height": 800})
    creator.screenshot(path=str(tmp_path / "alliance-center-desktop.png"), full_page=True)

    # the commission: pending at payment; the merchant ships, the buyer confirms, the after-sale
    # period passes (a controlled clock); the creator sees it settle and withdraws it
    creator.set_viewport_size({"width": 360, "height": 780})
    creator.reload()
    expect(creator.locator("#commission-pending")).to_have_text("¥10.00")
    expect(creator.locator(f"#commission-AL{line.pk}")).to_contain_text("待结算")
    orders.ship_order(store=store, order_id=line.order_id, carrier="SF", tracking_no="SF1234567890123")
    orders.confirm_receipt(buyer=buyer, order_id=line.order_id)
    with clock.travel_to(clock.now() + aftersale_rules.AFTERSALE_PERIOD + timedelta(minutes=1)):
        assert aftersales.end_aftersale_periods(line.order_id) == [line.pk]
        run_pending(aftersale_events.aftersale_period_ended)
        creator.reload()
        expect(creator.locator("#commission-available")).to_have_text("¥10.00")
        expect(creator.locator(f"#commission-AL{line.pk}")).to_contain_text("已结算")
        creator.fill("#id_amount", "10")
        creator.click("#withdraw-button")  # asks first
        expect(creator.locator("#withdrawals li")).to_have_count(1)
    assert creator.dialogs == ["确定把佣金提现到你的微信零钱？"]
    expect(creator.locator("#commission-available")).to_have_text("¥0.00")
    expect(creator.locator("#withdrawals")).to_contain_text("¥10.00")
    assert creator.evaluate("document.documentElement.scrollWidth") <= 360
    creator.screenshot(path=str(tmp_path / "alliance-earnings-phone.png"), full_page=True)
