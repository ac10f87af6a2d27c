"""Test helpers for the websockets: every bad frame the issue named (issue 14, point 7), and an
ASGI wrapper that behaves like uvicorn once a client has closed or vanished."""

import json
import logging

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

from xiaodian.core.sockets import MAX_DEPTH, MAX_FRAME_CHARS

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def session_cookie(user) -> tuple[bytes, bytes]:
    """The `cookie` header of a signed-in session of the user."""
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def connect_as(user, path: str) -> WebsocketCommunicator:
    """A websocket to `path` of the real ASGI application (origin check, session auth, routing),
    signed in as the user, connected."""
    headers = [ORIGIN, await database_sync_to_async(session_cookie)(user)]
    communicator = WebsocketCommunicator(import_string(settings.ASGI_APPLICATION), path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of that type (others on the way are skipped)."""
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame


# (what it is, what the client sends, the error code answered)
BAD_FRAMES = [
    ("text that is not JSON", {"text_data": "not json"}, "malformed_request"),
    ("a binary frame", {"bytes_data": b'{"type": "ping"}'}, "malformed_request"),
    ("10,000 opening brackets", {"text_data": "[" * 10_000}, "malformed_request"),
    (
        "balanced JSON nested too deep",
        {"text_data": '{"type": "ping", "x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}"},
        "malformed_request",
    ),
    ("a type that is not a string", {"text_data": '{"type": ["send"]}'}, "validation_error"),
    ("a type that is an object", {"text_data": '{"type": {"a": 1}}'}, "validation_error"),
    ("an unknown type", {"text_data": '{"type": "dance"}'}, "validation_error"),
    ("not an object", {"text_data": "[1, 2]"}, "validation_error"),
    ("a bare string", {"text_data": '"ping"'}, "validation_error"),
    ("a NUL", {"text_data": json.dumps({"type": "ping", "x": "a\u0000b"})}, "malformed_request"),
    ("a lone surrogate", {"text_data": '{"type": "ping", "x": "\\ud800"}'}, "malformed_request"),
    (
        "a frame too long",
        {"text_data": json.dumps({"type": "ping", "x": "a" * MAX_FRAME_CHARS})},
        "payload_too_large",
    ),
]


async def assert_bad_frames_answered(communicator: WebsocketCommunicator, good: dict, answer: str, caplog):
    """Each bad frame gets an error frame with its code, the socket then still answers `good` with
    an `answer` frame, and nothing was logged as an error."""
    caplog.set_level(logging.WARNING)
    for what, frame, code in BAD_FRAMES:
        await communicator.send_to(**frame)
        reply = await communicator.receive_json_from(timeout=5)
        assert (reply["type"], reply["code"]) == ("error", code), what
        assert reply["message"], what
        await communicator.send_json_to(good)
        assert (await communicator.receive_json_from(timeout=5))["type"] == answer, what
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def like_uvicorn(application, client):
    """The application behind a server that, like uvicorn, raises when the app sends down a socket
    whose client has closed (`client.gone = "closed"`: RuntimeError, it already answered the close)
    or vanished (`client.gone = "dropped"`: ClientDisconnected, an OSError), or after the app's
    own websocket.close."""

    async def app(scope, receive, send):
        sent_close = False

        async def server_send(message):
            nonlocal sent_close
            if sent_close or client.gone == "closed":
                raise RuntimeError(
                    f"Unexpected ASGI message '{message['type']}', after sending 'websocket.close'."
                )
            if client.gone == "dropped":
                raise ConnectionResetError("ClientDisconnected")
            sent_close = message["type"] == "websocket.close"
            await send(message)

        await application(scope, receive, server_send)

    return app
