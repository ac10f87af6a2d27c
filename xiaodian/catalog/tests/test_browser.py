"""Publishing a product in a real browser (Debian's Chromium driven by Playwright): htmx adds a
SKU row, the draft is saved, an image uploaded, the product listed and seen on its page."""

import os

import pytest

from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core.browser import sign_in

from .conftest import image_bytes, pay_deposit_directly

PASSWORD = "test-pass-123"  # make_user's (the root conftest)
SHOTS = os.environ.get("XIAODIAN_SCREENSHOTS")  # a directory: save what the pages looked like

pytestmark = pytest.mark.browser


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_publish_a_product_with_two_skus_and_see_it(
    browser, live_server, merchant, store, categories, tmp_path
):
    from playwright.sync_api import expect

    pay_deposit_directly(store, categories["服饰鞋包"])
    page = sign_in(browser, live_server, merchant.username, PASSWORD)
    page.goto(f"{live_server.url}/stores/{store.pk}/settings/")
    page.click("#store-products-link")
    page.click("#new-product")

    page.fill("#id_title", "亚麻衬衫")
    page.fill("#id_spec_name_1", "颜色")
    page.fill("#id_skus-0-value_1", "米白")
    page.fill("#id_skus-0-price", "159")
    page.fill("#id_skus-0-stock", "8")
    page.click("#add-row")  # htmx: one more row, labelled with the spec name typed above
    expect(page.locator("#row-skus-1")).to_be_visible()
    expect(page.locator("label[for=id_skus-1-value_1]")).to_have_text("颜色")
    page.fill("#id_skus-1-value_1", "雾蓝")
    page.fill("#id_skus-1-price", "169")
    page.fill("#id_skus-1-stock", "0")
    shot(page, "1-new-product")
    page.click("#save-button")
    expect(page.locator("#product-state")).to_have_text("草稿")

    picture = tmp_path / "shirt.png"
    picture.write_bytes(image_bytes((300, 300), colour="teal"))
    page.set_input_files("#id_image", str(picture))
    page.click("#image-form button[type=submit]")
    expect(page.locator(".image-grid img")).to_have_count(1)
    page.click("#list-button")
    expect(page.locator("#product-state")).to_have_text("已上架")
    shot(page, "2-edit-product")

    product = Product.objects.get()
    assert product.state == ProductState.LISTED
    assert list(product.skus.values_list("specs", "price_fen", "stock")) == [
        ({"颜色": "米白"}, 15900, 8),
        ({"颜色": "雾蓝"}, 16900, 0),
    ]
    page.goto(f"{live_server.url}/products/{product.pk}/")
    expect(page.locator("#price")).to_have_text("¥159.00 – ¥169.00")
    expect(page.locator(f"#sku-{product.skus.last().pk} input")).to_be_disabled()
    shot(page, "3-product-page")
    page.goto(f"{live_server.url}/stores/{store.pk}/products/")
    page.click(f"#product-{product.pk} button")  # 下架, swapped in place by htmx
    expect(page.locator(f"#product-{product.pk} .badge").first).to_have_text("已下架")
    shot(page, "4-product-list")
