"""The opening-a-store journey in a real browser: Debian's Chromium driven by Playwright."""

import pytest

from xiaodian.accounts.licences import make_uscc
from xiaodian.core.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from xiaodian.stores.models import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server, transactional_db, monkeypatch):
    """A phone-sized Chromium page that prefers Simplified Chinese."""
    require_chromium()
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # are still synchronous and safe, so let Django allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()


def test_sign_up_add_a_subject_open_a_store_and_see_a_reserved_word_refused(page, live_server, categories):
    from playwright.sync_api import expect

    # sign up: the site signs the new user in and sends them to add a subject
    page.goto(f"{live_server.url}/signup/")
    page.fill("#id_username", "shopkeeper")
    page.fill("#id_display_name", "掌柜")
    page.fill("#id_password", "long-pass-987")
    page.fill("#id_password_again", "long-pass-987")
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/subjects/")
    expect(page.locator(".site-header")).to_contain_text("退出")

    # add a subject
    page.select_option("#id_kind", "enterprise")
    page.fill("#id_name", "拾光贸易有限公司")
    page.fill("#id_licence_number", make_uscc(4242))
    page.click("#subject-form button[type=submit]")
    expect(page.locator(".subject-list")).to_contain_text("拾光贸易有限公司")
    expect(page.locator(".subject-list")).to_contain_text("待审核")

    # open a store: htmx posts the form and swaps it and the list without reloading the page
    page.click("nav >> text=我的店铺")
    expect(page.locator("#store-list")).to_contain_text("你还没有店铺")
    page.evaluate("window.__sameDocument = true")
    page.fill("#id_name", "拾光服饰")
    page.select_option("#id_main_category_id", str(categories["女装"].pk))
    page.select_option("#id_kind", "ordinary")
    page.click("#store-form button[type=submit]")
    expect(page.locator("#store-list .store-name")).to_have_text(["拾光服饰"])
    expect(page.locator("#store-form")).to_contain_text("店铺“拾光服饰”已创建。")
    assert page.evaluate("window.__sameDocument") is True
    assert Store.objects.get().name == "拾光服饰"

    # a second store with a reserved word: the rule's message appears next to the name
    page.fill("#id_name", "拾光官方店")
    page.click("#store-form button[type=submit]")
    expect(page.locator("#field-name .errors")).to_contain_text("普通店铺名称不能包含保留词：官方")
    expect(page.locator("#id_name")).to_have_value("拾光官方店")
    expect(page.locator("#store-list .store-name")).to_have_count(1)
    assert Store.objects.count() == 1

    # the same page in English
    page.click(".lang-switch button[value=en]")
    expect(page.locator("h1")).to_have_text("My stores")
    expect(page.locator("#store-list")).to_contain_text("Ordinary store")
