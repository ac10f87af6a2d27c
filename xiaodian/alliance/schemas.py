from datetime import date, datetime

from ninja import Field, Schema

from xiaodian.core.pagination import MAX_ID, StrictId, json_int

from . import rules

Ratio = json_int(ge=0, le=rules.RATIO_MAX_PPM)


class EligibilityConditionOut(Schema):
    code: str = Field(description="subject_kind | score | violation")
    met: bool
    message: str
    value: str = Field(description="the store's: its subject kind, its score ('' when none), its violations")


class AllianceOut(Schema):
    store_id: int
    enabled: bool
    enabled_at: datetime | None
    conditions: list[EligibilityConditionOut]


class PlansIn(Schema):
    product_ids: list[StrictId] = Field(min_length=1, max_length=rules.PRODUCTS_PER_CALL)
    kind: json_int(ge=1, le=3) = Field(description="1 open, 2 targeted, 3 exclusive")  # type: ignore[valid-type]
    commission_ratio_ppm: Ratio = Field(description="0–900000 (0–90%), parts per million")  # type: ignore[valid-type]
    service_ratio_ppm: Ratio = Field(0, description="the agency's service ratio, 0–900000")  # type: ignore[valid-type]
    starts_at: datetime | None = Field(None, description="default now; without a time zone, Asia/Shanghai")
    ends_at: datetime | None = None
    promoter_ids: list[StrictId] = Field(
        default_factory=list, max_length=rules.LISTED_MAX, description="targeted and exclusive plans: 1–30"
    )


class ListedOut(Schema):
    id: int
    name: str
    kind: str


class PlanOut(Schema):
    id: int
    store_id: int
    product_id: int
    product_title: str
    kind: int
    commission_ratio_ppm: int
    service_ratio_ppm: int
    starts_at: datetime
    ends_at: datetime | None
    stopped_at: datetime | None
    state: str = Field(description="scheduled | live | ended | stopped")
    promoters: list[ListedOut]


class PlansOut(Schema):
    items: list[PlanOut]


class JoinIn(Schema):
    kind: str = Field(description="creator | agency | sharer")
    name: str = Field(min_length=1, max_length=rules.NAME_MAX)
    video_account_id: StrictId | None = Field(None, description="a creator's own video account")


class AgencyIn(Schema):
    agency_id: StrictId


class PromoterOut(Schema):
    id: int
    kind: str
    name: str
    video_account_id: int | None
    video_account_name: str
    agency_id: int | None
    agency_name: str
    creators: int = Field(description="an agency's creators")


class LibraryFilter(Schema):
    category: int | None = Field(None, ge=1, le=MAX_ID, description="a category and all under it")
    ratio_min_ppm: int | None = Field(None, ge=0, le=rules.PPM)
    ratio_max_ppm: int | None = Field(None, ge=0, le=rules.PPM)
    price_min_fen: int | None = Field(None, ge=0, le=MAX_ID)
    price_max_fen: int | None = Field(None, ge=0, le=MAX_ID)


class LibraryItemOut(Schema):
    plan_id: int
    kind: int
    product_id: int
    title: str
    store_id: int
    store_name: str
    price_fen: int | None
    commission_ratio_ppm: int
    service_ratio_ppm: int
    commission_fen: int | None = Field(description="what one unit at the lowest price earns")
    store_score: str | None = Field(description="None: no score yet")
    sales: int = Field(description="units sold in paid orders in the last 30 days")
    rank: float = Field(description="commission_ratio_ppm × score × (sales + 1); docs/alliance.md")
    ends_at: datetime | None


class ShowcaseIn(Schema):
    product_id: StrictId


class ShowcaseItemOut(Schema):
    product_id: int
    title: str
    store_id: int
    added_at: datetime


class PromotedProductOut(Schema):
    """A product a buyer may buy through a showcase or a live room, attributed to its promoter."""

    product_id: int
    title: str
    price_fen: int | None = Field(description="the lowest active SKU price: the store's own price")
    image_url: str
    url: str = Field(description="the product page, carrying the touchpoint as scene and source")


class LivePromotionIn(Schema):
    product_id: StrictId


class LivePromotionOut(Schema):
    room_id: int
    product_id: int
    promoter_id: int
    added_at: datetime


class VideoPromotionOut(Schema):
    video_id: int
    title: str
    published: bool
    product_id: int
    attributes: bool = Field(description="a purchase from the video is attributed to the caller now")
    plan_id: int | None
    commission_ratio_ppm: int | None


class PromotionLinkIn(Schema):
    plan_id: StrictId


class PromotionLinkOut(Schema):
    code: str = Field(description="the share code; /a/<code> opens the product through it")
    plan_id: int
    product_id: int
    promoter_id: int
    agency_id: int | None
    url: str = Field(description="the product page, carrying the link (scene 4)")
    short_url: str
    created_at: datetime


class CommissionOrderOut(Schema):
    reference: str = Field(
        description="the commission order's number: AL<line id>, an agency's AL<line id>-S"
    )
    kind: str = Field(description="commission (the promoter's) or service (an agency's service fee)")
    order_id: int
    line_id: int
    store_id: int
    promoter_id: int = Field(description="the user paid")
    ratio_ppm: int = Field(description="of the line's paid amount, fixed when the order was paid")
    paid_fen: int = Field(description="the line's paid amount")
    refunded_fen: int
    amount_fen: int = Field(description="the commission at payment")
    commission_fen: int = Field(description="now: less what refunds took back or clawed back")
    state: int = Field(description="20 unsettled, 100 settled, 200 settlement cancelled")
    settled_at: datetime | None


class EarningsOut(Schema):
    pending_fen: int = Field(description="commission until the lines' after-sale periods end")
    available_fen: int = Field(description="withdrawable")
    owed_fen: int = Field(description="clawed back beyond what was available; repaid from the next")
    withdrawing_fen: int


# -- reports ----------------------------------------------------------------------------------------


class DaysParams(Schema):
    days: int = Field(
        rules.REPORT_DAYS, ge=1, le=rules.REPORT_DAYS_MAX, description="Shanghai days ending today"
    )


class PerformanceParams(DaysParams):
    by: rules.PerformanceBy = Field(rules.PerformanceBy.PROMOTER, description="promoter | product")


class EarningsDayOut(Schema):
    date: date
    earned_fen: int = Field(description="commission claimed on orders paid that day (into pending)")
    settled_fen: int = Field(description="pending → available when lines' after-sale periods ended")
    clawed_back_fen: int = Field(description="taken back by refunds, before or after settlement")


class EarningsTotalsOut(Schema):
    earned_fen: int
    settled_fen: int
    clawed_back_fen: int


class EarningsDailyOut(Schema):
    days: int
    from_: date = Field(serialization_alias="from")
    to: date
    items: list[EarningsDayOut] = Field(description="every day of the window, oldest first")
    totals: EarningsTotalsOut


class SalesSumsOut(Schema):
    orders: int = Field(description="distinct orders paid in the window")
    units: int
    paid_fen: int = Field(description="the promoted lines' paid amounts")
    refunded_fen: int
    commission_fen: int = Field(description="the promoters' commission, as held now (after refunds)")
    service_fen: int = Field(description="agencies' service fees, as held now")


class PerformanceRowOut(SalesSumsOut):
    id: int = Field(description="the promoter's id (by=promoter) or the product's (by=product)")
    name: str
    kind: str = Field(description="the promoter's kind: creator | agency | sharer; '' for a product")


class PerformanceOut(Schema):
    store_id: int
    by: str
    days: int
    from_: date = Field(serialization_alias="from")
    to: date
    items: list[PerformanceRowOut] = Field(description="the most paid first")
    count: int
    totals: SalesSumsOut


class AgencyCreatorOut(SalesSumsOut):
    promoter_id: int
    name: str
    video_account_name: str
    joined_at: datetime


class AgencyCreatorsOut(Schema):
    agency_id: int
    days: int
    from_: date = Field(serialization_alias="from")
    to: date
    items: list[AgencyCreatorOut] = Field(description="the agency's creators now, the most paid first")
    count: int
    totals: SalesSumsOut = Field(description="everything sold through the agency in the window")
    others: SalesSumsOut = Field(
        description="the part not by a current creator (the agency's own, creators who left)"
    )


class OverviewDayOut(Schema):
    date: date
    paid_fen: int
    commission_fen: int
    service_fen: int


class TopPromoterOut(SalesSumsOut):
    promoter_id: int
    name: str
    kind: str


class TopStoreOut(SalesSumsOut):
    store_id: int
    name: str


class OverviewOut(Schema):
    days: int
    from_: date = Field(serialization_alias="from")
    to: date
    stores_enabled: int
    live_plans: dict[str, int] = Field(description="plan type (1 open, 2 targeted, 3 exclusive) → live plans")
    promoters: dict[str, int] = Field(description="creator | agency | sharer → promoters")
    totals: SalesSumsOut
    items: list[OverviewDayOut] = Field(description="every day of the window, oldest first")
    top_promoters: list[TopPromoterOut]
    top_stores: list[TopStoreOut]
