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


VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def fits(page) -> None:
    """Nothing on the page is wider than the viewport (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_publish_a_product_with_photos_and_a_2x3_sku_matrix(
    browser, live_server, merchant, store, categories, tmp_path, viewport
):
    """Issue 17 point 4: photos chosen in the create form, 颜色 × 尺码 typed once, the six rows built
    in the browser, one price and stock for all and one row changed, saved and listed at once; then
    a bulk stock change from the list."""
    from playwright.sync_api import expect

    pay_deposit_directly(store, categories["服饰鞋包"])
    page = sign_in(browser, live_server, merchant.username, PASSWORD)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/stores/{store.pk}/settings/")
    page.click("#store-products-link")
    page.click("#new-product")

    page.fill("#id_title", "亚麻衬衫")
    photos = []
    for n, colour in enumerate(("teal", "orange")):
        photos.append(tmp_path / f"shirt-{n}.png")
        photos[-1].write_bytes(image_bytes((300, 300), colour=colour))
    page.set_input_files("#id_images", [str(p) for p in photos])
    expect(page.locator("#image-previews img")).to_have_count(2)
    expect(page.locator("#make-matrix")).to_be_hidden()  # the script builds the rows itself

    page.fill("#id_spec_name_1", "颜色")
    page.fill("#id_spec_values_1", "米白, 雾蓝")
    page.fill("#id_spec_name_2", "尺码")
    page.fill("#id_spec_values_2", "S、M、L")
    rows = page.locator("#sku-rows [data-sku-row]")
    expect(rows).to_have_count(6)
    expect(page.locator("#sku-rows legend")).to_have_text(
        ["米白 / S", "米白 / M", "米白 / L", "雾蓝 / S", "雾蓝 / M", "雾蓝 / L"]
    )
    page.fill("#fill-price", "159")
    page.fill("#fill-stock", "8")
    page.click("#fill-button")
    page.fill("#id_skus-5-price", "169")
    page.fill("#id_skus-5-stock", "0")
    page.fill("#id_spec_values_2", "S、M、L, XL")  # a size more: the rows typed keep their numbers
    expect(rows).to_have_count(8)
    expect(page.locator("#id_skus-6-price")).to_have_value("169")  # 雾蓝 / L, now the 7th row
    page.fill("#id_spec_values_2", "S、M、L")
    expect(rows).to_have_count(6)
    expect(page.locator("#id_skus-5-price")).to_have_value("169")
    fits(page)
    shot(page, f"1-new-product-{viewport}")
    page.click("#save-list-button")

    expect(page.locator(".messages, .message, [role=status]").first).to_contain_text("已上架")
    product = Product.objects.get()
    assert product.state == ProductState.LISTED
    assert product.spec_names == ["颜色", "尺码"]
    skus = sorted(
        (specs["颜色"], specs["尺码"], price, stock)
        for specs, price, stock in product.skus.values_list("specs", "price_fen", "stock")
    )
    assert skus == sorted(
        [(c, size, 15900, 8) for c in ("米白", "雾蓝") for size in "SML" if (c, size) != ("雾蓝", "L")]
        + [("雾蓝", "L", 16900, 0)]
    )
    assert product.images.count() == 2
    expect(page.locator(f"#product-{product.pk} .badge").first).to_have_text("已上架")
    fits(page)

    page.check(f"#product-{product.pk} input[name=product_ids]")
    page.click("#bulk-summary")
    page.select_option("#id_change", "stock_change")
    page.fill("#id_value", "2")
    page.click("#bulk-button")  # asks first
    expect(page.locator(f"#product-{product.pk}")).to_contain_text("库存 52")
    assert page.dialogs == ["修改所选商品的全部规格？"]
    shot(page, f"2-product-list-{viewport}")

    page.goto(f"{live_server.url}/products/{product.pk}/")
    expect(page.locator("#price")).to_have_text("¥159.00 – ¥169.00")
    fits(page)


def test_a_draft_is_listed_once_it_has_a_photo(browser, live_server, merchant, store, categories, tmp_path):
    """The other path: a draft saved without photos is refused listing, with the reason, until a
    photo is uploaded on its edit page."""
    from playwright.sync_api import expect

    pay_deposit_directly(store, categories["服饰鞋包"])
    page = sign_in(browser, live_server, merchant.username, PASSWORD)
    page.goto(f"{live_server.url}/stores/{store.pk}/products/new/")
    page.fill("#id_title", "亚麻衬衫")
    page.fill("#id_spec_name_1", "颜色")
    page.fill("#id_spec_values_1", "米白, 雾蓝")
    page.fill("#id_skus-0-price", "159")
    page.fill("#id_skus-0-stock", "8")
    page.fill("#id_skus-1-price", "169")
    page.fill("#id_skus-1-stock", "0")
    page.click("#save-button")
    expect(page.locator("#product-state")).to_have_text("草稿")
    page.click("#list-button")
    expect(page.locator("#state-error")).to_contain_text("上架前至少需要一张商品图片")

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
