from datetime import datetime

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import StrictId, json_int

from . import rules

Fen = json_int(ge=0, le=rules.AMOUNT_MAX_FEN)


class Tier(Schema):
    """A campaign's tier: off_fen off when the named products reach threshold_fen."""

    threshold_fen: json_int(ge=1, le=rules.AMOUNT_MAX_FEN)  # type: ignore[valid-type]
    off_fen: json_int(ge=1, le=rules.AMOUNT_MAX_FEN)  # type: ignore[valid-type]


class CouponIn(Schema):
    name: str = Field(max_length=rules.NAME_MAX)
    kind: str = Field(description="store, product or live")
    discount_type: str = Field(description="threshold_off (满减), percent_off, amount_off")
    amount_fen: Fen = 0  # type: ignore[valid-type]
    threshold_fen: Fen = 0  # type: ignore[valid-type]
    percent_off: json_int(ge=0, le=rules.PERCENT_MAX) = 0  # type: ignore[valid-type]
    cap_fen: Fen = Field(0, description="percent_off: at most this off; 0 no cap")  # type: ignore[valid-type]
    claim_starts_at: datetime = Field(description="without a time zone, Asia/Shanghai")
    claim_ends_at: datetime
    use_starts_at: datetime | None = Field(None, description="a fixed use window, or valid_days")
    use_ends_at: datetime | None = None
    valid_days: json_int(ge=1, le=rules.VALID_DAYS_MAX) | None = None  # type: ignore[valid-type]
    total_quantity: json_int(ge=1, le=rules.TOTAL_MAX)  # type: ignore[valid-type]
    per_buyer_limit: json_int(ge=1, le=rules.PER_BUYER_MAX) = 1  # type: ignore[valid-type]
    product_ids: list[StrictId] = Field(default_factory=list, max_length=rules.PRODUCTS_MAX)
    live_room_id: StrictId | None = None
    issue: bool = Field(False, description="issue at once (else a draft)")


class CouponPatch(Schema):
    """Any field of a draft; of an issued coupon only name and total_quantity. state "active" issues."""

    name: str | None = Field(None, max_length=rules.NAME_MAX)
    kind: str | None = None
    discount_type: str | None = None
    amount_fen: Fen | None = None  # type: ignore[valid-type]
    threshold_fen: Fen | None = None  # type: ignore[valid-type]
    percent_off: json_int(ge=0, le=rules.PERCENT_MAX) | None = None  # type: ignore[valid-type]
    cap_fen: Fen | None = None  # type: ignore[valid-type]
    claim_starts_at: datetime | None = None
    claim_ends_at: datetime | None = None
    use_starts_at: datetime | None = None
    use_ends_at: datetime | None = None
    valid_days: json_int(ge=1, le=rules.VALID_DAYS_MAX) | None = None  # type: ignore[valid-type]
    total_quantity: json_int(ge=1, le=rules.TOTAL_MAX) | None = None  # type: ignore[valid-type]
    per_buyer_limit: json_int(ge=1, le=rules.PER_BUYER_MAX) | None = None  # type: ignore[valid-type]
    product_ids: list[StrictId] | None = Field(None, max_length=rules.PRODUCTS_MAX)
    live_room_id: StrictId | None = None
    state: str | None = Field(None, description='"active" issues a draft')


class CouponOut(Schema):
    id: int
    store_id: int
    name: str
    kind: str
    discount_type: str
    label: str = Field(description="How the discount reads, e.g. 满 ¥199.00 减 ¥20.00")
    amount_fen: int
    threshold_fen: int
    percent_off: int
    cap_fen: int
    claim_starts_at: datetime
    claim_ends_at: datetime
    use_starts_at: datetime | None
    use_ends_at: datetime | None
    valid_days: int | None
    total_quantity: int
    per_buyer_limit: int
    claimed_count: int
    left: int = Field(description="Still to be claimed")
    state: str = Field(description="draft, active, stopped, or ended (past its claim window)")
    product_ids: list[int]
    live_room_id: int | None

    # The store's report (GET /stores/{id}/coupons?manage=true); null for buyers.
    used_count: int | None = None
    paid_fen: int | None = Field(None, description="The paid amount of the orders that used it")
    discount_given_fen: int | None = None


class ClaimIn(Schema):
    room_id: StrictId | None = Field(None, description="A live coupon is claimed only in its live room")


class BuyerCouponOut(Schema):
    id: int
    coupon: CouponOut
    store_name: str
    state: str = Field(description="unused, used, returned (usable again) or expired")
    valid_from: datetime
    valid_until: datetime
    claimed_at: datetime
    order_id: int | None
    discount_fen: int


class CampaignIn(Schema):
    name: str = Field(max_length=rules.NAME_MAX)
    product_ids: list[StrictId] = Field(min_length=1, max_length=rules.PRODUCTS_MAX)
    tiers: list[Tier] = Field(
        min_length=1, max_length=rules.TIERS_MAX, description="[[threshold_fen, off_fen], ...]"
    )
    starts_at: datetime
    ends_at: datetime


class CampaignOut(Schema):
    id: int
    store_id: int
    name: str
    product_ids: list[int]
    tiers: list[Tier]
    starts_at: datetime
    ends_at: datetime
    state: str = Field(description="active, stopped, or ended (past its window)")
