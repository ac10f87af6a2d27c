"""Sending messages is rate-limited per sender (rules.MESSAGE_SEND_PER_USER), the same count over
the API, the page and the websocket: past it, 429 `rate_limited` with `Retry-After` (an `error`
frame with `retry_after` on the socket) and nothing is saved."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from xiaodian.service import rules
from xiaodian.service.models import Message

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
application = import_string(settings.ASGI_APPLICATION)


def test_api_refuses_a_message_over_the_limit(api_for, buyer, conversation, use_up):
    path = f"/conversations/{conversation.pk}/messages"
    client = api_for(buyer)
    use_up(rules.MESSAGE_SEND_PER_USER, buyer.pk)
    r = client.post(path, {"text": "在吗？？", "client_id": "m-2"})
    assert (r.status_code, r.json()["code"]) == (429, "rate_limited")
    assert 1 <= int(r["Retry-After"]) <= 60
    assert not Message.objects.filter(client_id="m-2").exists()


def test_page_refuses_a_message_over_the_limit(buyer, conversation, use_up):
    client = Client()
    client.force_login(buyer)
    use_up(rules.MESSAGE_SEND_PER_USER, buyer.pk)
    r = client.post(reverse("service:send", args=[conversation.pk]), {"text": "在吗？", "client_id": "p-1"})
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 60
    assert not Message.objects.filter(client_id="p-1").exists()


def _session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_refuses_a_message_over_the_limit(buyer, conversation, use_up):
    headers = [ORIGIN, await database_sync_to_async(_session_cookie)(buyer)]
    socket = WebsocketCommunicator(application, "/ws/service/", headers=headers)
    assert (await socket.connect())[0]
    await database_sync_to_async(use_up)(rules.MESSAGE_SEND_PER_USER, buyer.pk)
    await socket.send_json_to(
        {"type": "send", "conversation": conversation.pk, "text": "在吗？", "client_id": "w-1"}
    )
    while (frame := await socket.receive_json_from(timeout=5))["type"] != "error":
        pass
    assert frame["code"] == "rate_limited" and frame["client_id"] == "w-1"
    assert 1 <= frame["retry_after"] <= 60
    assert not await database_sync_to_async(Message.objects.filter(client_id="w-1").exists)()
    await socket.disconnect()
