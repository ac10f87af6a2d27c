from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from xiaodian.core.pagination import StrictId


class ConsentOut(Schema):
    store_id: int
    store_name: str
    subject_name: str = Field(description="The store's verified business subject (empty while unverified)")
    active: bool = Field(
        description="False once withdrawn: the store's staff can no longer message the buyer"
    )
    granted_at: datetime
    withdrawn_at: datetime | None


class MyContactOut(Schema):
    """A staff member holding the caller (a buyer) as a business contact."""

    id: int
    store_id: int
    store_name: str
    subject_name: str = Field(description="The verified business subject every staff message carries")
    staff_id: int
    staff_name: str
    conversation_id: int = Field(description="The business chat: /api/v1/chats/{id}/messages, /ws/chats/")
    consenting: bool
    created_at: datetime


class StoreContactOut(Schema):
    """A buyer the store's staff hold as a business contact."""

    id: int
    buyer_id: int
    buyer_name: str
    staff_id: int
    staff_name: str
    conversation_id: int
    legacy: bool = Field(description="Made while the store's customer service was the legacy one")
    consenting: bool = Field(description="False: the buyer withdrew; staff messages are refused")
    created_at: datetime


class ConsentingBuyerOut(Schema):
    buyer_id: int
    buyer_name: str
    granted_at: datetime


class InviteIn(Schema):
    buyer_id: StrictId = Field(description="A buyer whose consent to the store holds")


class ServiceModeOut(Schema):
    mode: str = Field(
        description="legacy (business contacts; staff may write first), workbench or self_built"
    )
    legacy_video_store: bool
    store_upgraded: bool = Field(description="The store's own upgrade (a separate step)")
    service_upgraded_at: datetime | None


class ServiceUpgradeIn(Schema):
    mode: Literal["workbench", "self_built"]
    webhook_url: str = Field("", max_length=200, description="Self-built mode's endpoint (HTTPS)")


class ServiceUpgradeOut(Schema):
    mode: str
    upgraded_at: datetime
    signing_secret: str | None = Field(None, description="Self-built mode: the signing secret, shown once")
