"""A buyer's review of one received order line, its one follow-up (追评), the store's one reply,
and their images. "Once" is the one-to-one field's unique constraint each time (a review per
line, a follow-up and a reply per review), so two racing submits make one row."""

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Product
from xiaodian.orders.models import Order, OrderLine
from xiaodian.stores.models import Store

from . import rules
from .rules import ImagePart


class Review(models.Model):
    """The first (and only rated) review of a line. `order`, `product` and `store` are copied from
    the line so the product page and the store score read one table."""

    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="review")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("评分"))
    text = models.CharField(_("评价内容"), max_length=rules.TEXT_MAX, blank=True)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("评价")
        verbose_name_plural = pgettext_lazy("plural", "评价")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=rules.RATING_MIN, rating__lte=rules.RATING_MAX),
                name="review_rating_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "-created_at"]),
            models.Index(fields=["store", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} ★{self.rating}"

    # Read helpers over what the selectors fetched (`image_list` prefetched; follow-up and reply
    # joined): no queries of their own when the review came from a selector.

    def _images(self, part: str) -> list["ReviewImage"]:
        images = getattr(self, "image_list", None)
        if images is None:
            images = list(self.images.all())
        return [image for image in images if image.part == part]

    @property
    def review_images(self) -> list["ReviewImage"]:
        return self._images(ImagePart.REVIEW)

    @property
    def follow_up_images(self) -> list["ReviewImage"]:
        return self._images(ImagePart.FOLLOW_UP)

    @property
    def follow_up_or_none(self) -> "FollowUp | None":
        try:
            return self.follow_up
        except ObjectDoesNotExist:
            return None

    @property
    def reply_or_none(self) -> "Reply | None":
        try:
            return self.reply
        except ObjectDoesNotExist:
            return None


class FollowUp(models.Model):
    """The buyer's one follow-up (追评): text and images, no rating."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="follow_up")
    text = models.CharField(_("追评内容"), max_length=rules.TEXT_MAX)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("追评")
        verbose_name_plural = pgettext_lazy("plural", "追评")

    def __str__(self) -> str:
        return f"follow-up of {self.review_id}"


class Reply(models.Model):
    """The store's one reply, written by a staff member with the customer-service permission."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("回复内容"), max_length=rules.TEXT_MAX)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("商家回复")
        verbose_name_plural = pgettext_lazy("plural", "商家回复")

    def __str__(self) -> str:
        return f"reply to {self.review_id}"


class ReviewImage(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="images")
    part = models.CharField(max_length=10, choices=ImagePart.choices, default=ImagePart.REVIEW)
    image = models.ImageField(upload_to="reviews/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("评价图片")
        verbose_name_plural = pgettext_lazy("plural", "评价图片")
        constraints = [
            models.CheckConstraint(condition=Q(part__in=ImagePart.values), name="review_image_part_known"),
        ]

    def __str__(self) -> str:
        return self.image.name
