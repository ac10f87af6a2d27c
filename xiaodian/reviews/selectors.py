"""Reads for reviews: the product page's summary and list, one review, a store's reviews, and the
store score's input (`first_reviews`). Each costs a fixed number of queries, however many reviews,
images, follow-ups and replies there are."""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Product
from xiaodian.catalog.selectors import is_public
from xiaodian.core.errors import DomainError
from xiaodian.orders.models import OrderLine
from xiaodian.stores.models import Store, StoreStaff

from . import rules
from .models import Review, ReviewImage

# ------------------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class RatingSummary:
    """How a product is rated: the number of reviews, their mean rating to two decimals (None
    without reviews), and the number at each rating, 5 stars first."""

    count: int
    average: Decimal | None
    stars: tuple[tuple[int, int], ...]  # (rating, how many), 5 … 1

    @property
    def bars(self) -> list[dict]:
        """For the page: each rating with its count and share of all reviews (a whole percent)."""
        return [
            {"rating": rating, "count": n, "percent": round(100 * n / self.count) if self.count else 0}
            for rating, n in self.stars
        ]


def _summary(counts: dict[int, int]) -> RatingSummary:
    total = sum(counts.values())
    average = None
    if total:
        points = sum(rating * n for rating, n in counts.items())
        average = (Decimal(points) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return RatingSummary(
        count=total, average=average, stars=tuple((r, counts.get(r, 0)) for r in rules.RATINGS)
    )


def _rating_counts(reviews: QuerySet[Review]) -> dict[int, int]:
    return dict(reviews.order_by().values_list("rating").annotate(n=Count("pk")).values_list("rating", "n"))


def rating_summary(product_id: int) -> RatingSummary:
    """One query: the ratings of the product's reviews, counted by rating."""
    return _summary(_rating_counts(Review.objects.filter(product_id=product_id)))


def store_rating_summary(store: Store) -> RatingSummary:
    """One query: the same over every product of the store (the merchant list's filter tabs)."""
    return _summary(_rating_counts(Review.objects.filter(store=store)))


# ------------------------------------------------------------------------------------------ lists


def with_details(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """Reviews with what a page shows of each: the buyer (for the masked name), the line (specs),
    the follow-up and the reply (joined), and all images (one more query for the whole page)."""
    return reviews.select_related("buyer", "line", "follow_up", "reply").prefetch_related(
        Prefetch("images", queryset=ReviewImage.objects.order_by("position", "pk"), to_attr="image_list")
    )


def product_reviews(product_id: int, *, rating: int | None = None) -> QuerySet[Review]:
    """The product's reviews, newest first, with their details; `rating` keeps one rating."""
    reviews = Review.objects.filter(product_id=product_id)
    if rating is not None:
        reviews = reviews.filter(rating=rating)
    return with_details(reviews).order_by("-created_at", "-pk")


def store_reviews(store: Store, *, rating: int | None = None) -> QuerySet[Review]:
    """The store's reviews of all its products, newest first, with their details and product."""
    reviews = Review.objects.filter(store=store)
    if rating is not None:
        reviews = reviews.filter(rating=rating)
    return with_details(reviews).select_related("product").order_by("-created_at", "-pk")


def masked_name(user: User) -> str:
    """The reviewer as others see them: the first character of their name, then asterisks."""
    name = (user.display_name or user.username or "").strip()
    return f"{name[:1]}***" if name else "***"


# ------------------------------------------------------------------------------------- one object


def _viewer_role(queryset: QuerySet, viewer: User | None, store_field: str) -> QuerySet:
    """Annotate `viewer_role`: the viewer's role in the object's store, or None."""
    if viewer is None or not viewer.is_authenticated:
        return queryset
    role = StoreStaff.objects.filter(store_id=OuterRef(store_field), user=viewer).values("role")[:1]
    return queryset.annotate(viewer_role=Subquery(role))


def visible_product(product_id: int, *, viewer: User | None = None) -> Product:
    """The product whose reviews `viewer` may read: a public product (listed, its store open) for
    everyone, any product for its store's staff; otherwise not_found. One query."""
    products = _viewer_role(Product.objects.select_related("store"), viewer, "store_id")
    product = products.filter(pk=product_id).first()
    if product is None:
        raise DomainError("not_found")
    role = getattr(product, "viewer_role", None)
    if role is None and not is_public(product):
        raise DomainError("not_found")
    product.store.viewer_role = role  # so stores.access.can() answers for this viewer
    return product


def review_for(viewer: User | None, review_id: int) -> Review:
    """One review with its details, as `viewer` may see it: everyone while its product is public;
    its buyer and its store's staff always; otherwise not_found. Two queries."""
    reviews = _viewer_role(with_details(Review.objects.select_related("product__store")), viewer, "store_id")
    review = reviews.filter(pk=review_id).first()
    if review is None:
        raise DomainError("not_found")
    role = getattr(review, "viewer_role", None)
    is_buyer = viewer is not None and viewer.is_authenticated and review.buyer_id == viewer.pk
    if role is None and not is_buyer and not is_public(review.product):
        raise DomainError("not_found")
    review.product.store.viewer_role = role
    return review


def buyer_review(buyer: User, review_id: int) -> Review:
    """One of the buyer's own reviews with its details and product; anyone else's: not_found."""
    review = (
        with_details(Review.objects.filter(pk=review_id, buyer_id=buyer.pk))
        .select_related("product", "store")
        .first()
    )
    if review is None:
        raise DomainError("not_found")
    return review


def store_review(store: Store, review_id: int) -> Review:
    """One of the store's reviews with its details and product; another store's: not_found."""
    review = with_details(Review.objects.filter(pk=review_id, store=store)).select_related("product").first()
    if review is None:
        raise DomainError("not_found")
    review.store = store
    return review


def store_id_of(review_id: int) -> int:
    """The store a review is about (for the permission check before anything else); not_found."""
    store_id = Review.objects.filter(pk=review_id).values_list("store_id", flat=True).first()
    if store_id is None:
        raise DomainError("not_found")
    return store_id


def buyer_line(buyer: User, order_id: int, line_id: int) -> OrderLine:
    """A line of one of the buyer's orders, with its order and its review if any (`line.review`
    raises when there is none); anyone else's: not_found. One query."""
    line = (
        OrderLine.objects.select_related("order__store", "review")
        .filter(pk=line_id, order_id=order_id, order__buyer_id=buyer.pk)
        .first()
    )
    if line is None:
        raise DomainError("not_found")
    return line


# ------------------------------------------------------------------------------ the store score


@dataclass(frozen=True)
class FirstReview:
    """The first review of one order line: what the store score's negative-review rate counts."""

    line_id: int
    order_id: int
    product_id: int
    rating: int
    created_at: datetime

    @property
    def is_negative(self) -> bool:
        return self.rating in rules.NEGATIVE_RATINGS


def first_reviews(store_id: int, since: datetime, until: datetime) -> list[FirstReview]:
    """The first review of each of the store's lines reviewed in `[since, until)`, oldest first;
    one query. A line has at most one rated review (the follow-up carries no rating and the unique
    constraint allows one review), so these are the reviewed lines themselves:
    negative-review rate = sum(r.is_negative) / len(reviews)."""
    rows = (
        Review.objects.filter(store_id=store_id, created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "pk")
        .values_list("line_id", "order_id", "product_id", "rating", "created_at")
    )
    return [FirstReview(*row) for row in rows]
