"""`xiaodian bench feed`: the discovery feed's first page at a million candidate items for a buyer
with 10,000 contacts (issue 22). Target: p99 ≤ 50 ms on SQLite and on PostgreSQL.

1. Seeds (or reuses) 10,000 open stores with two real products each (seeding.py), the buyer and
   their 10,000 contacts (two-way contacts), 50,000 paid orders spread over the buyers (15% through
   the private domain, so some stores earn the incentive), 2,000 video accounts of which the buyer
   follows 200, and the candidate table (`FeedItem`) at a million rows: 70% products, 20% short
   videos, 1% live rooms, 9% articles, published over the last 90 days, in stores drawn by the
   stores' lognormal weights. The rows the feed reads come in bulk (COPY on PostgreSQL), not through
   the services; the candidate rows beyond the real products name synthetic objects (the feed's
   read path never opens the source tables). The contacts' likes and purchases are seeded as their
   fan-out (`FriendProof`): five items each over the last 30 days, 50,000 rows for the buyer. Then
   `refresh_store_reach` (the daily aggregate) runs over it as it would at night, timed.
2. Times `feed.serve` (candidates, ranking, the exposure log's insert, the page's description) for
   the buyer's first page in this process (and its CPU time in this process, which a loaded
   machine does not inflate as much as the wall time), then the same through `GET /api/v1/feed` with Django's
   test client (token auth, the schema), then next pages by their cursors; counts each one's
   queries; reports p50 / p95 / p99 and the load average.
"""

import os
import platform
import time
from collections.abc import Callable

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.scenes import Scene
from xiaodian.distribution import feed, services
from xiaodian.distribution.models import FeedItem, FriendProof, ServedPage, StoreReach
from xiaodian.distribution.rules import Creator, Kind

from . import guard, seeding
from .score import DAY, _columns, _load
from .search import _cpus, _database_version, _progress, _reset_sequence

NAMES = seeding.Names(
    merchant="bench_feed_merchant_",
    buyer="bench_feed_buyer_",
    marker="bench_feed_seeded_",
    store="发现压测",
    subject="发现压测商贸",
    licence_base=760_000_000,
    title="发现压测好物",
    checkout="bench-feed-",
)
SEED_VERSION = 1
STORES = 10_000
ORDERS = 50_000
PRIVATE_ORDERS = 0.15
ACCOUNTS = 2_000
FOLLOWED = 200
LIKES_PER_CONTACT = 5
MIX = ((Kind.PRODUCT, 0.70), (Kind.VIDEO, 0.20), (Kind.LIVE, 0.01), (Kind.ARTICLE, 0.09))
TARGET_P99_MS = 50.0
SYNTHETIC_IDS = 10**12  # object ids of candidate rows that name no real object

ITEM_COLUMNS = _columns(
    "kind int2, object_id int8, store_id int8, creator_type int2, creator_id int8, category_id int8, "
    "title text, image text, price_fen int8, published_at time, likes int4, followers int4, "
    "on_air bool, explore bool, visible bool"
)
CONTACT_COLUMNS = _columns(
    "owner_id int8, other_id int8, added_at time, source text, added_by_owner bool, remark text, search_key text"
)
ACCOUNT_COLUMNS = _columns(
    "id int8, owner_id int8, name text, name_key text, intro text, follower_count int4, created_at time"
)
FOLLOW_COLUMNS = _columns("user_id int8, account_id int8, created_at time")
PROOF_COLUMNS = _columns("viewer_id int8, item_id int8, friend_id int8, verb int2, at time")
SEQUENCED = (
    *seeding.ORDER_TABLES,
    "content_videoaccount",
)
ANALYZED = (
    *SEQUENCED,
    "distribution_feeditem",
    "distribution_friendproof",
    "distribution_storereach",
    "social_contact",
    "content_videoaccountfollow",
)


def _micros(moment) -> int:
    return int(moment.timestamp() * 1_000_000)


def _clear(progress) -> None:
    """An earlier seed: the feed's own tables whole (a benchmark database holds nothing else of
    them), the contacts and follows of the bench's users, then seeding.clear."""
    with connection.cursor() as cursor:
        for table in (
            "distribution_servedpage",
            "distribution_friendproof",
            "distribution_feeditem",
            "distribution_storereach",
        ):
            cursor.execute(f"DELETE FROM {table}")
        users = "SELECT id FROM accounts_user WHERE username LIKE %s"
        like = [seeding._like(NAMES.buyer)]
        if connection.vendor == "sqlite":
            users = users.replace("LIKE %s", r"LIKE %s ESCAPE '\'")
        cursor.execute(
            f"DELETE FROM social_contact WHERE owner_id IN ({users}) OR other_id IN ({users})", like * 2
        )
        cursor.execute(f"DELETE FROM content_videoaccountfollow WHERE user_id IN ({users})", like)
        cursor.execute("DELETE FROM content_videoaccount WHERE name LIKE '发现压测视频号%%'")
    seeding.clear(NAMES, progress)


def seed(*, items: int, contacts: int, rng: np.random.Generator, progress) -> dict:
    guard.require_benchmark_database("seed the feed benchmark (it clears the feed's tables)")
    marker = f"{NAMES.marker}v{SEED_VERSION}_{items}_{contacts}"
    if User.objects.filter(username=marker).exists():
        return {"reused": True, "seconds": 0.0}
    started = time.perf_counter()
    now = clock.now().replace(microsecond=0)
    stamp = _micros(now)
    with transaction.atomic():
        _clear(progress)
        task = progress.add_task("seeding stores, buyers, orders, follows, items, proofs", total=6)
        world = seeding.seed_stores(NAMES, STORES, contacts + 1, rng, stamp, products_per_store=2)
        progress.advance(task)
        _private = _private_scene(rng)
        seeding.seed_orders(world, rng, ORDERS, stamp, source=_private)
        progress.advance(task)
        viewer = int(world["buyer_id"][0])
        friends = world["buyer_id"][1:]
        _contacts(viewer, friends, stamp)
        accounts_ = _accounts(world, viewer, rng, stamp)
        progress.advance(task)
        _items(world, accounts_, items, rng, stamp, progress)
        progress.advance(task)
        _proofs(viewer, friends, rng, stamp)
        progress.advance(task)
        for table in SEQUENCED:
            _reset_sequence(table)
        refreshing = time.perf_counter()
        stores_refreshed = services.refresh_store_reach(now=now)
        refresh_s = round(time.perf_counter() - refreshing, 1)
        progress.advance(task)
        User.objects.create(username=marker, password=make_password(None), is_active=False)
    _analyze()
    return {
        "reused": False,
        "seconds": round(time.perf_counter() - started, 1),
        "refresh_store_reach_s": refresh_s,
        "stores_refreshed": stores_refreshed,
    }


def _private_scene(rng: np.random.Generator) -> Callable[[np.ndarray], dict]:
    def source(first: np.ndarray) -> dict:
        private = rng.random(len(first)) < PRIVATE_ORDERS
        return {
            "scene": np.where(private, int(Scene.CHAT), int(Scene.OTHER)),
            "source_type": "",
            "source_id": None,
            "promoter_id": None,
            "sales_channel": None,
        }

    return source


def _contacts(viewer: int, friends: np.ndarray, stamp: int) -> None:
    n = len(friends)
    added = stamp - (1 + np.arange(n) % 900) * DAY
    for owner, other in ((np.full(n, viewer), friends), (friends, np.full(n, viewer))):
        _load(
            "social_contact",
            CONTACT_COLUMNS,
            {
                "owner_id": owner,
                "other_id": other,
                "added_at": added,
                "source": "search",
                "added_by_owner": True,
                "remark": "",
                "search_key": "",
            },
            n,
        )


def _accounts(world: dict, viewer: int, rng: np.random.Generator, stamp: int) -> dict:
    ids = seeding.ids("content_videoaccount", ACCOUNTS)
    names = [f"发现压测视频号{k}" for k in range(ACCOUNTS)]
    followers = np.minimum(rng.lognormal(6, 2.0, ACCOUNTS), 5_000_000).astype(np.int64)
    _load(
        "content_videoaccount",
        ACCOUNT_COLUMNS,
        {
            "id": ids,
            "owner_id": world["owner_id"][:ACCOUNTS],
            "name": names,
            "name_key": [f"bench-feed-va-{k}" for k in range(ACCOUNTS)],
            "intro": "",
            "follower_count": followers,
            "created_at": stamp - 300 * DAY,
        },
        ACCOUNTS,
    )
    followed = rng.choice(ids, FOLLOWED, replace=False)
    _load(
        "content_videoaccountfollow",
        FOLLOW_COLUMNS,
        {"user_id": viewer, "account_id": followed, "created_at": stamp - 10 * DAY},
        FOLLOWED,
    )
    return {"id": ids, "followers": followers}


def _items(world: dict, accounts_: dict, n: int, rng: np.random.Generator, stamp: int, progress) -> None:
    task = progress.add_task("seeding candidate items", total=n)
    batch = 100_000
    real = world["product_id"]
    made = 0
    for kind, share in MIX:
        count = round(n * share) if kind != Kind.ARTICLE else n - made
        for start in range(0, count, batch):
            k = min(batch, count - start)
            store_index = rng.choice(len(world["store_id"]), k, p=world["weight"])
            object_ids = SYNTHETIC_IDS + made + start + np.arange(k, dtype=np.int64)
            if kind == Kind.PRODUCT and start == 0:  # the real products first
                object_ids[: min(k, len(real))] = real[: min(k, len(real))]
                store_index[: min(k, len(real))] = np.arange(min(k, len(real))) % len(world["store_id"])
            account = rng.integers(0, ACCOUNTS, k)
            if kind == Kind.PRODUCT:
                creator_type, creator_id, followers = Creator.STORE, world["store_id"][store_index], 0
            elif kind == Kind.ARTICLE:
                creator_type, creator_id, followers = (
                    Creator.OFFICIAL_ACCOUNT,
                    account + 1,
                    accounts_["followers"][account],
                )
            else:
                creator_type, creator_id, followers = (
                    Creator.VIDEO_ACCOUNT,
                    accounts_["id"][account],
                    accounts_["followers"][account],
                )
            published = stamp - rng.integers(0, 90 * DAY, k)
            _load(
                "distribution_feeditem",
                ITEM_COLUMNS,
                {
                    "kind": int(kind),
                    "object_id": object_ids,
                    "store_id": world["store_id"][store_index],
                    "creator_type": int(creator_type),
                    "creator_id": creator_id,
                    "category_id": None,
                    "title": [f"{NAMES.title}{i}" for i in range(made + start, made + start + k)],
                    "image": "",
                    "price_fen": world["price"][store_index] if kind == Kind.PRODUCT else None,
                    "published_at": published,
                    "likes": rng.zipf(2.0, k).clip(0, 1_000_000),
                    "followers": followers,
                    "on_air": kind == Kind.LIVE,
                    "explore": False,
                    "visible": True,
                },
                k,
            )
            progress.advance(task, k)
        made += count


def _proofs(viewer: int, friends: np.ndarray, rng: np.random.Generator, stamp: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM distribution_feeditem")
        low, high = cursor.fetchone()
    n = len(friends) * LIKES_PER_CONTACT
    # popular items get several friends: draw from a small hot set half the time
    hot = rng.integers(low, high + 1, 2_000)
    items = np.where(rng.random(n) < 0.5, hot[rng.integers(0, len(hot), n)], rng.integers(low, high + 1, n))
    pairs = np.unique(np.stack([items, np.repeat(friends, LIKES_PER_CONTACT)], axis=1), axis=0)
    m = len(pairs)
    _load(
        "distribution_friendproof",
        PROOF_COLUMNS,
        {
            "viewer_id": viewer,
            "item_id": pairs[:, 0],
            "friend_id": pairs[:, 1],
            "verb": rng.integers(1, 3, m),
            "at": stamp - rng.integers(0, 30 * DAY, m),
        },
        m,
    )


def _analyze() -> None:
    """Fresh planner statistics for the bulk-loaded tables (outside the seed's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(ANALYZED)}")
        else:
            cursor.execute("ANALYZE")


# ------------------------------------------------------------------------------------ measure


def _summary(samples: list[float], queries: list[int]) -> dict:
    ms = np.array(samples) * 1000
    return {
        "requests": len(samples),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
        "queries": max(queries),
    }


def measure(*, requests: int, progress) -> dict:
    viewer = User.objects.get(username=f"{NAMES.buyer}0")
    _, secret = accounts.issue_token(user=viewer, name="bench-feed")
    client = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    for _ in range(20):  # warm: caches, prepared plans, the ORM's compiled queries
        feed.serve(viewer=viewer)
        client.get("/api/v1/feed", headers=headers)
    runs = {"serve_first_page": ([], []), "api_first_page": ([], []), "api_next_page": ([], [])}
    task = progress.add_task("timing first and next pages", total=3 * requests)
    sample = None
    this_process_cpu: list[float] = []  # the page's CPU in this process (not the database's)
    for i in range(requests):
        with CaptureQueriesContext(connection) as q:
            t, cpu = time.perf_counter(), time.process_time()
            page = feed.serve(viewer=viewer)
            runs["serve_first_page"][0].append(time.perf_counter() - t)
            this_process_cpu.append(time.process_time() - cpu)
        runs["serve_first_page"][1].append(len(q))
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            response = client.get("/api/v1/feed", headers=headers)
            runs["api_first_page"][0].append(time.perf_counter() - t)
        runs["api_first_page"][1].append(len(q))
        assert response.status_code == 200, response.content
        cursor = response.json()["next_cursor"]
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            nxt = client.get("/api/v1/feed", {"cursor": cursor}, headers=headers)
            runs["api_next_page"][0].append(time.perf_counter() - t)
        runs["api_next_page"][1].append(len(q))
        assert nxt.status_code == 200, nxt.content
        if i == 0:
            sample = response.json()
        progress.advance(task, 3)
        reset_queries()
    load = os.getloadavg()
    kinds: dict[str, int] = {}
    for item in sample["items"]:
        kinds[item["type"]] = kinds.get(item["type"], 0) + 1
    return {
        **{name: _summary(*values) for name, values in runs.items()},
        "serve_first_page_cpu_ms": {
            "p50": round(float(np.percentile(this_process_cpu, 50)) * 1000, 2),
            "p99": round(float(np.percentile(this_process_cpu, 99)) * 1000, 2),
        },
        "load_average": [round(x, 2) for x in load],
        "first_page": {
            "items": len(page.items),
            "by_type": kinds,
            "with_friends": sum(1 for i in sample["items"] if i["friends"]),
            "stores": len({i["store_id"] for i in sample["items"]}),
        },
    }


def _counts() -> dict:
    return {
        "candidate_items": FeedItem.objects.count(),
        "contacts_of_the_buyer": FriendProof.objects.values("friend_id").distinct().count(),
        "friend_proofs": FriendProof.objects.count(),
        "stores": StoreReach.objects.count(),
        "stores_with_incentive": StoreReach.objects.filter(boosted=True).count(),
        "small_or_new_stores": StoreReach.objects.filter(small_or_new=True).count(),
        "served_pages": ServedPage.objects.count(),
    }


def run(
    *,
    items: int = 1_000_000,
    contacts: int = 10_000,
    requests: int = 300,
    seed_value: int = 1,
    report: Callable[[dict], None] | None = None,
) -> dict:
    say = report or (lambda row: None)
    rng = np.random.default_rng(seed_value)
    with _progress() as progress:
        seeded = seed(items=items, contacts=contacts, rng=rng, progress=progress)
        say({"seed": "reused" if seeded["reused"] else "seeded", "seconds": seeded["seconds"]})
        measured = measure(requests=requests, progress=progress)
    p99 = max(measured["serve_first_page"]["p99_ms"], measured["api_first_page"]["p99_ms"])
    return {
        "scenario": "feed",
        "database": connection.vendor,
        "database_version": _database_version(),
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        "seed": seeded,
        "counts": _counts(),
        **measured,
        "target_p99_ms": TARGET_P99_MS,
        "passed": p99 <= TARGET_P99_MS,
    }
