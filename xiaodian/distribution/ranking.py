"""The one ranking of the public-domain feeds, in numpy: the discovery feed, the live square and
`xiaodian simulate` all call it (DOMAIN.md "Traffic distribution"; docs/distribution.md).

- `Policy`: the knobs, frozen; `Policy.default()` holds DOMAIN.md's defaults (rules.py), and the
  named presets (`Policy.preset(name)`, `PRESETS`) change one knob each: `no_cap`, `no_incentive`,
  `no_explore`, `linear_reach`.
- `Candidates`: equal-shape numpy arrays, one entry per candidate item: `item_id`, `kind` (`Kind`),
  `store_id`, `creator_id` (non-negative ids), `interest` (the user's interest, 0..1),
  `traffic_weight` (the store score's weight), `friends` (contacts who liked or bought it),
  `age_hours`, `followers` (the creator's), `is_small_or_new`, and either `incentive` (bool: the
  store earns the private-domain boost) or `private_share` + `private_orders` (the store's
  private-domain share of paid orders and their count over 30 days, from which `incentive_eligible`
  decides). 1-D arrays are one user's candidates; 2-D arrays (users × candidates) rank many users
  at once (the simulator), with the same code.
- `score(c, policy) -> (scores, factors)`: the product interest × traffic weight × social proof ×
  freshness × reach × incentive; `factors` maps each name of `FACTORS` to its array, so an item's
  explanation is each factor and its value (`explain`).
- `page(c, policy, size, rng) -> indices`: the positions in `c` of one page, best first, with at most
  `policy.per_page(size)` items of any one store and of any one creator, and
  `policy.explore_slots(size)` slots for new and small stores (drawn in proportion to their score
  with `rng`; by score when `rng` is None). For 2-D candidates, one row of indices per user, padded
  with -1 when a row's candidates cannot fill a page within the cap (the cap wins over a full page).
  A candidate whose score is -inf (passed in `scores`) is never shown: the simulator's padding.

The cap is applied in one pass over the candidates in priority order: an item passes when fewer
than the cap of its store and of its creator came before it; an item refused for its creator still
counts against its store (a page can come out a little shorter than greedy would fill it; it never
breaks the cap)."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, fields, replace

import numpy as np

from . import rules


class Kind(enum.IntEnum):
    PRODUCT = 0
    VIDEO = 1
    LIVE = 2
    ARTICLE = 3


FACTORS = ("interest", "traffic_weight", "social_proof", "freshness", "reach", "incentive")
REACHES = ("log", "linear", "flat")


@dataclass(frozen=True)
class Policy:
    name: str = "default"
    creator_cap: float | None = rules.CREATOR_CAP  # max share of a page per store and per creator
    explore_share: float = rules.EXPLORE_SHARE
    private_boost: float = rules.PRIVATE_BOOST
    private_min_share: float = rules.PRIVATE_MIN_SHARE
    private_min_orders: int = rules.PRIVATE_MIN_ORDERS
    follower_reach: str = rules.FOLLOWER_REACH
    reach_reference: float = rules.REACH_REFERENCE  # followers at which reach is 2
    fresh_half_life_hours: float = rules.FRESH_HALF_LIFE_HOURS
    fresh_floor: float = rules.FRESH_FLOOR
    social_weight: float = rules.SOCIAL_WEIGHT

    def __post_init__(self) -> None:
        if self.creator_cap is not None and not 0 < self.creator_cap <= 1:
            raise ValueError("creator_cap is a share of the page in (0, 1], or None for no cap")
        if not 0 <= self.explore_share <= 1:
            raise ValueError("explore_share is a share of the page in [0, 1]")
        if self.follower_reach not in REACHES:
            raise ValueError(f"follower_reach is one of {REACHES}")
        if self.reach_reference <= 0:
            raise ValueError("reach_reference is a positive follower count")
        if self.private_boost <= 0 or self.fresh_half_life_hours <= 0 or not 0 <= self.fresh_floor <= 1:
            raise ValueError("private_boost and fresh_half_life_hours are positive, fresh_floor in [0, 1]")

    @classmethod
    def default(cls) -> Policy:
        return cls()

    @classmethod
    def no_cap(cls) -> Policy:
        return cls(name="no_cap", creator_cap=None)

    @classmethod
    def no_incentive(cls) -> Policy:
        return cls(name="no_incentive", private_boost=1.0)

    @classmethod
    def no_explore(cls) -> Policy:
        return cls(name="no_explore", explore_share=0.0)

    @classmethod
    def linear_reach(cls) -> Policy:
        return cls(name="linear_reach", follower_reach="linear")

    @classmethod
    def preset(cls, name: str) -> Policy:
        if name not in PRESETS:
            raise ValueError(f"unknown policy {name!r}; one of {', '.join(PRESETS)}")
        return getattr(cls, name)()

    def per_page(self, size: int) -> int:
        """The most items one store (or one creator) may have on a page of `size` (at least 1)."""
        if self.creator_cap is None:
            return size
        return max(1, math.floor(self.creator_cap * size + 1e-9))

    def explore_slots(self, size: int) -> int:
        """The slots of a page of `size` kept for new and small stores."""
        return round(self.explore_share * size)


PRESETS = ("default", "no_cap", "no_incentive", "no_explore", "linear_reach")


@dataclass(frozen=True)
class Candidates:
    item_id: np.ndarray
    kind: np.ndarray
    store_id: np.ndarray
    creator_id: np.ndarray
    interest: np.ndarray
    traffic_weight: np.ndarray
    friends: np.ndarray
    age_hours: np.ndarray
    followers: np.ndarray
    is_small_or_new: np.ndarray
    incentive: np.ndarray | None = None
    private_share: np.ndarray | None = None
    private_orders: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = np.shape(self.item_id)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and np.shape(value) != shape:
                raise ValueError(f"{f.name} has shape {np.shape(value)}, item_id {shape}")
        if self.incentive is None and (self.private_share is None or self.private_orders is None):
            raise ValueError("give incentive, or private_share and private_orders")

    def __len__(self) -> int:
        return int(np.shape(self.item_id)[-1])

    def take(self, indices: np.ndarray) -> Candidates:
        """The candidates at `indices` (1-D candidates)."""
        return replace(
            self,
            **{
                f.name: getattr(self, f.name)[indices]
                for f in fields(self)
                if getattr(self, f.name) is not None
            },
        )


def incentive_eligible(private_share: np.ndarray, private_orders: np.ndarray, policy: Policy) -> np.ndarray:
    """Stores whose private-domain share of paid orders (30 days) and count earn the boost."""
    return (np.asarray(private_share) >= policy.private_min_share) & (
        np.asarray(private_orders) >= policy.private_min_orders
    )


def reach(followers: np.ndarray, policy: Policy) -> np.ndarray:
    """Reach from followers f, on the scale of the other factors: 1 without followers (one, not
    zero), 2 at `policy.reach_reference` (r). "log": 1 + log(1 + f) / log(1 + r), diminishing returns
    (proportional to log(1 + f); ~2.5 at a million when r is 10,000, 3 at a hundred million);
    "linear": 1 + f / r, to compare; "flat": 1."""
    f = np.asarray(followers)
    f = f if f.dtype.kind == "f" else f.astype(np.float64)
    if policy.follower_reach == "log":
        return 1 + np.log1p(f) / f.dtype.type(math.log1p(policy.reach_reference))
    if policy.follower_reach == "linear":
        return 1 + f / f.dtype.type(policy.reach_reference)
    return np.ones_like(f)


def score(c: Candidates, policy: Policy) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each candidate's score and its factors (their product is the score)."""
    eligible = (
        np.asarray(c.incentive, dtype=bool)
        if c.incentive is not None
        else incentive_eligible(c.private_share, c.private_orders, policy)
    )
    # float32 candidates (the simulator's) are scored in float32, the rest in float64.
    dt = np.result_type(np.asarray(c.interest).dtype, np.float32)
    age = np.maximum(np.asarray(c.age_hours, dtype=dt), 0)
    one = dt.type(1)
    factors = {
        "interest": np.asarray(c.interest, dtype=dt),
        "traffic_weight": np.asarray(c.traffic_weight, dtype=dt),
        "social_proof": one + dt.type(policy.social_weight) * np.log1p(np.asarray(c.friends, dtype=dt)),
        "freshness": dt.type(policy.fresh_floor)
        + dt.type(1 - policy.fresh_floor) * np.exp2(-age / dt.type(policy.fresh_half_life_hours)),
        "reach": reach(c.followers, policy).astype(dt, copy=False),
        "incentive": np.where(eligible, dt.type(policy.private_boost), one),
    }
    scores = factors["interest"].copy()
    for name in FACTORS[1:]:
        scores *= factors[name]
    return scores, factors


def explain(c: Candidates, policy: Policy, index: int) -> dict[str, float]:
    """One candidate's factors and score, by name (1-D candidates)."""
    scores, factors = score(c, policy)
    return {**{name: float(factors[name][index]) for name in FACTORS}, "score": float(scores[index])}


def page(
    c: Candidates,
    policy: Policy,
    size: int = rules.PAGE_SIZE,
    rng: np.random.Generator | None = None,
    scores: np.ndarray | None = None,
) -> np.ndarray:
    """The page's candidate positions, best first (see the module's docstring)."""
    if scores is None:
        scores, _factors = score(c, policy)
    if np.ndim(scores) == 1:
        rows = _pages(
            scores[None, :],
            np.asarray(c.store_id)[None, :],
            np.asarray(c.creator_id)[None, :],
            np.asarray(c.is_small_or_new, dtype=bool)[None, :],
            policy,
            size,
            rng,
        )
        return rows[0][rows[0] >= 0]
    return _pages(
        np.asarray(scores),
        np.asarray(c.store_id),
        np.asarray(c.creator_id),
        np.asarray(c.is_small_or_new, dtype=bool),
        policy,
        size,
        rng,
    )


def _top(keys: np.ndarray, m: int) -> np.ndarray:
    """Per row, the positions of the m largest keys, largest first."""
    n = keys.shape[1]
    if m < n:
        part = np.argpartition(-keys, m - 1, axis=1)[:, :m]
    else:
        part = np.broadcast_to(np.arange(n), keys.shape)
    order = np.argsort(-np.take_along_axis(keys, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _ranks(groups: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per row, each entry's count of earlier valid entries of its group (invalid: their own)."""
    length = groups.shape[1]
    pos = np.arange(length)
    low = groups.min() if groups.size else 0
    # An invalid entry is a group of its own, below every real one; key = group, then position.
    g = np.where(valid, groups - low + length, pos).astype(np.int64)
    key = np.sort(g * length + pos, axis=1)
    sg, order = key // length, key % length
    start = np.ones(sg.shape, dtype=bool)
    start[:, 1:] = sg[:, 1:] != sg[:, :-1]
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, pos - first, axis=1)
    return ranks


def _first_allowed(seq, valid, store, creator, per: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first k entries of `seq` within the cap: (entries, -1 padded; how many)."""
    s = np.take_along_axis(store, np.maximum(seq, 0), axis=1)
    cr = np.take_along_axis(creator, np.maximum(seq, 0), axis=1)
    allowed = valid & (_ranks(s, valid) < per) & (_ranks(cr, valid) < per)
    take = allowed & (np.cumsum(allowed, axis=1) <= k)
    count = take.sum(axis=1)
    order = np.argsort(~take, axis=1, kind="stable")[:, :k]
    out = np.take_along_axis(seq, order, axis=1) if order.shape[1] else np.empty((seq.shape[0], 0), int)
    if out.shape[1] < k:
        out = np.concatenate([out, np.full((out.shape[0], k - out.shape[1]), -1)], axis=1)
    out = np.where(np.arange(k) < count[:, None], out, -1)
    return out, count


def _pages(scores, store, creator, small, policy: Policy, size: int, rng) -> np.ndarray:
    rows, n = scores.shape
    if not n or not size:
        return np.full((rows, size), -1)
    per = policy.per_page(size)
    n_explore = min(policy.explore_slots(size), size)
    # Exploration: new and small stores' items, drawn in proportion to their score (Gumbel top-k).
    explore = np.full((rows, n_explore), -1)
    if n_explore:
        keys = np.where(
            small & np.isfinite(scores), np.log(np.maximum(scores, np.finfo(scores.dtype).tiny)), -np.inf
        )
        if rng is not None:
            keys = keys + rng.gumbel(size=keys.shape)
        seq = _top(keys, min(n, 4 * n_explore))
        valid = np.isfinite(np.take_along_axis(keys, seq, axis=1))
        explore, _count = _first_allowed(seq, valid, store, creator, per, n_explore)
    # The rest by score, after the exploration picks (which count against the cap); a row the top
    # m cannot fill looks deeper.
    result = np.full((rows, size), -1)
    todo = np.arange(rows)
    m = min(n, 2 * size)
    while todo.size:
        main = _top(scores[todo], m)
        e = explore[todo]
        dup = (main[:, :, None] == e[:, None, :]).any(axis=2)
        seq = np.concatenate([e, main], axis=1)
        valid = np.concatenate(
            [e >= 0, ~dup & np.isfinite(np.take_along_axis(scores[todo], main, axis=1))], axis=1
        )
        picked, count = _first_allowed(seq, valid, store[todo], creator[todo], per, size)
        done = (count >= size) | (m >= n)
        result[todo[done]] = _spread(picked[done], e[done], scores[todo[done]])
        todo = todo[~done]
        m = min(n, 4 * m)
    return result


def _spread(picked: np.ndarray, explore: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Order each page by score with its exploration picks spread evenly through it."""
    if not picked.size:
        return picked
    present = picked >= 0
    is_explore = (picked[:, :, None] == explore[:, None, :]).any(axis=2) & present
    s = np.where(present, np.take_along_axis(scores, np.maximum(picked, 0), axis=1), -np.inf)
    s = np.where(is_explore, -np.inf, s)
    main_rank = np.argsort(np.argsort(-s, axis=1, kind="stable"), axis=1, kind="stable").astype(float)
    n_main = (present & ~is_explore).sum(axis=1, keepdims=True)
    n_exp = is_explore.sum(axis=1, keepdims=True)
    j = np.cumsum(is_explore, axis=1) - 1  # the exploration pick's number in its row
    slot = np.floor((j + 1) * n_main / np.maximum(n_exp + 1, 1)) - 0.5
    key = np.where(is_explore, slot, main_rank)
    key = np.where(present, key, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    return np.take_along_axis(picked, order, axis=1)
