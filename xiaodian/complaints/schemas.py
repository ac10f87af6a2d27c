from datetime import datetime

from ninja import Field, Schema

from .rules import TEXT_MAX


class ComplaintIn(Schema):
    reason: str = Field(
        description="not_as_described | late_shipping | rude_service | contact_diversion | other"
    )
    text: str = Field(max_length=TEXT_MAX)
    order_id: int | None = Field(None, description="One of your paid orders; or give store_id")
    store_id: int | None = Field(None, description="An open store, when the complaint is not about an order")


class AnswerIn(Schema):
    text: str = Field(max_length=TEXT_MAX)


class RulingIn(Schema):
    at_fault: bool = Field(description="true: the merchant is at fault (upheld, counts in the score)")
    note: str = Field("", max_length=TEXT_MAX)


class StepOut(Schema):
    at: datetime
    who: str = Field(description="buyer | merchant | platform")
    what: str
    text: str
    images: list[str]


class ComplaintOut(Schema):
    id: int
    store_id: int
    store_name: str
    order_id: int | None
    order_number: str | None
    reason: str
    reason_label: str
    state: str = Field(description="open | answered | upheld | dismissed")
    state_label: str
    created_at: datetime
    timeline: list[StepOut]
