from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictBool

from xiaodian.core.pagination import MAX_ID, StrictId, json_int
from xiaodian.social.cards import KINDS

from . import rules


class ChatOpenIn(Schema):
    user_id: StrictId = Field(description="The contact to chat with")


class ChatConversationOut(Schema):
    id: int
    kind: str
    title: str = Field(description="A group's name; a 1:1 chat: the other person's name")
    last_seq: int = Field(description="Sequence number of the newest message")
    last_read_seq: int
    unread: int
    role: str
    last_message_at: datetime | None
    last_text: str
    other_id: int | None = Field(description="A 1:1 chat: the other person")


class ChatConversationPage(Schema):
    items: list[ChatConversationOut]
    count: int
    unread_total: int


class ChatOpenOut(Schema):
    id: int
    kind: str
    last_seq: int


class ChatCardOut(Schema):
    kind: str
    id: int
    link: str = Field(description="The share's link (carries the share as the order's source), or empty")
    view: dict | None = Field(
        None,
        description="What the card shows to the caller (title, subtitle, image_url, url); null: unavailable",
    )


class ChatMessageOut(Schema):
    id: int
    conversation: int
    seq: int
    sender: int | None
    sender_name: str
    sender_subject: str = Field(
        "",
        description="A business chat: the verified business subject of the store the staff sender "
        "writes for (on every staff message); empty otherwise",
    )
    kind: str
    text: str
    image: str | None
    card: ChatCardOut | None
    client_id: str
    created_at: datetime


class ChatMessagePage(Schema):
    items: list[ChatMessageOut] = Field(description="Oldest first")
    has_more: bool = Field(description="Older messages exist: ask again with `before` = the first item's seq")


class ChatHistoryParams(Schema):
    before: int | None = Field(None, ge=1, le=MAX_ID, description="Only messages with a smaller seq")
    limit: int = Field(50, ge=1, le=rules.PAGE_MAX)


class ChatMessageIn(Schema):
    kind: Literal["text", "card"] = "text"
    text: str = Field("", max_length=rules.TEXT_MAX)
    card_kind: Literal[KINDS] | None = None  # type: ignore[valid-type]
    card_id: StrictId | None = None
    client_id: str = Field("", max_length=rules.CLIENT_ID_MAX, description="Makes a resend harmless")


class ChatReadIn(Schema):
    seq: json_int(ge=0, le=MAX_ID) = Field(description="Read up to this sequence number")  # type: ignore[valid-type]


class ChatReadOut(Schema):
    conversation: int = Field(alias="conversation_id")
    last_read_seq: int


class ChatSyncIn(Schema):
    have: dict[str, json_int(ge=0, le=MAX_ID)] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        description="Conversation id → the last seq the client has; a conversation left out comes from its start",
    )
    listed_only: StrictBool = Field(False, description="Only the conversations named in `have`")


class ChatSyncOut(Schema):
    items: list[ChatMessageOut] = Field(description="Oldest first within each conversation")
    more: bool = Field(description="More remain: ask again with the new last seqs")


class GroupIn(Schema):
    title: str = Field(max_length=rules.GROUP_TITLE_MAX, pattern=r"\S")


class GroupMemberOut(Schema):
    user_id: int
    name: str
    role: str
    joined_at: datetime


class GroupOut(Schema):
    id: int
    title: str
    last_seq: int
    members: list[GroupMemberOut]


class GroupUserIn(Schema):
    user_id: StrictId


class GroupInvitationOut(Schema):
    id: int
    group_id: int = Field(alias="conversation_id")
    group_title: str = Field(alias="conversation.title")
    inviter_id: int
    invitee_id: int
    state: str
    created_at: datetime
