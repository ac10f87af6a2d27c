"""A share in a real browser (phone size): a product card sent in a 1:1 chat (through chats'
services) is clicked by the friend on the chat page, which opens its short link; bought and paid,
the order records scene 9 with the share; the sharer sees the open and the order on 我的分享."""

import os
import re

import pytest

from xiaodian.chats import services as chats
from xiaodian.core.browser import sign_in_as
from xiaodian.orders.models import Order
from xiaodian.orders.tests.conftest import ADDRESS
from xiaodian.shares.models import Share

from .conftest import send_card

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("XIAODIAN_SHOTS", "")  # a directory to keep screenshots in, when set


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_friend_opens_a_shared_card_and_buys(
    browser, live_server, store, make_sku, buyer, sharer, befriend
):
    from playwright.sync_api import expect

    sku = make_sku(store, title="山茶花精华", price_fen=9_900, stock=20)
    befriend(sharer, buyer)
    chat, _created = chats.open_direct(user=sharer, other_id=buyer.pk)
    link = send_card(sharer, chat.pk, sku.product_id).card_link
    share = Share.objects.get()

    friend = sign_in_as(browser, live_server, buyer)
    friend.set_viewport_size({"width": 360, "height": 780})
    friend.goto(f"{live_server.url}/chats/{chat.pk}/")
    card = friend.locator("#chat-log a.product-card")
    expect(card).to_have_attribute("href", link)
    expect(card.locator(".card-title")).to_have_text("山茶花精华")
    expect(card.locator(".card-subtitle")).to_have_text("¥99.00")
    _shot(friend, "chat-product-card")
    card.click()
    expect(friend.locator("h1")).to_have_text("山茶花精华")
    assert f"scene=9&source_type=social_share&source_id={share.pk}" in friend.url
    friend.click("#buy-form button[value=buy]")
    expect(friend.locator("h1")).to_have_text("确认订单")
    for name, value in ADDRESS.items():
        friend.fill(f"#id_{name}", value)
    friend.click("#place-order")
    expect(friend.locator("h1")).to_have_text("微信支付（沙箱）")
    friend.click("button:has-text('确认支付')")
    expect(friend.locator("h1")).to_have_text("订单详情")
    order = Order.objects.get(buyer=buyer)
    assert (order.scene, order.source_type, order.source_id, order.paid_at is not None) == (
        9,
        "social_share",
        share.pk,
        True,
    )
    expect(friend.locator("#order-source")).to_contain_text("分享")

    me = sign_in_as(browser, live_server, sharer)
    me.set_viewport_size({"width": 360, "height": 780})
    me.goto(f"{live_server.url}/me/")
    me.click("#my-shares-link")
    me.wait_for_url(re.compile(r"/me/shares/$"))
    card = me.locator(f"#share-{share.pk}")
    expect(card).to_contain_text("山茶花精华")
    expect(card.locator(".opens")).to_have_attribute("data-n", "1")
    expect(card.locator(".orders")).to_have_attribute("data-n", "1")
    assert me.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(me, "my-shares")
