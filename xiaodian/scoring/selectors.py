"""Reads of the score: a store's report (every metric, its band and what to improve next), its
history, and the traffic weights search and the feed multiply by."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, Q, Subquery
from django.utils.translation import gettext as _

from xiaodian.orders.models import Order
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreKind

from . import badges, rules
from .days import today, window
from .models import CurrentScore, Formula, StoreScore
from .rules import Badge, Band

SHOWN_BADGES = {badge.value: badge.label for badge in Badge}


@dataclass(frozen=True)
class Weight:
    """A store's multiplier on public-domain exposure and what made it."""

    traffic_weight: float
    score: Decimal | None
    badges: tuple[str, ...]


NO_SCORE = Weight(rules.NO_SCORE_WEIGHT, None, ())


def traffic_weights(store_ids) -> dict[int, Weight]:
    """Each store's current weight (one query); stores never scored are absent (weight 1.0)."""
    ids = list(set(store_ids))
    if not ids:
        return {}
    rows = CurrentScore.objects.filter(store_id__in=ids).values_list(
        "store_id", "traffic_weight", "value", "badges"
    )
    return {store: Weight(weight, value, tuple(badges)) for store, weight, value, badges in rows}


def public_scores(store_ids) -> dict[int, dict]:
    """What buyers see of each store (one query): the current score (None below 30 qualifying
    orders, or never scored) and the badges' names. Stores never scored are absent."""
    return {
        store_id: {
            "score": weight.score,
            "badges": [str(SHOWN_BADGES.get(code, code)) for code in weight.badges] if weight.score else [],
        }
        for store_id, weight in traffic_weights(store_ids).items()
    }


def latest(store: Store) -> StoreScore | None:
    """The score the store shows: its current one, else its newest under any version."""
    current = CurrentScore.objects.filter(store=store).select_related("score__formula").first()
    if current is not None:
        return current.score
    return (
        StoreScore.objects.filter(store=store)
        .select_related("formula")
        .order_by("-as_of", "-computed_at")
        .first()
    )


def report(score: StoreScore) -> dict:
    """The score with every dimension and metric, its band, and advice where it is not top."""
    metrics_seen = score.metrics or {}
    dimensions = []
    stored = score.dimensions or {}
    # the rules' order, not the stored object's (PostgreSQL's jsonb does not keep key order)
    for name, part in ((n, stored[n]) for n in rules.DIMENSIONS if n in stored):
        metrics = []
        for metric, (dimension, direction, unit, label, advice) in rules.METRICS.items():
            if dimension != name or metric not in metrics_seen:
                continue
            row = metrics_seen[metric]
            band = row.get("band")
            metrics.append(
                {
                    "name": metric,
                    "label": str(label),
                    "direction": str(direction),
                    "unit": str(unit),
                    "value": row.get("value"),
                    "numerator": row.get("numerator"),
                    "denominator": row.get("denominator"),
                    "smoothed": row.get("smoothed"),
                    "prior": row.get("prior"),
                    "median": row.get("median"),
                    "top": row.get("top"),
                    "median_floor": row.get("median_floor"),
                    "benchmark": row.get("benchmark"),
                    "band": band,
                    "band_label": str(Band(band).label) if band else None,
                    "sub_score": row.get("sub_score"),
                    "advice": str(advice) if band and band != Band.TOP else "",
                }
            )
        dimensions.append(
            {
                "name": name,
                "label": str(rules.DIMENSIONS[name]),
                "weight": part["weight"],
                "score": part["score"],
                "metrics": metrics,
            }
        )
    return {
        "store_id": score.store_id,
        "score": score.score,
        "version": score.formula.version,
        "as_of": score.as_of,
        "computed_at": score.computed_at,
        "qualifying_orders": score.qualifying_orders,
        "threshold": rules.MIN_ORDERS,
        "traffic_weight": score.traffic_weight,
        "badges": [{"code": code, "name": str(SHOWN_BADGES.get(code, code))} for code in score.badges],
        "dimensions": dimensions,
        "next": _next_step(dimensions),
    }


def _next_step(dimensions: list[dict]) -> dict | None:
    """The metric to improve first: the weakest sub-score, the heavier dimension on a tie."""
    candidates = [
        (metric["sub_score"], -dimension["weight"], metric)
        for dimension in dimensions
        for metric in dimension["metrics"]
        if metric["sub_score"] is not None and metric["band"] != Band.TOP
    ]
    if not candidates:
        return None
    metric = min(candidates, key=lambda c: (c[0], c[1]))[2]
    return {"metric": metric["name"], "label": metric["label"], "advice": metric["advice"]}


def score_report(store: Store) -> dict | None:
    """The data center's score section; None before the store's first recompute."""
    score = latest(store)
    return report(score) if score is not None else None


def score_or_empty(store: Store) -> dict:
    """The report, or before the store's first recompute an empty one with its qualifying orders
    counted now (one query)."""
    found = score_report(store)
    if found is not None:
        return found
    start, end = window(today())
    qualifying = Order.objects.filter(store=store, paid_at__gte=start, paid_at__lt=end).count()
    newest = Formula.objects.order_by("-version").values_list("version", flat=True).first()
    return {
        "store_id": store.pk,
        "score": None,
        "version": newest or 1,
        "as_of": None,
        "computed_at": None,
        "qualifying_orders": qualifying,
        "threshold": rules.MIN_ORDERS,
        "traffic_weight": rules.NO_SCORE_WEIGHT,
        "badges": [],
        "dimensions": [],
        "next": None,
    }


def score_history(
    store: Store, days: int = 90, *, until: date | None = None
) -> list[tuple[date, Decimal | None]]:
    """One point per day that has a score row (the newest computed that day) under the formula version of the store's current score,
    oldest first, over the last `days` days."""
    until = until or today()
    # the version of the store's current score: a recompute under another version (an operator's
    # comparison) does not change the merchant's chart
    current = CurrentScore.objects.filter(store=store)
    rows = (
        StoreScore.objects.filter(
            Q(formula_id=Subquery(current.values("score__formula_id")[:1])) | ~Exists(current),
            store=store,
            as_of__gt=until - timedelta(days=days),
            as_of__lte=until,
        )
        .order_by("as_of", "computed_at", "id")
        .values_list("as_of", "score")
    )
    points: dict[date, Decimal | None] = {}
    for as_of, value in rows:
        points[as_of] = value
    return list(points.items())


def explain(store: Store) -> dict | None:
    """The score explained (the data center and `xiaodian score explain STORE`): the report, the
    traffic weight as its parts (the score's band and 0.1 per badge), every badge the store has,
    lacks or lost with each condition (its value, the threshold, the gap), the score and each
    metric's sub-score since the store's previous score of the same formula, and what to do next.
    None before the first recompute."""
    score = latest(store)
    if score is None:
        return None
    shown = report(score)
    previous = (
        StoreScore.objects.filter(store=store, formula_id=score.formula_id, as_of__lt=score.as_of)
        .order_by("-as_of", "-computed_at")
        .first()
    )
    from_score = round(score.traffic_weight - rules.BADGE_WEIGHT * len(score.badges), 4)
    shown["weight_parts"] = [{"part": "score", "label": _weight_label(score.score), "weight": from_score}] + [
        {"part": code, "label": str(SHOWN_BADGES.get(code, code)), "weight": rules.BADGE_WEIGHT}
        for code in score.badges
    ]
    before = previous.metrics if previous else {}
    labels = {name: str(spec[3]) for name, spec in rules.METRICS.items()}
    shown["changes"] = [
        {
            "metric": name,
            "label": labels.get(name, name),
            "before": before[name].get("sub_score"),
            "after": row.get("sub_score"),
            "up": (row.get("sub_score") or 0) > (before[name].get("sub_score") or 0),
        }
        for name, row in (score.metrics or {}).items()
        if name in before and before[name].get("sub_score") != row.get("sub_score")
    ]
    shown["previous"] = {"as_of": previous.as_of, "score": previous.score} if previous else None
    old_badges = set(previous.badges) if previous else set()
    shown["badges_gained"] = sorted(set(score.badges) - old_badges)
    shown["badges_lost"] = sorted(old_badges - set(score.badges))
    shown["badge_checks"] = _badge_checks(score, old_badges)
    return shown


def _weight_label(score: Decimal | None) -> str:
    if score is None:
        return str(_("暂无评分（基准系数）"))
    return str(_("评分 %(score)s 对应") % {"score": score})


def _badge_checks(score: StoreScore, old_badges: set[str]) -> list[dict]:
    """Each badge: has, lacks or lost, and its conditions as the run saw them. A score computed
    before the facts were kept (an older row) has none to show."""
    if not score.badge_facts:
        return []
    checks = badges.conditions(score.badge_facts, score.score)
    carried = Badge.BRAND in score.badges and not all(c.ok for c in checks[Badge.BRAND])
    out = []
    for badge, conditions in checks.items():
        has = str(badge) in score.badges
        state = "has" if has else "lost" if str(badge) in old_badges else "lacks"
        out.append(
            {
                "code": str(badge),
                "name": str(badge.label),
                "state": state,
                "quarterly": badge == Badge.BRAND,
                "carried": badge == Badge.BRAND and (carried or (not has and all(c.ok for c in conditions))),
                "conditions": [
                    {**c.as_dict(), "label": str(rules.BADGE_CONDITIONS[c.name]), **_shown_sides(c)}
                    for c in conditions
                ],
            }
        )
    return out


def _shown_sides(condition: badges.Condition) -> dict:
    """The value, threshold and gap as a person reads them: money in yuan, scores to 2 places."""

    def shown(value) -> str:
        if value is None:
            return "—"
        if condition.name == "kind":
            return str(StoreKind(value).label) if value in StoreKind.values else str(value)
        if condition.name == "gmv_30d_fen":
            return f"¥{value / 100:,.2f}"
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value)

    gap = condition.gap()
    return {
        "value_shown": shown(condition.value),
        "threshold_shown": shown(condition.threshold),
        "gap_shown": shown(gap) if gap is not None else "",
    }
