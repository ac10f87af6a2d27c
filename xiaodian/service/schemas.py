from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictBool

from xiaodian.core.pagination import (
    MAX_ID,
    NOT_BLANK,
    ClockTime,
    JsonInt,
    ObjectId,
    SafeDate,
    StrictId,
    json_int,
)

from . import rules


class OpenIn(Schema):
    buyer_id: StrictId | None = Field(
        None, description="Staff only: start a session with this buyer (who consulted or ordered)"
    )


class ConversationOut(Schema):
    id: int
    store_id: int
    store_name: str = Field(alias="store.name")
    buyer_id: int
    mode: str
    status: str
    agent_id: int | None
    opened_by: str
    started_at: datetime
    last_message_at: datetime
    closed_at: datetime | None
    rating: int | None
    buyer_delivered_id: int
    buyer_read_id: int
    store_delivered_id: int
    store_read_id: int


class ConversationFilter(Schema):
    role: Literal["buyer", "store"] = "buyer"
    store_id: ObjectId | None = Field(None, description="With role=store: the store whose sessions to list")
    status: Literal["open", "closed"] | None = None
    mine: bool = Field(False, description="With role=store: only sessions assigned to the caller")


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender: str
    author_id: int | None
    kind: str
    text: str
    card: dict
    image: str | None
    client_id: str
    created_at: datetime

    @staticmethod
    def resolve_image(obj) -> str | None:
        return obj.image.url if obj.image else None


class MessagePage(Schema):
    items: list[MessageOut]
    has_more: bool = Field(
        description="Older messages exist (with `before` or no cursor) or newer ones (with `after`)"
    )


class MessageParams(Schema):
    before: int | None = Field(None, ge=1, le=MAX_ID)
    after: int | None = Field(None, ge=0, le=MAX_ID)
    limit: int = Field(50, ge=1, le=rules.PAGE_MAX)


class MessageIn(Schema):
    kind: Literal["text", "product", "order"] = "text"
    text: str = ""
    product_id: StrictId | None = None
    order_id: StrictId | None = None
    client_id: str = Field(
        "",
        max_length=rules.CLIENT_ID_MAX,
        description="Your id for the message: a resend with the same id is not saved twice",
    )


class TransferIn(Schema):
    to_user_id: StrictId


class RateIn(Schema):
    rating: JsonInt = Field(ge=rules.RATING_MIN, le=rules.RATING_MAX)
    comment: str = Field("", max_length=rules.RATING_COMMENT_MAX)


class ReceiptIn(Schema):
    up_to: JsonInt = Field(ge=0, le=MAX_ID)
    read: StrictBool = False


class SettingsIn(Schema):
    mode: Literal["workbench", "self_built"] | None = None
    welcome_message: str | None = Field(None, max_length=rules.SETTINGS_MESSAGE_MAX)
    offline_message: str | None = Field(None, max_length=rules.SETTINGS_MESSAGE_MAX)
    opens_at: ClockTime | None = None
    closes_at: ClockTime | None = None
    max_sessions: json_int(ge=1, le=rules.MAX_SESSIONS_LIMIT) | None = None
    webhook_url: str | None = Field(None, max_length=rules.WEBHOOK_URL_MAX)


class SettingsOut(Schema):
    store_id: int
    mode: str
    welcome_message: str
    offline_message: str
    opens_at: ClockTime
    closes_at: ClockTime
    max_sessions: int
    webhook_url: str
    mode_changed_at: datetime | None
    webhook_secret: str | None = Field(
        None,
        description="Only in the answer that switched to self-built mode: keep it, it is not shown again",
    )


class PresenceIn(Schema):
    status: Literal["online", "away", "offline"]


class PresenceOut(Schema):
    store_id: int
    user_id: int
    status: str


class QuickReplyIn(Schema):
    text: str = Field(min_length=1, pattern=NOT_BLANK)


class QuickReplyOut(Schema):
    id: int
    text: str


class AutoReplyIn(Schema):
    keyword: str = Field(min_length=1, pattern=NOT_BLANK)
    reply: str = Field(min_length=1, pattern=NOT_BLANK)


class AutoReplyOut(Schema):
    id: int
    keyword: str
    reply: str


class StatsParams(Schema):
    from_: SafeDate | None = Field(None, alias="from")
    to: SafeDate | None = None


class StatsOut(Schema):
    from_: date = Field(alias="from")
    to: date
    sessions: int
    counted: int = Field(description="Sessions started 08:00–23:00 (the ones the reply target counts)")
    within_3min: int
    within_3min_rate: float | None
    target: float
    replied: int
    average_first_reply_seconds: float | None
    rated: int
    satisfaction: float | None
