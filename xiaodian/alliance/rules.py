"""Preferred Alliance (优选联盟) policy: who may enable it, the plan types and their limits, the
promoter kinds, and the library's ranking (DOMAIN.md "Preferred Alliance"; docs/alliance.md)."""

from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.rules import SubjectKind
from xiaodian.orders.rules import SalesChannel

# Enabling: the subject kinds that may join, the lowest store score, and how far back a violation counts.
ELIGIBLE_SUBJECTS = frozenset({SubjectKind.ENTERPRISE, SubjectKind.INDIVIDUAL_BUSINESS})
MIN_SCORE = Decimal("4.00")
VIOLATION_WINDOW = timedelta(days=30)


class PlanKind(models.IntegerChoices):
    """WeChat Store's plan type numbers."""

    OPEN = 1, _("普通推广")
    TARGETED = 2, _("定向推广")
    EXCLUSIVE = 3, _("专属推广")


LISTED_KINDS = (PlanKind.TARGETED, PlanKind.EXCLUSIVE)  # plans that name their promoters

PPM = 1_000_000  # ratios are integers in parts per million (WeChat's 1/10⁶)
RATIO_MAX_PPM = 900_000  # 90%, for the commission and the agency's service ratio
LISTED_MAX = 30  # promoters one targeted or exclusive plan may name
PRODUCTS_PER_CALL = 20  # products one plan call may cover


class PromoterKind(models.TextChoices):
    CREATOR = "creator", _("达人")
    AGENCY = "agency", _("机构")
    SHARER = "sharer", _("分享员")


NAME_MAX = 30

# The sales channel a line records for a promotion: through an agency (the link was made under an
# agency's listing, or by the agency itself) 101; a creator's own 100. A sharer has no channel of
# its own in WeChat's list: its promotion is a person's, like a creator's, so 100.
CHANNEL_OF_KIND = {
    PromoterKind.CREATOR: SalesChannel.CREATOR,
    PromoterKind.SHARER: SalesChannel.CREATOR,
    PromoterKind.AGENCY: SalesChannel.AGENCY,
}

# The link a promoter shares opens the product page as a product share (scene 4) whose source is
# the link ("alliance", its token).
SOURCE_TYPE = "alliance"
# The other touchpoints (docs/alliance.md "Touchpoints"): a promoter's public showcase names the
# promoter (scene 3 for a creator, whose showcase hangs on the video account; scene 4 otherwise);
# a creator's short video is content's own source ("video", scene 3); alliance products on a
# creator's live room name the room (scene 2) through a source type of the alliance's own, since
# the live room's own source ("live_room") is bought only through the room's flash-sale flow.
SHOWCASE_SOURCE = "showcase"
VIDEO_SOURCE = "video"
LIVE_SOURCE = "live_promotion"
LIVE_PROMOTIONS_MAX = 100  # alliance products on one room
# A room's state as content's `live_rooms` resolver reports it (the live app's value; the alliance
# cannot import live): only a room that is on air attributes.
ROOM_ON_AIR = "live"


class Touchpoint(models.TextChoices):
    """Where a promoted line was sold."""

    LINK = "link", _("推广链接")
    SHOWCASE = "showcase", _("橱窗")
    VIDEO = "video", _("短视频")
    LIVE = "live", _("直播间")
    SHARE = "share", _("分享")  # a card the promoter shared in a chat, a group or Moments (shares)


TOKEN_BITS = 62  # a link's token: random, never sequential; fits a signed 64-bit source id

# The library ranks live plans by commission × store score × sales:
#   rank = commission_ratio_ppm × score × (units sold in paid orders in SALES_WINDOW + 1)
# where score is the store's current score, or UNSCORED_SCORE while it has none (a new store is
# neither helped nor hurt: 4.0 is where the traffic weight is 1.0). The +1 keeps a product
# that has not sold yet ranked by its commission and score instead of all tying at zero.
SALES_WINDOW = timedelta(days=30)
UNSCORED_SCORE = Decimal("4.00")
RERANK_EVERY = timedelta(hours=1)  # every plan's rank recomputed: the window moves, scores change


def library_rank(commission_ratio_ppm: int, score: Decimal | None, sales: int) -> float:
    """A plan's place in the library (higher first)."""
    return float(commission_ratio_ppm) * float(UNSCORED_SCORE if score is None else score) * (sales + 1.0)


LIBRARY_PAGE_MAX = 50
SHOWCASE_MAX = 500


# WeChat Store's commission order states (DOMAIN.md "Preferred Alliance").
COMMISSION_UNSETTLED = 20
COMMISSION_SETTLED = 100
COMMISSION_CANCELLED = 200

# Reports (docs/alliance.md "Reports"): windows of Shanghai days ending today, `?days=` 1–366,
# 30 by default; the pages offer QUICK_DAYS. TOP_N rows in the operators' top lists.
REPORT_DAYS = 30
REPORT_DAYS_MAX = 366
QUICK_DAYS = (7, 30, 90)
TOP_N = 10


class PerformanceBy(models.TextChoices):
    """The merchant's performance, one row per promoter or per product."""

    PROMOTER = "promoter", _("按推客")
    PRODUCT = "product", _("按商品")
