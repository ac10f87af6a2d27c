"""The store score's policy (DOMAIN.md "Store score"; docs/scoring.md): the window, the threshold,
the metrics and their directions, the default formula, the bands, badges and the traffic weight.

The formula itself (dimension and metric weights, which metrics count) lives in the database as
versioned rows (`Formula`); `DEFAULT_FORMULA` is version 1."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

# The rules two metrics measure, one copy each, owned by the apps that enforce them: an order's
# ship-by (paid + 48 h; the 48 h shipping rate) and the ratings that make a review negative.
from xiaodian.orders.rules import SHIP_WITHIN as SHIP_WITHIN
from xiaodian.reviews.rules import NEGATIVE_RATINGS as NEGATIVE_RATINGS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WINDOW = timedelta(days=90)
MIN_ORDERS = 30  # qualifying orders in the window before a store shows a score
FLOOR = 3.0
TOP = 5.0
CATEGORY_MIN_STORES = 20  # fewer scored stores than this: the platform's benchmarks instead
PLATFORM_MIN_STORES = 20  # fewer scored stores on the platform: the default benchmarks instead
# Smoothing: a store's rate counts as if PRIOR_SAMPLES more samples sat at its benchmark's median,
# (numerator + PRIOR_SAMPLES × m) / (denominator + PRIOR_SAMPLES), so a small sample is not taken as
# exact (docs/scoring.md "Smoothing").
PRIOR_SAMPLES = 10
TOP_SHARE = 0.10  # "top decile", "top 10%"

REPLY_WITHIN = timedelta(minutes=3)
REPLY_TARGET = 0.99  # of sessions answered by a human within 3 minutes, 08:00–23:00

# Badges.
BADGE_SCORE = Decimal("4.50")
BRAND_MIN_PRODUCTS = 4
BRAND_CLEAN_FOR = timedelta(days=183)  # "no violation in 6 months"
HOT_OPEN_MORE_THAN = timedelta(days=90)
HOT_SETTLED_WITHIN = timedelta(days=30)
HOT_MIN_SETTLED = 100

# Each badge condition's label (scoring.badges.conditions), as the data center and
# `xiaodian score explain` show them.
BADGE_CONDITIONS: dict[str, StrOrPromise] = {
    "score": _("店铺评分不低于 4.50"),
    "kind": _("店铺类型为品牌店"),
    "listed_products": _("在售商品数"),
    "recent_violations": _("近 6 个月无违规"),
    "open_days": _("开店超过 90 天"),
    "settled_30d": _("近 30 天已结算订单"),
    "score_above_median": _("评分高于类目中位数"),
    "gmv_30d_fen": _("近 30 天成交额进入类目前 10%"),
    "orders_30d": _("近 30 天订单数进入类目前 10%"),
    "service": _("服务体验得分进入类目前 10%"),
}

# Traffic weight: (score, weight) points joined by straight lines; no score -> NO_SCORE_WEIGHT.
NO_SCORE_WEIGHT = 1.0
WEIGHT_POINTS = ((3.0, 0.3), (4.0, 1.0), (5.0, 2.0))
BADGE_WEIGHT = 0.1


class Direction(models.TextChoices):
    LOWER = "lower", _("越低越好")
    HIGHER = "higher", _("越高越好")


class Band(models.TextChoices):
    TOP = "top", _("优秀（类目前 10%）")
    GOOD = "good", _("良好（优于类目中位数）")
    FAIR = "fair", _("一般（低于类目中位数）")
    POOR = "poor", _("较差")


class Unit(models.TextChoices):
    RATE = "rate", _("比例")
    HOURS = "hours", _("小时")


class Badge(models.TextChoices):
    BRAND = "brand_store", _("品牌好店")
    HOT = "hot_selling", _("热销好店")
    SERVICE = "service_store", _("服务好店")


# name -> (dimension, direction, unit, label, advice). The order is the report's order.
METRICS: dict[str, tuple[str, str, str, StrOrPromise, StrOrPromise]] = {
    "negative_review_rate": (
        "product",
        Direction.LOWER,
        Unit.RATE,
        _("差评率"),
        _("找出一二星评价集中的商品，改进质量或描述，并回复差评。"),
    ),
    "quality_return_rate": (
        "product",
        Direction.LOWER,
        Unit.RATE,
        _("品质退款率"),
        _("检查质量问题、描述不符、发错货和破损的退款原因，改进品控与包装。"),
    ),
    "ship_48h_rate": (
        "logistics",
        Direction.HIGHER,
        Unit.RATE,
        _("48 小时发货率"),
        _("付款后 48 小时内发货；备货慢的商品调整库存或发货时间。"),
    ),
    "delivery_hours": (
        "logistics",
        Direction.LOWER,
        Unit.HOURS,
        _("平均揽收到签收时长"),
        _("选择更快的快递，就近发货。"),
    ),
    "reply_3min_rate": (
        "service",
        Direction.HIGHER,
        Unit.RATE,
        _("3 分钟人工回复率"),
        _("08:00–23:00 保持客服在线，3 分钟内人工回复。"),
    ),
    "aftersale_hours": (
        "service",
        Direction.LOWER,
        Unit.HOURS,
        _("平均售后处理时长"),
        _("尽快处理售后申请，缩短退款和退货的周期。"),
    ),
    "dispute_rate": (
        "service",
        Direction.LOWER,
        Unit.RATE,
        _("纠纷率（商家责任）"),
        _("拒绝售后前与买家充分沟通，避免平台判定商家责任。"),
    ),
    "complaint_rate": (
        "service",
        Direction.LOWER,
        Unit.RATE,
        _("投诉率"),
        _("及时回应买家的问题，减少投诉。"),
    ),
}

DIMENSIONS: dict[str, StrOrPromise] = {
    "product": _("商品体验"),
    "logistics": _("物流体验"),
    "service": _("服务体验"),
}

# Metrics fed by apps above or beside scoring: the reply rate from `ServiceSessionFact` (the
# customer-service app fills it; a store with no counted session has no reply rate, and its
# service dimension's other metrics share the weight) and the complaint rate from the complaints
# app's upheld complaints.
SERVICE_APP_METRICS = ("reply_3min_rate", "complaint_rate")

# The operator's published default benchmarks (docs/scoring.md "Default benchmarks"): (median m,
# top decile t) of each metric, oriented so lower is better (a shipping rate as its late rate, a
# reply rate as the share of sessions not answered in 3 minutes; hours as hours). Used while the
# platform has fewer than PLATFORM_MIN_STORES scored stores with a value, so a lone store is not its
# own yardstick.
DEFAULT_BENCHMARKS: dict[str, tuple[float, float]] = {
    "negative_review_rate": (0.05, 0.02),
    "quality_return_rate": (0.03, 0.01),
    "ship_48h_rate": (0.05, 0.02),
    "delivery_hours": (72.0, 48.0),
    "reply_3min_rate": (0.10, 0.03),
    "aftersale_hours": (48.0, 24.0),
    "dispute_rate": (0.01, 0.003),
    "complaint_rate": (0.01, 0.003),
}

# The smallest median a metric is banded against: a median of zero (most stores lose no dispute)
# is never a divisor; the 4.0 → 3.0 band then runs from m to m + this.
MEDIAN_FLOOR: dict[str, float] = {
    "negative_review_rate": 0.01,
    "quality_return_rate": 0.01,
    "ship_48h_rate": 0.01,
    "delivery_hours": 1.0,
    "reply_3min_rate": 0.01,
    "aftersale_hours": 1.0,
    "dispute_rate": 0.01,
    "complaint_rate": 0.01,
}

DEFAULT_FORMULA: dict = {
    "dimensions": {
        "product": {
            "weight": 0.50,
            "metrics": {"negative_review_rate": 1.0, "quality_return_rate": 1.0},
        },
        "logistics": {
            "weight": 0.15,
            "metrics": {"ship_48h_rate": 1.0, "delivery_hours": 1.0},
        },
        "service": {
            "weight": 0.35,
            "metrics": {
                "reply_3min_rate": 1.0,
                "aftersale_hours": 1.0,
                "dispute_rate": 1.0,
                "complaint_rate": 1.0,
            },
        },
    }
}
