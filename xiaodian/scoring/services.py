"""Every write of the score: a new formula version, the full recompute (the daily task), the
recompute of one store (on demand), and the customer-service sessions the service app reports.
docs/scoring.md explains the numbers."""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from . import compute, metrics, rules, signals
from .badges import StoreRow, award_from, facts
from .compute import Bench, Benchmarks
from .days import SHANGHAI, today, window
from .models import Benchmark, CurrentScore, Formula, ServiceSessionFact, StoreScore

WRITE_BATCH = 2_000
BADGE_COLUMNS = ("score", "service", "gmv_30d", "orders_30d")

Progress = Callable[[str, int, int], None]  # (step, done, total)


# -- the formula -----------------------------------------------------------------------------


def newest_formula() -> Formula:
    """The newest version; version 1 (the default formula) is made the first time it is asked for."""
    formula = Formula.objects.order_by("-version").first()
    if formula is not None:
        return formula
    try:
        with transaction.atomic():
            return Formula.objects.create(
                version=1, spec=rules.DEFAULT_FORMULA, note="DOMAIN.md", created_at=clock.now()
            )
    except IntegrityError:  # made by a concurrent first call
        return Formula.objects.get(version=1)


def formula_at(version: int | None) -> Formula:
    if version is None:
        return newest_formula()
    formula = Formula.objects.filter(version=version).first()
    if formula is None:
        raise DomainError("formula_not_found", _("评分公式版本 %(version)s 不存在") % {"version": version})
    return formula


def check_spec(spec) -> dict:
    """The formula's shape: known dimensions with positive weights summing to 1, each with known
    metrics of that dimension at positive weights. Returns a clean copy."""
    if not isinstance(spec, dict) or not isinstance(spec.get("dimensions"), dict) or not spec["dimensions"]:
        raise DomainError("formula_invalid", _("公式需要 dimensions：维度 → {weight, metrics}"))
    clean: dict = {"dimensions": {}}
    total = 0.0
    for dimension, part in spec["dimensions"].items():
        if dimension not in rules.DIMENSIONS:
            raise DomainError("formula_invalid", _("未知的维度：%(name)s") % {"name": dimension})
        if not isinstance(part, dict) or not isinstance(part.get("metrics"), dict) or not part["metrics"]:
            raise DomainError(
                "formula_invalid", _("维度 %(name)s 需要 weight 和 metrics") % {"name": dimension}
            )
        weight = _weight(part.get("weight"), dimension)
        total += weight
        chosen = {}
        for metric, metric_weight in part["metrics"].items():
            if rules.METRICS.get(metric, ("",))[0] != dimension:
                raise DomainError(
                    "formula_invalid",
                    _("维度 %(name)s 没有指标 %(metric)s") % {"name": dimension, "metric": metric},
                )
            chosen[metric] = _weight(metric_weight, metric)
        clean["dimensions"][dimension] = {"weight": weight, "metrics": chosen}
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise DomainError(
            "formula_invalid", _("维度权重之和须为 1（现为 %(total)s）") % {"total": f"{total:g}"}
        )
    return clean


def _weight(value, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= 1
        or math.isnan(value)
    ):
        raise DomainError("formula_invalid", _("%(name)s 的权重须在 (0, 1] 之间") % {"name": name})
    return float(value)


def create_formula(*, spec, note: str = "", by: User | None = None) -> Formula:
    """A change to the formula: the next version. Earlier scores keep the version they were made
    with."""
    clean = check_spec(spec)
    for _attempt in range(3):
        version = (Formula.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        try:
            with transaction.atomic():
                return Formula.objects.create(
                    version=version, spec=clean, note=note[:200], created_by=by, created_at=clock.now()
                )
        except IntegrityError:  # another version was saved at the same moment
            continue
    raise DomainError("formula_busy", _("公式正在被修改，请重试"))


# -- scoring ---------------------------------------------------------------------------------


@dataclass
class Run:
    scores: list[StoreScore]
    metric_benchmarks: Benchmarks
    badge_benchmarks: Benchmarks


def _store_rows(queryset) -> list[StoreRow]:
    return [
        StoreRow(id, category, kind, opened_at.astimezone(SHANGHAI).date() if opened_at else None)
        for id, category, kind, opened_at in queryset.values_list(
            "id", "main_category_id", "kind", "opened_at"
        )
    ]


def _score(
    formula: Formula,
    as_of: date,
    stores: list[StoreRow],
    measured: dict[int, metrics.Measured],
    previous: dict[int, tuple[date, list[str]]],
    benchmarks: tuple[Benchmarks, Benchmarks] | None = None,
) -> Run:
    """Score `stores` from what was measured. `benchmarks` (metric, badge) are measured from these
    stores when not given (a full run) and read from the latest run when given (one store)."""
    spec = formula.spec
    counted = compute.spec_metrics(spec)
    none = metrics.Measured()
    got = [measured.get(store.id, none) for store in stores]
    categories = np.array([store.category for store in stores], dtype=np.int64)
    qualifying = np.array([m.qualifying for m in got], dtype=np.int64)
    scored = qualifying >= rules.MIN_ORDERS
    values = {
        metric: np.array([m.metrics[metric][0] if metric in m.metrics else np.nan for m in got], dtype=float)
        for metric, *_rest in counted
    }
    metric_bench = (
        benchmarks[0] if benchmarks else compute.metric_benchmarks(spec, values, categories, scored)
    )

    subs: dict[str, np.ndarray] = {}
    bands: dict[str, np.ndarray] = {}
    benches: dict[str, list[tuple[Bench, str]]] = {}
    smooth: dict[str, np.ndarray] = {}
    for metric, *_rest in counted:
        by_category: dict[int, tuple[Bench, str]] = {}  # a lookup per category, not per store
        benches[metric] = [
            by_category.get(store.category)
            or by_category.setdefault(
                store.category, compute.metric_lookup(metric_bench, store.category, metric)
            )
            for store in stores
        ]
        median = np.array([b.median if b.median is not None else np.nan for b, _ in benches[metric]])
        top = np.array([b.top if b.top is not None else np.nan for b, _ in benches[metric]])
        samples = np.array([m.metrics[metric][2] if metric in m.metrics else 0 for m in got], dtype=float)
        smooth[metric] = compute.smoothed(compute.oriented(metric, values[metric]), samples, median)
        subs[metric], bands[metric] = compute.sub_scores(
            smooth[metric], median, top, np.full(len(stores), rules.MEDIAN_FLOOR[metric])
        )

    dimension_scores = {
        dimension: compute.weighted_mean(
            [subs[m] for m, d, *_ in counted if d == dimension],
            [w for _m, d, w, _dw in counted if d == dimension],
        )
        for dimension in spec["dimensions"]
    }
    raw = compute.weighted_mean(
        list(dimension_scores.values()), [float(part["weight"]) for part in spec["dimensions"].values()]
    )
    score_values = [
        compute.round_score(float(r)) if ok and not math.isnan(r) else None
        for r, ok in zip(raw, scored, strict=True)
    ]
    score_column = np.array([float(s) if s is not None else np.nan for s in score_values])
    columns = {
        "score": score_column,
        "service": dimension_scores.get("service", np.full(len(stores), np.nan)),
        "gmv_30d": np.array([m.gmv_30d_fen for m in got], dtype=float),
        "orders_30d": np.array([m.orders_30d for m in got], dtype=float),
    }
    badge_bench = (
        benchmarks[1]
        if benchmarks
        else compute.badge_benchmarks(columns, categories, ~np.isnan(score_column))
    )

    now = clock.now()
    sub_lists = {metric: column.tolist() for metric, column in subs.items()}
    smooth_lists = {metric: column.tolist() for metric, column in smooth.items()}
    scores = []
    for i, store in enumerate(stores):
        m, score = got[i], score_values[i]
        found = facts(store, m, float(columns["service"][i]), badge_bench, as_of)
        badges = award_from(found, score, as_of, previous.get(store.id))
        scores.append(
            StoreScore(
                store_id=store.id,
                formula=formula,
                as_of=as_of,
                score=score,
                qualifying_orders=int(m.qualifying),
                metrics=_metric_report(counted, m, i, sub_lists, bands, benches, smooth_lists),
                dimensions={
                    dimension: {
                        "weight": float(part["weight"]),
                        "score": _num(dimension_scores[dimension][i]),
                    }
                    for dimension, part in spec["dimensions"].items()
                },
                badges=badges,
                badge_facts=found,
                traffic_weight=compute.traffic_weight(score, len(badges)),
                computed_at=now,
            )
        )
    return Run(scores, metric_bench, badge_bench)


def _num(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 4)


def _metric_report(counted, m, i, subs, bands, benches, smooth) -> dict:
    """One store's metrics as stored. `subs` and `smooth` are per-metric Python lists (NaN for
    none): this runs once per store, so it avoids numpy scalars."""
    report = {}
    for metric, _dimension, _w, _dw in counted:
        if metric not in m.metrics:
            continue
        value, numerator, denominator = m.metrics[metric]
        bench, source = benches[metric][i]
        higher = metric in _HIGHER
        pulled = smooth[metric][i]
        sub = subs[metric][i]
        pulled = None if pulled != pulled else round(pulled, 6)  # NaN != NaN
        report[metric] = {
            "value": round(value, 6) if value is not None else None,
            "numerator": numerator,
            "denominator": denominator,
            "smoothed": round(1 - pulled, 6) if higher and pulled is not None else pulled,
            "prior": rules.PRIOR_SAMPLES,
            "median": _shown(bench.median, higher),
            "top": _shown(bench.top, higher),
            "median_floor": rules.MEDIAN_FLOOR[metric],
            "benchmark": source,
            "band": bands[metric][i],
            "sub_score": None if sub != sub else round(sub, 4),
        }
    return report


_HIGHER = frozenset(name for name, spec in rules.METRICS.items() if spec[1] == rules.Direction.HIGHER)


def _shown(value: float | None, higher: bool) -> float | None:
    """A benchmark as the report shows it: a higher-is-better rate back from its complement."""
    return None if value is None else round(1 - value, 6) if higher else value


def _previous(store_ids=None) -> dict[int, tuple[date, list[str]]]:
    rows = CurrentScore.objects.all()
    if store_ids is not None:
        rows = rows.filter(store_id__in=store_ids)
    return {
        store: (as_of, badges)
        for store, as_of, badges in rows.values_list("store_id", "score__as_of", "badges")
    }


def _save_benchmarks(formula: Formula, as_of: date, run: Run) -> None:
    Benchmark.objects.filter(formula=formula, as_of=as_of).delete()
    Benchmark.objects.bulk_create(
        [
            Benchmark(
                formula=formula,
                as_of=as_of,
                category_id=category,
                name=name,
                median=bench.median,
                top=bench.top,
                stores=bench.stores,
            )
            for source in (run.metric_benchmarks, run.badge_benchmarks)
            for (category, name), bench in source.items()
        ],
        batch_size=WRITE_BATCH,
    )


def _load_benchmarks(formula: Formula, as_of: date) -> tuple[Benchmarks, Benchmarks] | None:
    latest = (
        Benchmark.objects.filter(formula=formula, as_of__lte=as_of).aggregate(d=Max("as_of"))["d"]
        or Benchmark.objects.filter(formula=formula).aggregate(d=Max("as_of"))["d"]
    )
    if latest is None:
        return None
    metric_bench: Benchmarks = {}
    badge_bench: Benchmarks = {}
    for b in Benchmark.objects.filter(formula=formula, as_of=latest):
        target = badge_bench if b.name in BADGE_COLUMNS else metric_bench
        target[(b.category_id, b.name)] = Bench(b.median, b.top, b.stores)
    return metric_bench, badge_bench


def _is_current(formula: Formula, as_of: date) -> bool:
    """A run updates the stores' current scores when it used the newest formula and is not older
    than what they show."""
    return (
        formula.version == newest_formula().version
        and not CurrentScore.objects.filter(score__as_of__gt=as_of).exists()
    )


_WRITTEN = (
    "store_id",
    "formula_id",
    "as_of",
    "score",
    "qualifying_orders",
    "metrics",
    "dimensions",
    "badges",
    "badge_facts",
    "traffic_weight",
    "computed_at",
)
_JSON = frozenset({"metrics", "dimensions", "badges", "badge_facts"})


def _upsert(scores: list[StoreScore]) -> None:
    """Insert the scores, or replace the day's score of that version: ids stay, so the current
    scores pointing at them stay valid. On PostgreSQL the rows travel by COPY into a temporary
    table and one INSERT ... ON CONFLICT moves them (the client then quotes nothing: the JSON
    columns cost a regular-expression pass per value as bound parameters, most of a full run's
    write); elsewhere by bulk_create."""
    if connection.vendor == "postgresql" and len(scores) > 1:
        _upsert_by_copy(scores)
        return
    StoreScore.objects.bulk_create(
        scores,
        update_conflicts=True,
        unique_fields=["store", "as_of", "formula"],
        update_fields=[
            "score",
            "qualifying_orders",
            "metrics",
            "dimensions",
            "badges",
            "badge_facts",
            "traffic_weight",
            "computed_at",
        ],
    )


def _upsert_by_copy(scores: list[StoreScore]) -> None:
    table = StoreScore._meta.db_table
    columns = ", ".join(_WRITTEN)
    updates = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in _WRITTEN if c not in ("store_id", "formula_id", "as_of")
    )
    with transaction.atomic(), connection.cursor() as cursor:  # ON COMMIT DROP needs a transaction
        cursor.execute("DROP TABLE IF EXISTS pg_temp.score_rows")
        cursor.execute(
            f"CREATE TEMP TABLE score_rows ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY score_rows ({columns}) FROM STDIN") as copy:
            for row in scores:
                copy.write_row(
                    [
                        json.dumps(getattr(row, name), separators=(",", ":"))
                        if name in _JSON
                        else getattr(row, name)
                        for name in _WRITTEN
                    ]
                )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM score_rows "
            f"ON CONFLICT (store_id, as_of, formula_id) DO UPDATE SET {updates} RETURNING id, store_id"
        )
        ids = dict((store, pk) for pk, store in cursor.fetchall())
    for row in scores:
        row.pk = ids[row.store_id]
        row._state.adding = False


def _set_current(scores: list[StoreScore]) -> None:
    CurrentScore.objects.bulk_create(
        [
            CurrentScore(
                store_id=s.store_id, score=s, value=s.score, badges=s.badges, traffic_weight=s.traffic_weight
            )
            for s in scores
        ],
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["store"],
        update_fields=["score", "value", "badges", "traffic_weight"],
    )


def recompute_all(
    *, as_of: date | None = None, version: int | None = None, progress: Progress | None = None
) -> dict:
    """Score every open store (and any store with orders in the window) for `as_of` (default
    today) under `version` (default the newest), replacing that day's scores of that version."""
    as_of = as_of or today()
    formula = formula_at(version)
    step = progress or (lambda _step, _done, _total: None)
    start, end = window(as_of)
    step("measure", 0, 1)
    measured = metrics.measure(start=start, end=end)
    stores = _store_rows(Store.objects.filter(state=StoreState.OPEN))
    seen = {store.id for store in stores}
    missing = [store_id for store_id in measured if store_id not in seen]
    if missing:
        stores += _store_rows(Store.objects.filter(id__in=missing))
    step("measure", 1, 1)
    run = _score(formula, as_of, stores, measured, _previous())
    step("score", len(stores), len(stores))
    with transaction.atomic():
        for offset in range(0, len(run.scores), WRITE_BATCH):
            _upsert(run.scores[offset : offset + WRITE_BATCH])
            step("write", min(offset + WRITE_BATCH, len(run.scores)), len(run.scores))
        _save_benchmarks(formula, as_of, run)
        current = _is_current(formula, as_of)
        if current:
            CurrentScore.objects.all().delete()
            _set_current(run.scores)
            transaction.on_commit(lambda: signals.weights_changed.send(sender=Formula, store_ids=None))
    with_score = sum(1 for s in run.scores if s.score is not None)
    return {
        "as_of": as_of.isoformat(),
        "version": formula.version,
        "stores": len(run.scores),
        "with_score": with_score,
        "without_score": len(run.scores) - with_score,
        "current": current,
    }


def recompute_store(store: Store, *, as_of: date | None = None, version: int | None = None) -> StoreScore:
    """One store's score now (on demand), banded against the latest full run's benchmarks (or,
    before any run, benchmarks measured across all stores without writing their scores)."""
    as_of = as_of or today()
    formula = formula_at(version)
    start, end = window(as_of)
    benchmarks = _load_benchmarks(formula, as_of)
    if benchmarks is None:
        everyone = metrics.measure(start=start, end=end)
        rows = _store_rows(Store.objects.filter(Q(state=StoreState.OPEN) | Q(id=store.id)))
        full = _score(formula, as_of, rows, everyone, {})
        benchmarks = (full.metric_benchmarks, full.badge_benchmarks)
    measured = metrics.measure(start=start, end=end, store_ids=[store.id])
    run = _score(
        formula,
        as_of,
        _store_rows(Store.objects.filter(id=store.id)),
        measured,
        _previous([store.id]),
        benchmarks,
    )
    score = run.scores[0]
    with transaction.atomic():
        _upsert([score])
        if _is_current(formula, as_of):
            _set_current([score])
            transaction.on_commit(lambda: signals.weights_changed.send(sender=Formula, store_ids=[store.pk]))
    return score


# -- customer-service sessions (reported by the service app; read by metrics.measure) ---------


def record_service_session(
    *, session_key: str, store_id: int, started_at: datetime, in_service_hours: bool
) -> None:
    """A session the reply metrics count: one row per `session_key`, its start set again if reported
    twice."""
    ServiceSessionFact.objects.update_or_create(
        session_key=session_key,
        defaults={"store_id": store_id, "started_at": started_at, "in_service_hours": in_service_hours},
    )


def record_first_human_reply(*, session_key: str, seconds: int) -> None:
    """How long the session's buyer waited for a person (bots excluded); a session not recorded is
    left alone."""
    ServiceSessionFact.objects.filter(session_key=session_key).update(first_human_reply_seconds=seconds)


def rate_service_session(*, session_key: str, rating: int) -> None:
    """The buyer's rating of the session; a session not recorded is left alone."""
    ServiceSessionFact.objects.filter(session_key=session_key).update(rating=rating)
