"""Traffic distribution's policy numbers (DOMAIN.md "Traffic distribution"; docs/distribution.md).

One copy each: the ranking (`ranking.Policy.default()`), the feed and `xiaodian simulate` read them
from here."""

PAGE_SIZE = 20  # items on one feed page

# "Not only for the top": no store and no creator takes more than this share of one page.
CREATOR_CAP = 0.20
# A share of each page goes to new and small stores (exploration).
EXPLORE_SHARE = 0.15
# Reach grows with diminishing returns on followers: "log" is 1 + log(1 + followers) / log(1 +
# REACH_REFERENCE): proportional to log(1 + followers), on the scale of the other factors (1 without
# followers, 2 at the reference, ~2.5 at a million, 3 at a hundred million).
FOLLOWER_REACH = "log"
REACH_REFERENCE = 10_000
# Nobody follows a store: its products rank with the reach of a median creator's followers (the
# video and official accounts of the bench seed and of `xiaodian simulate`'s world: ~400).
PRODUCT_FOLLOWERS = 400

# Private-domain incentive: a store whose private-domain share of paid orders over the window is at
# least PRIVATE_MIN_SHARE, with at least PRIVATE_MIN_ORDERS such orders, is boosted ×PRIVATE_BOOST.
PRIVATE_BOOST = 1.2
PRIVATE_MIN_SHARE = 0.20
PRIVATE_MIN_ORDERS = 10
PRIVATE_WINDOW_DAYS = 30

# Freshness: 1 for an item just published, halving towards FRESH_FLOOR every half-life.
FRESH_HALF_LIFE_HOURS = 72.0
FRESH_FLOOR = 0.2
# Social proof: 1 + SOCIAL_WEIGHT × log(1 + contacts who liked or bought the item), on reach's
# scale: ×1.69 for one contact (the reach of ~600 followers), ×2.10 for two (~25,000), ×2.39 for
# three (~360,000): what a few contacts vouch for outranks what a big account posts. A vouched-for
# item's freshness counts from the newest proof (feed.candidates): a contact's like or purchase is
# news to the buyer, however old the item.
SOCIAL_WEIGHT = 1.0


# ================================================================ the feed (docs/distribution.md)
# What the feed, the live square and the exposure log add: how candidates are gathered, what
# counts as what, and the feed impression as the source of scene 8.
# (imported here, below the numbers the ranking and the simulator read without Django)
from datetime import timedelta  # noqa: E402

from django.db import models  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from xiaodian.core.scenes import PRIVATE_DOMAIN  # noqa: E402


class Kind(models.IntegerChoices):
    """What a feed item is; the API names them by `Kind.slug`."""

    PRODUCT = 1, _("商品")
    VIDEO = 2, _("短视频")
    LIVE = 3, _("直播")
    ARTICLE = 4, _("文章")


SLUGS = {Kind.PRODUCT: "product", Kind.VIDEO: "video", Kind.LIVE: "live", Kind.ARTICLE: "article"}
KIND_OF_SLUG = {slug: kind for kind, slug in SLUGS.items()}


class Creator(models.IntegerChoices):
    """Who made an item, for the per-creator cap: a store (its products), a video account (its
    videos and live rooms) or an official account (its articles)."""

    STORE = 1, _("店铺")
    VIDEO_ACCOUNT = 2, _("视频号")
    OFFICIAL_ACCOUNT = 3, _("公众号")


class Surface(models.IntegerChoices):
    FEED = 1, _("发现页")
    LIVE_SQUARE = 2, _("直播广场")


# --- candidates (bounded pools, each one indexed range scan) -------------------------------------
POOL_FOLLOWS = 80  # newest items of the accounts the buyer follows
POOL_FRIENDS = 160  # items contacts liked or bought: the most contacts first, of ...
PROOF_ROWS = 2000  # ... the newest friend-proof rows (one per contact and item)
POOL_HISTORY = 60  # newest items of the stores the buyer bought from
POOL_FRESH = 100  # newest items anywhere
POOL_EXPLORE = 60  # newest items of new and small stores
POOL_LIVE = 200  # the live square: rooms on air or about to be
FOLLOWS_MAX = 200  # followed accounts considered (the newest follows)
HISTORY_STORES = 20  # stores of the buyer's newest paid orders
HISTORY_ORDERS = 50
FRESH_WINDOW = timedelta(days=30)  # items older than this leave the follow and history pools

# --- interest (what the buyer's history says about an item) -------------------------------------
# (the ranking takes interest in 0..1: the parts below add up to 1 at most)
INTEREST_BASE = 0.25
INTEREST_CATEGORY = 0.3  # + when the item's category is one the buyer bought in
INTEREST_HISTORY_STORE = 0.15  # + when the buyer bought from the item's store
INTEREST_FOLLOWED = 0.15  # + when the buyer follows its creator
INTEREST_LIKES = 0.15  # + × log(1 + likes) / log(1 + INTEREST_LIKES_FULL), at most 1
INTEREST_LIKES_FULL = 1000

# --- paging --------------------------------------------------------------------------------------
PAGE_MAX = 50
SESSION_PAGES = 20  # pages of one cursor chain (then the chain ends)

# --- the private-domain incentive: the orders that count (scenes 9–13)
PRIVATE_SCENES = frozenset(int(s) for s in PRIVATE_DOMAIN)

# --- new and small stores (the exploration share) -----------------------------------------------
NEW_STORE_AGE = timedelta(days=30)
SMALL_STORE_ORDERS = 30  # paid orders in the last 30 days at most

# --- the feed impression as the source of scene 8 ------------------------------------------------
SOURCE_TYPE = "feed"
SOURCE_VALID = timedelta(days=7)  # an impression older than this leads to no order

# --- exposure concentration ---------------------------------------------------------------------
TOP_SHARE = 0.01  # the top-1% of stores by exposure
EXPOSURE_DAYS = 30  # days the operators' page shows
EXPOSURE_DAYS_MAX = 180

FRIENDS_SHOWN = _("%(n)s 位朋友赞过")
