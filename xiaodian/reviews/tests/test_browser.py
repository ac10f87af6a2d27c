"""Reviewing in a real browser (Debian's Chromium driven by Playwright): the buyer rates a received
line with a photo from the order page, a visitor sees it in the product page's block (loaded by
htmx), and the merchant replies from the store's review list."""

import io
import re

import pytest
from PIL import Image

from xiaodian.core.browser import phone, sign_in_as
from xiaodian.reviews.models import Reply, Review

pytestmark = pytest.mark.browser


def _jpeg(tmp_path):
    path = tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_review_see_it_on_the_product_page_and_reply(browser, live_server, buyer, merchant, line, tmp_path):
    page = sign_in_as(browser, live_server, buyer)
    page.goto(f"{live_server.url}/orders/{line.order_id}/")
    page.click(f"#line-{line.pk} a.review-link")
    page.click("#field-rating label:has(input[value='4'])")
    page.fill("#id_text", "做工扎实，尺码标准")
    page.set_input_files("#id_images", str(_jpeg(tmp_path)))
    page.click("#review-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/orders/{line.order_id}/"))
    review = Review.objects.get()
    assert (review.rating, review.text, review.images.count()) == (4, "做工扎实，尺码标准", 1)

    visitor = phone(browser)
    visitor.goto(f"{live_server.url}/products/{line.product_id}/")
    visitor.wait_for_selector(f"#reviews #review-{review.pk}")  # swapped in by htmx on load
    assert "做工扎实" in visitor.inner_text("#reviews")
    assert "4.00" in visitor.inner_text("#rating-summary")

    shop = sign_in_as(browser, live_server, merchant)
    shop.goto(f"{live_server.url}/stores/{review.store_id}/reviews/")
    shop.click(f"#review-{review.pk} details summary")
    shop.fill(f"#review-{review.pk} textarea[name=text]", "感谢支持！")
    shop.click(f"#review-{review.pk} form button[type=submit]")
    shop.wait_for_selector(f"#review-{review.pk} .reply")
    assert Reply.objects.get().text == "感谢支持！"
