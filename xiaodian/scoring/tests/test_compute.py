"""The arithmetic: bands and sub-scores, means that share a missing part's weight, rounding, the
traffic weight, benchmarks and their platform fallback."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaodian.scoring import compute
from xiaodian.scoring.compute import Bench
from xiaodian.scoring.rules import Band


def one(x, median, top):
    score, band = compute.sub_scores(
        np.array([x], dtype=float), np.array([median]), np.array([top]), np.array([0.01])
    )
    return float(score[0]), band[0]


@pytest.mark.parametrize(
    ("x", "expected", "band"),
    [
        (0.00, 5.0, Band.TOP),
        (0.01, 5.0, Band.TOP),  # at the top decile
        (0.02, 4.5, Band.GOOD),  # halfway from t to m
        (0.03, 4.0, Band.GOOD),  # at the median
        (0.045, 3.5, Band.FAIR),  # halfway from m to 2m
        (0.06, 3.0, Band.FAIR),  # at 2m
        (0.30, 3.0, Band.POOR),  # beyond
    ],
)
def test_lower_is_better_bands(x, expected, band):
    # median m = 0.03, top decile t = 0.01
    score, got = one(x, 0.03, 0.01)
    assert score == pytest.approx(expected)
    assert got == band


def test_higher_is_better_rates_score_their_complement():
    # shipping rates: median 0.97, top decile 0.99 → late rates m = 0.03, t = 0.01
    values = compute.oriented("ship_48h_rate", np.array([0.99, 0.98, 0.97, 0.94, 0.5]))
    score, _band = compute.sub_scores(values, np.full(5, 0.03), np.full(5, 0.01), np.full(5, 0.01))
    assert score.tolist() == pytest.approx([5.0, 4.5, 4.0, 3.0, 3.0])


def test_a_median_of_zero_is_never_a_divisor():
    # most stores lose no dispute: m = t = 0. The median is banded at its floor 0.01, so 0 is
    # top, 0.005 is halfway (4.5 would need t < x ≤ m: here t = 0, m = 0.01 → 5 - 0.5 = 4.5),
    # 0.015 is 3.5 and only 0.02 (2 × the floor) reaches 3.0
    with np.errstate(all="raise"):  # a division by zero would raise here
        score, band = compute.sub_scores(
            np.array([0.0, 0.005, 0.015, 0.02]), np.zeros(4), np.zeros(4), np.full(4, 0.01)
        )
    assert score.tolist() == pytest.approx([5.0, 4.5, 3.5, 3.0])
    assert band.tolist() == [Band.TOP, Band.GOOD, Band.FAIR, Band.FAIR]


def test_smoothing_pulls_a_small_sample_toward_the_median():
    # one dispute in 46 orders, median 0: (1 + 10 × 0) / (46 + 10) = 1/56; 0 of 30 stays 0;
    # 3 of 30 with median 0.1: (3 + 1) / 40 = 0.1; a store with no sample stays NaN
    got = compute.smoothed(
        np.array([1 / 46, 0.0, 0.1, np.nan]), np.array([46, 30, 30, 0.0]), np.array([0.0, 0.0, 0.1, 0.1])
    )
    assert got[:3].tolist() == pytest.approx([1 / 56, 0.0, 0.1])
    assert np.isnan(got[3])


def test_few_scored_stores_use_the_default_benchmarks():
    from xiaodian.scoring import rules

    one = {
        (None, "negative_review_rate"): Bench(0.1053, 0.1053, 1),
        (1, "negative_review_rate"): Bench(0.1053, 0.1053, 1),
    }
    bench, source = compute.metric_lookup(one, 1, "negative_review_rate")
    assert source == "default"
    assert (bench.median, bench.top) == rules.DEFAULT_BENCHMARKS["negative_review_rate"]
    twenty = {(None, "dispute_rate"): Bench(0.0, 0.0, 20)}
    assert compute.metric_lookup(twenty, 1, "dispute_rate") == (twenty[(None, "dispute_rate")], "platform")


def test_no_value_or_no_benchmark_gives_no_sub_score():
    score, band = compute.sub_scores(
        np.array([np.nan, 0.1]), np.array([0.1, np.nan]), np.array([0.0, 0.0]), np.full(2, 0.01)
    )
    assert np.isnan(score).all()
    assert band.tolist() == [None, None]


@given(
    x=st.floats(0, 10, allow_nan=False),
    t=st.floats(0, 1, allow_nan=False),
    spread=st.floats(0, 1, allow_nan=False),
)
def test_sub_scores_stay_between_floor_and_top_and_never_rise_as_x_worsens(x, t, spread):
    m = t + spread
    score, _ = compute.sub_scores(np.array([x, x + 0.01]), np.full(2, m), np.full(2, t), np.full(2, 0.01))
    assert 3.0 <= score[0] <= 5.0
    assert score[1] <= score[0] + 1e-9


def test_weighted_mean_shares_a_missing_parts_weight():
    a = np.array([5.0, 5.0, np.nan])
    b = np.array([3.0, np.nan, np.nan])
    mean = compute.weighted_mean([a, b], [0.75, 0.25])
    assert mean[0] == pytest.approx(4.5)  # 0.75 × 5 + 0.25 × 3
    assert mean[1] == pytest.approx(5.0)  # b missing: a takes all the weight
    assert np.isnan(mean[2])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(4.444999999, "4.44"), (4.445, "4.45"), (4.4449999999999, "4.45"), (2.1, "3.00"), (5.0, "5.00")],
)
def test_scores_round_half_up_to_two_decimals_above_the_floor(raw, expected):
    assert compute.round_score(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("score", "badges", "weight"),
    [
        (None, 0, 1.0),
        (None, 2, 1.0),  # no score: 1.0, badges or not
        ("3.00", 0, 0.3),
        ("3.50", 0, 0.65),
        ("4.00", 0, 1.0),
        ("4.50", 0, 1.5),
        ("5.00", 0, 2.0),
        ("4.50", 2, 1.7),
    ],
)
def test_traffic_weight(score, badges, weight):
    value = Decimal(score) if score else None
    assert compute.traffic_weight(value, badges) == pytest.approx(weight)


@given(st.decimals("3.00", "4.99", places=2))
def test_traffic_weight_rises_with_the_score(score):
    assert compute.traffic_weight(score + Decimal("0.01"), 0) > compute.traffic_weight(score, 0)


def test_benchmarks_use_scored_stores_per_category_and_fall_back_to_the_platform():
    spec = {"dimensions": {"product": {"weight": 1.0, "metrics": {"negative_review_rate": 1.0}}}}
    # category 1: 20 scored stores with rates 0.00..0.19; category 2: 3 scored stores; one unscored.
    values = np.array([i / 100 for i in range(20)] + [0.5, 0.6, 0.7] + [0.9])
    categories = np.array([1] * 20 + [2] * 3 + [2])
    scored = np.array([True] * 23 + [False])
    got = compute.metric_benchmarks(spec, {"negative_review_rate": values}, categories, scored)
    own = got[(1, "negative_review_rate")]
    assert (own.median, own.top, own.stores) == pytest.approx((0.095, 0.019, 20))
    small = got[(2, "negative_review_rate")]
    assert small.stores == 3  # the unscored store's 0.9 is not in it
    assert compute.lookup(got, 1, "negative_review_rate") is own
    assert compute.lookup(got, 2, "negative_review_rate") is got[(None, "negative_review_rate")]
    assert got[(None, "negative_review_rate")].stores == 23


def test_top_share_threshold_is_the_value_at_rank_ceil_ten_percent():
    out = {}
    column = np.arange(1, 21, dtype=float)  # 20 stores: 1..20
    compute._group_benchmarks(
        "gmv_30d", column, np.ones(20, dtype=np.int64), compute._median_and_top_share, out
    )
    assert out[(1, "gmv_30d")] == Bench(10.5, 19.0, 20)  # the top 2 of 20 are 20 and 19


def test_the_default_formula_is_domain_mds_table():
    """DOMAIN.md "Store score": product 50% (negative reviews, quality returns), logistics 15%
    (48 h shipping, delivery time), service 35% (3-minute replies, after-sale handling, disputes,
    complaints); equal metric weights."""
    from xiaodian.scoring.rules import DEFAULT_FORMULA

    assert {d: (p["weight"], set(p["metrics"])) for d, p in DEFAULT_FORMULA["dimensions"].items()} == {
        "product": (0.50, {"negative_review_rate", "quality_return_rate"}),
        "logistics": (0.15, {"ship_48h_rate", "delivery_hours"}),
        "service": (0.35, {"reply_3min_rate", "aftersale_hours", "dispute_rate", "complaint_rate"}),
    }
    assert {w for p in DEFAULT_FORMULA["dimensions"].values() for w in p["metrics"].values()} == {1.0}
