"""Business contacts in a real browser: the buyer's open chat page draws a staff message arriving
over /ws/chats/ with the store's verified subject. (The whole way to scene 13, consent to order,
is xiaodian/shares/tests/test_business_browser.py: shares sit above business.)"""

import pytest

from xiaodian.core.browser import KNOWN_PASSWORD, sign_in

pytestmark = pytest.mark.browser


def test_a_live_staff_message_shows_the_subject_over_the_socket(
    asgi_server, browser, legacy_store, buyer, agent, staff_of, subject
):
    """The buyer's open chat page draws the agent's message arriving over /ws/chats/ with the
    subject too (chat.js, as the server-drawn page does)."""
    from playwright.sync_api import expect

    from xiaodian.business import services

    staff_of(legacy_store, agent)
    services.give_consent(buyer=buyer, store_id=legacy_store.pk)
    contact = services.invite_contact(staff=agent, store=legacy_store, buyer_id=buyer.pk)[0]
    for user in (buyer, agent):
        user.set_password(KNOWN_PASSWORD)
        user.save(update_fields=["password"])
    url = f"{asgi_server.url}/chats/{contact.conversation_id}/"
    shopper = sign_in(browser, asgi_server, buyer.username, KNOWN_PASSWORD)
    shopper.goto(url)
    staff = sign_in(browser, asgi_server, agent.username, KNOWN_PASSWORD)
    staff.goto(url)
    expect(shopper.locator("#chat")).to_have_attribute("data-socket", "open")
    expect(staff.locator("#chat")).to_have_attribute("data-socket", "open")
    staff.fill("#id_text", "您的橙子明天发货")
    staff.click("#send-button")
    heard = shopper.locator(".msg", has_text="您的橙子明天发货")
    expect(heard).to_be_visible()  # no reload
    expect(heard.locator(".msg-subject")).to_have_text(f"{subject.name} · 已认证")
