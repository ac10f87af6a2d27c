"""Badges (DOMAIN.md "Store score"): brand store (decided once a quarter), hot-selling store and
service store (daily). Each compares a store with its category's benchmarks from the same run.

A badge is a list of conditions (`conditions`), each with the store's value, the threshold and
whether it holds; the badge is awarded when all hold. The facts the conditions read (`facts`) are
stored with each score, so the data center and `xiaodian score explain` show exactly what decided
a badge, long after the run."""

import math
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


@dataclass(frozen=True)
class Condition:
    """One condition of a badge: `value` `op` `threshold` holds or not (`ok`)."""

    name: str  # a key of rules.BADGE_CONDITIONS
    value: float | int | str | None
    op: str  # ">=", ">", "==" or "<="
    threshold: float | int | str | None
    ok: bool

    def gap(self) -> float | None:
        """How far the value is from the threshold when the condition fails (None when it holds or
        either side is not a number)."""
        if self.ok or not isinstance(self.value, int | float) or not isinstance(self.threshold, int | float):
            return None
        if isinstance(self.value, int) and isinstance(self.threshold, int):
            return abs(self.threshold - self.value)
        return round(abs(float(self.threshold) - float(self.value)), 4)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "op": self.op,
            "threshold": self.threshold,
            "ok": self.ok,
            "gap": self.gap(),
        }


def _threshold(bench: Benchmarks, category: int, name: str, part: str) -> float | None:
    """The category's (or platform's) `median` or `top` of `name`; None without a benchmark."""
    found = lookup(bench, category, name)
    return getattr(found, part) if found is not None else None


def facts(store: StoreRow, m: Measured, service: float, bench: Benchmarks, as_of: date) -> dict:
    """What the badge conditions read, as stored with the score (JSON): the store's own numbers and
    the category's (or platform's) thresholds of this run."""
    return {
        "kind": store.kind,
        "open_days": (as_of - store.opened_on).days if store.opened_on is not None else None,
        "listed_products": m.listed_products,
        "recent_violations": m.recent_violations,
        "settled_30d": m.settled_30d,
        "gmv_30d_fen": m.gmv_30d_fen,
        "orders_30d": m.orders_30d,
        "service": None if math.isnan(service) else round(service, 4),
        "score_median": _threshold(bench, store.category, "score", "median"),
        "gmv_30d_top": _threshold(bench, store.category, "gmv_30d", "top"),
        "orders_30d_top": _threshold(bench, store.category, "orders_30d", "top"),
        "service_top": _threshold(bench, store.category, "service", "top"),
    }


def _at_least(name: str, value, threshold, *, strict: bool = False) -> Condition:
    holds = (
        value is not None and threshold is not None and (value > threshold if strict else value >= threshold)
    )
    return Condition(name, value, ">" if strict else ">=", threshold, bool(holds))


def conditions(f: dict, score: Decimal | None) -> dict[Badge, list[Condition]]:
    """Each badge's conditions from a score's facts, in DOMAIN.md's order."""
    shown = float(score) if score is not None else None
    good = _at_least("score", shown, float(rules.BADGE_SCORE))
    return {
        Badge.BRAND: [
            good,
            Condition("kind", f["kind"], "==", StoreKind.BRAND, f["kind"] == StoreKind.BRAND),
            _at_least("listed_products", f["listed_products"], rules.BRAND_MIN_PRODUCTS),
            Condition("recent_violations", f["recent_violations"], "<=", 0, f["recent_violations"] == 0),
        ],
        Badge.HOT: [
            good,
            _at_least("open_days", f["open_days"], rules.HOT_OPEN_MORE_THAN.days, strict=True),
            _at_least("settled_30d", f["settled_30d"], rules.HOT_MIN_SETTLED),
            _at_least("score_above_median", shown, f["score_median"], strict=True),
            _at_least("gmv_30d_fen", f["gmv_30d_fen"], f["gmv_30d_top"]),
            _at_least("orders_30d", f["orders_30d"], f["orders_30d_top"]),
        ],
        Badge.SERVICE: [good, _at_least("service", f["service"], f["service_top"])],
    }


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
    return award_from(facts(store, m, service, bench, as_of), score, as_of, previous)


def award_from(
    f: dict, score: Decimal | None, as_of: date, previous: tuple[date, list[str]] | None
) -> list[str]:
    """The badges the facts earn; the brand badge is decided once a quarter (kept, or waited for,
    until the next quarter after the store's previous score)."""
    met = {badge: all(c.ok for c in checks) for badge, checks in conditions(f, score).items()}
    if brand_carried(as_of, previous):
        met[Badge.BRAND] = Badge.BRAND in previous[1]  # type: ignore[index]
    return [str(badge) for badge in (Badge.BRAND, Badge.HOT, Badge.SERVICE) if met[badge]]


def brand_carried(as_of: date, previous: tuple[date, list[str]] | None) -> bool:
    """Whether the brand badge stays as it was: the previous score is from the same quarter."""
    return previous is not None and quarter(previous[0]) == quarter(as_of)


def hot_selling(store: StoreRow, m: Measured, score: Decimal, bench: Benchmarks, as_of: date) -> bool:
    """Open more than 90 days, 100+ settled orders in 30 days, a score above the category's
    median, and in the category's top 10% by 30-day GMV and by 30-day orders."""
    checks = conditions(facts(store, m, math.nan, bench, as_of), score)[Badge.HOT]
    return all(c.ok for c in checks[1:])  # the 4.50 floor is award's


def quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3
