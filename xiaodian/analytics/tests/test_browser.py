"""The data center in a real browser (Debian's Chromium driven by Playwright): the merchant goes from
the store page to the data page, sees the charts and the numbers, and downloads the CSV."""

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from xiaodian.analytics import rules, selectors
from xiaodian.core.browser import sign_in_as
from xiaodian.core.scenes import Scene

pytestmark = pytest.mark.browser


def test_the_merchant_opens_the_data_center_and_downloads_the_csv(
    browser, live_server, merchant, store, make_order
):
    from playwright.sync_api import expect

    today = selectors.today()
    noon = datetime.combine(today - timedelta(days=1), time(12), tzinfo=rules.TZ)
    make_order(noon, noon, total_fen=12_300, scene=Scene.LIVE_ROOM)
    make_order(noon, noon, total_fen=4_500, scene=Scene.GROUP_CHAT)

    page = sign_in_as(browser, live_server, merchant)
    page.goto(f"{live_server.url}/stores/{store.pk}/settings/")
    page.click("#store-data-link")
    expect(page.locator("h1")).to_have_text("数据中心")
    expect(page.locator("#no-score")).to_be_visible()
    expect(page.locator("#kpi-gmv dd")).to_have_text("¥168.00")
    chart = page.locator("svg#chart-gmv-scene")
    expect(chart).to_be_visible()
    expect(chart.locator(".legend text")).to_have_text(["直播间", "群聊"])
    assert chart.bounding_box()["width"] <= 390  # fits the phone
    expect(page.locator("svg#chart-gmv-domain")).to_be_visible()
    expect(page.locator("svg#chart-score")).to_be_visible()

    link = page.locator("#csv-link")
    expect(link).to_have_attribute(
        "href",
        f"/api/v1/stores/{store.pk}/analytics?from="
        + (today - timedelta(days=rules.DEFAULT_DAYS - 1)).isoformat()
        + f"&to={today.isoformat()}&format=csv",
    )
    with page.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("日期,支付金额（元）,支付订单数")
    assert len(lines) == 1 + rules.DEFAULT_DAYS
    assert any(line.startswith(f"{(today - timedelta(days=1)).isoformat()},168.00,2,") for line in lines)

    page.fill("#id_from", (today - timedelta(days=6)).isoformat())
    page.fill("#id_to", today.isoformat())
    page.click("#range-form button[type=submit]")
    expect(page.locator("#range-shown")).to_contain_text("共 7 天")
