from datetime import date

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import ObjectId

from . import rules
from .rules import Surface


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=200, description="The `next_cursor` of the page before")
    limit: int = Field(rules.PAGE_SIZE, ge=1, le=rules.PAGE_MAX)


class ItemOut(Schema):
    type: str = Field(description="product, video, live or article")
    id: int
    title: str
    url: str = Field(description="The item's page; a product's carries scene 8 and this page's impression")
    image_url: str
    price_fen: int | None
    store_id: int
    store_name: str
    rank: int = Field(description="Its place in the chain of pages, from 1")
    friends: int = Field(description="The buyer's contacts who liked or bought it")
    friends_text: str = Field(description='"n 位朋友赞过", or "" when none')
    on_air: bool = Field(description="A live room broadcasting now")


class FeedOut(Schema):
    items: list[ItemOut]
    count: int
    next_cursor: str | None
    impression_id: int | None = Field(description="This page in the exposure log: the source of scene 8")


class FactorOut(Schema):
    name: str
    value: float


class StoreReachOut(Schema):
    traffic_weight: float
    paid_orders_30d: int
    private_orders_30d: int
    private_share_30d: float
    incentive: bool
    small_or_new: bool


class ExplainOut(Schema):
    type: str
    id: int
    store_id: int
    score: float
    factors: list[FactorOut]
    store: StoreReachOut
    policy: dict


class ExposureParams(Schema):
    start: date | None = None
    end: date | None = None
    surface: Surface = Surface.FEED


class ExposureDayOut(Schema):
    day: date
    impressions: int
    stores: int
    gini: float
    top_share: float
    small_share: float
    boost_share: float


class ExposureOut(Schema):
    items: list[ExposureDayOut]
    count: int


class ItemPath(Schema):
    type: str = Field(pattern="^(product|video|live|article)$")
    id: ObjectId
