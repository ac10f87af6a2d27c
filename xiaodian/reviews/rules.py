"""Review rules (docs/reviews.md): who may review what, sizes and limits, read from this one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.rules import Perm
from xiaodian.core.throttle import Limit
from xiaodian.orders.rules import Status

RATING_MIN = 1
RATING_MAX = 5
RATINGS = tuple(range(RATING_MAX, RATING_MIN - 1, -1))  # 5 … 1, the order summaries and filters show
TEXT_MAX = 500  # the review, the follow-up and the reply alike
IMAGES_MAX = 9  # per review, and again per follow-up

# A line can be reviewed once its order is received (DOMAIN.md "Orders": 100 completed).
REVIEWABLE_STATUSES = frozenset({Status.COMPLETED})

# Replying to a buyer is customer service: agents reply, operators (products, orders) do not.
REPLY_PERM = Perm.CUSTOMER_SERVICE

# The store score's negative-review rate counts first reviews of these ratings (DOMAIN.md "Store score").
NEGATIVE_RATINGS = frozenset({1, 2})

# What each rating means, for the star picker and the filters.
RATING_LABELS = {
    5: _("非常满意"),
    4: _("满意"),
    3: _("一般"),
    2: _("不满意"),
    1: _("非常不满意"),
}

PAGE_SIZE = 10  # reviews per batch on the product page
MERCHANT_PAGE_SIZE = 20


# Rate limit on posting reviews, follow-ups and store replies together, per user, over the API and
# the pages (django-ratelimit's "COUNT/PERIOD"; docs/operations.md).
REVIEW_POST_PER_USER = Limit("reviews.post.user", "60/h")


class ImagePart(models.TextChoices):
    """Which part of a review an image belongs to."""

    REVIEW = "review", _("评价")
    FOLLOW_UP = "follow_up", _("追评")
