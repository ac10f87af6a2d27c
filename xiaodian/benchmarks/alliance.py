"""`xiaodian bench alliance`: the Preferred Alliance at scale (issue 19's last must-hold): the
product library at 1M products and 100k plans (goal: p99 ≤ 50 ms), and settling 1M commission
orders (goal: ≤ 60 s on PostgreSQL).

1. Seeds (or reuses) the inputs in bulk (seeding.py: binary COPY on PostgreSQL, one prepared
   INSERT on SQLite; not through the services): open stores with their products (one SKU each,
   prices lognormal, categories from the store's main one and any leaf), every store enabled
   for the alliance and nine in ten with a current score; promoters (sharers, creators with a
   video account, agencies, creators in agencies); plans on the stores' first products (open,
   targeted beside a live open plan, exclusive alone, as DOMAIN.md allows; a few stopped) with
   the promoters the listed ones name; a promotion link per (promoter, plan) that sold; and paid,
   received orders 20–50 days ago whose first line was sold through a link (its `AttributedLine`,
   ratios fixed), enough for about the requested number of commission orders (an agency's link
   claims a service fee too). A marker user records a finished seed of that size.
2. Times the library as a request does it (`promoter_of`, `selectors.library`, the page and its
   count, the items), for promoters of every kind with filters (none, category, ratio range, price
   range, several) and pages: p50/p95/p99, per filter, the statements per request.
3. Wipes the ledger and posts every bench order's payment through `ledger.services.post_payments`
   (the `order_paid` handler's batch path), which takes the alliance's claims: the commission
   orders, unsettled (20), with their payment journals.
4. Marks every line's after-sale period ended (one UPDATE, timed apart, as `bench ledger` does)
   and times the commission settlement run `ledger.services.settle_claims_due` (a journal per
   chunk, each claim once): seconds, claims/s, statements per chunk, resident memory; then checks
   every claim settled once and the books (running balances, all accounts sum to zero, no open
   journal).
"""

import math
import os
import platform
import resource
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from rich.progress import Progress

from xiaodian.accounts.models import User
from xiaodian.alliance import rules as alliance_rules
from xiaodian.alliance import selectors as alliance
from xiaodian.alliance import services as alliance_services
from xiaodian.alliance.api import library_item
from xiaodian.alliance.models import Promoter
from xiaodian.alliance.rules import PlanKind, PromoterKind
from xiaodian.core import clock
from xiaodian.core.pagination import PageParams, paginate
from xiaodian.ledger import services as ledger
from xiaodian.ledger.models import Journal, LineCommission, LineMoney
from xiaodian.orders.rules import SalesChannel
from xiaodian.scoring import services as scoring
from xiaodian.stores.models import Category, Store

from . import guard, seeding
from .ledger import _books, _RssSampler, _Statements, post_all_payments, wipe_ledger
from .score import DAY, _columns, _load, _maxrss_mb, _micros, _server_settings
from .search import _cpus, _database_version, _progress, _reset_sequence

NAMES = seeding.Names(
    merchant="bench_alliance_merchant_",
    buyer="bench_alliance_buyer_",
    marker="bench_alliance_seeded_",
    store="联盟压测",
    subject="联盟压测商贸",
    licence_base=760_000_000,  # search 700,000,000 onwards, score 720,000,000, ledger 740,000,000
    title="联盟压测好物",
    checkout="bench-alliance-",
)
PROMOTER_PREFIX = "bench_alliance_promoter_"
SEED_VERSION = 2  # in the marker: a seed made by an older version of this file is replaced

PRODUCTS_PER_STORE = 50
PROMOTERS_PER_PLAN = 0.5  # promoters seeded per plan (50,000 for 100,000 plans)
KINDS = {PromoterKind.SHARER: 0.70, PromoterKind.CREATOR: 0.25, PromoterKind.AGENCY: 0.05}
IN_AGENCY = 0.5  # of creators: members of an agency
SCORED = 0.9  # of stores: with a current score (the others rank at alliance.rules.UNSCORED_SCORE)
EXCLUSIVE = 0.08  # of products with plans: an exclusive plan (and no open one)
STOPPED = 0.03  # of open plans: stopped (out of the library)
LISTED_MAX = 5  # promoters a targeted or exclusive plan names here (1 to 5; the rule allows 30)
LINKS_PER_OPEN_PLAN = 3  # promoters that sold an open plan (1 to 3)
ORDERS_PER_BUYER = 50
BUYERS_MAX = 50_000
LOAD_BATCH = 100_000  # orders per load (and progress step)
PAGE = 20
WARM_UP = 20  # library requests before the timed ones

TARGET_LIBRARY_P99_MS = 50.0  # issue 19: the library at 1M products and 100k plans
TARGET_SETTLE_S = 60.0  # issue 19: 1M commission orders settle in ≤ 60 s on PostgreSQL

VIDEO_COLUMNS = _columns(
    "id int8, owner_id int8, name text, name_key text, intro text, follower_count int4, created_at time"
)
PROMOTER_COLUMNS = _columns(
    "id int8, user_id int8, kind text, name text, video_account_id int8, created_at time"
)
MEMBER_COLUMNS = _columns("agency_id int8, creator_id int8, joined_at time")
ENABLED_COLUMNS = _columns("store_id int8, enabled_by_id int8, enabled_at time")
STORE_SCORE_COLUMNS = _columns(
    "id int8, store_id int8, formula_id int8, as_of date, score numeric, qualifying_orders int4, "
    "metrics json, dimensions json, badges json, badge_facts json, traffic_weight float8, computed_at time"
)
CURRENT_SCORE_COLUMNS = _columns(
    "store_id int8, score_id int8, value numeric, badges json, traffic_weight float8"
)
PLAN_COLUMNS = _columns(
    "id int8, store_id int8, product_id int8, kind int2, commission_ratio_ppm int4, service_ratio_ppm int4, "
    "starts_at time, ends_at time, stopped_at time, created_by_id int8, created_at time, sales_30d int4, "
    "library_rank float8, in_library bool"
)
LISTED_COLUMNS = _columns("plan_id int8, promoter_id int8")
LINK_COLUMNS = _columns(
    "id int8, token int8, promoter_id int8, plan_id int8, agency_id int8, created_at time"
)
ATTRIBUTED_COLUMNS = _columns(
    "line_id int8, plan_id int8, link_id int8, touchpoint text, promoter_id int8, agency_id int8, sales_channel int2, "
    "commission_ratio_ppm int4, service_ratio_ppm int4, created_at time"
)
SEQUENCED = (
    *seeding.ORDER_TABLES,
    "content_videoaccount",
    "alliance_promoter",
    "alliance_plan",
    "alliance_promotionlink",
    "scoring_storescore",
)
ANALYZED = (*SEQUENCED, "alliance_planpromoter", "alliance_attributedline", "alliance_storealliance")


# ------------------------------------------------------------------------------------- clear


def _alliance_rows() -> list[tuple[str, list]]:
    """The statements removing what points at an earlier seed's stores, products and users, before
    seeding.clear removes those."""
    stores = f"IN ({seeding.BENCH_STORES})"
    merchants = [seeding._like(NAMES.merchant)]
    promoters = [seeding._like(PROMOTER_PREFIX)]
    of_promoters = "IN (SELECT p.id FROM alliance_promoter p JOIN accounts_user u ON u.id = p.user_id WHERE u.username LIKE %s)"
    return [
        (
            f"DELETE FROM alliance_attributedline WHERE plan_id IN (SELECT id FROM alliance_plan WHERE store_id {stores})",
            merchants,
        ),
        (
            f"DELETE FROM alliance_promotionlink WHERE plan_id IN (SELECT id FROM alliance_plan WHERE store_id {stores})",
            merchants,
        ),
        (
            f"DELETE FROM alliance_planpromoter WHERE plan_id IN (SELECT id FROM alliance_plan WHERE store_id {stores})",
            merchants,
        ),
        (f"DELETE FROM alliance_showcaseitem WHERE promoter_id {of_promoters}", promoters),
        (f"DELETE FROM alliance_plan WHERE store_id {stores}", merchants),
        (f"DELETE FROM alliance_storealliance WHERE store_id {stores}", merchants),
        (f"DELETE FROM scoring_currentscore WHERE store_id {stores}", merchants),
        (f"DELETE FROM scoring_storescore WHERE store_id {stores}", merchants),
        (f"DELETE FROM alliance_agencymember WHERE creator_id {of_promoters}", promoters),
        (
            "DELETE FROM alliance_promoter WHERE user_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            promoters,
        ),
        (
            "DELETE FROM content_videoaccount WHERE owner_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            promoters,
        ),
        ("DELETE FROM accounts_user WHERE username LIKE %s", promoters),
    ]


# -------------------------------------------------------------------------------------- seed


def _shape(products: int, plans: int, commissions: int) -> dict:
    stores = max(1, products // PRODUCTS_PER_STORE)
    per_store = products // stores
    planned = max(1, min(per_store - 1, int(plans / (stores * 1.15))))  # products j < planned have plans
    if per_store < 2 or plans < stores * planned:
        raise ValueError("the alliance bench needs at least two products a store and a plan a store")
    return {"stores": stores, "per_store": per_store, "planned": planned}


def _promoters(n: int, rng: np.random.Generator, stamp: int) -> dict:
    """Promoter users and profiles: sharers, creators (each with a video account), agencies;
    half the creators in an agency."""
    user_ids = seeding.users([f"{PROMOTER_PREFIX}{k}" for k in range(n)], stamp - 200 * DAY)
    kinds = np.array(list(KINDS))[rng.choice(len(KINDS), n, p=list(KINDS.values()))]
    kinds[: min(n, 3)] = [PromoterKind.AGENCY, PromoterKind.CREATOR, PromoterKind.SHARER][: min(n, 3)]
    creators = np.flatnonzero(kinds == PromoterKind.CREATOR)
    video_ids = seeding.ids("content_videoaccount", len(creators))
    names = [f"联盟压测达人{k}" for k in creators.tolist()]
    _load(
        "content_videoaccount",
        VIDEO_COLUMNS,
        {
            "id": video_ids,
            "owner_id": user_ids[creators],
            "name": names,
            "name_key": [f"bench-alliance-{k}" for k in creators.tolist()],
            "intro": "",
            "follower_count": rng.integers(0, 100_000, len(creators)),
            "created_at": stamp - 200 * DAY,
        },
        len(creators),
    )
    video = [None] * n
    for k, pk in zip(creators.tolist(), video_ids.tolist(), strict=True):
        video[k] = pk
    promoter_ids = seeding.ids("alliance_promoter", n)
    _load(
        "alliance_promoter",
        PROMOTER_COLUMNS,
        {
            "id": promoter_ids,
            "user_id": user_ids,
            "kind": kinds.tolist(),
            "name": [f"联盟压测推客{k}" for k in range(n)],
            "video_account_id": video,
            "created_at": stamp - 200 * DAY,
        },
        n,
    )
    agencies = np.flatnonzero(kinds == PromoterKind.AGENCY)
    members = creators[rng.random(len(creators)) < IN_AGENCY] if len(agencies) else creators[:0]
    _load(
        "alliance_agencymember",
        MEMBER_COLUMNS,
        {
            "agency_id": promoter_ids[agencies[rng.integers(0, len(agencies), len(members))]]
            if len(members)
            else [],
            "creator_id": promoter_ids[members],
            "joined_at": stamp - 100 * DAY,
        },
        len(members),
    )
    return {"id": promoter_ids, "user_id": user_ids, "agency": kinds == PromoterKind.AGENCY, "kind": kinds}


def _stores_enabled_and_scored(world: dict, rng: np.random.Generator, stamp: int, now: datetime) -> None:
    stores = len(world["store_id"])
    _load(
        "alliance_storealliance",
        ENABLED_COLUMNS,
        {"store_id": world["store_id"], "enabled_by_id": world["owner_id"], "enabled_at": stamp - 90 * DAY},
        stores,
    )
    scored = np.flatnonzero(rng.random(stores) < SCORED)
    values = np.round(np.clip(rng.normal(4.5, 0.25, len(scored)), 4.0, 5.0), 2)
    text = [Decimal(f"{v:.2f}") for v in values.tolist()]
    weight = np.round(1.0 + (values - 4.0) * 0.5, 3)
    score_ids = seeding.ids("scoring_storescore", len(scored))
    _load(
        "scoring_storescore",
        STORE_SCORE_COLUMNS,
        {
            "id": score_ids,
            "store_id": world["store_id"][scored],
            "formula_id": scoring.newest_formula().pk,
            "as_of": now.date() - timedelta(days=1),
            "score": text,
            "qualifying_orders": rng.integers(30, 5_000, len(scored)),
            "metrics": "{}",
            "dimensions": "{}",
            "badges": "[]",
            "badge_facts": "{}",
            "traffic_weight": weight,
            "computed_at": stamp - DAY,
        },
        len(scored),
    )
    _load(
        "scoring_currentscore",
        CURRENT_SCORE_COLUMNS,
        {
            "store_id": world["store_id"][scored],
            "score_id": score_ids,
            "value": text,
            "badges": "[]",
            "traffic_weight": weight,
        },
        len(scored),
    )


def _plans(
    world: dict, shape: dict, plans: int, promoters: dict, rng: np.random.Generator, stamp: int
) -> dict:
    """Plans on each store's first `planned` products: one open plan each (a few stopped) or, for
    some, one exclusive plan; the rest of `plans` are targeted plans beside live open ones. The
    targeted and exclusive plans name 1–5 promoters; every plan gets the links of the promoters
    that sold it (an open plan's: 1–3 promoters; a listed plan's: the promoters it names)."""
    stores, planned = shape["stores"], shape["planned"]
    products = stores * planned  # product indices 0 … products-1 (j < planned of every store)
    exclusive = rng.random(products) < EXCLUSIVE
    base_kind = np.where(exclusive, int(PlanKind.EXCLUSIVE), int(PlanKind.OPEN))
    stopped = (~exclusive) & (rng.random(products) < STOPPED)
    live_open = np.flatnonzero((~exclusive) & (~stopped))
    extra = min(plans - products, len(live_open))
    targeted_on = np.sort(rng.choice(live_open, extra, replace=False)) if extra else live_open[:0]
    product = np.concatenate([np.arange(products), targeted_on])
    kind = np.concatenate([base_kind, np.full(extra, int(PlanKind.TARGETED))])
    n = len(product)
    plan_ids = seeding.ids("alliance_plan", n)
    store_of = product % stores
    ratio = rng.integers(1, 41, n) * 10_000  # 1% … 40%
    ratio = np.where(kind == PlanKind.OPEN, ratio, np.minimum(ratio + 50_000, alliance_rules.RATIO_MAX_PPM))
    service = np.where(rng.random(n) < 0.5, rng.integers(1, 11, n) * 5_000, 0)  # an agency's 0.5% … 5%
    starts = stamp - rng.integers(1 * DAY, 60 * DAY, n)
    ends = np.where(rng.random(n) < 0.3, stamp + rng.integers(10 * DAY, 90 * DAY, n), seeding.NAT)
    stopped_at = np.concatenate(
        [np.where(stopped, stamp - DAY // 2, seeding.NAT), np.full(extra, seeding.NAT)]
    )
    _load(
        "alliance_plan",
        PLAN_COLUMNS,
        {
            "id": plan_ids,
            "store_id": world["store_id"][store_of],
            "product_id": world["product_id"][product],
            "kind": kind,
            "commission_ratio_ppm": ratio,
            "service_ratio_ppm": service,
            "starts_at": starts,
            "ends_at": ends,
            "stopped_at": stopped_at,
            "created_by_id": world["owner_id"][store_of],
            "created_at": starts,
            "sales_30d": 0,  # the rank is the hourly rerank's (measure_library runs it)
            "library_rank": 0.0,
            "in_library": False,  # the library's columns are refresh_library's (seed runs it)
        },
        n,
    )
    # who may promote: listed plans name 1–5 promoters (consecutive from a random one: distinct)
    count = len(promoters["id"])
    listed = kind != PlanKind.OPEN
    named = np.where(listed, rng.integers(1, LISTED_MAX + 1, n), 0)
    base = rng.integers(0, count, n)
    plan_of_name = np.repeat(np.arange(n), named)
    offset = np.arange(len(plan_of_name)) - np.repeat(np.cumsum(named) - named, named)
    named_promoter = (base[plan_of_name] + offset) % count
    _load(
        "alliance_planpromoter",
        LISTED_COLUMNS,
        {"plan_id": plan_ids[plan_of_name], "promoter_id": promoters["id"][named_promoter]},
        len(plan_of_name),
    )
    # links: a listed plan's named promoters; an open plan's 1–3 promoters (stopped ones too: they
    # sold before they stopped)
    sellers = np.where(listed, named, rng.integers(1, LINKS_PER_OPEN_PLAN + 1, n))
    link_plan = np.repeat(np.arange(n), sellers)
    link_offset = np.arange(len(link_plan)) - np.repeat(np.cumsum(sellers) - sellers, sellers)
    link_promoter = (base[link_plan] + link_offset) % count
    links = len(link_plan)
    link_ids = seeding.ids("alliance_promotionlink", links)
    tokens = rng.choice(2**alliance_rules.TOKEN_BITS - 1, links, replace=False) + 1 if links else link_ids
    agency = promoters["agency"][link_promoter]
    _load(
        "alliance_promotionlink",
        LINK_COLUMNS,
        {
            "id": link_ids,
            "token": tokens,
            "promoter_id": promoters["id"][link_promoter],
            "plan_id": plan_ids[link_plan],
            "agency_id": [
                pk if a else None
                for pk, a in zip(promoters["id"][link_promoter].tolist(), agency.tolist(), strict=True)
            ],
            "created_at": starts[link_plan],
        },
        links,
    )
    # each planned product's links, for the orders: the links of its plans, in product order
    by_product = np.argsort(product[link_plan], kind="stable")
    first = np.searchsorted(product[link_plan][by_product], np.arange(products))
    last = np.searchsorted(product[link_plan][by_product], np.arange(products), side="right")
    return {
        "count": n,
        "kinds": {k.name.lower(): int((kind == k).sum()) for k in PlanKind},
        "stopped": int(stopped.sum()),
        "links": links,
        "link": {
            "order": by_product,
            "first": first,
            "count": last - first,
            "id": link_ids,
            "token": tokens,
            "plan_id": plan_ids[link_plan],
            "promoter": link_promoter,
            "agency": agency,
            "ratio": ratio[link_plan],
            "service": service[link_plan],
        },
    }


def _attribute(links: dict, promoters: dict, rng: np.random.Generator, chosen: list) -> Callable:
    """orders' `source`: each order's first line sold through one of its product's links."""

    def source(product: np.ndarray) -> dict:
        pick = links["order"][
            links["first"][product] + (rng.random(len(product)) * links["count"][product]).astype(np.int64)
        ]
        chosen.append(pick)
        agency = links["agency"][pick]
        return {
            "scene": 4,
            "source_type": alliance_rules.SOURCE_TYPE,
            "source_id": links["token"][pick],
            "promoter_id": promoters["user_id"][links["promoter"][pick]],
            "sales_channel": np.where(agency, int(SalesChannel.AGENCY), int(SalesChannel.CREATOR)),
        }

    return source


def _attributed(seeded: dict, links: dict, promoters: dict, pick: np.ndarray) -> None:
    agency = links["agency"][pick]
    promoter = promoters["id"][links["promoter"][pick]]
    n = len(pick)
    _load(
        "alliance_attributedline",
        ATTRIBUTED_COLUMNS,
        {
            "line_id": seeded["first_line_id"],
            "plan_id": links["plan_id"][pick],
            "link_id": links["id"][pick],
            "touchpoint": alliance_rules.Touchpoint.LINK.value,
            "promoter_id": promoter,
            "agency_id": [
                pk if a else None for pk, a in zip(promoter.tolist(), agency.tolist(), strict=True)
            ],
            "sales_channel": np.where(agency, int(SalesChannel.AGENCY), int(SalesChannel.CREATOR)),
            "commission_ratio_ppm": links["ratio"][pick],
            "service_ratio_ppm": np.where(agency, links["service"][pick], 0),
            "created_at": seeded["created"],
        },
        n,
    )


def seed(
    *, products: int, plans: int, commissions: int, rng: np.random.Generator, progress: Progress
) -> dict:
    """Seed the bench's stores, promoters, plans and promoted orders, or reuse a finished seed of
    the same size. One transaction; only in a benchmark database (guard.py)."""
    guard.require_benchmark_database("seed the alliance benchmark (it clears earlier seeds and the ledger)")
    shape = _shape(products, plans, commissions)
    marker_name = f"{NAMES.marker}v{SEED_VERSION}_{products}_{plans}_{commissions}"
    if User.objects.filter(username=marker_name).exists():
        return {"reused": True, "seconds": 0.0, "shape": shape}
    now = clock.now().replace(microsecond=0)
    stamp = _micros(now)
    started = time.perf_counter()
    promoter_count = max(10, int(plans * PROMOTERS_PER_PLAN))
    with transaction.atomic():
        wipe_ledger()  # its rows point at the orders cleared next
        seeding.clear(NAMES, progress, before=_alliance_rows())
        task = progress.add_task("seeding stores, plans", total=5)
        stores = shape["stores"]
        orders_wanted = 1  # set below, once the links' agency share is known
        buyers = 100
        world = seeding.seed_stores(NAMES, stores, 0, rng, stamp, products_per_store=shape["per_store"])
        progress.advance(task)
        _stores_enabled_and_scored(world, rng, stamp, now)
        progress.advance(task)
        promoters = _promoters(promoter_count, rng, stamp)
        progress.advance(task)
        made = _plans(world, shape, plans, promoters, rng, stamp)
        # what the catalog's and the stores' events keep on each plan, read once for all of them
        # (as migration alliance/0004 does for the plans that exist)
        refreshing = time.perf_counter()
        made["in_library"] = alliance_services.refresh_library()
        made["refresh_s"] = round(time.perf_counter() - refreshing, 1)
        progress.advance(task)
        links = made["link"]
        service_share = (
            float(np.mean((links["agency"] & (links["service"] > 0))[links["order"]])) if made["links"] else 0
        )
        orders_wanted = max(1, math.ceil(commissions / (1 + service_share)))
        buyers = min(BUYERS_MAX, max(100, orders_wanted // ORDERS_PER_BUYER))
        world.update(seeding.seed_buyers(NAMES, buyers, stamp))
        progress.advance(task)
        task = progress.add_task("seeding promoted orders", total=orders_wanted)
        lines = 0
        for start in range(0, orders_wanted, LOAD_BATCH):
            n = min(LOAD_BATCH, orders_wanted - start)
            chosen: list = []
            seeded = seeding.seed_orders(
                world,
                rng,
                n,
                stamp,
                first_products=shape["planned"],
                source=_attribute(links, promoters, rng, chosen),
            )
            _attributed(seeded, links, promoters, chosen[0])
            lines += seeded["lines"]
            progress.advance(task, n)
        for table in SEQUENCED:
            _reset_sequence(table)
        User.objects.create(
            username=marker_name, password=make_password(None), is_active=False, date_joined=now
        )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(ANALYZED)}")
    return {
        "reused": False,
        "seconds": round(time.perf_counter() - started, 1),
        "shape": shape,
        "loaded": {
            "stores": stores,
            "products": stores * shape["per_store"],
            "plans": made["count"],
            "plan_kinds": made["kinds"],
            "plans_stopped": made["stopped"],
            "library_columns": {"plans": made["in_library"], "seconds": made["refresh_s"]},
            "promoters": promoter_count,
            "links": made["links"],
            "buyers": buyers,
            "orders": orders_wanted,
            "lines": lines,
        },
    }


# ------------------------------------------------------------------------------------ measure


def bench_stores():
    return Store.objects.filter(subject__owner__username__startswith=NAMES.merchant)


def _requests(count: int, rng: np.random.Generator) -> list[dict]:
    """The library requests to time: promoters of every kind, filters and pages."""
    users = list(
        Promoter.objects.filter(user__username__startswith=PROMOTER_PREFIX)
        .order_by("pk")
        .values_list("user_id", "kind")
    )
    categories = list(
        Category.objects.filter(parent__isnull=True, is_active=True).values_list("pk", flat=True)
    )
    leaves = list(Category.objects.filter(children__isnull=True, is_active=True).values_list("pk", flat=True))
    found = []
    for k in range(count):
        user, kind = users[int(rng.integers(0, len(users)))]
        shape = ("none", "category", "ratio", "price", "several")[k % 5]
        filters: dict = {}
        if shape in ("category", "several"):
            pool = categories if rng.random() < 0.5 or not leaves else leaves
            filters["category_id"] = int(pool[int(rng.integers(0, len(pool)))])
        if shape in ("ratio", "several"):
            low = int(rng.integers(1, 30)) * 10_000
            filters["ratio_min_ppm"] = low
            filters["ratio_max_ppm"] = low + int(rng.integers(1, 20)) * 10_000
        if shape in ("price", "several"):
            low = int(rng.choice([0, 2_000, 5_000, 10_000, 20_000]))
            filters["price_min_fen"] = low
            filters["price_max_fen"] = low + int(rng.choice([3_000, 10_000, 50_000]))
        offset = 0 if rng.random() < 0.7 else int(rng.integers(1, 6)) * PAGE
        found.append({"user": user, "kind": kind, "shape": shape, "filters": filters, "offset": offset})
    return found


def _library_request(request: dict, users: dict) -> dict:
    """What `GET /api/v1/alliance/library` does, without HTTP: the promoter, the ranked and
    filtered plans, the page and its count, the items."""
    promoter = alliance.promoter_of(users[request["user"]])
    rows = alliance.library(promoter, alliance.LibraryFilters(**request["filters"]))
    page = paginate(rows, PageParams(limit=PAGE, offset=request["offset"]))
    return {"items": [library_item(p) for p in page["items"]], "count": page["count"]}


def _percentiles(samples: list[float]) -> dict:
    if not samples:
        return {}
    ms = np.array(samples) * 1000
    return {
        "requests": len(samples),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "max_ms": round(float(ms.max()), 1),
        "mean_ms": round(float(ms.mean()), 1),
    }


def measure_library(*, requests: int, rng: np.random.Generator, progress: Progress) -> dict:
    task = progress.add_task("reranking the plans", total=1)
    started = time.perf_counter()
    reranked = alliance_services.rerank()  # what the hourly task does (alliance/tasks.py)
    rerank_s = time.perf_counter() - started
    progress.advance(task)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) alliance_plan")
    wanted = _requests(requests + WARM_UP, rng)
    users = {u.pk: u for u in User.objects.filter(pk__in={r["user"] for r in wanted})}
    task = progress.add_task("library requests", total=len(wanted))
    times: list[float] = []
    by_shape: dict[str, list[float]] = {}
    counts, statements = [], _Statements()
    with connection.execute_wrapper(statements):
        for k, request in enumerate(wanted):
            started = time.perf_counter()
            answer = _library_request(request, users)
            seconds = time.perf_counter() - started
            if k >= WARM_UP:
                times.append(seconds)
                by_shape.setdefault(request["shape"], []).append(seconds)
                counts.append(answer["count"])
            progress.advance(task)
    with CaptureQueriesContext(connection) as captured:
        _library_request(wanted[-1], users)
    return {
        "rerank": {"plans": reranked, "seconds": round(rerank_s, 1)},
        **_percentiles(times),
        "by_filter": {shape: _percentiles(samples) for shape, samples in sorted(by_shape.items())},
        "statements_per_request": round(statements.count / len(wanted), 1),
        "queries_one_request": len(captured),
        "plans_found_mean": round(float(np.mean(counts)), 1) if counts else 0,
        "plans_found_max": int(max(counts)) if counts else 0,
        "sql_one_request": [q["sql"][:2000] for q in captured.captured_queries],
    }


def measure_commissions(*, progress: Progress, say: Callable[[dict], None]) -> dict:
    """Post the bench orders' payments (the commission orders with them), end the lines'
    periods, time the commission settlement run, check every claim settled once and the books."""
    order_ids, posted, posting_s, statements = post_all_payments(bench_stores(), progress=progress)
    claims = LineCommission.objects.count()
    posting = {
        "orders": len(order_ids),
        "journals": posted,
        "commission_orders": claims,
        "unsettled": LineCommission.objects.filter(settled_at__isnull=True).count(),
        "seconds": round(posting_s, 1),
        "journals_per_s": round(posted / posting_s) if posting_s else None,
    }
    say({"posting_s": posting["seconds"], "commission_orders": claims})

    task = progress.add_task("ending after-sale periods", total=1)
    started = time.perf_counter()
    ended = LineMoney.objects.filter(period_ended_at__isnull=True).update(period_ended_at=clock.now())
    periods_s = time.perf_counter() - started
    progress.advance(task)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:  # as autovacuum would have, days after the payments
            cursor.execute("VACUUM (ANALYZE) ledger_linecommission, ledger_linemoney, ledger_account")
    task = progress.add_task("commission settlement", total=claims)
    statements.count = 0
    chunks = 0

    def advanced(n: int) -> None:
        nonlocal chunks
        chunks += 1
        progress.advance(task, n)

    with connection.execute_wrapper(statements), _RssSampler() as rss:
        started = time.perf_counter()
        settled = ledger.settle_claims_due(on_chunk=advanced)
        settle_s = time.perf_counter() - started
    held = LineCommission.objects.aggregate(
        amount=Sum("amount_fen"), back=Sum("returned_fen"), settled=Sum("settled_fen")
    )
    settlement = {
        "commission_orders": settled,
        "seconds": round(settle_s, 1),
        "per_s": round(settled / settle_s) if settle_s else None,
        "chunk": ledger.CLAIMS_CHUNK,
        "journals": Journal.objects.filter(source_type="commission_settled").count(),
        # on PostgreSQL the chunks run on the workers' own connections, which this count cannot see
        "workers": ledger.CLAIMS_WORKERS if connection.vendor == "postgresql" else 1,
        "statements_per_chunk": round(statements.count / chunks, 1)
        if chunks and (connection.vendor != "postgresql" or ledger.CLAIMS_WORKERS == 1)
        else None,
        "left_unsettled": LineCommission.objects.filter(settled_at__isnull=True).count(),
        "settled_fen": held["settled"] or 0,
        "held_fen": (held["amount"] or 0) - (held["back"] or 0),
        "rss_before_mb": rss.before,
        "peak_rss_mb": rss.peak,
        "peak_rss_growth_mb": round(rss.peak - rss.before, 1),
        "process_maxrss_mb": _maxrss_mb(resource.RUSAGE_SELF),
        "lines_ended": ended,
        "lines_ended_s": round(periods_s, 1),
    }
    say({"settlement_s": settlement["seconds"], "settled": settled})
    again = ledger.settle_claims_due()
    task = progress.add_task("checking the books", total=1)
    books = _books()
    progress.advance(task)
    return {"posting": posting, "settlement": {**settlement, "second_run_settled": again}, "books": books}


def _settlement_targets(measured: dict, commissions: int) -> dict:
    settlement, books = measured["settlement"], measured["books"]
    return {
        "settle_met": settlement["seconds"] <= TARGET_SETTLE_S if commissions >= 1_000_000 else None,
        "settled_once": settlement["left_unsettled"] == 0
        and settlement["second_run_settled"] == 0
        and settlement["settled_fen"] == settlement["held_fen"],
        "books_add_up": books["drifted_balances"] == 0
        and books["total_of_all_accounts"] == 0
        and books["open_journals"] == 0,
    }


def run(
    *,
    products: int,
    plans: int,
    commissions: int,
    requests: int = 1_000,
    seed_value: int = 1,
    settle: bool = True,
    report: Callable[[dict], None] | None = None,
) -> dict:
    """Seed (or reuse), time the library, and, unless `settle` is False (`--library-only`: the
    library again on a seed already made, without the quarter of an hour of posting payments),
    post and settle the commission orders."""
    say = report or (lambda row: None)
    rng = np.random.default_rng(seed_value)
    with _progress() as progress:
        seeded = seed(products=products, plans=plans, commissions=commissions, rng=rng, progress=progress)
        say({"seed": "reused" if seeded["reused"] else "seeded", "seconds": seeded["seconds"]})
        library = measure_library(requests=requests, rng=rng, progress=progress)
        say({"library_p99_ms": library.get("p99_ms")})
        measured = measure_commissions(progress=progress, say=say) if settle else {}
    full = products >= 1_000_000 and plans >= 100_000
    return {
        "scenario": "alliance",
        "database_version": _database_version(),
        "machine": {
            "cpus": _cpus(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "scale": {"products": products, "plans": plans, "commissions": commissions, "requests": requests},
        "seed": seeded,
        "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "library": library,
        **measured,
        "server_settings": _server_settings(),
        "targets": {
            "library_p99_ms": TARGET_LIBRARY_P99_MS,
            "library_met": library.get("p99_ms", 0) <= TARGET_LIBRARY_P99_MS if full else None,
            "settle_s": TARGET_SETTLE_S,
            **(_settlement_targets(measured, commissions) if settle else {"settle_met": None}),
        },
    }
