"""Buying in a real browser (Debian's Chromium driven by Playwright): a buyer buys a demo product
and pays in the WeChat Pay sandbox; the merchant ships it; the buyer confirms receipt."""

import io

import pytest
from django.core.management import call_command

from xiaodian.catalog.models import SKU, Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core.browser import sign_in
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.stores.models import Category, Store
from xiaodian.stores.rules import StoreState

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _demo_product() -> Product:
    """A listed demo product with one SKU in stock (made here if the demo has none)."""
    for product in Product.objects.filter(state=ProductState.LISTED, store__state=StoreState.OPEN).order_by(
        "pk"
    ):
        skus = list(product.skus.filter(is_active=True))
        if len(skus) == 1 and skus[0].stock > 0:
            return product
    store = (
        Store.objects.filter(staff__user__username="merchant", state=StoreState.OPEN).order_by("pk").first()
    )
    product = Product.objects.create(
        store=store, category=Category.objects.get(name="图书"), title="示范好书", state=ProductState.LISTED
    )
    SKU.objects.create(product=product, specs={}, price_fen=4_800, stock=20)
    return product


def test_buy_a_demo_product_pay_ship_and_confirm(browser, live_server):
    from playwright.sync_api import expect

    # the demo data (`xiaodian.web.demo.seed_demo`, through its command: orders may not import web)
    call_command("demo", no_serve=True, stdout=io.StringIO())
    product = _demo_product()
    sku = product.skus.get(is_active=True)
    stock_before = sku.stock

    # the buyer opens the product from a search result (its link: scene 7, source "search") and buys it now
    buyer = sign_in(browser, live_server, "buyer", DEMO_PASSWORD)
    buyer.goto(f"{live_server.url}/products/{product.pk}/?scene=7&source_type=search")
    expect(buyer.locator("h1")).to_have_text(product.title)
    buyer.click("#buy-form button[value=buy]")
    expect(buyer.locator("h1")).to_have_text("确认订单")
    expect(buyer.locator("#checkout")).to_contain_text(product.title)

    # a new address (the buyer has none saved yet)
    expect(buyer.locator("input[name=address_id][value=new]")).to_be_checked()
    buyer.fill("#id_recipient", "王小明")
    buyer.fill("#id_phone", "13800138000")
    buyer.fill("#id_region", "上海市浦东新区")
    buyer.fill("#id_detail", "世纪大道 100 号")
    buyer.click("#place-order")

    # the WeChat Pay sandbox's pay page; 确认支付 pays and comes back to the order
    expect(buyer.locator("h1")).to_have_text("微信支付（沙箱）")
    buyer.click("button:has-text('确认支付')")
    expect(buyer.locator("h1")).to_have_text("订单详情")
    expect(buyer.locator("#order-status")).to_have_text("待发货")
    order = Order.objects.get(buyer__username="buyer")
    assert buyer.url == f"{live_server.url}/orders/{order.pk}/"
    assert (order.status, order.scene, order.total_fen) == (Status.TO_SHIP, 7, sku.price_fen)
    assert SKU.objects.get(pk=sku.pk).stock == stock_before - 1

    # the merchant, in another browser context, ships it from the store's orders
    merchant = sign_in(browser, live_server, "merchant", DEMO_PASSWORD)
    merchant.goto(f"{live_server.url}/stores/{product.store_id}/settings/")
    merchant.click("#store-orders-link")
    expect(merchant.locator("h1")).to_have_text("店铺订单")
    merchant.click("#status-tabs a[data-tab=to_ship]")
    card = merchant.locator(f"#order-{order.pk}")
    expect(card).to_contain_text("待发货")
    expect(card).to_contain_text("王小明")
    card.locator(f"#id_ship-{order.pk}-carrier").select_option("SF")
    card.locator(f"#id_ship-{order.pk}-tracking_no").fill("SF1234567890123")
    card.locator(f"#ship-{order.pk} button[type=submit]").click()
    expect(merchant.locator(".messages")).to_contain_text("已发货")
    expect(merchant.locator(f"#order-{order.pk}")).to_have_count(0)  # no longer to ship
    merchant.click("#status-tabs a[data-tab=shipped]")
    expect(merchant.locator(f"#order-{order.pk}")).to_contain_text("SF1234567890123")

    # the buyer sees it shipped, with the tracking number, and confirms receipt
    buyer.reload()
    expect(buyer.locator("#order-status")).to_have_text("待收货")
    expect(buyer.locator("#shipments")).to_contain_text("SF1234567890123")
    buyer.confirm_answer = False  # it asks first; "cancel" leaves the order as it was
    buyer.click(f"#actions-{order.pk} button[value=confirm]")
    assert buyer.dialogs == ["确认已收到商品？确认后货款将结算给商家。"]
    expect(buyer.locator("#order-status")).to_have_text("待收货")
    buyer.confirm_answer = True
    buyer.click(f"#actions-{order.pk} button[value=confirm]")
    expect(buyer.locator("#order-status")).to_have_text("已完成")
    expect(buyer.locator(".messages")).to_contain_text("已确认收货")
    order.refresh_from_db()
    assert order.status == Status.COMPLETED

    # and the order list agrees
    buyer.click("nav >> text=我的订单")
    buyer.click("#status-tabs a[data-tab=completed]")
    expect(buyer.locator(f"#order-{order.pk}")).to_contain_text("已完成")
