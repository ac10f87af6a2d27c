"""A showcase in a real browser (phone size): a buyer opens a creator's video account, follows its
showcase link, opens a product from the showcase, buys and pays in the WeChat Pay sandbox; the
line is the creator's (scene 3, source the showcase), and the creator sees the commission order
in the promoter center and the showcase on the touchpoints page, then puts the product in its
live room, where the buyer sees it with a buy link through the room."""

from datetime import timedelta

import pytest

from xiaodian.alliance import services
from xiaodian.alliance.models import AttributedLine
from xiaodian.alliance.rules import Touchpoint
from xiaodian.content import services as content
from xiaodian.core import clock
from xiaodian.core.browser import sign_in_as
from xiaodian.live import services as live
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import SalesChannel, Scene

pytestmark = pytest.mark.browser


def test_a_buyer_shops_a_creators_showcase(
    browser, live_server, merchant, store, make_sku, make_user, buyer, tmp_path
):
    from playwright.sync_api import expect

    sku = make_sku(store, title="山茶花精华", price_fen=10_000, stock=20)
    services.enable_alliance(store=store, by=merchant)
    services.create_plans(
        store=store, by=merchant, product_ids=[sku.product_id], kind=1, commission_ratio_ppm=100_000
    )
    person = make_user("xiaoshan")
    account = content.create_video_account(owner=person, name="山野日记")
    promoter = services.join_alliance(user=person, kind="creator", name="小山", video_account_id=account.pk)
    services.add_showcase_item(promoter=promoter, product_id=sku.product_id)

    shopper = sign_in_as(browser, live_server, buyer)
    shopper.set_viewport_size({"width": 360, "height": 780})
    shopper.goto(f"{live_server.url}/video-accounts/{account.pk}/")
    shopper.click("#showcase-link")
    expect(shopper.locator("h1")).to_have_text("小山的橱窗")
    expect(shopper.locator(f"#showcase-product-{sku.product_id}")).to_contain_text("¥100.00")
    assert shopper.evaluate("document.documentElement.scrollWidth") <= 360
    shopper.screenshot(path=str(tmp_path / "alliance-showcase-phone.png"), full_page=True)
    shopper.click(f"#showcase-product-{sku.product_id} a")
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
    assert (line.promoter_id, line.sales_channel, line.scene) == (
        person.pk,
        SalesChannel.CREATOR,
        Scene.SHORT_VIDEO,
    )
    assert (line.source_type, line.source_id) == ("showcase", promoter.pk)
    assert AttributedLine.objects.get(line=line).touchpoint == Touchpoint.SHOWCASE

    creator = sign_in_as(browser, live_server, person)
    creator.set_viewport_size({"width": 360, "height": 780})
    creator.goto(f"{live_server.url}/alliance/")
    expect(creator.locator("#commission-pending")).to_have_text("¥10.00")
    expect(creator.locator(f"#commission-AL{line.pk}")).to_contain_text("待结算")
    creator.click("#touchpoints-link")
    expect(creator.locator("#public-showcase")).to_contain_text("1 件商品可购买")
    assert creator.evaluate("document.documentElement.scrollWidth") <= 360
    creator.screenshot(path=str(tmp_path / "alliance-touchpoints-phone.png"), full_page=True)

    # the creator goes live and puts the product in the room; the room page shows it to buy
    room = live.schedule_live_room(
        owner=person, account_id=account.pk, title="山野好物", scheduled_at=clock.now() + timedelta(hours=1)
    )
    live.start_live_room(owner=person, room_id=room.pk)
    creator.reload()
    creator.click(f"#add-live-{room.pk} button")
    expect(creator.locator(f"#room-{room.pk}-product-{sku.product_id}")).to_contain_text("山茶花精华")
    shopper.goto(f"{live_server.url}/live-rooms/{room.pk}/")
    buy = shopper.locator(f"#promotion-buy-{sku.product_id}")
    expect(buy).to_have_attribute(
        "href", f"/products/{sku.product_id}/?scene=2&source_type=live_promotion&source_id={room.pk}"
    )
    assert shopper.evaluate("document.documentElement.scrollWidth") <= 360
    shopper.screenshot(path=str(tmp_path / "alliance-live-room-phone.png"), full_page=True)
