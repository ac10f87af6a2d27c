"""Issue 20's must-hold browser test (phone size): the merchant creates a live-room coupon on its
coupons page; a buyer claims it in the live room, buys at the live price with it and pays
(sandbox), the merchant ships, the buyer returns one item; the merchant's coupon report shows it
claimed and used, the paid amount and the discount."""

from datetime import timedelta

import pytest

from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.tests.test_browser import REFUNDING_OR_REFUNDED_RETURN, _until_refunded
from xiaodian.core import clock
from xiaodian.core.browser import sign_in_as
from xiaodian.coupons.models import BuyerCoupon, Coupon
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.browser

SHOTS = "/tmp/c/shots"


def test_a_live_coupon_claimed_in_the_room_bought_with_returned_and_reported(
    browser, live_server, merchant, merchant_view, store, buyer, live_room, item
):
    from playwright.sync_api import expect

    # the merchant creates the room's coupon on the coupons page (满 ¥60 减 ¥10, 100 of them)
    shop = sign_in_as(browser, live_server, merchant)
    shop.set_viewport_size({"width": 360, "height": 780})
    shop.goto(f"{live_server.url}/stores/{store.pk}/coupons/")
    shop.fill("#id_name", "直播间立减")
    shop.select_option("#id_kind", "live")
    shop.select_option("#id_live_room_id", str(live_room.pk))
    shop.select_option("#id_discount_type", "threshold_off")
    shop.fill("#id_amount", "10")
    shop.fill("#id_threshold", "60")
    later = (clock.now() + timedelta(days=3)).astimezone(clock.SHANGHAI)
    shop.fill("#id_claim_ends", later.strftime("%Y-%m-%dT%H:%M"))
    shop.fill("#id_total_quantity", "100")
    shop.click("#create-coupon")
    expect(shop.locator("#coupons li.card")).to_have_count(1)
    expect(shop.locator("#coupons li.card")).to_contain_text("直播券")
    coupon = Coupon.objects.get(store=store)
    assert (coupon.kind, coupon.live_room_id, coupon.state) == ("live", live_room.pk, "active")

    # the buyer claims it in the live room
    person = sign_in_as(browser, live_server, buyer)
    person.set_viewport_size({"width": 360, "height": 780})
    person.goto(f"{live_server.url}/live-rooms/{live_room.pk}/")
    expect(person.locator(f"#coupon-card-{coupon.pk}")).to_contain_text("满 ¥60.00 减 ¥10.00")
    person.click(f"#claim-card-{coupon.pk}")
    expect(person.locator(".messages, [role=status]").first).to_contain_text("领取成功")
    assert person.url.endswith(f"/live-rooms/{live_room.pk}/")
    assert person.evaluate("document.documentElement.scrollWidth") <= 360
    person.screenshot(path=f"{SHOTS}/live-room-coupon.png", full_page=True)
    held = BuyerCoupon.objects.get(buyer=buyer)

    # buys two at the live price (¥68 each) with it: ¥136 − ¥10
    person.locator(f"#buy-{item.pk}").click()
    expect(person.locator("h1")).to_have_text("直播间下单")
    expect(person.locator(f"#coupon-{held.pk}")).to_be_checked()  # the best usable, preselected
    person.fill("#id_quantity", "2")
    for name, value in ADDRESS.items():
        person.fill(f"#id_{name}", value)
    expect(person.locator("#coupons")).to_contain_text("-¥10.00")
    assert person.evaluate("document.documentElement.scrollWidth") <= 360
    person.screenshot(path=f"{SHOTS}/live-buy-with-coupon.png", full_page=True)
    person.click("#place-order")
    expect(person.locator("h1")).to_have_text("微信支付（沙箱）")
    person.click("button:has-text('确认支付')")
    expect(person.locator("h1")).to_have_text("订单详情")
    expect(person.locator("#order-status")).to_have_text("待发货")
    expect(person.locator("#amounts")).to_contain_text("直播间立减")
    expect(person.locator("#amounts")).to_contain_text("-¥10.00")
    expect(person.locator("#amounts")).to_contain_text("¥126.00")
    person.screenshot(path=f"{SHOTS}/live-order-with-coupon.png", full_page=True)
    order = Order.objects.get(buyer=buyer, status=Status.TO_SHIP)
    line = order.lines.get()
    assert (order.source_type, line.unit_price_fen, line.quantity) == ("live_room", 6_800, 2)
    assert (order.discount_fen, order.total_fen) == (1_000, 12_600)
    held.refresh_from_db()
    assert (held.state, held.order_id) == ("used", order.pk)

    # the merchant ships; the buyer receives and returns one of the two
    orders.ship_order(store=merchant_view, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    person.goto(f"{live_server.url}/orders/{order.pk}/lines/{line.pk}/aftersale/")
    person.check("input[name=type][value=return]")
    person.fill("#id_quantity", "1")
    person.select_option("#id_reason_code", "not_wanted")
    person.click("#submit-request")
    expect(person.locator("#aftersale-state")).to_have_text("待商家处理")
    aftersale = AfterSale.objects.get(order=order)
    assert (aftersale.quantity, aftersale.amount_fen) == (1, 6_300)  # one unit's share after the coupon

    shop.goto(f"{live_server.url}/aftersales/{aftersale.pk}/")
    shop.click("button[value=approve]")
    expect(shop.locator("#aftersale-state")).to_have_text("待买家退货")
    person.reload()
    person.fill(f"#id_as{aftersale.pk}-carrier", "顺丰速运")
    person.fill(f"#id_as{aftersale.pk}-tracking_no", "SF9876543210")
    person.click("button[value=ship]")
    expect(person.locator("#aftersale-state")).to_have_text("待商家收货")
    shop.reload()
    shop.click("button[value=received]")
    expect(shop.locator("#aftersale-state")).to_have_text(REFUNDING_OR_REFUNDED_RETURN)
    _until_refunded(aftersale, shop)
    held.refresh_from_db()
    assert held.state == "used"  # a partial return keeps the coupon on its order

    # the merchant's report: claimed 1, used 1, the paid amount of the order and the discount
    shop.goto(f"{live_server.url}/stores/{store.pk}/coupons/")
    card = shop.locator(f"#coupon-{coupon.pk}")
    expect(card.locator(".claimed")).to_have_text("1 / 100")
    expect(card.locator(".used")).to_have_text("1")
    expect(card.locator(".paid")).to_have_text("¥126.00")
    expect(card.locator(".given")).to_have_text("¥10.00")
    assert shop.evaluate("document.documentElement.scrollWidth") <= 360
    shop.screenshot(path=f"{SHOTS}/live-coupon-report.png", full_page=True)
