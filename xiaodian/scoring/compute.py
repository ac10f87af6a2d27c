"""The arithmetic of the score, on numpy arrays over all stores at once: benchmarks per category,
sub-scores by band, dimension means, the score, badges and the traffic weight. No database here;
`services` feeds it what `metrics.measure` counted.

Percentiles are numpy's default (linear interpolation between the two nearest ranks): the median
of [1, 2, 3, 4] is 2.5, the 10th percentile of 1..11 is 2.0."""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from . import rules
from .rules import Band, Direction


@dataclass(frozen=True)
class Bench:
    median: float | None
    top: float | None
    stores: int


# (category id or None for the platform, name) -> Bench
Benchmarks = dict[tuple[int | None, str], Bench]


def oriented(name: str, values: np.ndarray) -> np.ndarray:
    """Values turned so that lower is better: a higher-is-better rate becomes its complement, so
    its bands mirror the lower-is-better ones (a 98% shipping rate is a 2% late rate)."""
    return 1.0 - values if rules.METRICS[name][1] == Direction.HIGHER else values


def spec_metrics(spec: dict) -> list[tuple[str, str, float, float]]:
    """(metric, dimension, metric weight, dimension weight) of every metric the formula counts."""
    return [
        (metric, dimension, float(weight), float(part["weight"]))
        for dimension, part in spec["dimensions"].items()
        for metric, weight in part["metrics"].items()
    ]


def _group_benchmarks(name: str, values: np.ndarray, categories: np.ndarray, pick, out: Benchmarks) -> None:
    """Benchmarks of `values` (NaN = no value) per category and for the platform (key None), with
    `pick(sample) -> (median, top)`."""
    present = ~np.isnan(values)
    sample = values[present]
    out[(None, name)] = Bench(*pick(sample), int(sample.size)) if sample.size else Bench(None, None, 0)
    cats = categories[present]
    order = np.argsort(cats, kind="stable")
    cats, sample = cats[order], sample[order]
    bounds = np.flatnonzero(np.diff(cats)) + 1
    for chunk_cats, chunk in zip(np.split(cats, bounds), np.split(sample, bounds), strict=True):
        if chunk.size:
            out[(int(chunk_cats[0]), name)] = Bench(*pick(chunk), int(chunk.size))


def _median_and_top_decile(sample: np.ndarray) -> tuple[float, float]:
    return float(np.median(sample)), float(np.percentile(sample, rules.TOP_SHARE * 100))


def _median_and_top_share(sample: np.ndarray) -> tuple[float, float]:
    """For "top 10%" badges on higher-is-better totals: the value of the store at rank
    ceil(10% × n) from the top; a store at or above it is in the top 10%."""
    ranked = np.sort(sample)[::-1]
    return float(np.median(sample)), float(ranked[max(1, math.ceil(rules.TOP_SHARE * ranked.size)) - 1])


def metric_benchmarks(
    spec: dict, values: dict[str, np.ndarray], categories: np.ndarray, scored: np.ndarray
) -> Benchmarks:
    """Each counted metric's median and top decile over the stores with a score (oriented so
    lower is better), per category and for the platform."""
    out: Benchmarks = {}
    for metric, *_ in spec_metrics(spec):
        column = np.where(scored, oriented(metric, values[metric]), np.nan)
        _group_benchmarks(metric, column, categories, _median_and_top_decile, out)
    return out


def badge_benchmarks(
    columns: dict[str, np.ndarray], categories: np.ndarray, scored: np.ndarray
) -> Benchmarks:
    """Medians and top-10% thresholds among scored stores of the score, the service dimension,
    30-day GMV and 30-day orders."""
    out: Benchmarks = {}
    for name, column in columns.items():
        _group_benchmarks(name, np.where(scored, column, np.nan), categories, _median_and_top_share, out)
    return out


def lookup(benchmarks: Benchmarks, category: int, name: str) -> Bench | None:
    """The category's benchmark, or the platform's when the category has fewer than 20 stores."""
    own = benchmarks.get((category, name))
    if own is not None and own.stores >= rules.CATEGORY_MIN_STORES:
        return own
    return benchmarks.get((None, name))


def metric_lookup(benchmarks: Benchmarks, category: int, name: str) -> tuple[Bench, str]:
    """A metric's benchmark and where it came from: the category's (20+ scored stores with a
    value), else the platform's (20+), else the operator's published default."""
    own = benchmarks.get((category, name))
    if own is not None and own.stores >= rules.CATEGORY_MIN_STORES:
        return own, "category"
    platform = benchmarks.get((None, name))
    if platform is not None and platform.stores >= rules.PLATFORM_MIN_STORES:
        return platform, "platform"
    median, top = rules.DEFAULT_BENCHMARKS[name]
    return Bench(median, top, 0), "default"


def smoothed(x: np.ndarray, samples: np.ndarray, median: np.ndarray) -> np.ndarray:
    """Rates (and means) pulled toward the benchmark's median by their sample size:
    (x × n + k × m) / (n + k) with k = PRIOR_SAMPLES. A store with no sample stays NaN."""
    k = rules.PRIOR_SAMPLES
    return (x * samples + k * median) / (samples + k)


def sub_scores(
    x: np.ndarray, median: np.ndarray, top: np.ndarray, median_floor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sub-scores and bands of lower-is-better values: 5.0 at or below the top decile `t`, a
    straight line to 4.0 at the median `m`, on to 3.0 at 2m, and 3.0 beyond. The median is never
    taken below `median_floor` (> 0), so no band divides by zero. NaN in, NaN out."""
    median = np.maximum(median, median_floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = 5.0 - (x - top) / (median - top)
        lower = 4.0 - (x - median) / median
    score = np.select(
        [x <= top, x <= median, x <= 2 * median],
        [np.full_like(x, rules.TOP), upper, lower],
        default=rules.FLOOR,
    )
    band = np.select(
        [x <= top, x <= median, x <= 2 * median], [Band.TOP, Band.GOOD, Band.FAIR], default=Band.POOR
    ).astype(object)
    missing = np.isnan(x) | np.isnan(median) | np.isnan(top)
    score[missing] = np.nan
    band[missing] = None
    return score, band


def weighted_mean(scores: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """Row-wise weighted mean that skips NaNs and shares a missing part's weight among the rest;
    NaN where every part is missing."""
    stack = np.vstack(scores)
    w = np.array(weights, dtype=float)[:, None] * ~np.isnan(stack)
    total = w.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nansum(stack * w, axis=0) / total
    mean[total == 0] = np.nan
    return mean


def round_score(value: float) -> Decimal:
    """Two decimals, half up, never below the floor."""
    exact = Decimal(repr(round(max(value, rules.FLOOR), 9)))
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def traffic_weight(score: Decimal | None, badges: int) -> float:
    """0.3 at 3.0 → 1.0 at 4.0 → 2.0 at 5.0 in straight lines, + 0.1 per badge; 1.0 with no score."""
    if score is None:
        return rules.NO_SCORE_WEIGHT
    xs, ys = zip(*rules.WEIGHT_POINTS, strict=True)
    return round(float(np.interp(float(score), xs, ys)) + rules.BADGE_WEIGHT * badges, 4)
