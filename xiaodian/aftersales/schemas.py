from datetime import datetime

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import JsonInt, StrictId
from xiaodian.orders.rules import CARRIER_MAX, QUANTITY_MAX, TRACKING_NO_MAX

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
    state: str
    state_label: str
    created_at: datetime
    merchant_deadline: datetime
    reject_reason: str
    rejected_at: datetime | None
    return_deadline: datetime | None
    return_carrier: str
    return_tracking_no: str
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
