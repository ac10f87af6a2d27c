"""The main path of a complaint in a real browser (Chromium at phone size): the buyer complains
from the order page with a photo, the store answers from its complaint list, an operator upholds it
from the queue, and the buyer sees the timeline."""

import io
import re

import pytest
from PIL import Image

from xiaodian.complaints.models import Complaint
from xiaodian.core.browser import sign_in_as

pytestmark = pytest.mark.browser


def test_complain_answer_rule(browser, live_server, paid_order, buyer, merchant, operator, store, tmp_path):
    order = paid_order()
    photo = tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    page = sign_in_as(browser, live_server, buyer)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.click("#complain-order")
    page.check("input[name=reason][value=late_shipping]")
    page.fill("#complaint-text", "三天了还没发货")
    page.set_input_files("#complaint-images", str(photo))
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url(re.compile(r"/complaints/\d+/$"))
    complaint = Complaint.objects.get()
    assert complaint.images.count() == 1
    page.set_viewport_size({"width": 360, "height": 780})  # nothing wider than 360 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    shop = sign_in_as(browser, live_server, merchant)
    shop.goto(f"{live_server.url}/stores/{store.pk}/complaints/")
    shop.click(f"#complaint-{complaint.pk} a")
    shop.fill("#answer-text", "仓库延误，已加急")
    shop.click("#answer-form button[type=submit]")
    shop.wait_for_selector("#complaint-state[data-state=answered]")

    ops = sign_in_as(browser, live_server, operator)
    ops.goto(f"{live_server.url}/ops/complaints/")
    ops.click(f"#complaint-{complaint.pk} a")
    ops.check("input[name=at_fault][value=yes]")
    ops.fill("#ruling-note", "超过 48 小时未发货")
    ops.click("#ruling-form button[type=submit]")
    ops.wait_for_selector("#complaint-state[data-state=upheld]")

    page.reload()
    steps = page.inner_text("#complaint-timeline")
    assert "仓库延误" in steps and "超过 48 小时未发货" in steps
    page.screenshot(path=str(tmp_path / "complaint.png"), full_page=True)
