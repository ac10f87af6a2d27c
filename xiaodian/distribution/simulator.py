"""The ecosystem simulator behind `xiaodian simulate` (docs/distribution.md "The simulator").

A synthetic world (users with interests, contacts and follows; stores with quality, a score's
traffic weight, followers and private-domain strength; creators; items) lives through days of
browsing, buying and sharing under each policy in turn. Every feed page is ranked by `ranking`,
the feed's own code, a batch of users at a time. Every policy sees the same world and the same
random numbers (its generator starts from the same seed), so the differences between them come
from the policy; a fixed seed reproduces a run exactly.

One day, per policy:
1. A sample of users (`active`) opens the feed once; each gets candidates from five sources: items
   of the creators they follow, items their contacts liked or bought (with the count of such
   contacts: the social proof), items of their interests drawn uniformly, the same drawn by recent
   views over about the last week ("hot": what the feed showed most), and items of new and small stores in their interests. `ranking.page` picks 20.
2. A shown item is liked or bought with a probability from the user's interest, the store's
   quality and the position; a purchase is a public-domain order. Likes and purchases become what
   the user's contacts see as "friends who liked or bought".
3. A buyer shares with the store's private-domain strength; contacts interested buy through the
   share (private-domain orders). Stores also sell to their own customers in chats and Moments
   every day (private-domain orders, more as public-domain buyers become customers).
4. The 30-day private-domain share and count decide tomorrow's incentive; a store with no order
   for `close_after_days` days (and at least that old) closes and leaves the feed.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field

import numpy as np

from xiaodian.scoring.rules import NO_SCORE_WEIGHT, WEIGHT_POINTS

from . import ranking, rules
from .ranking import Candidates, Policy

TOPICS = 24
CONTACTS = 12  # per user
FOLLOWS = 6  # creators a user follows
RECENT = 2  # a user's last likes and purchases that contacts see
PER_FOLLOW = 5  # candidates per followed creator
SOCIAL = CONTACTS * RECENT  # every contact's recent likes and purchases
UNIFORM = 10
HOT = 12
FRESH = 8
CANDIDATES = SOCIAL + FOLLOWS * PER_FOLLOW + UNIFORM + HOT + FRESH  # 84 per user
BATCH = 5_000  # users ranked at once
NEW_DAYS = 30  # a store is new for this many days
SMALL_QUANTILE = 0.5  # stores below this quantile of followers are small
INDEPENDENT_CREATORS = 0.5  # per store
CREATOR_ITEMS = 0.3  # share of items published by an independent creator
BUY = 0.09  # purchase probability at interest 1, quality 1, position 0
LIKE = 3.0  # likes per purchase
SHARE = 0.5  # a buyer shares with this × the store's private-domain strength
SHARE_BUY = 0.12  # a contact buys through a share with this × interest × quality
REPEAT = 0.02  # a customer buys again in the private domain each day with this × strength
POSITION_DECAY = 0.08


@dataclass(frozen=True)
class Config:
    users: int = 20_000
    stores: int = 500
    days: int = 14
    seed: int = 1
    active: float = 0.1  # share of users who open the feed each day
    page_size: int = rules.PAGE_SIZE
    new_store_share: float = 0.15  # stores that open during the run
    close_after_days: int = 14
    policies: tuple[str, ...] = ("default", "no_cap", "no_incentive")


@dataclass
class World:
    """Everything the policies share; built once from the seed."""

    # stores
    topic: np.ndarray
    quality: np.ndarray
    traffic_weight: np.ndarray
    followers: np.ndarray
    strength: np.ndarray  # private-domain strength
    open_day: np.ndarray  # negative: opened before the run
    small: np.ndarray
    base_customers: np.ndarray
    history_public: np.ndarray  # orders over the 30 days before the run
    history_private: np.ndarray
    # creators (the first `stores` are the stores' own accounts)
    creator_followers: np.ndarray
    # items
    item_store: np.ndarray
    item_creator: np.ndarray
    item_topic: np.ndarray
    item_kind: np.ndarray
    item_price: np.ndarray  # fen
    item_created_h: np.ndarray  # hours since the run began (negative: before)
    creator_start: np.ndarray  # items sorted by creator: [start, end) per creator
    creator_items: np.ndarray
    # users
    interest: np.ndarray  # users × topics, rows sum to 1
    interest_cum: np.ndarray
    contacts: np.ndarray
    follows: np.ndarray

    def __post_init__(self) -> None:
        # float32 copies of what each candidate gathers, so a batch is scored in float32
        self.traffic_weight32 = self.traffic_weight.astype(np.float32)
        self.item_created_h32 = self.item_created_h.astype(np.float32)
        self.creator_followers32 = self.creator_followers.astype(np.float32)

    @property
    def n_stores(self) -> int:
        return len(self.topic)


def build_world(config: Config) -> World:
    rng = np.random.default_rng([config.seed, 0])
    s, u = config.stores, config.users
    topic_popularity = 1.0 / np.arange(1, TOPICS + 1) ** 0.6
    topic = rng.choice(TOPICS, s, p=topic_popularity / topic_popularity.sum())
    quality = rng.beta(5, 2, s)
    followers = np.floor(rng.lognormal(6.0, 2.0, s))
    strength = rng.beta(1.2, 4.0, s)
    opens_later = rng.random(s) < config.new_store_share
    open_day = np.where(opens_later, rng.integers(0, max(config.days, 1), s), -rng.integers(1, 1000, s))
    followers = np.where(opens_later, np.floor(followers * 0.05), followers)
    small = followers < np.quantile(followers, SMALL_QUANTILE)
    # A store older than 90 days has a score (3 + 2 × quality) and its weight; a younger one the
    # no-score weight (scoring.rules).
    xs, ys = zip(*WEIGHT_POINTS, strict=True)
    traffic_weight = np.where(open_day <= -90, np.interp(3 + 2 * quality, xs, ys), NO_SCORE_WEIGHT)
    base_customers = followers * 0.05
    typical = np.sqrt(followers + 1)
    history_public = rng.poisson(np.where(open_day < 0, 30 * 3 * typical / typical.mean(), 0))
    history_private = rng.poisson(np.where(open_day < 0, 30 * REPEAT * strength * base_customers, 0))

    independent = int(s * INDEPENDENT_CREATORS)
    creator_followers = np.concatenate([followers, np.floor(rng.lognormal(7.0, 2.2, independent))])

    # Bigger stores list more: items grow with followers (a store 100 times the median lists ~16
    # times as many).
    n_items = 1 + rng.poisson(3 * ((followers + 1) / (np.median(followers) + 1)) ** 0.6)
    n_items = np.minimum(n_items, 400)
    item_store = np.repeat(np.arange(s), n_items)
    n = len(item_store)
    by_reach = creator_followers[s:] ** 0.8 + 1
    hired = rng.choice(independent, n, p=by_reach / by_reach.sum()) + s if independent else item_store
    item_creator = np.where(rng.random(n) < CREATOR_ITEMS, hired, item_store)
    item_topic = np.where(rng.random(n) < 0.8, topic[item_store], rng.integers(0, TOPICS, n))
    item_kind = rng.choice(len(ranking.Kind), n, p=[0.5, 0.3, 0.1, 0.1])
    item_price = np.round(rng.lognormal(np.log(6000), 0.8, n)).astype(np.int64)
    first_h = np.maximum(open_day[item_store], -30) * 24
    last_h = max(config.days, 1) * 24
    item_created_h = first_h + rng.random(n) * (last_h - first_h)
    # Most of an older store's items were there before the run began.
    item_created_h = np.where(
        (open_day[item_store] < 0) & (rng.random(n) < 0.7), -rng.random(n) * 24 * 60, item_created_h
    )
    creator_items = np.argsort(item_creator, kind="stable")
    creator_start = np.searchsorted(item_creator[creator_items], np.arange(len(creator_followers) + 1))

    interest = rng.dirichlet(np.full(TOPICS, 0.2), u).astype(np.float32)
    interest_cum = np.cumsum(interest, axis=1)
    contacts = rng.integers(0, u, (u, CONTACTS), dtype=np.int32)
    # Users follow creators of their interests, the better followed the likelier.
    creator_topic = np.concatenate(
        [topic, rng.choice(TOPICS, independent, p=topic_popularity / topic_popularity.sum())]
    )
    by_topic = np.argsort(creator_topic, kind="stable")
    bounds = np.searchsorted(creator_topic[by_topic], np.arange(TOPICS + 1))
    cum = np.concatenate([[0.0], np.cumsum(creator_followers[by_topic] + 1)])
    follows = np.empty((u, FOLLOWS), np.int32)
    for start in range(0, u, BATCH):
        rows = np.arange(start, min(u, start + BATCH))
        topics = sample_topics(interest_cum[rows], rng, FOLLOWS)
        lo, hi = bounds[topics], bounds[topics + 1]
        target = cum[lo] + rng.random(topics.shape) * (cum[hi] - cum[lo])
        pick = np.clip(np.searchsorted(cum, target, side="right") - 1, lo, np.maximum(hi - 1, lo))
        follows[rows] = np.where(hi > lo, by_topic[np.minimum(pick, len(by_topic) - 1)], 0)
    return World(
        topic=topic,
        quality=quality,
        traffic_weight=traffic_weight,
        followers=followers,
        strength=strength,
        open_day=open_day,
        small=small,
        base_customers=base_customers,
        history_public=history_public,
        history_private=history_private,
        creator_followers=creator_followers,
        item_store=item_store,
        item_creator=item_creator,
        item_topic=item_topic,
        item_kind=item_kind,
        item_price=item_price,
        item_created_h=item_created_h,
        creator_start=creator_start,
        creator_items=creator_items,
        interest=interest,
        interest_cum=interest_cum,
        contacts=contacts,
        follows=follows,
    )


def sample_topics(interest_cum: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """k topics per row drawn from the rows' cumulative interests (sorted within each row)."""
    b = len(interest_cum)
    offset = np.arange(b)[:, None]
    # Rows' cumulative interests laid end to end (row i spans i..i+1): one sorted search.
    flat = (interest_cum.astype(np.float64) + offset).ravel()
    r = np.sort(rng.random((b, k)), axis=1) + offset
    return np.clip(np.searchsorted(flat, r.ravel()).reshape(b, k) - offset * TOPICS, 0, TOPICS - 1)


@dataclass
class Day:
    gmv_fen: int = 0
    orders: int = 0
    private_orders: int = 0
    private_share: float = 0.0
    exposures: int = 0
    gini: float = 0.0
    top1_share: float = 0.0
    small_share: float = 0.0
    boosted_share: float = 0.0
    boosted_stores: int = 0
    open_stores: int = 0


@dataclass
class Outcome:
    policy: str
    gmv_fen: int = 0
    orders: int = 0
    private_orders: int = 0
    private_share: float = 0.0
    exposures: int = 0
    gini: float = 0.0
    top1_share: float = 0.0
    small_share: float = 0.0
    boosted_share: float = 0.0
    new_stores: int = 0
    new_store_survival: float = 0.0
    lorenz: list[float] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def gini(values: np.ndarray) -> float:
    """The Gini coefficient of non-negative values (0: equal, towards 1: one takes all)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(v), v.sum()
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ v / (n * total))


def top_share(values: np.ndarray, share: float = 0.01) -> float:
    """The part of the total held by the top `share` of entries (at least one)."""
    v = np.asarray(values, dtype=np.float64)
    total = v.sum()
    if total == 0:
        return 0.0
    k = max(1, round(len(v) * share))
    return float(np.partition(v, len(v) - k)[len(v) - k :].sum() / total)


def lorenz(values: np.ndarray, points: int = 21) -> list[float]:
    """The cumulative share of the total held by the bottom 0%, 5%, ..., 100% of entries."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    total = v.sum()
    if total == 0 or len(v) == 0:
        return [i / (points - 1) for i in range(points)]
    cum = np.concatenate([[0.0], np.cumsum(v) / total])
    at = np.linspace(0, len(v), points).round().astype(int)
    return [round(float(x), 4) for x in cum[at]]


class _Run:
    """One policy living through the days of one world."""

    def __init__(self, world: World, config: Config, policy: Policy):
        self.w, self.config, self.policy = world, config, policy
        self.rng = np.random.default_rng([config.seed, 1])  # the same numbers for every policy
        s, d = world.n_stores, config.days
        self.public = np.zeros((d, s), np.int64)
        self.private = np.zeros((d, s), np.int64)
        self.exposure = np.zeros((d, s), np.int64)
        self.gmv = np.zeros(d, np.int64)
        totals = np.bincount(world.item_store, weights=world.item_price, minlength=s)
        self.store_price = np.round(totals / np.maximum(np.bincount(world.item_store, minlength=s), 1))
        self.customers = world.base_customers.copy()
        self.item_views = np.zeros(len(world.item_store), np.float64)  # about the last week
        self.last_order_day = np.where(world.open_day < 0, 0, world.open_day).astype(np.int64)
        self.closed = np.zeros(s, bool)
        self.recent = np.full((config.users, RECENT), -1, np.int32)
        self.recent_at = np.zeros(config.users, np.int8)
        self.outcome = Outcome(policy=policy.name)

    def window(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Each store's public and private orders over the 30 days before `day`."""
        start = max(0, day - rules.PRIVATE_WINDOW_DAYS)
        before = max(0, rules.PRIVATE_WINDOW_DAYS - day) / rules.PRIVATE_WINDOW_DAYS
        public = self.public[start:day].sum(axis=0) + self.w.history_public * before
        private = self.private[start:day].sum(axis=0) + self.w.history_private * before
        return public, private

    def day(self, day: int) -> None:
        w, rng, config = self.w, self.rng, self.config
        now_h = day * 24.0 + 12
        is_open = (w.open_day <= day) & ~self.closed
        visible = (w.item_created_h <= now_h) & is_open[w.item_store]
        public, private = self.window(day)
        total = public + private
        share = np.divide(private, total, out=np.zeros_like(total, dtype=np.float64), where=total > 0)
        eligible = ranking.incentive_eligible(share, private, self.policy)
        small_or_new = w.small | (day - w.open_day < NEW_DAYS)
        tables = self._tables(visible, small_or_new)

        users = np.flatnonzero(rng.random(config.users) < config.active)
        for start in range(0, len(users), BATCH):
            chunk = users[start : start + BATCH]
            self._browse(day, chunk, now_h, visible, eligible, small_or_new, tables)

        # Private-domain orders outside the feed: the store's customers in chats and Moments.
        own = rng.poisson(REPEAT * w.strength * self.customers * is_open)
        self._orders(day, own, private=True)
        self._close_day(day, is_open, eligible, small_or_new)

    def _tables(self, visible: np.ndarray, small_or_new: np.ndarray) -> dict:
        """Visible items by topic: uniform, by recent sales (hot), and new or small stores only."""
        w = self.w
        out = {}
        for name, mask in (("all", visible), ("fresh", visible & small_or_new[w.item_store])):
            items = np.flatnonzero(mask)
            items = items[np.argsort(w.item_topic[items], kind="stable")]
            bounds = np.searchsorted(w.item_topic[items], np.arange(TOPICS + 1))
            out[name] = (items, bounds)
        items, bounds = out["all"]
        weight = np.cumsum(1.0 + self.item_views[items])
        out["hot"] = (items, np.concatenate([[0.0], weight]), bounds)
        return out

    def _draw(self, table, topics: np.ndarray, r: np.ndarray) -> np.ndarray:
        items, bounds = table
        lo, hi = bounds[topics], bounds[topics + 1]
        pick = lo + np.floor(r * (hi - lo)).astype(np.int64)
        return np.where(hi > lo, items[np.minimum(pick, len(items) - 1)] if len(items) else -1, -1)

    def _draw_hot(self, table, topics: np.ndarray, r: np.ndarray) -> np.ndarray:
        items, cum, bounds = table
        lo, hi = bounds[topics], bounds[topics + 1]
        target = cum[lo] + r * (cum[hi] - cum[lo])
        pick = np.searchsorted(cum, target, side="right") - 1
        pick = np.clip(pick, lo, np.maximum(hi - 1, lo))
        return np.where(hi > lo, items[np.minimum(pick, len(items) - 1)] if len(items) else -1, -1)

    def _topics(self, users: np.ndarray, blocks: tuple[int, ...]) -> list[np.ndarray]:
        """Topics drawn from each user's interests, one array per block of columns."""
        cum = self.w.interest_cum[users]
        return [sample_topics(cum, self.rng, k) for k in blocks]

    def _candidates(self, users, now_h, visible, small_or_new, tables):
        w, rng = self.w, self.rng
        b = len(users)
        # social first: what contacts liked or bought (kept over the same item from elsewhere)
        social = self.recent[w.contacts[users]].reshape(b, SOCIAL).astype(np.int64)
        # follows: random items of each followed creator
        creators = np.repeat(w.follows[users], PER_FOLLOW, axis=1)
        lo, hi = w.creator_start[creators], w.creator_start[creators + 1]
        pick = lo + np.floor(rng.random(creators.shape) * (hi - lo)).astype(np.int64)
        follow = np.where(hi > lo, w.creator_items[np.minimum(pick, len(w.creator_items) - 1)], -1)
        # interests: uniform, hot, new and small stores
        t_uniform, t_hot, t_fresh = self._topics(users, (UNIFORM, HOT, FRESH))
        uniform = self._draw(tables["all"], t_uniform, rng.random(t_uniform.shape))
        hot = self._draw_hot(tables["hot"], t_hot, rng.random(t_hot.shape))
        fresh = self._draw(tables["fresh"], t_fresh, rng.random(t_fresh.shape))
        items = np.concatenate([social, follow, uniform, hot, fresh], axis=1)
        # Drop the unseen, the invisible and repeats (each item once per page, its first place).
        ok = items >= 0
        ok[ok] = visible[items[ok]]
        n = items.shape[1]
        key = np.sort(np.where(ok, items + 1, 0) * n + np.arange(n), axis=1)
        first = np.ones(key.shape, bool)
        first[:, 1:] = key[:, 1:] // n != key[:, :-1] // n
        keep = np.zeros_like(ok)
        np.put_along_axis(keep, key % n, first, axis=1)
        ok &= keep
        # friends: how many contacts' recent likes and purchases are this item (social columns)
        friends = np.zeros(items.shape, np.int64)
        friends[:, :SOCIAL] = (social[:, :, None] == social[:, None, :]).sum(axis=2)
        return np.maximum(items, 0), ok, friends

    def _browse(self, day, users, now_h, visible, eligible, small_or_new, tables) -> None:
        w, rng, config = self.w, self.rng, self.config
        items, ok, friends = self._candidates(users, now_h, visible, small_or_new, tables)
        store = w.item_store[items]
        creator = w.item_creator[items]
        c = Candidates(
            item_id=items,
            kind=w.item_kind[items],
            store_id=store,
            creator_id=creator,
            interest=np.take_along_axis(w.interest[users], w.item_topic[items], axis=1),
            traffic_weight=w.traffic_weight32[store],
            friends=friends,
            age_hours=np.float32(now_h) - w.item_created_h32[items],
            followers=w.creator_followers32[creator],
            is_small_or_new=small_or_new[store],
            incentive=eligible[store],
        )
        scores, _factors = ranking.score(c, self.policy)
        scores = np.where(ok, scores, -np.inf)
        page = ranking.page(c, self.policy, config.page_size, rng, scores=scores)
        shown = page >= 0
        at = np.maximum(page, 0)
        shown_items = np.take_along_axis(items, at, axis=1)
        shown_store = w.item_store[shown_items]
        self.exposure[day] += np.bincount(shown_store[shown], minlength=w.n_stores)
        self.item_views += np.bincount(shown_items[shown], minlength=len(w.item_store))

        interest = np.take_along_axis(c.interest, at, axis=1)
        p = BUY * interest * w.quality[shown_store] / (1 + POSITION_DECAY * np.arange(page.shape[1]))
        r = rng.random(page.shape)
        bought = shown & (r < p)
        liked = shown & (r < p * (1 + LIKE))
        self._remember(users, shown_items, liked)
        buyer_rows, cols = np.nonzero(bought)
        sold = shown_items[buyer_rows, cols]
        self._sell(day, sold, private=False)
        # Shares: a buyer tells the contacts; the interested buy through the share.
        shares = rng.random(len(sold)) < SHARE * w.strength[w.item_store[sold]]
        sharers, shared = users[buyer_rows[shares]], sold[shares]
        if len(shared):
            friends_of = w.contacts[sharers]
            p_share = (
                SHARE_BUY
                * w.interest[friends_of, w.item_topic[shared][:, None]]
                * w.quality[w.item_store[shared]][:, None]
            )
            through = rng.random(friends_of.shape) < p_share
            rows, _cols = np.nonzero(through)
            self._sell(day, shared[rows], private=True)
            self._remember(friends_of[through], shared[rows][:, None], np.ones((len(rows), 1), bool))

    def _remember(self, users: np.ndarray, items: np.ndarray, mask: np.ndarray) -> None:
        """Each user's first liked or bought item goes into their recent list (what contacts see)."""
        has = mask.any(axis=1)
        if not has.any():
            return
        first = np.take_along_axis(items, mask.argmax(axis=1)[:, None], axis=1)[:, 0]
        who, what = users[has], first[has]
        slot = self.recent_at[who] % RECENT
        self.recent[who, slot] = what
        self.recent_at[who] = (slot + 1) % RECENT

    def _sell(self, day: int, items: np.ndarray, *, private: bool) -> None:
        stores = self.w.item_store[items]
        counts = np.bincount(stores, minlength=self.w.n_stores)
        (self.private if private else self.public)[day] += counts
        self.gmv[day] += int(self.w.item_price[items].sum())
        if not private:
            self.customers += counts

    def _orders(self, day: int, counts: np.ndarray, *, private: bool) -> None:
        """Orders outside the feed: a store's own customers, at its items' typical price."""
        (self.private if private else self.public)[day] += counts
        self.gmv[day] += int((counts * self.store_price).sum())

    def _close_day(self, day: int, is_open, eligible, small_or_new) -> None:
        w = self.w
        sold = (self.public[day] + self.private[day]) > 0
        self.last_order_day = np.where(sold, day, self.last_order_day)
        old_enough = day - np.maximum(w.open_day, 0) >= self.config.close_after_days
        idle = day - self.last_order_day >= self.config.close_after_days
        self.closed |= is_open & old_enough & idle
        self.item_views *= 6 / 7  # "recent": about the last week
        exposure = self.exposure[day]
        total = int(exposure.sum())
        orders = int(self.public[day].sum() + self.private[day].sum())
        private_orders = int(self.private[day].sum())
        self.outcome.days.append(
            Day(
                gmv_fen=int(self.gmv[day]),
                orders=orders,
                private_orders=private_orders,
                private_share=round(private_orders / orders, 4) if orders else 0.0,
                exposures=total,
                gini=round(gini(exposure[is_open]), 4),
                top1_share=round(top_share(exposure[is_open]), 4),
                small_share=round(float(exposure[small_or_new].sum() / total) if total else 0.0, 4),
                boosted_share=round(float(exposure[eligible].sum() / total) if total else 0.0, 4),
                boosted_stores=int((eligible & is_open).sum()),
                open_stores=int(is_open.sum()),
            )
        )

    def finish(self) -> Outcome:
        o, w = self.outcome, self.w
        days = o.days
        exposure = self.exposure.sum(axis=0)
        ever_open = w.open_day < self.config.days
        o.gmv_fen = sum(d.gmv_fen for d in days)
        o.orders = sum(d.orders for d in days)
        o.private_orders = sum(d.private_orders for d in days)
        o.private_share = round(o.private_orders / o.orders, 4) if o.orders else 0.0
        o.exposures = int(exposure.sum())
        o.gini = round(gini(exposure[ever_open]), 4)
        o.top1_share = round(top_share(exposure[ever_open]), 4)
        small_exposure = sum(d.small_share * d.exposures for d in days)
        boosted_exposure = sum(d.boosted_share * d.exposures for d in days)
        o.small_share = round(small_exposure / o.exposures, 4) if o.exposures else 0.0
        o.boosted_share = round(boosted_exposure / o.exposures, 4) if o.exposures else 0.0
        new = (w.open_day >= 0) & ever_open
        o.new_stores = int(new.sum())
        o.new_store_survival = round(float((new & ~self.closed).sum() / new.sum()), 4) if new.any() else 0.0
        o.lorenz = lorenz(exposure[ever_open])
        return o


# What a forked worker needs (fork shares the world without copying it).
_shared: dict = {}


def _run_policy(name: str) -> Outcome:
    world, config, queue = _shared["world"], _shared["config"], _shared["queue"]
    run = _Run(world, config, Policy.preset(name))
    for day in range(config.days):
        run.day(day)
        if queue is not None:
            queue.put(name)
    return run.finish()


def simulate(
    config: Config,
    *,
    world: World | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> list[Outcome]:
    """Run each policy of `config` over the same world, in up to `workers` processes at once
    (forked: they share the world); `progress(policy)` is called after each simulated day. The
    outcomes do not depend on `workers`."""
    world = world or build_world(config)
    if workers <= 1 or len(config.policies) <= 1:
        outcomes = []
        for name in config.policies:
            run = _Run(world, config, Policy.preset(name))
            for day in range(config.days):
                run.day(day)
                if progress:
                    progress(name)
            outcomes.append(run.finish())
        return outcomes
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue() if progress else None
    _shared.update(world=world, config=config, queue=queue)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_run_policy, name) for name in config.policies]
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # a worker's error, raised here
                while queue is not None and not queue.empty():
                    progress(queue.get())  # type: ignore[misc]
            return [f.result() for f in futures]
    finally:
        _shared.clear()
