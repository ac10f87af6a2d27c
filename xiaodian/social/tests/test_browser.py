"""Contacts and Moments in a real browser (phone size): two buyers — one asks, the other accepts;
a Moment posted by one is seen and liked by the other; after one deletes the other, the one-way
contact no longer sees new posts."""

import pytest

from xiaodian.core.browser import sign_in_as

pytestmark = pytest.mark.browser

SHOTS = "/tmp/social-shots"


def test_two_buyers_befriend_post_like_and_part(browser, live_server, make_user):
    from playwright.sync_api import expect

    alice = make_user("alice", display_name="爱丽丝")
    bob = make_user("bob", display_name="鲍勃")
    a = sign_in_as(browser, live_server, alice)
    b = sign_in_as(browser, live_server, bob)
    for page in (a, b):
        page.set_viewport_size({"width": 360, "height": 780})

    a.goto(f"{live_server.url}/")
    a.click("#nav-contacts")
    a.fill("#add-username", "bob")
    a.fill("#add-greeting", "我是爱丽丝")
    a.click("#add-form button[type=submit]")
    expect(a.locator(".messages")).to_contain_text("好友申请已发送")

    b.goto(f"{live_server.url}/contacts/")
    expect(b.locator("#new-friends")).to_contain_text("我是爱丽丝")
    b.screenshot(path=f"{SHOTS}/contacts-request.png", full_page=True)
    b.click("#new-friends button[value=accept]")
    expect(b.locator("#contact-list")).to_contain_text("爱丽丝")
    assert b.evaluate("document.documentElement.scrollWidth") <= 360

    a.click("#nav-moments")
    a.fill("#moment-text", "周末去看海")
    a.click("#compose button[type=submit]")
    expect(a.locator("#timeline")).to_contain_text("周末去看海")

    b.goto(f"{live_server.url}/moments/")
    post = b.locator("#timeline li.moment").first
    expect(post).to_contain_text("周末去看海")
    post.locator("button[value=like]").click()
    expect(b.locator("#timeline li.moment").first.locator(".likes")).to_contain_text("鲍勃")
    b.screenshot(path=f"{SHOTS}/moments-liked.png", full_page=True)
    assert b.evaluate("document.documentElement.scrollWidth") <= 360
    a.reload()
    expect(a.locator("#timeline li.moment").first.locator(".likes")).to_contain_text("鲍勃")

    # alice deletes bob: bob still has alice (one-way) but no longer sees her new posts
    a.goto(f"{live_server.url}/contacts/")
    a.locator(f"#contact-{bob.pk} button[value=delete]").click()
    expect(a.locator("#contact-list")).not_to_contain_text("鲍勃")
    a.goto(f"{live_server.url}/moments/")
    a.fill("#moment-text", "删好友之后的新动态")
    a.click("#compose button[type=submit]")
    expect(a.locator("#timeline")).to_contain_text("删好友之后的新动态")

    b.goto(f"{live_server.url}/contacts/")
    expect(b.locator("#contact-list")).to_contain_text("爱丽丝")
    b.goto(f"{live_server.url}/moments/")
    expect(b.locator("#timeline")).not_to_contain_text("删好友之后的新动态")
    expect(b.locator("#timeline")).not_to_contain_text("周末去看海")
