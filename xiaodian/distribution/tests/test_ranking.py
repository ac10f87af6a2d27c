"""The ranking's rules (DOMAIN.md "Traffic distribution"): the cap, the exploration share, the
private-domain incentive's threshold, diminishing returns on followers, a fixed rng's page."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaodian.distribution import ranking, rules
from xiaodian.distribution.ranking import Candidates, Policy


def candidates(rng: np.random.Generator, n: int, *, stores: int = 40, creators: int = 60, small: float = 0.1):
    shape = (n,) if np.isscalar(n) else n
    return Candidates(
        item_id=np.arange(np.prod(shape)).reshape(shape),
        kind=rng.integers(0, 4, shape),
        store_id=rng.zipf(1.6, shape) % stores,  # a few stores own most candidates
        creator_id=rng.zipf(1.6, shape) % creators,
        interest=rng.random(shape),
        traffic_weight=rng.uniform(0.3, 2.1, shape),
        friends=rng.poisson(0.5, shape),
        age_hours=rng.uniform(0, 500, shape),
        followers=rng.pareto(1.2, shape) * 1000,
        is_small_or_new=rng.random(shape) < small,
        private_share=rng.random(shape) * 0.4,
        private_orders=rng.integers(0, 30, shape),
    )


def counts(ids: np.ndarray) -> int:
    return int(np.unique(ids, return_counts=True)[1].max())


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    stores=st.integers(1, 30),
    size=st.integers(1, 40),
    cap=st.sampled_from([0.1, 0.2, 0.25, 0.5]),
)
def test_no_store_or_creator_takes_more_than_the_cap_of_any_page(seed, n, stores, size, cap):
    rng = np.random.default_rng(seed)
    c = candidates(rng, n, stores=stores, creators=stores + 3, small=0.3)
    policy = Policy(creator_cap=cap)
    idx = ranking.page(c, policy, size, rng)
    per = policy.per_page(size)
    assert len(idx) <= size
    assert len(set(idx.tolist())) == len(idx)
    if len(idx):
        assert counts(c.store_id[idx]) <= per
        assert counts(c.creator_id[idx]) <= per


def test_the_default_cap_is_a_fifth_of_the_page():
    assert Policy.default().creator_cap == rules.CREATOR_CAP == 0.20
    assert Policy.default().per_page(20) == 4
    assert Policy.default().per_page(3) == 1


def test_the_cap_holds_on_every_row_of_a_batch():
    rng = np.random.default_rng(3)
    c = candidates(rng, (500, 200), stores=12)
    pages = ranking.page(c, Policy.default(), 20, rng)
    assert pages.shape == (500, 20)
    for row, idx in enumerate(pages):
        idx = idx[idx >= 0]
        assert counts(c.store_id[row, idx]) <= 4
        assert counts(c.creator_id[row, idx]) <= 4


def test_the_cap_wins_over_a_full_page():
    rng = np.random.default_rng(4)
    c = candidates(rng, 300, stores=2, creators=100)
    idx = ranking.page(c, Policy.default(), 20, rng)
    assert len(idx) == 8  # two stores × 4
    assert counts(c.store_id[idx]) == 4


def test_without_the_cap_one_store_may_fill_the_page():
    rng = np.random.default_rng(5)
    c = candidates(rng, 300, stores=2, creators=2)
    idx = ranking.page(c, Policy.no_cap(), 20, rng)
    assert len(idx) == 20
    assert counts(c.store_id[idx]) > 4


def test_the_exploration_share_is_filled_when_small_stores_exist():
    rng = np.random.default_rng(6)
    c = candidates(rng, 2000, stores=500, creators=800, small=0.02)
    # Small stores' items score low: only the exploration slots show them.
    c = Candidates(**{**c.__dict__, "interest": np.where(c.is_small_or_new, 0.01, 0.5 + c.interest / 2)})
    policy = Policy.default()
    assert policy.explore_slots(20) == 3  # 15% of 20
    for seed in range(20):
        idx = ranking.page(c, policy, 20, np.random.default_rng(seed))
        assert len(idx) == 20
        assert c.is_small_or_new[idx].sum() == 3
    assert c.is_small_or_new[ranking.page(c, Policy.no_explore(), 20, rng)].sum() == 0


def test_exploration_picks_are_spread_through_the_page():
    rng = np.random.default_rng(7)
    c = candidates(rng, 1000, stores=400, creators=500, small=0.05)
    c = Candidates(**{**c.__dict__, "interest": np.where(c.is_small_or_new, 0.001, 0.5 + c.interest / 2)})
    idx = ranking.page(c, Policy.default(), 20, rng)
    positions = np.flatnonzero(c.is_small_or_new[idx])
    assert len(positions) == 3
    assert positions[0] > 0 and positions[-1] < 19


def test_without_small_stores_the_page_is_filled_by_score():
    rng = np.random.default_rng(8)
    c = candidates(rng, 500, small=0.0)
    c = Candidates(**{**c.__dict__, "store_id": np.arange(500), "creator_id": np.arange(500)})
    scores, _f = ranking.score(c, Policy.default())
    idx = ranking.page(c, Policy.default(), 20, rng)
    assert idx.tolist() == np.argsort(-scores)[:20].tolist()


@pytest.mark.parametrize(
    ("share", "orders", "boosted"),
    [(0.20, 10, True), (0.5, 40, True), (0.19, 40, False), (0.5, 9, False), (0.0, 0, False)],
)
def test_the_private_domain_incentive_applies_only_when_the_rule_holds(share, orders, boosted):
    rng = np.random.default_rng(9)
    c = candidates(rng, 1)
    c = Candidates(**{**c.__dict__, "private_share": np.array([share]), "private_orders": np.array([orders])})
    _s, factors = ranking.score(c, Policy.default())
    assert factors["incentive"][0] == (1.2 if boosted else 1.0)
    _s, factors = ranking.score(c, Policy.no_incentive())
    assert factors["incentive"][0] == 1.0


def test_a_precomputed_incentive_is_used_as_given():
    rng = np.random.default_rng(10)
    c = candidates(rng, 4)
    c = Candidates(**{**c.__dict__, "incentive": np.array([True, False, True, False])})
    _s, factors = ranking.score(c, Policy.default())
    assert factors["incentive"].tolist() == [1.2, 1.0, 1.2, 1.0]


def test_reach_grows_with_diminishing_returns_on_followers():
    followers = np.array([0, 10, 100, 1_000, 10_000, 100_000, 1_000_000])
    reach = ranking.reach(followers, Policy.default())
    assert reach[0] == 1.0
    assert np.all(np.diff(reach) > 0)
    gains = np.diff(reach) / np.diff(followers)
    assert np.all(np.diff(gains) < 0)
    assert reach[-1] / reach[1] < 10  # 100,000 times the followers, less than 10 times the reach
    # proportional to log(1 + followers), on the other factors' scale: 2 at the reference (10,000)
    assert np.allclose(reach - 1, np.log1p(followers) / np.log1p(rules.REACH_REFERENCE))
    assert reach[4] == pytest.approx(2.0)
    assert reach[-1] == pytest.approx(2.5, abs=0.01)  # a million followers: ×2.5, not ×15
    linear = ranking.reach(followers, Policy.linear_reach())
    assert linear[4] == pytest.approx(2.0)
    assert linear[-1] / linear[1] > 50


def test_reach_stays_on_the_scale_of_social_proof():
    """A big account's reach does not bury what contacts vouch for: one contact weighs as much as
    the reach of ~600 followers, two as ~25,000, three as ~360,000; no follower count reaches ×3.01
    (a hundred million), five contacts outweigh ten million."""
    policy = Policy.default()
    social = 1 + policy.social_weight * np.log1p(np.array([1, 2, 3]))
    reach = ranking.reach(np.array([580, 25_000, 360_000]), policy)
    assert np.all(np.abs(social - reach) < 0.02)
    assert ranking.reach(np.array([100_000_000]), policy)[0] < 3.01
    assert 1 + policy.social_weight * np.log1p(5) > ranking.reach(np.array([10_000_000]), policy)[0]


def test_the_score_is_the_product_of_its_factors_and_each_is_explained():
    rng = np.random.default_rng(11)
    c = candidates(rng, 50)
    scores, factors = ranking.score(c, Policy.default())
    assert set(factors) == set(ranking.FACTORS)
    assert np.allclose(scores, np.prod([factors[name] for name in ranking.FACTORS], axis=0))
    explained = ranking.explain(c, Policy.default(), 7)
    assert explained["score"] == pytest.approx(scores[7])
    assert explained["social_proof"] == pytest.approx(1 + rules.SOCIAL_WEIGHT * np.log1p(c.friends[7]))


def test_friends_and_freshness_rank_higher():
    rng = np.random.default_rng(12)
    c = candidates(rng, 3)
    same = {k: np.repeat(v[:1], 3) for k, v in c.__dict__.items() if v is not None}
    c = Candidates(**{**same, "friends": np.array([0, 3, 0]), "age_hours": np.array([0.0, 0.0, 72.0])})
    scores, factors = ranking.score(c, Policy.default())
    assert scores[1] > scores[0] > scores[2]
    assert factors["freshness"][2] == pytest.approx(0.2 + 0.8 * 0.5)


def test_a_fixed_rng_gives_the_same_page():
    rng = np.random.default_rng(13)
    c = candidates(rng, 3000, stores=300, creators=300, small=0.2)
    first = ranking.page(c, Policy.default(), 20, np.random.default_rng(42))
    again = ranking.page(c, Policy.default(), 20, np.random.default_rng(42))
    assert first.tolist() == again.tolist()
    others = {
        tuple(ranking.page(c, Policy.default(), 20, np.random.default_rng(s)).tolist()) for s in range(10)
    }
    assert len(others) > 1  # the exploration slots are drawn


def test_one_users_page_is_that_users_row_of_a_batch():
    rng = np.random.default_rng(14)
    batch = candidates(rng, (30, 300), stores=20)
    pages = ranking.page(batch, Policy.default(), 20)
    for row in range(30):
        one = Candidates(**{k: v[row] for k, v in batch.__dict__.items() if v is not None})
        idx = ranking.page(one, Policy.default(), 20)
        assert idx.tolist() == pages[row][pages[row] >= 0].tolist()


def test_an_empty_candidate_set_gives_an_empty_page():
    rng = np.random.default_rng(15)
    assert len(ranking.page(candidates(rng, 0), Policy.default(), 20, rng)) == 0


def test_unequal_columns_and_bad_policies_are_refused():
    rng = np.random.default_rng(16)
    c = candidates(rng, 5)
    with pytest.raises(ValueError, match="shape"):
        Candidates(**{**c.__dict__, "friends": np.zeros(4)})
    with pytest.raises(ValueError, match="incentive"):
        Candidates(**{**c.__dict__, "private_share": None})
    with pytest.raises(ValueError):
        Policy(creator_cap=0)
    with pytest.raises(ValueError):
        Policy(follower_reach="sqrt")
    with pytest.raises(ValueError, match="unknown policy"):
        Policy.preset("nope")
    assert [Policy.preset(name).name for name in ranking.PRESETS] == list(ranking.PRESETS)


def test_a_page_from_thousands_of_candidates_is_quick():
    """The feed's budget is 50 ms p99 for a page; the ranking takes a small part of it (CPU time:
    the machine's other work does not count)."""
    import time

    rng = np.random.default_rng(17)
    c = candidates(rng, 5000, stores=500, creators=800, small=0.1)
    times = []
    for seed in range(50):
        start = time.process_time()
        ranking.page(c, Policy.default(), 20, np.random.default_rng(seed))
        times.append(time.process_time() - start)
    assert sorted(times)[len(times) // 2] < 0.010
