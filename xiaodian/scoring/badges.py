"""Badges (DOMAIN.md "Store score"): brand store (decided once a quarter), hot-selling store and
service store (daily). Each compares a store with its category's benchmarks from the same run."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xiaodian.stores.rules import StoreKind

from . import rules
from .compute import Benchmarks, lookup
from .metrics import Measured
from .rules import Badge


@dataclass
class StoreRow:
    id: int
    category: int
    kind: str
    opened_on: date | None


def award(
    store: StoreRow,
    m: Measured,
    score: Decimal | None,
    service: float,
    bench: Benchmarks,
    as_of: date,
    previous: tuple[date, list[str]] | None,
) -> list[str]:
    """The store's badges on `as_of`. `service` is its service-dimension score (NaN if none),
    `previous` the day and badges of its current score."""
    good = score is not None and score >= rules.BADGE_SCORE
    badges = []
    if previous is not None and quarter(previous[0]) == quarter(as_of):
        brand = Badge.BRAND in previous[1]  # refreshed quarterly: kept until the next quarter
    else:
        brand = (
            good
            and store.kind == StoreKind.BRAND
            and m.listed_products >= rules.BRAND_MIN_PRODUCTS
            and m.recent_violations == 0
        )
    if brand:
        badges.append(Badge.BRAND)
    if good and hot_selling(store, m, score, bench, as_of):
        badges.append(Badge.HOT)
    top_service = lookup(bench, store.category, "service")
    if good and top_service and top_service.top is not None and service >= top_service.top:
        badges.append(Badge.SERVICE)  # a NaN service score compares False
    return [str(badge) for badge in badges]


def hot_selling(store: StoreRow, m: Measured, score: Decimal, bench: Benchmarks, as_of: date) -> bool:
    """Open more than 90 days, 100+ settled orders in 30 days, a score above the category's
    median, and in the category's top 10% by 30-day GMV and by 30-day orders."""
    if store.opened_on is None or (as_of - store.opened_on) <= rules.HOT_OPEN_MORE_THAN:
        return False
    if m.settled_30d < rules.HOT_MIN_SETTLED:
        return False
    median = lookup(bench, store.category, "score")
    if median is None or median.median is None or float(score) <= median.median:
        return False
    for name, value in (("gmv_30d", m.gmv_30d_fen), ("orders_30d", m.orders_30d)):
        top = lookup(bench, store.category, name)
        if top is None or top.top is None or value < top.top:
            return False
    return True


def quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3
