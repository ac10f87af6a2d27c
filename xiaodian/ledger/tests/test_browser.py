"""The money page in a real browser (Chromium at phone size, then desktop): the owner opens it from
the store menu, sees pending money, and follows an entry to the order's breakdown."""

import re

import pytest

from xiaodian.core.browser import sign_in_as
from xiaodian.ledger import services

pytestmark = pytest.mark.browser


def test_the_owner_follows_the_money_to_an_order(browser, live_server, paid, merchant, store, tmp_path):
    order = paid()
    services.settle_line(order_id=order.pk, line_id=order.lines.first().pk)  # one line ended: pending
    page = sign_in_as(browser, live_server, merchant)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/stores/{store.pk}/workbench/")
    page.click(f".store-menu a[href='/stores/{store.pk}/money/']")
    page.wait_for_url(re.compile(r"/money/$"))
    assert page.inner_text("#pending") == "¥34.31"
    assert page.inner_text("#available") == "¥0.00"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than a phone
    page.screenshot(path=str(tmp_path / "money-phone.png"), full_page=True)
    page.click(f"#pending-orders a[href$='/orders/{order.pk}/']")
    page.wait_for_url(re.compile(rf"/money/orders/{order.pk}/$"))
    assert page.inner_text("#net") == "¥34.31"
    assert "结算" in page.inner_text("#settles")
    page.set_viewport_size({"width": 1366, "height": 800})
    page.screenshot(path=str(tmp_path / "order-money-desktop.png"), full_page=True)


def test_the_owner_withdraws_after_confirming(browser, live_server, paid, merchant, store, tmp_path):
    order = paid()
    for line in order.lines.all():
        services.settle_line(order_id=order.pk, line_id=line.pk)  # ¥34.31 available
    page = sign_in_as(browser, live_server, merchant)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/stores/{store.pk}/money/")
    page.fill("#id_amount", "10")
    page.click("#withdraw-button")  # asks first
    page.wait_for_selector("#withdrawals li")
    assert page.dialogs == ["确定提现到店主的微信零钱？"]
    assert page.inner_text("#available") == "¥24.31"
    assert "¥10.00" in page.inner_text("#withdrawals")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "withdraw-phone.png"), full_page=True)


def test_the_owner_opens_a_days_bill_from_the_money_page(
    browser, live_server, history, merchant, store, tmp_path
):
    page = sign_in_as(browser, live_server, merchant)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/stores/{store.pk}/money/")
    page.click("#bills-link")
    page.wait_for_url(re.compile(r"/money/bills/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the table scrolls in its box
    page.screenshot(path=str(tmp_path / "bills-phone.png"), full_page=True)
    page.click("#bill-2026-12-02 a")
    page.wait_for_url(re.compile(r"/money/bills/2026-12-02/$"))
    assert page.inner_text("#day-out") == "-¥9.80"
    assert page.inner_text("#account-available td:last-child") == "¥24.51"
    assert page.locator("#movements tbody tr").count() == 3
    assert page.get_attribute("#bill-csv", "href") == f"/stores/{store.pk}/money/bills/2026-12-02/bill.csv"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "bill-phone.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#bill-csv")
    assert download.value.suggested_filename == f"bill-store-{store.pk}-2026-12-02.csv"
    page.click("a[rel=prev]")
    page.wait_for_url(re.compile(r"/money/bills/2026-12-01/$"))
    page.set_viewport_size({"width": 1366, "height": 800})
    page.screenshot(path=str(tmp_path / "bill-desktop.png"), full_page=True)


def test_an_operator_opens_the_platform_s_money_from_the_ops_page(
    browser, live_server, paid, operator, make_sku, store, tmp_path
):
    paid((make_sku(store, price_fen=20_000, category="女装"), 1))  # fee ¥4.00 under 服饰鞋包
    page = sign_in_as(browser, live_server, operator)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/ops/")
    page.click("#platform-money-link")
    page.wait_for_url(re.compile(r"/ops/money/$"))
    assert page.inner_text("#total-clearing dd") == "¥200.00"
    assert page.inner_text("#fees-charged dd") == "¥4.00"
    assert "服饰鞋包" in page.inner_text("#fees-by-category")
    assert page.locator("#chart-fees rect").count() >= 1  # today's bar
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "platform-money-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.screenshot(path=str(tmp_path / "platform-money-desktop.png"), full_page=True)
