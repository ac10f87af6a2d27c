"""Issue 17, point 5, in a real browser: a merchant ships two orders at once from the store's order
list (one carrier for both, a number each), on a 390-px phone and a 1366-px desktop; the list
searches by the buyer's phone and shows the buyer's note. Screenshots go to /tmp."""

import pytest

from xiaodian.core.browser import sign_in_as
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status

from .conftest import succeed

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_a_merchant_ships_two_orders_at_once(
    browser, live_server, merchant, store, make_sku, place, width, height
):
    from playwright.sync_api import expect

    sku = make_sku(store, stock=20, title="手工陶瓷马克杯")
    orders = []
    for note in ("请用纸箱包装，谢谢", ""):
        checkout = place(sku, 1, note=note)
        succeed(checkout)
        orders.append(checkout.orders.get())
    first, second = orders

    page = sign_in_as(browser, live_server, merchant)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/stores/{store.pk}/orders/?tab=to_ship")
    expect(page.locator(f"#note-{first.pk}")).to_contain_text("请用纸箱包装")

    # the bulk form: open it, tick both, one carrier for both, a number each
    page.click("#bulk-ship summary")
    page.select_option("#id_bulk-carrier", "SF")
    page.check(f"#bulk-pick-{first.pk}")
    page.check(f"#bulk-pick-{second.pk}")
    page.fill(f"#id_bulk-tracking_no_{first.pk}", "SF1234567890123")
    page.fill(f"#id_bulk-tracking_no_{second.pk}", "sf1234567890124")  # any case
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/orders-bulk-ship-form-{width}.png", full_page=True)
    page.click("#bulk-ship-submit")

    expect(page.locator(".messages")).to_contain_text("已发货 2 个订单")
    expect(page.locator(f"#order-{first.pk}")).to_have_count(0)  # no longer to ship
    expect(page.locator(f"#order-{second.pk}")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for order, number in ((first, "SF1234567890123"), (second, "SF1234567890124")):
        order.refresh_from_db()
        assert order.status == Status.SHIPPED
        assert [(s.carrier_code, s.tracking_no) for s in order.shipments.all()] == [("SF", number)]

    # the shipped tab shows both with the carrier; a search by the buyer's phone finds them
    page.click("#status-tabs a[data-tab=shipped]")
    expect(page.locator(f"#order-{first.pk}")).to_contain_text("顺丰速运")
    page.fill("#id_q", first.address["phone"])
    page.click("#date-filter button[type=submit]")
    expect(page.locator("#orders .order-card")).to_have_count(2)
    assert "tab=shipped" in page.url
    page.screenshot(path=f"/tmp/orders-bulk-ship-done-{width}.png", full_page=True)
    assert Order.objects.filter(status=Status.TO_SHIP).count() == 0
