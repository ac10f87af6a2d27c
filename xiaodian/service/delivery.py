"""What a write tells the outside, on commit: frames to the websockets of the conversation's buyer
and of the store's agents (core.broadcast), and events for a self-built endpoint (saved in the
transaction, sent by a task). docs/service.md lists the frames and the events."""

from django.db import transaction

from xiaodian.core import broadcast

from .models import Conversation, Message, WebhookEvent
from .rules import Mode


def user_group(user_id: int) -> str:
    return f"service.user.{user_id}"


def store_group(store_id: int) -> str:
    return f"service.store.{store_id}"


def message_frame(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": message.sender,
        "author": message.author_id,
        "kind": message.kind,
        "text": message.text,
        "card": message.card,
        "image": message.image.url if message.image else None,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
    }


def conversation_frame(conversation: Conversation) -> dict:
    return {
        "id": conversation.pk,
        "store": conversation.store_id,
        "buyer": conversation.buyer_id,
        "mode": conversation.mode,
        "status": conversation.status,
        "agent": conversation.agent_id,
    }


def _send(conversation: Conversation, frame: dict) -> None:
    groups = [user_group(conversation.buyer_id)]
    if conversation.mode == Mode.WORKBENCH:
        groups.append(store_group(conversation.store_id))
    transaction.on_commit(lambda: broadcast.send(groups, {"type": "service.frame", "frame": frame}))


def message_sent(conversation: Conversation, message: Message) -> None:
    _send(conversation, {"type": "message", "message": message_frame(message)})


def conversation_changed(conversation: Conversation, change: str) -> None:
    _send(
        conversation,
        {"type": "conversation", "change": change, "conversation": conversation_frame(conversation)},
    )


def receipt(conversation: Conversation, side: str) -> None:
    _send(
        conversation,
        {
            "type": "receipt",
            "conversation": conversation.pk,
            "by": side,
            "delivered_up_to": conversation.buyer_delivered_id
            if side == "buyer"
            else conversation.store_delivered_id,
            "read_up_to": conversation.buyer_read_id if side == "buyer" else conversation.store_read_id,
        },
    )


def to_self_built(conversation: Conversation, message: Message) -> WebhookEvent:
    """A buyer's message for a store in self-built mode: an event saved with the message, sent by
    the webhook task once the transaction commits."""
    from . import tasks  # the task module imports the sender, which imports this module's caller

    event = WebhookEvent.objects.create(
        store_id=conversation.store_id,
        kind="message",
        payload={"conversation": conversation_frame(conversation), "message": message_frame(message)},
        created_at=message.created_at,
    )
    transaction.on_commit(lambda: tasks.send_webhook_event.enqueue(event.pk))
    return event
