"""The homepage editor in a real browser (issue 17 point 7), on a 390-px phone and a 1366-px
desktop: the merchant drags a module to a new place (no page reload), the draft is saved in that
order, the phone-sized preview shows it; a refused order is shown; publishing asks first and says
what will change."""

import os

import pytest

from xiaodian.core.browser import sign_in
from xiaodian.stores import homepage, selectors, services

from .homepage_world import listed_product

PASSWORD = "test-pass-123"  # make_user's (the root conftest)
SHOTS = os.environ.get("XIAODIAN_SCREENSHOTS")

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"homepage-editor-{name}.png"), full_page=True)


def titles(store) -> list[str]:
    return [m["title"] for m in selectors.homepage_of(store).draft]


def saved(page, action) -> None:
    """Do `action`, then wait until the editor has read the draft back after its save (the
    fingerprint on the list changed: the event the page gives, no sleeping)."""
    from playwright.sync_api import expect

    key = page.locator("#draft").get_attribute("data-key")
    action()
    expect(page.locator("#draft")).not_to_have_attribute("data-key", key)
    expect(page.locator("#draft[data-ready='1']")).to_have_count(1)


def drag(page, source: str, target: str) -> None:
    """Press on `source`'s handle, move in steps to below the middle of `target`, let go."""
    page.locator(source).scroll_into_view_if_needed()
    handle = page.locator(f"{source} .drag-handle").bounding_box()
    box = page.locator(target).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.75, steps=12)
    page.mouse.up()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_drag_to_reorder_preview_and_publish(browser, live_server, merchant, store, viewport):
    from playwright.sync_api import expect

    listed_product(store, "亚麻衬衫", 15900)
    services.save_homepage_draft(
        store=store,
        modules=[
            {"type": "product_grid", "title": t, "mode": "auto", "limit": 2} for t in ("甲", "乙", "丙")
        ],
    )
    page = sign_in(browser, live_server, merchant.username, PASSWORD)
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/stores/{store.pk}/homepage/")
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    expect(page.locator("#draft[data-ready='1']")).to_have_count(1)

    preview = page.locator("#phone-preview")
    if viewport is PHONE:
        assert preview.get_attribute("open") is None  # a toggle below the editor on a phone
        page.click("#phone-preview summary")
    frame = page.frame_locator("#preview-frame")
    expect(frame.locator(".shop-module h2")).to_have_text(["甲", "乙", "丙"])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    if viewport is DESKTOP:  # beside the editor, phone-sized
        editor_box = page.locator(".homepage-editor").bounding_box()
        frame_box = page.locator("#preview-frame").bounding_box()
        assert frame_box["x"] >= editor_box["x"] + editor_box["width"]
        assert 380 <= frame_box["width"] <= 392
    shot(page, f"{viewport['width']}-1-before")

    # drag 甲 (first) below 乙 (second): one request, no reload, the preview follows
    saved(page, lambda: drag(page, "#module-0", "#module-1"))
    expect(page.locator("#order-status")).to_have_text("顺序已保存，预览已更新。")
    assert titles(store) == ["乙", "甲", "丙"]
    expect(page.locator("#module-list .module-title")).to_have_text(["乙", "甲", "丙"])
    expect(frame.locator(".shop-module h2")).to_have_text(["乙", "甲", "丙"])
    expect(page.locator("#unpublished-changes")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    shot(page, f"{viewport['width']}-2-dragged")

    # the up/down buttons work the same way with script on (one place, no reload)
    saved(page, lambda: page.click("#module-2 button[data-move='-1']"))  # 丙 up
    expect(page.locator("#module-list .module-title")).to_have_text(["乙", "丙", "甲"])
    expect(frame.locator(".shop-module h2")).to_have_text(["乙", "丙", "甲"])
    assert titles(store) == ["乙", "丙", "甲"]
    # the keyboard stays on the moved module's button: Enter moves it once more
    expect(page.locator("#module-1 button[data-move='-1']")).to_be_focused()
    saved(page, lambda: page.keyboard.press("Enter"))
    expect(page.locator("#module-list .module-title")).to_have_text(["丙", "乙", "甲"])
    assert titles(store) == ["丙", "乙", "甲"]

    # the draft changed elsewhere (another tab): the order is refused and said so; nothing moves
    services.reorder_homepage_modules(
        store=store, order=[2, 0, 1], key=homepage.draft_key(selectors.homepage_of(store).draft)
    )
    drag(page, "#module-0", "#module-1")
    expect(page.locator("#order-error")).to_have_text("草稿已在别处修改，请刷新页面后再调整顺序。")
    expect(page.locator("#module-list .module-title")).to_have_text(["甲", "丙", "乙"])  # the server's
    assert titles(store) == ["甲", "丙", "乙"]
    assert page.evaluate("window.notReloaded") is True

    # publishing asks first, naming the version and what buyers will see; "cancel" publishes nothing
    page.confirm_answer = False
    page.click("#publish-button")
    assert selectors.homepage_of(store).version == 0
    page.confirm_answer = True
    page.click("#publish-button")
    expect(page.locator("#homepage-version")).to_have_text("已发布第 1 版")
    assert len(page.dialogs) == 2
    assert "发布第 1 版？" in page.dialogs[-1]
    assert "买家将看到：商品宫格「甲」、商品宫格「丙」、商品宫格「乙」" in page.dialogs[-1]
    assert [m["title"] for m in selectors.homepage_of(store).published] == ["甲", "丙", "乙"]
    shot(page, f"{viewport['width']}-3-published")
    if viewport is PHONE:  # nothing wider than the smallest phone either
        page.set_viewport_size({"width": 360, "height": 740})
        page.click("#phone-preview summary")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_drag_with_a_finger_on_a_touch_screen(browser, live_server, merchant, store):
    """The same drag by touch (Chromium's touch input through the DevTools protocol): the handle
    takes the gesture instead of the page scrolling."""
    from playwright.sync_api import expect

    services.save_homepage_draft(
        store=store,
        modules=[{"type": "product_grid", "title": t, "mode": "auto"} for t in ("甲", "乙", "丙")],
    )
    page = sign_in(browser, live_server, merchant.username, PASSWORD)
    page.goto(f"{live_server.url}/stores/{store.pk}/homepage/")
    expect(page.locator("#draft[data-ready='1']")).to_have_count(1)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
    page.locator("#module-2").scroll_into_view_if_needed()
    handle = page.locator("#module-2 .drag-handle").bounding_box()
    top = page.locator("#module-0").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    steps = 10
    for i in range(1, steps + 1):  # up to above the middle of the first module
        to_y = y + (top["y"] + 10 - y) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": to_y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(page.locator("#order-status")).to_have_text("顺序已保存，预览已更新。")
    expect(page.locator("#module-list .module-title")).to_have_text(["丙", "甲", "乙"])
    assert titles(store) == ["丙", "甲", "乙"]
