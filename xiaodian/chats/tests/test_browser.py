"""Two people chatting in two real browsers (Debian's Chromium driven by Playwright), live over
`/ws/chats/`: one sends, the other's open page shows it without a reload, and the answer comes
back the same way; a group's message reaches a member's open group page."""

import pytest

from xiaodian.chats import services
from xiaodian.chats.models import Member, Message
from xiaodian.core.browser import KNOWN_PASSWORD, sign_in

pytestmark = pytest.mark.browser


def test_two_contacts_chat_live_without_reloading(asgi_server, browser, make_user, befriend, group_of):
    from playwright.sync_api import expect

    a, b = make_user(display_name="阿明"), make_user(display_name="小红")
    for user in (a, b):
        user.set_password(KNOWN_PASSWORD)
        user.save(update_fields=["password"])
    befriend(a, b)
    chat, _ = services.open_direct(user=a, other_id=b.pk)
    group = group_of(a, b, title="爬山群")
    url = asgi_server.url

    mine = sign_in(browser, asgi_server, a.username, KNOWN_PASSWORD)
    mine.goto(f"{url}/chats/{chat.pk}/")
    theirs = sign_in(browser, asgi_server, b.username, KNOWN_PASSWORD)
    theirs.goto(f"{url}/chats/{chat.pk}/")
    expect(mine.locator("#chat")).to_have_attribute("data-socket", "open")
    expect(theirs.locator("#chat")).to_have_attribute("data-socket", "open")

    mine.fill("#id_text", "周末去爬山吗？")
    mine.click("#send-button")
    expect(mine.locator(".msg.mine", has_text="周末去爬山吗？")).to_have_attribute("data-seq", "1")
    heard = theirs.locator(".msg", has_text="周末去爬山吗？")
    expect(heard).to_be_visible()  # no reload
    expect(heard.locator(".msg-sender")).to_have_text("阿明")

    theirs.fill("#id_text", "好啊，几点？")
    theirs.click("#send-button")
    expect(mine.locator(".msg:not(.mine)", has_text="好啊，几点？")).to_have_attribute("data-seq", "2")

    # the group's page is live too
    theirs.goto(f"{url}/chats/{group.pk}/")
    expect(theirs.locator("#chat")).to_have_attribute("data-socket", "open")
    mine.goto(f"{url}/chats/{group.pk}/")
    expect(mine.locator("#chat")).to_have_attribute("data-socket", "open")
    mine.fill("#id_text", "明早八点集合")
    mine.click("#send-button")
    expect(theirs.locator(".msg", has_text="明早八点集合")).to_be_visible()

    with asgi_server.db:
        texts = list(Message.objects.filter(conversation=chat).order_by("seq").values_list("seq", "text"))
        read = Member.objects.get(conversation=chat, user=a).last_read_seq
    assert texts == [(1, "周末去爬山吗？"), (2, "好啊，几点？")]
    assert read == 2  # the open page marked the answer read
