"""The room's websocket against the real ASGI application (origin check, session auth, routing):
two viewers see each other's comments and the viewer count; refusals go to the sender alone."""

import asyncio
import contextlib
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

from xiaodian.core.sockets import CLOSE_INTERNAL_ERROR
from xiaodian.core.tests.sockets import assert_bad_frames_answered, like_uvicorn
from xiaodian.live import selectors, services
from xiaodian.live.models import LiveComment, LiveViewer

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
# The application the server runs (settings.ASGI_APPLICATION: origin check, session auth, the
# project's websocket routes), loaded by name: live may not import the project's routing, which
# imports the web layer above it.
application = import_string(settings.ASGI_APPLICATION)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def viewer(room_id: int, user=None) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if user is not None:
        headers.append(await database_sync_to_async(session_cookie)(user))
    communicator = WebsocketCommunicator(application, f"/ws/live/{room_id}/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of this type (frames of other types in between are skipped)."""
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame


async def test_two_viewers_see_the_count_and_each_others_comments(live_room, buyer, make_user):
    alice, bob = buyer, await database_sync_to_async(make_user)("bob")
    first = await viewer(live_room.pk, alice)
    assert await first.receive_json_from(timeout=5) == {"type": "viewers", "count": 1}
    second = await viewer(live_room.pk, bob)
    assert await first.receive_json_from(timeout=5) == {"type": "viewers", "count": 2}
    assert await second.receive_json_from(timeout=5) == {"type": "viewers", "count": 2}

    await second.send_json_to({"type": "comment", "text": "这件有 M 码吗？"})
    for communicator in (first, second):
        frame = await communicator.receive_json_from(timeout=5)
        assert (frame["type"], frame["user"], frame["text"]) == ("comment", "b***", "这件有 M 码吗？")
        assert frame["at"]
    await first.send_json_to({"type": "comment", "text": "有的"})
    assert (await second.receive_json_from(timeout=5))["text"] == "有的"
    assert (await first.receive_json_from(timeout=5))["text"] == "有的"
    assert await database_sync_to_async(LiveComment.objects.count)() == 2

    await second.disconnect()
    assert await first.receive_json_from(timeout=5) == {"type": "viewers", "count": 1}
    await first.disconnect()
    assert await database_sync_to_async(LiveViewer.objects.count)() == 0


async def test_refusals_go_back_to_the_sender_only(live_room, buyer):
    watcher = await viewer(live_room.pk)  # anonymous: may watch, not comment
    assert (await watcher.receive_json_from(timeout=5))["count"] == 1
    talker = await viewer(live_room.pk, buyer)
    await next_of(watcher, "viewers")
    await next_of(talker, "viewers")

    await watcher.send_json_to({"type": "comment", "text": "我没登录"})
    assert (await watcher.receive_json_from(timeout=5))["code"] == "unauthorized"
    await talker.send_json_to({"type": "comment", "text": "加我微信 shanye2024"})
    refusal = await talker.receive_json_from(timeout=5)
    assert (refusal["type"], refusal["code"], refusal["field"]) == (
        "error",
        "contact_details_not_allowed",
        "text",
    )
    await talker.send_json_to({"type": "comment", "text": "好" * 141})
    assert (await talker.receive_json_from(timeout=5))["code"] == "validation_error"
    await talker.send_to(text_data="not json")
    assert (await talker.receive_json_from(timeout=5))["code"] == "malformed_request"
    assert await watcher.receive_nothing(timeout=0.3)  # none of it reached the other viewer
    assert await database_sync_to_async(LiveComment.objects.count)() == 0
    await watcher.disconnect()
    await talker.disconnect()


async def test_pinning_and_buying_reach_every_viewer(live_room, item, creator, buy, make_sku, store):
    watcher = await viewer(live_room.pk)
    await next_of(watcher, "viewers")
    other = await database_sync_to_async(make_sku)(store, price_fen=3_000)
    await database_sync_to_async(services.add_shelf_item)(
        owner=creator, room_id=live_room.pk, sku_id=other.pk, live_price_fen=2_000, flash_stock=4, pinned=True
    )
    assert (await next_of(watcher, "pinned"))["item"] != item.pk
    await database_sync_to_async(services.pin_shelf_item)(owner=creator, item_id=item.pk)
    assert (await next_of(watcher, "pinned"))["item"] == item.pk
    await database_sync_to_async(buy)(item, 3)
    assert await next_of(watcher, "stock") == {"type": "stock", "item": item.pk, "flash_stock": 7}
    await database_sync_to_async(services.end_live_room)(owner=creator, room_id=live_room.pk)
    assert await next_of(watcher, "state") == {"type": "state", "state": "ended"}
    await watcher.disconnect()


async def test_an_unknown_room_closes_the_socket(db):
    communicator = WebsocketCommunicator(application, "/ws/live/999999/", headers=[ORIGIN])
    connected, code = await communicator.connect()
    assert not connected and code == 4404


async def test_the_heartbeat_is_answered_and_keeps_the_viewer_fresh(live_room):
    watcher = await viewer(live_room.pk)
    await next_of(watcher, "viewers")
    row = await database_sync_to_async(LiveViewer.objects.get)(room=live_room)
    long_ago = row.seen_at.replace(year=2000)
    await database_sync_to_async(LiveViewer.objects.filter(pk=row.pk).update)(seen_at=long_ago)
    assert await database_sync_to_async(selectors.viewer_count)(live_room.pk) == 0  # gone quiet
    await watcher.send_json_to({"type": "ping"})
    assert await next_of(watcher, "pong") == {"type": "pong"}
    assert await database_sync_to_async(selectors.viewer_count)(live_room.pk) == 1  # heard again
    await watcher.disconnect()


async def test_each_bad_frame_gets_an_error_and_the_socket_stays_open(live_room, buyer, caplog):
    watcher = await viewer(live_room.pk, buyer)
    await next_of(watcher, "viewers")
    await assert_bad_frames_answered(watcher, {"type": "ping"}, "pong", caplog)
    await watcher.disconnect()
    assert await database_sync_to_async(LiveViewer.objects.count)() == 0


async def behind_uvicorn(room_id: int) -> tuple[WebsocketCommunicator, SimpleNamespace]:
    client = SimpleNamespace(gone=None)
    communicator = WebsocketCommunicator(
        like_uvicorn(application, client), f"/ws/live/{room_id}/", headers=[ORIGIN]
    )
    connected, _ = await communicator.connect(timeout=10)  # 120 joins on a loaded machine
    assert connected
    return communicator, client


async def test_every_way_a_socket_ends_removes_its_viewer(live_room):
    """Issue 14: 200 sockets closed one after another left 69 rows. The clients all leave at once;
    the server tells each consumer in turn, while the others' count frames are still going out
    to clients that are gone (uvicorn raises on those). Some close, some drop, some have their
    task cancelled (a server shutting down)."""
    sockets = [await behind_uvicorn(live_room.pk) for _ in range(120)]
    assert await database_sync_to_async(selectors.viewer_count)(live_room.pk) == 120
    for i, (_, client) in enumerate(sockets):
        client.gone = "closed" if i % 2 else "dropped"
    for i, (communicator, _) in enumerate(sockets):
        if i % 10 == 9:
            communicator.future.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await communicator.future
        else:  # the server's disconnect: 1000 for a close, 1006 for a connection that dropped
            await communicator.send_input({"type": "websocket.disconnect", "code": 1000 if i % 2 else 1006})
            await communicator.wait(timeout=5)
    assert await database_sync_to_async(LiveViewer.objects.count)() == 0
    assert await database_sync_to_async(selectors.viewer_count)(live_room.pk) == 0


async def test_a_failure_while_joining_closes_with_1011_and_leaves_no_viewer(live_room, monkeypatch, caplog):
    watcher = await viewer(live_room.pk)
    await next_of(watcher, "viewers")
    real_count, failures = selectors.viewer_count, []

    def count_failing_once(room_id):
        if not failures:
            failures.append(room_id)
            raise RuntimeError("database went away")
        return real_count(room_id)

    monkeypatch.setattr(selectors, "viewer_count", count_failing_once)
    communicator, _ = await behind_uvicorn(live_room.pk)  # accepted, then the join fails
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_INTERNAL_ERROR,
    }
    await communicator.wait(timeout=5)  # the consumer ended on its own, without sending after the close
    assert failures and "database went away" in caplog.text
    assert await next_of(watcher, "viewers") == {"type": "viewers", "count": 1}  # the failed one left
    assert await database_sync_to_async(LiveViewer.objects.count)() == 1
    await watcher.disconnect()
    assert await database_sync_to_async(selectors.viewer_count)(live_room.pk) == 0
