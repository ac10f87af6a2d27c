"""The opening-a-store journey in a real browser: Debian's Chromium driven by Playwright."""

import pytest

from xiaodian.accounts.licences import make_uscc
from xiaodian.core.browser import phone
from xiaodian.stores.models import Store

pytestmark = pytest.mark.browser


def test_sign_up_add_a_subject_open_a_store_and_see_a_reserved_word_refused(browser, live_server, categories):
    from playwright.sync_api import expect

    page = phone(browser)  # a phone-sized page that prefers Simplified Chinese (the root conftest's browser)

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
    page.click("#nav-me")  # a buyer's menu has no store pages: opening one starts from "me"
    page.click("#profile-links >> text=我要开店")
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
