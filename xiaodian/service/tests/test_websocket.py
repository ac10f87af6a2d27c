"""`/ws/service/` against the real ASGI application (origin check, session auth, routing): a buyer
and an agent chat live with receipts; another store's agent hears nothing and cannot write;
a client that was offline catches up with `sync`; a resent client id is not doubled."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

from xiaodian.accounts.rules import Role
from xiaodian.core.tests.sockets import assert_bad_frames_answered
from xiaodian.service import services
from xiaodian.service.models import Message
from xiaodian.stores.models import Store, StoreStaff

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
application = import_string(settings.ASGI_APPLICATION)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def connect(user) -> WebsocketCommunicator:
    headers = [ORIGIN, await database_sync_to_async(session_cookie)(user)]
    communicator = WebsocketCommunicator(application, "/ws/service/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame


@pytest.fixture
def chat(shop, buyer, agent):
    conversation, _ = services.open_conversation(buyer=buyer, store_id=shop.pk)
    return conversation


async def test_a_buyer_and_an_agent_chat_live_with_receipts(chat, buyer, agent):
    buyer_socket, agent_socket = await connect(buyer), await connect(agent)
    await buyer_socket.send_json_to(
        {"type": "send", "conversation": chat.pk, "text": "这款有现货吗？", "client_id": "b-1"}
    )
    sent = await next_of(buyer_socket, "sent")
    heard = await next_of(agent_socket, "message")
    assert heard["message"]["id"] == sent["id"] and heard["message"]["text"] == "这款有现货吗？"
    assert heard["message"]["sender"] == "buyer"

    await agent_socket.send_json_to(
        {"type": "ack", "conversation": chat.pk, "up_to": sent["id"], "read": True}
    )
    receipt = await next_of(buyer_socket, "receipt")
    assert (receipt["by"], receipt["read_up_to"]) == ("agent", sent["id"])

    await agent_socket.send_json_to({"type": "send", "conversation": chat.pk, "text": "有的，今天发货"})
    reply = await next_of(buyer_socket, "message")
    assert (reply["message"]["sender"], reply["message"]["text"]) == ("agent", "有的，今天发货")
    await buyer_socket.disconnect()
    await agent_socket.disconnect()


async def test_another_stores_agent_hears_nothing_and_cannot_write(
    chat, buyer, make_user, make_subject, make_store
):
    def other_agent():
        owner = make_user()
        other = make_store(owner, make_subject(owner), name="隔壁店")
        Store.objects.filter(pk=other.pk).update(state="open")
        user = make_user()
        StoreStaff.objects.create(store=other, user=user, role=Role.AGENT)
        return user

    outsider = await database_sync_to_async(other_agent)()
    spy, buyer_socket = await connect(outsider), await connect(buyer)
    await buyer_socket.send_json_to({"type": "send", "conversation": chat.pk, "text": "私密问题"})
    await next_of(buyer_socket, "sent")
    await spy.send_json_to({"type": "send", "conversation": chat.pk, "text": "我也来"})
    refusal = await next_of(spy, "error")  # and no message frame came before it
    assert refusal["code"] == "not_found"
    await spy.send_json_to({"type": "sync", "since": 0})
    assert (await spy.receive_json_from(timeout=5)) == {"type": "synced", "count": 0, "last": 0}
    assert await spy.receive_nothing(timeout=0.2)
    await spy.disconnect()
    await buyer_socket.disconnect()


async def test_an_offline_buyer_catches_up_with_sync(chat, buyer, agent):
    agent_socket = await connect(agent)
    for text in ("您好", "在的"):
        await agent_socket.send_json_to({"type": "send", "conversation": chat.pk, "text": text})
        await next_of(agent_socket, "sent")
    buyer_socket = await connect(buyer)  # connects after the messages were sent
    await buyer_socket.send_json_to({"type": "sync", "since": 0})
    got = []
    while True:
        frame = await buyer_socket.receive_json_from(timeout=5)
        if frame["type"] == "synced":
            break
        got.append(frame["message"]["text"])
    assert got[-2:] == ["您好", "在的"]
    assert frame["count"] == len(got)
    await agent_socket.disconnect()
    await buyer_socket.disconnect()


async def test_a_resent_client_id_is_not_doubled(chat, buyer):
    socket = await connect(buyer)
    for _ in range(2):
        await socket.send_json_to(
            {"type": "send", "conversation": chat.pk, "text": "只一次", "client_id": "same"}
        )
    first, second = await next_of(socket, "sent"), await next_of(socket, "sent")
    assert first["id"] == second["id"] and (first["created"], second["created"]) == (True, False)
    assert await database_sync_to_async(Message.objects.filter(client_id="same").count)() == 1
    await socket.disconnect()


async def test_anonymous_sockets_are_closed(db):
    communicator = WebsocketCommunicator(application, "/ws/service/", headers=[ORIGIN])
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_bad_frames_are_refused(chat, buyer):
    socket = await connect(buyer)
    await socket.send_to(text_data="not json")
    assert (await socket.receive_json_from(timeout=5))["code"] == "malformed_request"
    await socket.send_json_to({"type": "send", "conversation": "x", "text": "hi"})
    assert (await socket.receive_json_from(timeout=5))["field"] == "conversation"
    await socket.send_json_to({"type": "dance"})
    assert (await socket.receive_json_from(timeout=5))["field"] == "type"
    await socket.send_json_to({"type": "send", "conversation": chat.pk, "kind": "product", "product_id": [1]})
    assert (await socket.receive_json_from(timeout=5))["field"] == "product_id"
    await socket.send_json_to({"type": "send", "conversation": chat.pk, "text": "a\u0000b"})
    assert (await socket.receive_json_from(timeout=5))["code"] == "malformed_request"
    await socket.send_json_to({"type": "send", "conversation": 2**70, "text": "x"})
    assert (await socket.receive_json_from(timeout=5))["field"] == "conversation"
    await socket.send_json_to({"type": "ping"})  # the socket is still alive
    assert (await socket.receive_json_from(timeout=5)) == {"type": "pong"}
    await socket.disconnect()


async def test_each_bad_frame_gets_an_error_and_the_socket_stays_open(buyer, caplog):
    socket = await connect(buyer)
    await assert_bad_frames_answered(socket, {"type": "ping"}, "pong", caplog)
    await socket.disconnect()
