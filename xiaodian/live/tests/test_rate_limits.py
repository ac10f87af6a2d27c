"""Live-room comments are rate-limited per user (rules.COMMENT_PER_USER), the same count over the
API, the page and the websocket: past it, 429 `rate_limited` with `Retry-After` (an `error` frame
with `retry_after` on the socket) and the comment is not saved."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from xiaodian.core import throttle
from xiaodian.live import rules
from xiaodian.live.models import LiveComment

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
application = import_string(settings.ASGI_APPLICATION)


def test_api_comments_count_until_the_limit(api_for, buyer, make_user, live_room):
    client = api_for(buyer)
    url = f"/live-rooms/{live_room.pk}/comments"
    for n in range(throttle.allowed(rules.COMMENT_PER_USER)):
        assert client.post(url, {"text": f"第{n}条"}).status_code == 201
    r = client.post(url, {"text": "还要说"})
    assert (r.status_code, r.json()["code"]) == (429, "rate_limited")
    assert 1 <= int(r["Retry-After"]) <= 60
    assert not LiveComment.objects.filter(text="还要说").exists()
    assert api_for(make_user()).post(url, {"text": "我也说"}).status_code == 201  # per user


def test_page_refuses_a_comment_over_the_limit(buyer, live_room, use_up):
    client = Client()
    client.force_login(buyer)
    use_up(rules.COMMENT_PER_USER, buyer.pk)
    r = client.post(reverse("live:comment", args=[live_room.pk]), {"text": "主播好"})
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 60
    assert not LiveComment.objects.exists()


def _session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_refuses_a_comment_over_the_limit(buyer, live_room, use_up):
    headers = [ORIGIN, await database_sync_to_async(_session_cookie)(buyer)]
    socket = WebsocketCommunicator(application, f"/ws/live/{live_room.pk}/", headers=headers)
    assert (await socket.connect())[0]
    await database_sync_to_async(use_up)(rules.COMMENT_PER_USER, buyer.pk)
    await socket.send_json_to({"type": "comment", "text": "主播好"})
    while (frame := await socket.receive_json_from(timeout=5))["type"] != "error":
        pass
    assert frame["code"] == "rate_limited" and 1 <= frame["retry_after"] <= 60
    assert not await database_sync_to_async(LiveComment.objects.exists)()
    await socket.disconnect()
