"""Store rules (DOMAIN.md "Subjects and stores"). These are the shipped defaults; operators change
the live values in the admin (`PlatformRules`), which starts from these."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.rules import SubjectKind

STORE_LIMITS = {
    SubjectKind.ENTERPRISE: 30,
    SubjectKind.INDIVIDUAL_BUSINESS: 30,
    SubjectKind.INDIVIDUAL: 1,
}
LEGACY_VIDEO_STORE_LIMIT = 5

NAME_MIN = 2
NAME_MAX = 30
NAME_INPUT_MAX = 100  # what a form or the API accepts; the service then checks NAME_MIN–NAME_MAX
DESCRIPTION_MAX = 500
BRAND_MAX = 30  # a brand authorisation's brand
CERTIFICATE_NUMBER_MAX = 40

RESERVED_WORDS = (
    "旗舰",
    "专卖",
    "专营",
    "官方",
    "直营",
    "官方认证",
    "官方授权",
    "特许经营",
    "特约经销",
    "flagship",
    "official",
    "exclusive",
    "authorized",
)

# The only shapes a brand store with an approved authorisation may give its name
# ({category} is optional and is any category's name).
BRAND_SHAPES = (
    "{brand}官方旗舰店",
    "{brand}{category}旗舰店",
    "{brand}{trade_name}{category}专卖店",
    "{trade_name}{category}专营店",
)


class StoreKind(models.TextChoices):
    ORDINARY = "ordinary", _("普通店")
    BRAND = "brand", _("品牌店")


class StoreState(models.TextChoices):
    OPENING = "opening", _("开店中")
    OPEN = "open", _("营业中")
    CLOSING = "closing", _("关店中")
    CLOSED = "closed", _("已关闭")


class LinkKind(models.TextChoices):
    OFFICIAL_ACCOUNT = "official_account", _("公众号")
    VIDEO_ACCOUNT = "video_account", _("视频号")
    MINI_PROGRAM = "mini_program", _("小程序")


class LinkState(models.TextChoices):
    INVITED = "invited", _("待确认")
    BOUND = "bound", _("已绑定")
    REJECTED = "rejected", _("已拒绝")
    EXPIRED = "expired", _("已过期")
    UNBOUND = "unbound", _("已解绑")


# Linked accounts (DOMAIN.md "Touchpoints"): up to this many of each kind per store, counting
# open invitations; an invitation the owner has not answered expires after LINK_INVITE_TTL.
LINKS_PER_KIND = 5
LINK_INVITE_TTL = timedelta(days=7)
LIVE_LINK_STATES = (LinkState.INVITED, LinkState.BOUND)

# The store homepage (DOMAIN.md "Touchpoints"; the module shapes are in homepage.py).
MODULES_MAX = 20
HOMEPAGE_TITLE_MAX = 30  # a banner's title, a section's heading
GRID_PRODUCTS_MAX = 20  # chosen products in a grid, and an automatic grid's limit
GRID_AUTO_LIMIT = 6  # an automatic grid's limit when none is given
ARTICLES_MAX = 10
VIDEOS_MAX = 10
# A store that has not published a homepage shows one automatic grid of this many products.
DEFAULT_GRID_LIMIT = 12
# How many of each kind the editor offers to pick from (the newest first).
PICKER_MAX = 60
BANNER_MAX_BYTES = 5 * 2**20
BANNER_MAX_PIXELS = 4096
IMAGE_PATH_MAX = 100  # a banner image's stored path


class DepositStatus(models.TextChoices):
    PENDING = "pending", _("待支付")
    PAID = "paid", _("已缴纳")
    REFUNDED = "refunded", _("已退还")


class AuthorizationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


# The category tree the platform ships with (operators edit it in the admin): (name, deposit in fen
# or None for "as the parent", children). 0 marks a zero-deposit category.
DEFAULT_CATEGORIES: tuple = (
    ("服饰鞋包", 200_000, (("女装", None, ()), ("男装", None, ()), ("鞋靴", None, ()), ("箱包", None, ()))),
    ("食品饮料", 300_000, (("休闲零食", None, ()), ("茶叶", None, ()), ("酒类", 1_000_000, ()))),
    ("生鲜", 300_000, (("水果", None, ()), ("海鲜水产", None, ()))),
    ("美妆个护", 500_000, (("护肤", None, ()), ("彩妆", None, ()))),
    ("数码家电", 500_000, (("手机", None, ()), ("电脑办公", None, ()), ("家用电器", None, ()))),
    ("家居日用", 0, (("收纳整理", None, ()), ("厨房用具", None, ()))),
    ("图书文娱", 0, (("图书", None, ()), ("文具", None, ()))),
    ("珠宝首饰", 1_000_000, (("黄金", None, ()), ("玉石", None, ()))),
    ("教育培训", 200_000, (("在线课程", None, ()),)),
)
