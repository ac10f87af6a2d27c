"""The store homepage in a real browser (Debian's Chromium driven by Playwright): the merchant
composes a banner and a product grid and publishes; a buyer opens the store page, sees them, taps
a product, and the product page's address carries scene 5 and the store as its source."""

import os
import re

import pytest

from xiaodian.core.browser import sign_in
from xiaodian.stores.models import Homepage

from .homepage_world import image_bytes, listed_product

PASSWORD = "test-pass-123"  # make_user's (the root conftest)
SHOTS = os.environ.get("XIAODIAN_SCREENSHOTS")  # a directory: save what the pages looked like

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"homepage-{name}.png"), full_page=True)


def test_compose_publish_and_buy_from_the_store_homepage(
    browser, live_server, merchant, store, make_user, tmp_path
):
    from playwright.sync_api import expect

    shirt = listed_product(store, "亚麻衬衫", 15900)
    skirt = listed_product(store, "棉麻长裙", 19900)
    buyer = make_user("buyer")

    page = sign_in(browser, live_server, merchant.username, PASSWORD)
    page.goto(f"{live_server.url}/stores/{store.pk}/homepage/")
    expect(page.locator("#homepage-version")).to_have_text("未发布")

    picture = tmp_path / "banner.png"
    picture.write_bytes(image_bytes((600, 240), colour="teal"))
    page.click("#add-banner summary")
    page.set_input_files("#id_banner-image", str(picture))
    page.fill("#id_banner-title", "春季上新")
    page.select_option("#id_banner-product_id", str(skirt.pk))
    page.click("#add-banner-button")
    expect(page.locator("#module-0 .module-title")).to_have_text("春季上新")

    page.click("#add-product_grid summary")
    page.fill("#id_product_grid-title", "店长推荐")
    page.check(f"#add-product_grid input[value='{shirt.pk}']")
    page.check(f"#add-product_grid input[value='{skirt.pk}']")
    page.click("#add-product_grid-button")
    expect(page.locator(".module-list > li")).to_have_count(2)
    expect(page.locator("#module-1 .module-title")).to_have_text("店长推荐")
    expect(page.locator("#unpublished-changes")).to_be_visible()
    shot(page, "1-editor")

    page.click("#preview-link")
    expect(page.locator("#preview-notice")).to_be_visible()
    expect(page.locator(".banner-title")).to_have_text("春季上新")
    page.go_back()
    page.click("#publish-button")
    expect(page.locator("#homepage-version")).to_have_text("已发布第 1 版")
    assert Homepage.objects.get(store=store).version == 1

    shopper = sign_in(browser, live_server, buyer.username, PASSWORD)
    shopper.goto(f"{live_server.url}/shop/{store.pk}/")
    expect(shopper.locator("#shop-header h1")).to_have_text(store.name)
    expect(shopper.locator(".banner-title")).to_have_text("春季上新")
    expect(shopper.locator(".banner img")).to_be_visible()
    expect(shopper.locator(".shop-module.product_grid h2")).to_have_text("店长推荐")
    expect(shopper.locator(".grid-product")).to_have_count(2)
    expect(shopper.locator(f".grid-product[data-product-id='{shirt.pk}'] .price")).to_have_text("¥159.00")
    shot(shopper, "2-store-page")

    shopper.click(f".grid-product[data-product-id='{shirt.pk}']")
    shopper.wait_for_url(re.compile(rf"/products/{shirt.pk}/\?"))
    assert shopper.url.endswith(f"/products/{shirt.pk}/?scene=5&source_type=homepage&source_id={store.pk}")
    expect(shopper.locator("h1")).to_contain_text("亚麻衬衫")
    shot(shopper, "3-product")

    shopper.go_back()
    shopper.click(".banner")
    shopper.wait_for_url(
        re.compile(rf"/products/{skirt.pk}/\?scene=5&source_type=homepage&source_id={store.pk}$")
    )
