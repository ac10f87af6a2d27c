"""Writes: a buyer's review of a received line, its one follow-up, the store's one reply.

Each checks who may write first (a stranger gets not_found whatever else is wrong), then the
state (received? already written?), then the content (rating, text, images: the images are
checked with Pillow before the transaction opens), then writes in one transaction. "Once" is also
a unique constraint, so two racing submits make one row and the other gets the refusal. The
events go out on commit.
"""

import uuid
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.catalog.services import CheckedImage
from xiaodian.catalog.services import check_images as catalog_images
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.permissions import require_user
from xiaodian.core.text import contains_contact_details, is_storable
from xiaodian.orders.models import Order, OrderLine
from xiaodian.stores.access import store_for

from . import rules, selectors, signals
from .models import FollowUp, Reply, Review, ReviewImage
from .rules import ImagePart

# ------------------------------------------------------------------------------------ checking input


def clean_text(text: str | None, *, required: bool, field: str = "text") -> str:
    """The text stripped; refused when empty (if required), too long, unstorable or carrying
    contact details (orders stay on the platform: DOMAIN.md "Live rooms")."""
    text = (text or "").strip()
    if required and not text:
        raise DomainError("validation_error", _("请填写内容。"), field=field)
    if len(text) > rules.TEXT_MAX:
        raise DomainError(
            "validation_error", _("内容不能超过 %(max)d 个字。") % {"max": rules.TEXT_MAX}, field=field
        )
    if not is_storable(text):
        raise DomainError("validation_error", _("内容中含有无法保存的字符。"), field=field)
    if contains_contact_details(text):
        raise DomainError(
            "contact_details_not_allowed",
            _("内容不能包含手机号、微信号、QQ 号、邮箱或链接。"),
            field=field,
        )
    return text


def check_rating(rating) -> int:
    if (
        isinstance(rating, bool)
        or not isinstance(rating, int)
        or not (rules.RATING_MIN <= rating <= rules.RATING_MAX)
    ):
        raise DomainError(
            "validation_error",
            _("请选择 %(min)d–%(max)d 星。") % {"min": rules.RATING_MIN, "max": rules.RATING_MAX},
            field="rating",
        )
    return rating


def check_images(uploads: Sequence[UploadedFile] | None, *, field: str = "images") -> list[CheckedImage]:
    return catalog_images(uploads, limit=rules.IMAGES_MAX, field=field)


def _save_images(review: Review, checked: list[CheckedImage], part: str) -> None:
    """Store the files under generated names and their rows; inside the caller's transaction. If
    the rows fail, the files written so far are deleted."""
    stored: list[str] = []
    try:
        rows = []
        for position, image in enumerate(checked):
            name = default_storage.save(
                f"reviews/{clock.now():%Y/%m}/{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data)
            )
            stored.append(name)
            rows.append(
                ReviewImage(
                    review=review,
                    part=part,
                    image=name,
                    width=image.width,
                    height=image.height,
                    position=position,
                )
            )
        ReviewImage.objects.bulk_create(rows)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise


# ---------------------------------------------------------------------------------------- review


def _ensure_reviewable(line: OrderLine, order: Order) -> None:
    if order.status not in rules.REVIEWABLE_STATUSES:
        raise DomainError("review_not_allowed")
    if Review.objects.filter(line_id=line.pk).exists():
        raise DomainError("review_exists")


def create_review(
    *,
    buyer: User,
    order_id: int,
    line_id: int,
    rating: int,
    text: str = "",
    images: Sequence[UploadedFile] = (),
) -> Review:
    """The buyer's review of one line of a received order: 1–5 stars, up to 500 characters (may be
    empty) and up to 9 images; once per line."""
    require_user(buyer)
    line = selectors.buyer_line(buyer, order_id, line_id)
    _ensure_reviewable(line, line.order)
    rating = check_rating(rating)
    text = clean_text(text, required=False)
    checked = check_images(images)
    with transaction.atomic():
        # The order's row lock: a refund cannot move the order while the review is written.
        order = Order.objects.select_for_update().get(pk=line.order_id)
        _ensure_reviewable(line, order)
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    line=line,
                    order=order,
                    product_id=line.product_id,
                    store_id=order.store_id,
                    buyer=buyer,
                    rating=rating,
                    text=text,
                    created_at=clock.now(),
                )
        except IntegrityError as exc:  # another submit won the race
            raise DomainError("review_exists") from exc
        _save_images(review, checked, ImagePart.REVIEW)
        transaction.on_commit(lambda: signals.review_posted.send(sender=Review, review=review))
    return review


# ------------------------------------------------------------------------------------- follow-up


def add_follow_up(*, buyer: User, review_id: int, text: str, images: Sequence[UploadedFile] = ()) -> FollowUp:
    """The buyer's one follow-up (追评) to their own review: text (required, ≤ 500) and up to 9
    images. It carries no rating and changes nothing the store score counts."""
    require_user(buyer)
    review = Review.objects.filter(pk=review_id, buyer_id=buyer.pk).first()
    if review is None:
        raise DomainError("not_found")
    if FollowUp.objects.filter(review=review).exists():
        raise DomainError("follow_up_exists")
    text = clean_text(text, required=True)
    checked = check_images(images)
    with transaction.atomic():
        try:
            with transaction.atomic():
                follow_up = FollowUp.objects.create(review=review, text=text, created_at=clock.now())
        except IntegrityError as exc:
            raise DomainError("follow_up_exists") from exc
        _save_images(review, checked, ImagePart.FOLLOW_UP)
        transaction.on_commit(
            lambda: signals.follow_up_posted.send(sender=Review, review=review, follow_up=follow_up)
        )
    return follow_up


# ----------------------------------------------------------------------------------------- reply


def reply_to_review(*, staff: User, review_id: int, text: str) -> Reply:
    """The store's one reply to a review, by staff with the customer-service permission (no role
    in the store → not_found, a role without it → permission_denied)."""
    require_user(staff)
    store_for(staff, selectors.store_id_of(review_id), rules.REPLY_PERM)
    if Reply.objects.filter(review_id=review_id).exists():
        raise DomainError("reply_exists")
    text = clean_text(text, required=True)
    with transaction.atomic():
        review = Review.objects.get(pk=review_id)
        try:
            with transaction.atomic():
                reply = Reply.objects.create(review=review, author=staff, text=text, created_at=clock.now())
        except IntegrityError as exc:
            raise DomainError("reply_exists") from exc
        transaction.on_commit(lambda: signals.review_replied.send(sender=Review, review=review, reply=reply))
    return reply
