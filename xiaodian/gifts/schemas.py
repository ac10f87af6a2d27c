from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import StrictId, json_int
from xiaodian.orders.schemas import AddressIn

from . import rules
from .rules import SentFrom

SentFromCode = json_int(ge=0, le=max(SentFrom.values))


class GiftIn(Schema):
    """A gift of one unit to one friend (someone in your contacts)."""

    recipient_id: StrictId
    sku_id: StrictId
    message: str = Field("", max_length=rules.MESSAGE_MAX)
    sent_from: SentFromCode = Field(  # type: ignore[valid-type]
        SentFrom.CHAT,
        description="0 1:1 chat, 1 group chat, 2 official account, 3 video account, "
        "4 business-contact chat, 5 business-contact group, 6 mini program",
    )


class GroupGiftIn(Schema):
    """`count` gifts of one SKU to draw (the giver never draws): sent into a chats group
    (`conversation_id`, sent from 1: its members at the time they draw may draw, and the card goes
    into the group once paid), or sent from elsewhere (2–6) for the named `member_ids` to draw."""

    sku_id: StrictId
    count: json_int(ge=1, le=rules.GROUP_GIFTS_MAX)  # type: ignore[valid-type]
    conversation_id: StrictId | None = Field(None, description="the chats group it is sent into")
    member_ids: list[StrictId] = Field(
        default_factory=list,
        max_length=rules.GROUP_MEMBERS_MAX + 1,
        description="who may draw, when not sent into a group",
    )
    message: str = Field("", max_length=rules.MESSAGE_MAX)
    sent_from: SentFromCode = SentFrom.GROUP_CHAT  # type: ignore[valid-type]


class AcceptIn(Schema):
    """Where the gift goes: a new `address` or a saved `address_id`; `sku_id` switches to another
    style of the same product at the same price."""

    address: AddressIn | None = None
    address_id: StrictId | None = None
    sku_id: StrictId | None = None


class UnitOut(Schema):
    index: int
    order_id: int
    state: int
    accepted_at: datetime | None


class GiftOut(Schema):
    id: int
    kind: Literal["single", "group"]
    giver_id: int
    giver_name: str
    recipient_id: int | None
    sent_from: int
    sent_from_label: str
    conversation_id: int | None = Field(description="the chat it was sent into (sent from 0 or 1)")
    message: str
    product_id: int
    sku_id: int
    title: str
    count: int
    unit_fen: int
    state: int = Field(
        description="10 claimable, 20 claimed, 180 not claimed in time, "
        "181 refunded after timeout, 250 cancelled"
    )
    state_label: str
    created_at: datetime
    paid_at: datetime | None
    accept_by: datetime | None = Field(description="paid + 24 h: then what is left is refunded")
    order_ids: list[int] = Field(description="the gift's orders (the giver only; pay the first)")
    mine: UnitOut | None = Field(description="the unit you hold (recipient or winner)")
    commitment: str = Field(description="a group gift's SHA-256 commitment to its draw's seed")
    members_count: int
    draws_count: int
    won_count: int
    drawn: bool = Field(description="you drew this group gift")


class DrawnOut(Schema):
    seq: int
    won: bool
    unit_index: int | None
    gift: GiftOut


class DrawEntryOut(Schema):
    seq: int
    user_id: int
    name: str
    unit_index: int | None
    at: datetime


class DrawReportOut(Schema):
    gift_id: int
    count: int
    members: int
    commitment: str
    closed: bool
    closes_at: datetime | None
    seed: str = Field(description='the seed, revealed once the draw has closed ("" until then)')
    draws: list[DrawEntryOut]
    verified: bool | None = Field(description="null until the draw has closed")


class VerifyOut(Schema):
    gift_id: int
    closed: bool
    commitment_ok: bool | None
    assignment_ok: bool | None
    ok: bool | None
    expected: list[int | None] = Field(description="each draw's unit as recomputed from the seed")
