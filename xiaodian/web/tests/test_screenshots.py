"""`xiaodian screenshots`: the demo's main pages photographed at a phone's and a desktop's width,
with an index page; bad options refused with a clear message."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from xiaodian.core.browser import require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.WECHATPAY = {**settings.WECHATPAY, "SANDBOX_DIR": tmp_path / "wechatpay"}
    call_command("demo", no_serve=True, stdout=io.StringIO())


def test_pages_are_photographed_at_390_and_1366_px_with_an_index(demo, live_server, tmp_path, monkeypatch):
    require_chromium()
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    out = tmp_path / "shots"
    said = io.StringIO()
    call_command("screenshots", url=live_server.url, only="home,data", out=out, stdout=said)
    for width in (390, 1366):
        for name in ("guest-home.png", "merchant-data.png"):
            with Image.open(out / str(width) / name) as shot:
                assert shot.width == width  # nothing wider than the screen: the page fits its width
                assert shot.height >= 600
    index = (out / "index.html").read_text()
    assert 'src="390/merchant-data.png"' in index and 'src="1366/guest-home.png"' in index
    assert "4 screenshots" in said.getvalue()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"only": "nowhere"}, "unknown pages: nowhere"),
        ({"widths": "wide"}, "--widths takes numbers"),
        ({"widths": "10"}, "between 240 and 3840"),
    ],
)
def test_bad_options_are_refused_before_anything_is_served(db, tmp_path, options, message):
    require_chromium()
    pytest.importorskip("playwright.sync_api")
    with pytest.raises(CommandError, match=message):
        call_command("screenshots", url="http://127.0.0.1:9", out=tmp_path, **options)
    assert list(tmp_path.iterdir()) == []
