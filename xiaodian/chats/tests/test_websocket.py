"""`/ws/chats/` against the real ASGI application (origin check, session auth, routing): two
contacts chat live; one socket hears every conversation of its user and nothing of others'; a
message to someone who deleted you is refused on the socket; read state moves and reaches the
reader's other sockets; a client that was offline catches up by sequence with `sync`; a resent
client id is not doubled; bad frames are answered and the socket stays open."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils.module_loading import import_string

from xiaodian.chats import services
from xiaodian.chats.models import Member, Message
from xiaodian.core.tests.sockets import ORIGIN, assert_bad_frames_answered, connect_as, next_of
from xiaodian.social import services as social

application = import_string(settings.ASGI_APPLICATION)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def connect(user) -> WebsocketCommunicator:
    return await connect_as(user, "/ws/chats/")


@pytest.fixture
def pair(make_user, befriend):
    a, b = make_user(), make_user()
    befriend(a, b)
    chat, _ = services.open_direct(user=a, other_id=b.pk)
    return a, b, chat


async def test_two_contacts_chat_live_and_the_sender_gets_the_sequence(pair):
    a, b, chat = pair
    a_socket, b_socket = await connect(a), await connect(b)
    await a_socket.send_json_to(
        {"type": "send", "conversation": chat.pk, "text": "周末去爬山吗？", "client_id": "a-1"}
    )
    sent = await next_of(a_socket, "sent")
    heard = await next_of(b_socket, "message")
    assert (sent["seq"], sent["conversation"], sent["created"]) == (1, chat.pk, True)
    assert heard["message"]["seq"] == 1 and heard["message"]["text"] == "周末去爬山吗？"
    assert heard["message"]["sender"] == a.pk and heard["message"]["sender_name"] == str(a)
    echo = await next_of(a_socket, "message")  # the sender's sockets hear it too (another tab, the phone)
    assert echo["message"]["client_id"] == "a-1"
    await b_socket.send_json_to({"type": "send", "conversation": chat.pk, "text": "好啊"})
    reply = await next_of(a_socket, "message")
    assert (reply["message"]["seq"], reply["message"]["text"]) == (2, "好啊")
    await a_socket.disconnect()
    await b_socket.disconnect()


async def test_one_socket_hears_every_conversation_of_its_user_and_no_others(pair, make_user, group_of):
    a, b, chat = pair
    outsider = await database_sync_to_async(make_user)()
    group = await database_sync_to_async(group_of)(a, b)
    b_socket, spy = await connect(b), await connect(outsider)
    await database_sync_to_async(services.send_message)(user=a, conversation_id=chat.pk, text="单聊")
    await database_sync_to_async(services.send_message)(user=a, conversation_id=group.pk, text="群聊")
    first, second = await next_of(b_socket, "message"), await next_of(b_socket, "message")
    assert {
        (first["message"]["conversation"], first["message"]["text"]),
        (second["message"]["conversation"], second["message"]["text"]),
    } == {
        (chat.pk, "单聊"),
        (group.pk, "群聊"),
    }
    await spy.send_json_to({"type": "send", "conversation": chat.pk, "text": "我也来"})
    refusal = await next_of(spy, "error")  # and no message frame came before it
    assert refusal["code"] == "not_found"
    assert await spy.receive_nothing(timeout=0.2)
    await b_socket.disconnect()
    await spy.disconnect()


async def test_a_message_to_someone_who_deleted_you_is_refused_on_the_socket(pair):
    a, b, chat = pair
    await database_sync_to_async(social.delete_contact)(owner=b, other_id=a.pk)
    a_socket = await connect(a)
    await a_socket.send_json_to({"type": "send", "conversation": chat.pk, "text": "在吗", "client_id": "x"})
    refusal = await next_of(a_socket, "error")
    assert (refusal["code"], refusal["client_id"]) == ("chat_contact_removed_you", "x")
    assert not await database_sync_to_async(Message.objects.filter(conversation=chat).exists)()
    await a_socket.disconnect()


async def test_read_state_moves_and_reaches_the_readers_other_sockets(pair):
    a, b, chat = pair
    for text in ("一", "二", "三"):
        await database_sync_to_async(services.send_message)(user=a, conversation_id=chat.pk, text=text)
    phone, tab = await connect(b), await connect(b)
    await phone.send_json_to({"type": "read", "conversation": chat.pk, "seq": 2})
    told = await next_of(tab, "read")
    assert (told["conversation"], told["seq"]) == (chat.pk, 2)
    member = await database_sync_to_async(Member.objects.get)(conversation=chat, user=b)
    assert member.last_read_seq == 2
    await phone.disconnect()
    await tab.disconnect()


async def test_a_client_that_was_offline_catches_up_by_sequence_and_a_resend_is_not_doubled(pair, group_of):
    a, b, chat = pair
    group = await database_sync_to_async(group_of)(a, b)  # seq 1: b joined
    for i in range(3):
        await database_sync_to_async(services.send_message)(user=a, conversation_id=chat.pk, text=f"c{i}")
        await database_sync_to_async(services.send_message)(user=a, conversation_id=group.pk, text=f"g{i}")
    b_socket = await connect(b)
    await b_socket.send_json_to({"type": "sync", "have": {str(chat.pk): 1, str(group.pk): 2}})
    got = [await next_of(b_socket, "message") for _ in range(4)]
    synced = await next_of(b_socket, "synced")
    assert sorted((f["message"]["conversation"], f["message"]["seq"]) for f in got) == sorted(
        [(chat.pk, 2), (chat.pk, 3), (group.pk, 3), (group.pk, 4)]
    )
    assert synced["count"] == 4 and not synced["more"]
    assert synced["last"] == {str(chat.pk): 3, str(group.pk): 4}
    await b_socket.send_json_to({"type": "sync", "have": {str(chat.pk): 3}, "listed_only": True})
    assert (await next_of(b_socket, "synced"))["count"] == 0

    for _ in range(2):  # the same client id twice (a resend after a lost confirmation)
        await b_socket.send_json_to(
            {"type": "send", "conversation": chat.pk, "text": "收到", "client_id": "r1"}
        )
    first, second = await next_of(b_socket, "sent"), await next_of(b_socket, "sent")
    assert (first["created"], second["created"], first["seq"]) == (True, False, second["seq"])
    assert (
        await database_sync_to_async(Message.objects.filter(conversation=chat, client_id="r1").count)() == 1
    )
    await b_socket.disconnect()


async def test_a_visitor_is_closed_and_bad_frames_are_answered(pair, caplog):
    a, _b, _chat = pair
    visitor = WebsocketCommunicator(application, "/ws/chats/", headers=[ORIGIN])
    connected, code = await visitor.connect()
    assert not connected and code == 4401
    a_socket = await connect(a)
    await assert_bad_frames_answered(a_socket, {"type": "ping"}, "pong", caplog)
    for frame in (
        {"type": "send", "conversation": "1", "text": "x"},
        {"type": "send", "conversation": 1, "kind": "image"},
        {"type": "sync", "have": []},
        {"type": "sync", "have": {"x": 1}},
        {"type": "read", "conversation": 1, "seq": -1},
    ):
        await a_socket.send_json_to(frame)
        assert (await next_of(a_socket, "error"))["code"] == "validation_error", frame
    await a_socket.disconnect()
