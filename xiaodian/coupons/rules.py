"""Coupons and full-reduction campaigns: DOMAIN.md "Coupons and promotions". The numbers live here."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    STORE = "store", _("店铺券")  # any product of the store
    PRODUCT = "product", _("商品券")  # the listed products
    LIVE = "live", _("直播券")  # claimable only in its live room, used only in the room's checkout


class DiscountType(models.TextChoices):
    THRESHOLD_OFF = "threshold_off", _("满减")  # amount off when the eligible goods reach a threshold
    PERCENT_OFF = "percent_off", _("折扣")  # a percentage off, optionally capped (and with a threshold)
    AMOUNT_OFF = "amount_off", _("立减")  # amount off, no threshold


class CouponState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("发放中")
    STOPPED = "stopped", _("已停止")
    # Not stored: an active coupon past its claim window shows as ended (claimed coupons stay usable).
    ENDED = "ended", _("已结束")


class BuyerCouponState(models.TextChoices):
    UNUSED = "unused", _("未使用")
    USED = "used", _("已使用")
    # Back with the buyer after its order was cancelled unpaid or fully refunded: usable again.
    RETURNED = "returned", _("已退回")
    # Not stored: an unused or returned coupon past its use window.
    EXPIRED = "expired", _("已过期")


USABLE = (BuyerCouponState.UNUSED, BuyerCouponState.RETURNED)


class CampaignState(models.TextChoices):
    ACTIVE = "active", _("进行中")
    STOPPED = "stopped", _("已停止")
    ENDED = "ended", _("已结束")  # not stored: past its window


NAME_MAX = 30
TOTAL_MAX = 10_000_000
PER_BUYER_MAX = 100
AMOUNT_MAX_FEN = 100_000_000  # ¥1,000,000
PERCENT_MIN, PERCENT_MAX = 1, 99
VALID_DAYS_MAX = 365
PRODUCTS_MAX = 100  # on one product coupon or campaign
TIERS_MAX = 5  # a campaign's 满减 tiers
WINDOW_MAX = timedelta(days=366)  # a claim, use or campaign window

# Why a coupon cannot be used at checkout (coupon_not_usable's `reason`).
NOT_USABLE = {
    "used": _("这张优惠券已经用过了。"),
    "expired": _("这张优惠券已过期。"),
    "not_yet_valid": _("这张优惠券还没到可用时间。"),
    "other_store": _("这张优惠券不能用于这家店铺的订单。"),
    "other_products": _("这张优惠券不能用于这些商品。"),
    "threshold": _("还差 %(short)s 才能使用这张优惠券（满 %(threshold)s 可用）。"),
    "outside_room": _("直播券只能在它的直播间里下单时使用。"),
    "one_per_order": _("每个店铺订单只能用一张店铺优惠券。"),
}


def percent_off_fen(eligible_fen: int, percent: int, cap_fen: int) -> int:
    """A percentage of the eligible goods, rounded down to the fen, at most the cap (0: no cap)."""
    off = eligible_fen * percent // 100
    return min(off, cap_fen) if cap_fen else off


def best_tier(eligible_fen: int, tiers: list[list[int]]) -> int:
    """A campaign's discount: the largest tier whose threshold the eligible goods reach (0: none)."""
    return max((off for threshold, off in tiers if eligible_fen >= threshold), default=0)
