"""Gifts: DOMAIN.md "Gifts". The numbers, states and codes live here."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.orders import rules as order_rules


class GiftState(models.IntegerChoices):
    """A gift's state, and each of its units' (WeChat's codes)."""

    CLAIMABLE = 10, _("待领取")
    CLAIMED = 20, _("已领取")
    NOT_CLAIMED_IN_TIME = 180, _("超时未领取")
    REFUNDED_AFTER_TIMEOUT = 181, _("超时未领取已退款")
    CANCELLED = 250, _("已取消")


class SentFrom(models.IntegerChoices):
    """Where a gift was sent from."""

    CHAT = 0, _("单聊")
    GROUP_CHAT = 1, _("群聊")
    OFFICIAL_ACCOUNT = 2, _("公众号")
    VIDEO_ACCOUNT = 3, _("视频号")
    BUSINESS_CHAT = 4, _("企业微信单聊")
    BUSINESS_GROUP = 5, _("企业微信群聊")
    MINI_PROGRAM = 6, _("小程序")


class Kind(models.TextChoices):
    SINGLE = "single", _("送给一位好友")
    GROUP = "group", _("群礼物")


# Top-level categories (stores.rules.DEFAULT_CATEGORIES, by name) whose products, in them or in any
# of their subcategories, cannot be given.
EXCLUDED_CATEGORIES = ("珠宝首饰", "教育培训")
PRICE_MAX_FEN = 1_000_000  # ¥10,000 per gift (one unit)
MESSAGE_MAX = 100  # characters of the giver's message
# The recipient accepts (and group members draw) within this long after payment; then what is
# left is cancelled and refunded (the orders core's own timer: orders.rules.GIFT_ACCEPT_WITHIN).
ACCEPT_WITHIN: timedelta = order_rules.GIFT_ACCEPT_WITHIN
GROUP_GIFTS_MAX = 100  # gifts in one group gift
GROUP_MEMBERS_MAX = 500  # who may draw: at most a group's size
SEED_BYTES = 32  # the draw's secret seed

# A gift's state from its units' states (see `gift_state`).
OPEN_STATES = (GiftState.CLAIMABLE,)


def gift_state(unit_states: list[int]) -> int:
    """A gift's state from its units': cancelled when its payment never came (all 250); claimable
    while any unit is; claimed when every unit was; not claimed in time while an unclaimed unit's
    refund is under way (180); refunded after timeout once every unclaimed unit's refund succeeded."""
    states = set(unit_states)
    if GiftState.CANCELLED in states:
        return GiftState.CANCELLED
    if GiftState.CLAIMABLE in states:
        return GiftState.CLAIMABLE
    if states <= {GiftState.CLAIMED}:
        return GiftState.CLAIMED
    if GiftState.NOT_CLAIMED_IN_TIME in states:
        return GiftState.NOT_CLAIMED_IN_TIME
    return GiftState.REFUNDED_AFTER_TIMEOUT
