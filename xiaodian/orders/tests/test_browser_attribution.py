"""Attribution in a real browser: a buyer opens a demo article (or short video), taps its product
card, buys and pays in the WeChat Pay sandbox; the order records the scene and that article (or
video), and the order page names it."""

import io

import pytest
from django.core.management import call_command

from xiaodian.content.models import Article, Video
from xiaodian.core.browser import sign_in
from xiaodian.orders.models import Order

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _buy_through_card(buyer, live_server, content_url: str) -> None:
    from playwright.sync_api import expect

    buyer.goto(f"{live_server.url}{content_url}")
    buyer.locator("a.product-card").first.click()
    expect(buyer.locator("#buy-form")).to_be_visible()
    buyer.click("#buy-form button[value=buy]")
    expect(buyer.locator("h1")).to_have_text("确认订单")
    if buyer.locator("#id_recipient").count():
        buyer.fill("#id_recipient", "王小明")
        buyer.fill("#id_phone", "13800138000")
        buyer.fill("#id_region", "上海市浦东新区")
        buyer.fill("#id_detail", "世纪大道 100 号")
    buyer.click("#place-order")
    expect(buyer.locator("h1")).to_have_text("微信支付（沙箱）")
    buyer.click("button:has-text('确认支付')")
    expect(buyer.locator("h1")).to_have_text("订单详情")


@pytest.mark.parametrize(
    ("model", "path", "scene", "source_type", "label"),
    [(Article, "articles", 6, "article", "公众号文章"), (Video, "videos", 3, "video", "短视频")],
)
def test_buying_through_a_content_card_records_its_scene_and_source(
    browser,
    live_server,
    model,
    path,
    scene,
    source_type,
    label,
):
    from playwright.sync_api import expect

    call_command("demo", no_serve=True, stdout=io.StringIO())
    item = model.objects.filter(state="published").order_by("pk").first()
    buyer = sign_in(browser, live_server, "buyer", DEMO_PASSWORD)
    _buy_through_card(buyer, live_server, f"/{path}/{item.pk}/")

    order = Order.objects.get(buyer__username="buyer")
    assert (order.scene, order.source_type, order.source_id) == (scene, source_type, item.pk)
    expect(buyer.locator("#order-scene")).to_have_attribute("data-scene", str(scene))
    expect(buyer.locator("#order-source")).to_have_text(f"{label} · {item.title}")
