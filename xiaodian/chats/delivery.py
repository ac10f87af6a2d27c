"""What a write tells the members' websockets, on commit (core.broadcast): every socket of a user
joins the user's group, so one socket receives every conversation's frames. docs/chats.md lists
the frames."""

from django.db import transaction
from django.utils import timezone

from xiaodian.core import broadcast

from .models import Conversation, Member, Message


def user_group(user_id: int) -> str:
    return f"chats.user.{user_id}"


def message_frame(message: Message, sender_name: str = "") -> dict:
    """A message as a frame and in the API. Its card is kind, id and link; what the card shows is
    resolved for each viewer (`consumers`, `selectors.card_views`)."""
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": message.sender_id,
        "sender_name": sender_name,
        "sender_subject": message.sender_subject,
        "kind": message.kind,
        "text": message.text,
        "image": message.image.url if message.image else None,
        "card": {"kind": message.card_kind, "id": message.card_id, "link": message.card_link}
        if message.card_kind
        else None,
        "client_id": message.client_id,
        "created_at": timezone.localtime(message.created_at).isoformat(),  # with its offset: shown as is
    }


def _send(user_ids, frame: dict) -> None:
    groups = [user_group(user_id) for user_id in sorted(set(user_ids))]
    transaction.on_commit(lambda: broadcast.send(groups, {"type": "chats.frame", "frame": frame}))


def message_sent(message: Message, member_ids: list[int], sender_name: str) -> None:
    _send(member_ids, {"type": "message", "message": message_frame(message, sender_name)})


def read(member: Member) -> None:
    """The reader's other sockets (another tab, the phone) clear the conversation's unread count."""
    _send(
        [member.user_id],
        {"type": "read", "conversation": member.conversation_id, "seq": member.last_read_seq},
    )


def membership(conversation: Conversation, user_ids, change: str) -> None:
    """A member joined, left, was removed, or a role changed: the members' lists refresh."""
    _send(user_ids, {"type": "conversation", "change": change, "conversation": conversation.pk})
