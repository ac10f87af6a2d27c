"""Reads of traffic distribution: the candidate pools of one buyer's feed page (bounded, one
indexed range scan each), the feed impression as an order's source, and the exposure report.

The pools (docs/distribution.md, "Candidates"): the newest items of the accounts the buyer follows;
the items the buyer's contacts liked or bought (FriendProof, the fan-out of their actions); the
newest items of stores the buyer bought from; the newest items anywhere; the newest items of new
and small stores. A page costs a fixed number of queries whatever the buyer's contacts or the
catalog's size."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Q

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.orders import sources
from xiaodian.orders.models import OrderLine

from . import rules
from .models import DailyExposure, FeedItem, FriendProof, ServedPage, StoreReach
from .rules import Creator, Kind, Surface

ITEM_COLUMNS = (
    "pk",
    "kind",
    "object_id",
    "store_id",
    "creator_type",
    "creator_id",
    "category_id",
    "title",
    "image",
    "price_fen",
    "published_at",  # as seconds since the epoch in a pool's rows
    "likes",
    "followers",
    "on_air",
    "explore",
)
NO_REACH = (1.0, 0, 0, False, True)  # a store not refreshed yet: unscored, small


@dataclass
class Pool:
    """A buyer's candidates and what the ranking reads about them."""

    items: dict[int, tuple] = field(default_factory=dict)  # FeedItem pk → ITEM_COLUMNS values
    friends: Counter = field(default_factory=Counter)  # FeedItem pk → contacts who liked or bought it
    proof_at: dict[int, float] = field(default_factory=dict)  # FeedItem pk → the newest proof (epoch s)
    followed: set[tuple[int, int]] = field(default_factory=set)  # (creator_type, creator_id)
    history_stores: set[int] = field(default_factory=set)
    categories: set[int] = field(default_factory=set)
    # by store: (traffic weight, paid orders, private orders, boosted, small or new) and its name
    reach: dict[int, tuple[float, int, int, bool, bool]] = field(default_factory=dict)
    store_names: dict[int, str] = field(default_factory=dict)

    def add(self, rows) -> None:
        for row in rows:
            self.items.setdefault(row[0], row)


def _seconds(value) -> float:
    """A pool row's published time as seconds since the epoch: PostgreSQL sends seconds; SQLite the
    stored UTC time without its offset (as text, or parsed by the driver's converter)."""
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite keeps UTC without its offset
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _pools_sql(pools: list[tuple[str, list]]) -> tuple[str, list]:
    """One statement for every pool: each a bounded indexed range of items, in a UNION ALL. Written
    out: the ORM cannot express a union of ordered, limited subqueries on SQLite, and compiling
    five querysets cost more than running them (~15 ms of a ~25 ms page at a million items)."""
    parts, params = [], []
    for n, (sql, args) in enumerate(pools):
        parts.append(f"SELECT {n} AS pool, p{n}.* FROM ({sql}) p{n}")
        params += args
    # PostgreSQL answers the time as seconds (parsing 600 timestamps with their zone cost ~7 ms)
    published = (
        "EXTRACT(EPOCH FROM u.published_at)::float8"
        if connection.vendor == "postgresql"
        else "u.published_at"
    )
    columns = ", ".join(
        published if c == "published_at" else f"u.{'id' if c == 'pk' else c}" for c in ITEM_COLUMNS
    )
    return f"SELECT u.pool, {columns} FROM ({' UNION ALL '.join(parts)}) u", params


def _stores(pool: Pool) -> None:
    """The pool's stores' aggregates and names, one statement by their ids (joined to the union,
    PostgreSQL hashed both whole tables: 9 ms at 10,000 stores)."""
    ids = sorted({row[3] for row in pool.items.values()})
    if not ids:
        return
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        "SELECT s.id, s.name, r.traffic_weight, r.paid_orders, r.private_orders, r.boosted, r.small_or_new "
        "FROM stores_store s LEFT JOIN distribution_storereach r "
        f"ON r.store_id = s.id AND r.store_id IN ({marks}) "  # (else PostgreSQL hashes the whole table)
        f"WHERE s.id IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids + ids)
        for store_id, name, weight, paid, private, boosted, small in cursor.fetchall():
            pool.store_names[store_id] = name
            if weight is not None:
                pool.reach[store_id] = (weight, paid, private, bool(boosted), bool(small))
    for store_id in ids:
        pool.reach.setdefault(store_id, NO_REACH)


def _gather(pool: Pool, pools: list[tuple[str, list]]) -> list[tuple[int, tuple]]:
    """Run the pools, then read their stores; answers each row with the pool it came from (its
    index in `pools`)."""
    sql, params = _pools_sql(pools)
    found = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            item = (*row[1:11], _seconds(row[11]), *row[12:])
            pool.add([item])
            found.append((row[0], item))
    _stores(pool)
    return found


COLUMNS = ", ".join("id" if c == "pk" else c for c in ITEM_COLUMNS)
NEWEST = "SELECT {columns} FROM distribution_feeditem WHERE {where} ORDER BY published_at DESC LIMIT {limit}"


def _newest(where: str, limit: int) -> str:
    return NEWEST.format(columns=COLUMNS, where=where, limit=int(limit))


def _proofs(viewer_id: int) -> list[tuple]:
    """The buyer's newest friend-proof rows (item, friend, when), newest first, from the (viewer,
    -at) index. Written out so PostgreSQL answers the time as seconds: the ORM's aware datetimes
    cost ~7 ms of CPU for 2,000 rows, a quarter of a page."""
    at = "EXTRACT(EPOCH FROM at)::float8" if connection.vendor == "postgresql" else "at"
    sql = (
        f"SELECT item_id, friend_id, {at} FROM {FriendProof._meta.db_table} "
        f"WHERE viewer_id = %s ORDER BY at DESC LIMIT {int(rules.PROOF_ROWS)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [viewer_id])
        return cursor.fetchall()


def feed_pool(viewer: User | None) -> Pool:
    """The feed's candidates: 3 queries for a signed-in buyer (friends' proof, history, the pools
    in one), 1 signed out."""
    pool = Pool()
    since = clock.now() - rules.FRESH_WINDOW
    pools: list[tuple[str, list]] = []
    if viewer is not None:
        seen: set[tuple[int, int]] = set()
        friends: Counter = Counter()
        newest: dict[int, object] = {}
        for item_id, friend_id, at in _proofs(viewer.pk):
            newest.setdefault(item_id, at)  # newest first
            if (item_id, friend_id) not in seen:
                seen.add((item_id, friend_id))
                friends[item_id] += 1
        # the items most contacts vouch for, not merely the newest vouched-for ones
        pool.friends.update(dict(friends.most_common(rules.POOL_FRIENDS)))
        pool.proof_at = {item_id: _seconds(newest[item_id]) for item_id in pool.friends}
        lines = (
            OrderLine.objects.filter(order__buyer=viewer, order__paid_at__isnull=False)
            .order_by("-order__created_at")
            .values_list("order__store_id", "product__category_id")[: rules.HISTORY_ORDERS]
        )
        for store_id, category_id in lines:
            if len(pool.history_stores) < rules.HISTORY_STORES:
                pool.history_stores.add(store_id)
            pool.categories.add(category_id)
        follows = (
            "visible AND published_at >= %s AND ("
            f"(creator_type = {Creator.VIDEO_ACCOUNT} AND creator_id IN (SELECT account_id FROM "
            f"content_videoaccountfollow WHERE user_id = %s ORDER BY id DESC LIMIT {rules.FOLLOWS_MAX})) OR "
            f"(creator_type = {Creator.OFFICIAL_ACCOUNT} AND creator_id IN (SELECT account_id FROM "
            f"content_officialaccountfollow WHERE user_id = %s ORDER BY id DESC LIMIT {rules.FOLLOWS_MAX})))"
        )
        # ids from the index alone (PostgreSQL: index-only), then their rows
        newest_ids = _newest(follows, rules.POOL_FOLLOWS).replace(COLUMNS, "id", 1)
        followed = f"SELECT {COLUMNS} FROM distribution_feeditem WHERE id IN ({newest_ids})"
        pools.append((followed, [since, viewer.pk, viewer.pk]))
        if pool.history_stores:
            stores = sorted(pool.history_stores)
            where = f"visible AND published_at >= %s AND store_id IN ({', '.join(['%s'] * len(stores))})"
            pools.append((_newest(where, rules.POOL_HISTORY), [since, *stores]))
        if pool.friends:
            ids = list(pool.friends)
            marks = ", ".join(["%s"] * len(ids))
            pools.append(
                (f"SELECT {COLUMNS} FROM distribution_feeditem WHERE visible AND id IN ({marks})", ids)
            )
    pools.append((_newest("visible", rules.POOL_FRESH), []))
    pools.append((_newest("visible AND explore", rules.POOL_EXPLORE), []))
    for source, item in _gather(pool, pools):
        if source == 0 and viewer is not None:
            pool.followed.add((item[4], item[5]))
    return pool


def live_pool(viewer: User | None) -> Pool:
    """The live square's candidates: rooms on air first, then the newest scheduled (1 query), and the
    buyer's friends' proof on them (1 more signed in)."""
    pool = Pool()
    rooms = (
        f"SELECT {COLUMNS} FROM distribution_feeditem WHERE visible AND kind = {Kind.LIVE} "
        f"ORDER BY on_air DESC, published_at DESC LIMIT {rules.POOL_LIVE}"
    )
    _gather(pool, [(rooms, [])])
    if viewer is not None and pool.items:
        proofs = FriendProof.objects.filter(viewer=viewer, item_id__in=list(pool.items)).values_list(
            "item_id", flat=True
        )
        pool.friends.update(proofs)
    return pool


def reach(store_ids) -> dict[int, tuple[float, int, int, bool, bool]]:
    """Stores' (traffic weight, paid orders, private orders, boosted, small or new), one query."""
    rows = StoreReach.objects.filter(store_id__in=list(store_ids)).values_list(
        "store_id", "traffic_weight", "paid_orders", "private_orders", "boosted", "small_or_new"
    )
    found = {row[0]: row[1:] for row in rows}
    return {s: found.get(s, NO_REACH) for s in store_ids}


def session_served(session_id: int) -> set[tuple[int, int]]:
    """(kind, object id) of every item the cursor chain already showed."""
    shown: set[tuple[int, int]] = set()
    for page in ServedPage.objects.filter(Q(pk=session_id) | Q(session_id=session_id)):
        arrays = page.arrays()
        shown.update(zip(arrays["kinds"].tolist(), arrays["objects"].tolist(), strict=True))
    return shown


def item(kind: int, object_id: int) -> FeedItem | None:
    return FeedItem.objects.filter(kind=kind, object_id=object_id).first()


# ------------------------------------------------------------------- scene 8's source


def verify_impression(claim: sources.Claim) -> bool:
    """orders.sources: a checkout of scene 8 keeps it only when the page it names was served to
    this buyer within the last 7 days and showed what is bought (the product, or an item of its
    store: a video, live room or article leads to its store's products). One query."""
    page = ServedPage.objects.filter(pk=claim.source_id).first()
    if page is None or page.viewer_id is None or page.viewer_id != claim.buyer.pk:
        return False
    if page.served_at < clock.now() - rules.SOURCE_VALID:
        return False
    arrays = page.arrays()
    products = {int(o) for k, o in zip(arrays["kinds"], arrays["objects"], strict=True) if k == Kind.PRODUCT}
    stores = {int(s) for k, s in zip(arrays["kinds"], arrays["stores"], strict=True) if k != Kind.PRODUCT}
    return bool(products & claim.product_ids) or bool(stores & claim.store_ids)


def impression_sources(ids: list[int]) -> dict[int, sources.Source]:
    """An order's source, for the order page: the surface it came from (who saw it is not shown)."""
    rows = ServedPage.objects.filter(pk__in=ids).values_list("pk", "surface")
    return {pk: sources.Source(str(Surface(surface).label)) for pk, surface in rows}


# ------------------------------------------------------------------------- exposure report


def exposure(*, start: date, end: date, surface: int = Surface.FEED) -> list[DailyExposure]:
    """The days from `start` to `end` (inclusive) that have figures, oldest first."""
    if end < start or (end - start).days >= rules.EXPOSURE_DAYS_MAX:
        raise DomainError("validation_error", field="end")
    return list(DailyExposure.objects.filter(surface=surface, day__gte=start, day__lte=end).order_by("day"))


def default_window(days: int = rules.EXPOSURE_DAYS) -> tuple[date, date]:
    end = clock.today() - timedelta(days=1)
    return end - timedelta(days=days - 1), end
