"""A gift in a real browser (phone size): the giver sends a product as a gift to a friend from its
page and pays in the WeChat Pay sandbox; the friend finds it, accepts it with an address in
another style; the merchant ships it; the friend sees it shipped. A group gift's draw page shows
the commitment, then after the draw the seed, and the verification agrees. And a group gift sent
into a chats group is drawn by two of its members from its card in the group."""

import pytest

from xiaodian.catalog.models import SKU
from xiaodian.core.browser import sign_in_as
from xiaodian.gifts.models import Gift, GiftDraw
from xiaodian.gifts.rules import GiftState
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status

pytestmark = pytest.mark.browser


def accept_at_a_new_address(page, recipient: str, phone: str, region: str, detail: str) -> None:
    """On the gift's page: a new address, and 领取."""
    page.check("input[name=address_id][value=new]")
    for field, value in (("recipient", recipient), ("phone", phone), ("region", region), ("detail", detail)):
        page.fill(f"#id_{field}", value)
    page.click("#accept-submit")


def test_a_gift_sent_1_1_is_accepted_with_an_address_and_shipped(
    browser, live_server, giver, friend, sku, merchant, store
):
    from playwright.sync_api import expect

    black = SKU.objects.create(product=sku.product, specs={"颜色": "黑"}, price_fen=sku.price_fen, stock=3)

    # the giver sends the product as a gift from its page, and pays
    sender = sign_in_as(browser, live_server, giver)
    sender.goto(f"{live_server.url}/products/{sku.product_id}/")
    sender.click("#send-as-gift")
    expect(sender.locator("h1")).to_have_text("送礼")
    sender.select_option("#id_recipient_id", str(friend.pk))
    sender.fill("#id_message", "生日快乐！")
    sender.click("#send-gift-submit")
    expect(sender.locator("h1")).to_have_text("微信支付（沙箱）")
    sender.click("button:has-text('确认支付')")
    expect(sender.locator("h1")).to_have_text("礼物")
    expect(sender.locator("#gift-state")).to_have_text("待领取")
    gift = Gift.objects.get()
    assert gift.paid_at is not None

    # the friend finds it among received gifts and accepts it, in black, at a new address
    receiver = sign_in_as(browser, live_server, friend)
    receiver.goto(f"{live_server.url}/gifts/")
    receiver.click(f"#gift-{gift.pk} a")
    expect(receiver.locator("#gift-message")).to_have_text("生日快乐！")
    receiver.check(f"input[name=sku_id][value='{black.pk}']")
    accept_at_a_new_address(receiver, "李小雨", "13900139000", "北京市朝阳区", "建国路 1 号")
    expect(receiver.locator(".messages")).to_contain_text("已领取礼物")
    expect(receiver.locator("#gift-state")).to_have_text("已领取")
    order = Order.objects.get(gift_unit__gift=gift)
    assert (order.status, order.recipient_id, order.lines.get().sku_id) == (
        Status.TO_SHIP,
        friend.pk,
        black.pk,
    )
    assert Gift.objects.get().state == GiftState.CLAIMED

    # the merchant ships it from the store's orders, to the friend's address
    shop = sign_in_as(browser, live_server, merchant)
    shop.goto(f"{live_server.url}/stores/{store.pk}/orders/?tab=to_ship")
    card = shop.locator(f"#order-{order.pk}")
    expect(card).to_contain_text("李小雨")
    card.locator(f"#id_ship-{order.pk}-carrier").select_option("SF")
    card.locator(f"#id_ship-{order.pk}-tracking_no").fill("SF1234567890123")
    card.locator(f"#ship-{order.pk} button[type=submit]").click()
    expect(shop.locator(".messages")).to_contain_text("已发货")

    # the friend follows it to the order and sees it shipped
    receiver.reload()
    receiver.click("#unit-order")
    expect(receiver.locator("#order-status")).to_have_text("待收货")
    expect(receiver.locator("#shipments")).to_contain_text("SF1234567890123")
    assert Order.objects.get(pk=order.pk).status == Status.SHIPPED


def test_a_group_gift_s_draw_page_shows_the_commitment_then_the_seed(
    browser, live_server, send_group, pay, members
):
    from playwright.sync_api import expect

    gift = send_group(count=1, who=members[:2])
    pay(gift)
    first = sign_in_as(browser, live_server, members[0])
    first.goto(f"{live_server.url}/gifts/{gift.pk}/")
    expect(first.locator("#commitment")).to_have_text(gift.commitment)
    expect(first.locator("#seed-hidden")).to_be_visible()
    first.click("#draw-button")
    expect(first.locator(".messages")).to_be_visible()
    gift.refresh_from_db()
    if not gift.won_count:  # the first did not win: the second (the last member) must
        second = sign_in_as(browser, live_server, members[1])
        second.goto(f"{live_server.url}/gifts/{gift.pk}/")
        second.click("#draw-button")
        expect(second.locator(".messages")).to_contain_text("抽中了")
    first.goto(f"{live_server.url}/gifts/{gift.pk}/")
    expect(first.locator("#seed")).to_have_text(gift.seed)
    first.click("#verify-link")
    expect(first.locator("#commitment-check")).to_have_class("verdict-ok")
    expect(first.locator("#assignment-check")).to_have_class("verdict-ok")


def test_a_group_gift_sent_into_a_group_is_drawn_by_two_members(
    browser, live_server, giver, sku, members, make_group
):
    """The giver sends two gifts into a group of two other members and pays; the card appears in
    the group; each member opens it from the group and draws (M = 2, N = 2: both win); one
    accepts with an address; the draw then closes and verifies."""
    from playwright.sync_api import expect

    group = make_group(giver, members[0], members[1], title="周末爬山群")
    sender = sign_in_as(browser, live_server, giver)
    sender.goto(f"{live_server.url}/gifts/send/?product={sku.product_id}&group={group.pk}")
    expect(sender.locator("#id_mode_1")).to_be_checked()
    sender.fill("#id_count", "2")
    sender.fill("#id_message", "爬山辛苦了")
    sender.click("#send-gift-submit")
    expect(sender.locator("h1")).to_have_text("微信支付（沙箱）")
    sender.click("button:has-text('确认支付')")
    expect(sender.locator("h1")).to_have_text("群礼物")
    expect(sender.locator("#gift-group")).to_contain_text("周末爬山群")
    gift = Gift.objects.get()
    assert (gift.conversation_id, gift.sent_from, gift.members_count) == (group.pk, 1, 2)

    for member in members[:2]:
        page = sign_in_as(browser, live_server, member)
        page.goto(f"{live_server.url}/chats/{group.pk}/")
        card = page.locator(".msg-card.gift-card")
        expect(card).to_contain_text("的群礼物 · 2 份")
        card.click()
        expect(page.locator("h1")).to_have_text("群礼物")
        expect(page.locator("#commitment")).to_have_text(gift.commitment)
        page.click("#draw-button")
        expect(page.locator(".messages")).to_contain_text("抽中了")
    winner = page
    accept_at_a_new_address(winner, "王小山", "13900139001", "杭州市西湖区", "龙井路 2 号")
    expect(winner.locator("#unit-state")).to_have_text("已领取")
    # every member drew: the draw closed, its seed is shown and verifies
    expect(winner.locator("#seed")).to_have_text(gift.seed)
    winner.click("#verify-link")
    expect(winner.locator("#assignment-check")).to_have_class("verdict-ok")
    assert GiftDraw.objects.filter(gift=gift).count() == 2
