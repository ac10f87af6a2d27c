from datetime import datetime

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import PageParams

from . import rules
from .selectors import RatingSummary, masked_name

Rating = Field(ge=rules.RATING_MIN, le=rules.RATING_MAX, description="1–5 stars")


class ReviewIn(Schema):
    rating: int = Rating
    text: str = Field("", max_length=rules.TEXT_MAX, description="May be empty; no contact details")


class FollowUpIn(Schema):
    text: str = Field(min_length=1, max_length=rules.TEXT_MAX, description="No contact details")


class ReplyIn(Schema):
    text: str = Field(min_length=1, max_length=rules.TEXT_MAX, description="No contact details")


class ReviewFilter(Schema):
    rating: int | None = Field(None, ge=rules.RATING_MIN, le=rules.RATING_MAX, description="Only this rating")


class ReviewPage(PageParams, ReviewFilter):
    pass


class ImageOut(Schema):
    url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.image.url


class FollowUpOut(Schema):
    text: str
    images: list[ImageOut]
    created_at: datetime


class ReplyOut(Schema):
    text: str
    created_at: datetime


class ReviewOut(Schema):
    """A review as anyone who may see it sees it: the reviewer's name is masked."""

    id: int
    product_id: int
    rating: int
    text: str
    specs: dict[str, str] = Field(description='The spec values of the SKU bought, e.g. {"颜色": "白"}')
    buyer_name: str = Field(description="The first character of the reviewer's name, then ***")
    images: list[ImageOut]
    created_at: datetime
    follow_up: FollowUpOut | None
    reply: ReplyOut | None

    @staticmethod
    def resolve_specs(obj) -> dict:
        return obj.line.specs

    @staticmethod
    def resolve_buyer_name(obj) -> str:
        return masked_name(obj.buyer)

    @staticmethod
    def resolve_images(obj) -> list:
        return obj.review_images

    @staticmethod
    def resolve_follow_up(obj) -> dict | None:
        follow_up = obj.follow_up_or_none
        if follow_up is None:
            return None
        return {"text": follow_up.text, "images": obj.follow_up_images, "created_at": follow_up.created_at}

    @staticmethod
    def resolve_reply(obj):
        return obj.reply_or_none


class StoreReviewOut(ReviewOut):
    """A review as its store's staff see it: with the order, line and product it is about."""

    order_id: int
    line_id: int
    product_title: str

    @staticmethod
    def resolve_product_title(obj) -> str:
        return obj.product.title


class StarCount(Schema):
    rating: int
    count: int


class SummaryOut(Schema):
    count: int
    average: float | None = Field(description="The mean rating to two decimals; null without reviews")
    stars: list[StarCount] = Field(description="How many reviews gave each rating, 5 stars first")

    @staticmethod
    def of(summary: RatingSummary) -> "SummaryOut":
        return SummaryOut(
            count=summary.count,
            average=float(summary.average) if summary.average is not None else None,
            stars=[StarCount(rating=r, count=n) for r, n in summary.stars],
        )


class ProductReviewsOut(Schema):
    summary: SummaryOut
    items: list[ReviewOut]
    count: int = Field(description="Reviews matching the filter (all of them without one)")
