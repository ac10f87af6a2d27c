"""The alliance's reports in a real browser (phone first, then desktop for the merchant and the
operators): the creator's earnings chart and its windows, the merchant's performance by promoter
then by product, the agency's creators from the center's link, the operators' page from /ops/."""

import pytest

from xiaodian.accounts import services as accounts
from xiaodian.core.browser import sign_in_as

pytestmark = pytest.mark.browser


def fits(page, width=360):
    page.set_viewport_size({"width": width, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_reports_main_path(browser, live_server, sales, today, merchant, make_user, tmp_path):
    from playwright.sync_api import expect

    # the creator: the chart of the last 30 days, then 90
    creator = sign_in_as(browser, live_server, sales.creator.user)
    fits(creator)
    creator.goto(f"{live_server.url}/alliance/")
    expect(creator.locator("#chart-earnings")).to_be_visible()
    expect(creator.locator("#earned-total dd")).to_have_text("¥30.00")
    expect(creator.locator("#clawed-back-total dd")).to_have_text("¥5.00")
    creator.click("#earnings-windows a:has-text('近 90 天')")
    expect(creator.locator("#earnings-windows strong")).to_have_text("近 90 天")
    expect(creator.locator("#settled-total dd")).to_have_text("¥10.00")
    fits(creator)
    creator.locator("#earnings-chart").screenshot(path=str(tmp_path / "earnings-chart-phone.png"))

    # the merchant: performance by promoter (the creator first), then by product
    shop = sign_in_as(browser, live_server, merchant)
    fits(shop)
    shop.goto(f"{live_server.url}/stores/{sales.store.pk}/alliance/")
    rows = shop.locator("#performance-rows tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(sales.creator.name)
    expect(rows.first).to_contain_text("¥300.00")
    shop.click("#performance-by-product")
    expect(shop.locator(f"#performance-product-{sales.p1.pk}")).to_contain_text("山茶花精华")
    expect(shop.locator("#performance-rows tbody tr").first).to_contain_text("山茶花精华")
    fits(shop)
    shop.locator("#performance").screenshot(path=str(tmp_path / "performance-phone.png"))
    shop.set_viewport_size({"width": 1366, "height": 800})
    shop.locator("#performance").screenshot(path=str(tmp_path / "performance-desktop.png"))

    # the agency: from the center to its creators
    agency = sign_in_as(browser, live_server, sales.agency.user)
    fits(agency)
    agency.goto(f"{live_server.url}/alliance/")
    agency.click("#agency-link")
    expect(agency.locator(f"#creator-{sales.creator.pk}")).to_contain_text("成交 ¥100.00 · 1 单 · 1 件")
    expect(agency.locator("#agency-service dd")).to_have_text("¥5.00")
    fits(agency)
    agency.screenshot(path=str(tmp_path / "agency-phone.png"), full_page=True)

    # the operators: from /ops/ to the alliance's figures
    ops = make_user("alliance_ops")
    accounts.make_platform_operator(user=ops)
    operator = sign_in_as(browser, live_server, ops)
    operator.goto(f"{live_server.url}/ops/")
    operator.click("#ops-alliance-link")
    expect(operator.locator("#stores-enabled dd")).to_have_text("1")
    expect(operator.locator("#alliance-gmv dd")).to_have_text("¥400.00")
    expect(operator.locator("#chart-alliance")).to_be_visible()
    expect(operator.locator(f"#top-store-{sales.store.pk}")).to_contain_text("¥400.00")
    fits(operator)
    operator.screenshot(path=str(tmp_path / "ops-alliance-phone.png"), full_page=True)
    operator.set_viewport_size({"width": 1366, "height": 800})
    operator.screenshot(path=str(tmp_path / "ops-alliance-desktop.png"), full_page=True)
