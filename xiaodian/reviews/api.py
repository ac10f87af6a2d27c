"""The reviews endpoints: parse, call a service or selector, return a schema.

A review and a follow-up take either JSON (`{rating, text}`, `{text}`) or multipart/form-data with
the same fields plus up to 9 `images` files. The body is read after the ownership check, so a
stranger gets 404 without the upload being read, and learns nothing from how it is refused.
"""

from ninja import Query, Router

from xiaodian.accounts.auth import public_auth
from xiaodian.accounts.rules import Perm
from xiaodian.core import throttle
from xiaodian.core.openapi import body_with_images, refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.core.parsing import body_and_images
from xiaodian.stores.access import store_for

from . import rules, selectors, services
from .schemas import (
    FollowUpIn,
    ProductReviewsOut,
    ReplyIn,
    ReviewFilter,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    StoreReviewOut,
    SummaryOut,
)

router = Router(tags=["reviews"])


def _body(required: list[str], properties: dict) -> dict:
    return body_with_images(required, properties, images_max=rules.IMAGES_MAX)


_TEXT = {"type": "string", "maxLength": rules.TEXT_MAX}
_REVIEW_BODY = _body(
    ["rating"],
    {"rating": {"type": "integer", "minimum": rules.RATING_MIN, "maximum": rules.RATING_MAX}, "text": _TEXT},
)
_FOLLOW_UP_BODY = _body(["text"], {"text": {**_TEXT, "minLength": 1}})


@router.post(
    "/orders/{order_id}/lines/{line_id}/review", response={201: ReviewOut}, openapi_extra=_REVIEW_BODY
)
@refuses("rate_limited")
def create_review(request, order_id: ObjectId, line_id: ObjectId):
    """The buyer rates a line of a received order (status 100), once: 409 `review_not_allowed`
    before receipt, 409 `review_exists` the second time. Not your order → 404."""
    selectors.buyer_line(request.auth, order_id, line_id)
    body, images = body_and_images(request, ReviewIn)
    throttle.hit(rules.REVIEW_POST_PER_USER, request.auth.pk)
    review = services.create_review(
        buyer=request.auth,
        order_id=order_id,
        line_id=line_id,
        rating=body.rating,
        text=body.text,
        images=images,
    )
    return 201, selectors.review_for(request.auth, review.pk)


@router.post("/reviews/{review_id}/follow-up", response={201: ReviewOut}, openapi_extra=_FOLLOW_UP_BODY)
@refuses("rate_limited")
def add_follow_up(request, review_id: ObjectId):
    """The buyer's one follow-up (追评) to their review: 409 `follow_up_exists` the second time."""
    selectors.buyer_review(request.auth, review_id)
    body, images = body_and_images(request, FollowUpIn)
    throttle.hit(rules.REVIEW_POST_PER_USER, request.auth.pk)
    services.add_follow_up(buyer=request.auth, review_id=review_id, text=body.text, images=images)
    return 201, selectors.review_for(request.auth, review_id)


@router.post("/reviews/{review_id}/reply", response={201: ReviewOut})
@refuses("rate_limited")
def reply_to_review(request, review_id: ObjectId, body: ReplyIn):
    """The store's one reply, by staff with the customer-service permission (others of the store
    → 403, anyone else → 404); 409 `reply_exists` the second time."""
    throttle.hit(rules.REVIEW_POST_PER_USER, request.auth.pk)
    services.reply_to_review(staff=request.auth, review_id=review_id, text=body.text)
    return 201, selectors.review_for(request.auth, review_id)


@router.get("/reviews/{review_id}", response=ReviewOut, auth=public_auth)
def get_review(request, review_id: ObjectId):
    """Public while the product is public; its buyer and its store's staff always see it."""
    return selectors.review_for(request.auth, review_id)


@router.get("/products/{product_id}/reviews", response=ProductReviewsOut, auth=public_auth)
def list_product_reviews(request, product_id: ObjectId, query: Query[ReviewPage]):
    """The rating summary and the reviews, newest first (`?rating=` keeps one rating), each with
    its follow-up and the store's reply. Public for a public product; staff see any state."""
    selectors.visible_product(product_id, viewer=request.auth)
    summary = selectors.rating_summary(product_id)
    reviews = selectors.product_reviews(product_id, rating=query.rating)
    count = summary.count if query.rating is None else dict(summary.stars)[query.rating]
    return {
        "summary": SummaryOut.of(summary),
        "items": list(reviews[query.offset : query.offset + query.limit]),
        "count": count,
    }


@router.get("/stores/{store_id}/reviews", response=Page[StoreReviewOut])
def list_store_reviews(request, store_id: ObjectId, filters: Query[ReviewFilter], page: Query[PageParams]):
    """The store's reviews of all its products, newest first (any role in the store)."""
    store = store_for(request.auth, store_id, Perm.VIEW)
    return paginate(selectors.store_reviews(store, rating=filters.rating), page)
