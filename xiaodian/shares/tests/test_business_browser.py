"""Business contacts in a real browser (phone size): the buyer consents on a legacy video store's
consent page; its agent adds them on the store's business contacts page and sends a product card
(the legacy customer service writes first); the buyer sees the store's verified subject on the
message, opens the card and buys; the order records scene 13 with the business-chat share."""

import os

import pytest

from xiaodian.business.models import Contact
from xiaodian.core.browser import sign_in_as
from xiaodian.orders.models import Order
from xiaodian.orders.tests.conftest import ADDRESS
from xiaodian.shares.models import Share

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("XIAODIAN_SHOTS", "")  # a directory to keep screenshots in, when set


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_staff_add_a_consenting_buyer_send_a_card_and_the_buyer_buys_in_scene_13(
    browser, live_server, legacy_store, make_sku, buyer, agent, staff_of, subject
):
    from playwright.sync_api import expect

    sku = make_sku(legacy_store, title="赣南脐橙", price_fen=6_800, stock=20)
    staff_of(legacy_store, agent)

    shopper = sign_in_as(browser, live_server, buyer)
    shopper.set_viewport_size({"width": 360, "height": 780})
    shopper.goto(f"{live_server.url}/shop/{legacy_store.pk}/")
    shopper.click("#business-consent-link")
    expect(shopper.locator("#consent-subject")).to_contain_text(subject.name)
    shopper.click("#consent-give")
    expect(shopper.locator("#consent-withdraw")).to_be_visible()
    _shot(shopper, "business-consent")
    # the store serves through business contacts: 联系客服 says a staff member still has to add me
    shopper.goto(f"{live_server.url}/shop/{legacy_store.pk}/")
    shopper.click("#contact-service button")
    expect(shopper.locator("#legacy-service-waiting")).to_be_visible()

    staff = sign_in_as(browser, live_server, agent)
    staff.set_viewport_size({"width": 360, "height": 780})
    staff.goto(f"{live_server.url}/stores/{legacy_store.pk}/business/")
    staff.click(f"#invite-{buyer.pk}")
    contact = Contact.objects.get()
    expect(staff.locator(f"#store-contact-{contact.pk}")).to_contain_text(str(buyer))
    staff.select_option(f"#card-product-{contact.pk}", str(sku.product_id))
    _shot(staff, "business-store-contacts")
    staff.click(f"#send-card-{contact.pk}")
    expect(staff.locator("#chat-log a.product-card")).to_have_count(1)
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    share = Share.objects.get()
    assert (share.channel, share.channel_id) == ("business_chat", contact.conversation_id)

    # now 联系客服 opens that business chat (no workbench session)
    shopper.goto(f"{live_server.url}/shop/{legacy_store.pk}/")
    shopper.click("#contact-service button")
    shopper.wait_for_url(f"**/chats/{contact.conversation_id}/")
    shopper.goto(f"{live_server.url}/business/")
    shopper.click(f"#business-contact-{contact.pk} a.button")
    message = shopper.locator("#chat-log li.msg").last
    expect(message.locator(".msg-subject")).to_have_text(f"{subject.name} · 已认证")
    card = message.locator("a.product-card")
    expect(card).to_have_attribute("href", f"/s/{share.code}")
    assert shopper.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(shopper, "business-chat")
    card.click()
    expect(shopper.locator("h1")).to_have_text("赣南脐橙")
    assert f"scene=13&source_type=social_share&source_id={share.pk}" in shopper.url
    shopper.click("#buy-form button[value=buy]")
    expect(shopper.locator("h1")).to_have_text("确认订单")
    for name, value in ADDRESS.items():
        shopper.fill(f"#id_{name}", value)
    shopper.click("#place-order")
    expect(shopper.locator("h1")).to_have_text("微信支付（沙箱）")
    shopper.click("button:has-text('确认支付')")
    expect(shopper.locator("h1")).to_have_text("订单详情")
    order = Order.objects.get(buyer=buyer)
    assert (order.scene, order.source_type, order.source_id, order.paid_at is not None) == (
        13,
        "social_share",
        share.pk,
        True,
    )
