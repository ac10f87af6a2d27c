from datetime import datetime

from ninja import Schema
from pydantic import Field, StrictBool

from xiaodian.core.pagination import NOT_BLANK, JsonInt, StrictId
from xiaodian.orders.rules import (
    CARRIER_MAX,
    DETAIL_MAX,
    PHONE_MAX,
    PHONE_PATTERN,
    QUANTITY_MAX,
    RECIPIENT_MAX,
    REGION_MAX,
    TRACKING_NO_MAX,
)

from . import rules
from .rules import Decision, Kind, Reason, Side, State


class AfterSaleIn(Schema):
    type: Kind
    line_id: StrictId
    quantity: JsonInt = Field(ge=1, le=QUANTITY_MAX)  # an order line holds at most this many
    reason_code: Reason = Reason.OTHER
    reason: str = Field("", max_length=rules.REASON_MAX)


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=rules.REASON_MAX)


class ShipmentIn(Schema):
    carrier: str = Field(min_length=1, max_length=CARRIER_MAX)
    tracking_no: str = Field(min_length=1, max_length=TRACKING_NO_MAX)


class ReceivedIn(Schema):
    carrier: str = Field("", max_length=CARRIER_MAX)
    tracking_no: str = Field("", max_length=TRACKING_NO_MAX)
    refund_fen: JsonInt | None = Field(
        None,
        description="For a return: refund less than asked (1 fen up to the amount; a reason is required)",
    )
    reason: str = Field("", max_length=rules.REASON_MAX, description="Why less than asked is refunded")


class DisputeIn(Schema):
    statement: str = Field(min_length=1, max_length=rules.EVIDENCE_TEXT_MAX)


class DecisionIn(Schema):
    decision: Decision
    note: str = Field("", max_length=rules.EVIDENCE_TEXT_MAX)


class EventOut(Schema):
    from_state: str
    to_state: str
    actor: str
    note: str
    at: datetime


class DisputeOut(Schema):
    id: int
    aftersale_id: int
    statement: str
    status: str
    decision: str
    decision_note: str
    created_at: datetime
    decided_at: datetime | None
    evidence: list[str] = Field(description="The buyer's evidence photos")
    merchant_statement: str = Field(description="The store's answer; empty until it answers")
    merchant_answered_at: datetime | None
    merchant_evidence: list[str]

    @staticmethod
    def resolve_evidence(obj) -> list[str]:
        return [e.image.url for e in obj.evidence.all() if e.side == Side.BUYER]

    @staticmethod
    def resolve_merchant_evidence(obj) -> list[str]:
        return [e.image.url for e in obj.evidence.all() if e.side == Side.MERCHANT]


class ReturnAddressIn(Schema):
    recipient: str = Field(min_length=1, max_length=RECIPIENT_MAX, pattern=NOT_BLANK)
    phone: str = Field(
        max_length=PHONE_MAX,
        pattern=PHONE_PATTERN,
        description="11 digits, starting with 1",
        examples=["13800138000"],
    )
    region: str = Field(min_length=1, max_length=REGION_MAX, pattern=NOT_BLANK)
    detail: str = Field(min_length=1, max_length=DETAIL_MAX, pattern=NOT_BLANK)
    is_default: StrictBool = False


class ReturnToOut(Schema):
    recipient: str
    phone: str
    region: str
    detail: str


class ReturnAddressOut(ReturnToOut):
    id: int
    is_default: bool
    created_at: datetime


class ApproveIn(Schema):
    return_address_id: StrictId | None = Field(
        None, description="For a return or exchange: where the goods go back (default: the store's default)"
    )
    refund_fen: JsonInt | None = Field(
        None,
        description="For a refund: refund less than asked (1 fen up to the amount; a reason is required)",
    )
    reason: str = Field("", max_length=rules.REASON_MAX, description="Why less than asked is refunded")


class AfterSaleOut(Schema):
    id: int
    order_id: int
    order_number: str
    line_id: int
    store_id: int
    type: str
    reason_code: str
    reason: str
    quantity: int
    amount_fen: int
    refund_fen: int | None = Field(description="What the merchant agreed to refund when less than asked")
    short_reason: str = Field(description="Why less than asked was refunded")
    state: str
    state_label: str
    created_at: datetime
    merchant_deadline: datetime
    reject_reason: str
    rejected_at: datetime | None
    return_deadline: datetime | None
    return_carrier: str
    return_tracking_no: str
    return_to: ReturnToOut | None = Field(description="The store's return address, once a return is approved")
    exchange_carrier: str
    exchange_tracking_no: str
    refunded_at: datetime | None
    images: list[str]
    events: list[EventOut]
    dispute: DisputeOut | None

    @staticmethod
    def resolve_type(obj) -> str:
        return obj.kind

    @staticmethod
    def resolve_return_to(obj) -> dict | None:
        return obj.return_to or None

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(State(obj.state).label)

    @staticmethod
    def resolve_images(obj) -> list[str]:
        return [i.image.url for i in obj.images.all()]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_dispute(obj):
        return getattr(obj, "dispute", None)
