"""`xiaodian bench search`: search latency at a million products (issue 6).

1. Seeds (or reuses) N open stores with realistic Chinese names (unique by the stores table's
   name_key) and M listed products with titles and 1–2 SKUs each, built from word lists by leaf
   category (`search_words`). Bulk INSERTs (COPY on PostgreSQL), not the services: nothing here
   goes through the index-on-commit receivers. A marker user records a finished seed of that size;
   a run finding it reuses the data, a run finding a partial or other-sized seed replaces it.
2. Rebuilds the search index with `search.services.reindex_all` and times it.
3. Runs a fixed query mix (drawn with a fixed seed from the seeded names and titles) through
   `search.selectors.search` in this process, on the database in use, and reports p50 / p99 per
   kind of query and tab. Each kind also counts its queries that found something, so a mix that
   silently stopped matching shows.
"""

import gc
import math
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Iterator

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from pypinyin import Style, lazy_pinyin
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from xiaodian.accounts import licences
from xiaodian.accounts.models import Subject, User
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.search import selectors, services, text
from xiaodian.search.models import ProductDocument, StoreDocument
from xiaodian.search.rules import Tab
from xiaodian.stores import naming
from xiaodian.stores import services as stores_services
from xiaodian.stores.models import Category, Store, StoreStaff
from xiaodian.stores.rules import StoreKind, StoreState

from . import guard
from . import search_words as words

MERCHANT_PREFIX = "bench_search_merchant_"
MARKER_PREFIX = "bench_search_seeded_"
SUBJECT_PREFIX = "搜索压测商贸"
LICENCE_BASE = 700_000_000
STORES_PER_SUBJECT = 30
BATCH = 20_000
PAGE = 20  # results asked for, as the search page does

TARGET_P99_MS = 20.0
TARGET_INDEX_S = 600.0

# (kind, tab): what a buyer types, and where.
KINDS = (
    ("store_name", Tab.STORES),
    ("store_name", Tab.PRODUCTS),
    ("category", Tab.STORES),
    ("category", Tab.PRODUCTS),
    ("one_char", Tab.STORES),
    ("one_char", Tab.PRODUCTS),
    ("two_chars", Tab.STORES),
    ("two_chars", Tab.PRODUCTS),
    ("product_words", Tab.PRODUCTS),
    ("pinyin", Tab.STORES),
    ("initials", Tab.STORES),
    ("no_hit", Tab.STORES),
    ("no_hit", Tab.PRODUCTS),
)


def _progress(*, auto_refresh: bool = True) -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        auto_refresh=auto_refresh,
    )


# --------------------------------------------------------------------------------------- seed


def _leaves() -> dict[int, str]:
    stores_services.install_default_categories()
    return dict(Category.objects.filter(children__isnull=True, is_active=True).values_list("pk", "name"))


def _store_names(count: int, leaves: dict[int, str], rng: random.Random) -> list[tuple[str, int]]:
    """`count` unique store names, each with its main (leaf) category: a shop's word or two, what
    it sells, and often a tail ("小铺", "生活馆")."""
    taken = set(Store.objects.values_list("name_key", flat=True))
    leaf_ids = sorted(leaves)
    found: list[tuple[str, int]] = []
    while len(found) < count:
        leaf = rng.choice(leaf_ids)
        head = rng.choice(words.NAME_HEADS)
        if rng.random() < 0.6:
            head += rng.choice(words.NAME_HEADS)
        name = head + rng.choice(words.NAME_CORES.get(leaves[leaf], words.GENERIC_CORES))
        name += rng.choice(words.NAME_TAILS)
        key = naming.name_key(name)
        if key not in taken:
            taken.add(key)
            found.append((name, leaf))
    return found


def _title(rng: random.Random, category: str, store_name: str) -> str:
    parts = []
    if rng.random() < 0.25:  # many titles carry the shop's word, like a brand
        parts.append(store_name[:2])
    if rng.random() < 0.6:
        parts.append(rng.choice(words.GENERIC_MODIFIERS))
    if category in words.MODIFIERS and rng.random() < 0.6:
        parts.append(rng.choice(words.MODIFIERS[category]))
    parts.append(rng.choice(words.PRODUCT_NOUNS.get(category, words.GENERIC_NOUNS)))
    spec = rng.choice(words.SPECS)
    return "".join(parts) + (f" {spec}" if spec else "")


def _price(rng: random.Random) -> int:
    return max(10, int(round(math.exp(rng.uniform(math.log(990), math.log(199_900))), -1)))


def _bench_store_ids() -> list[int]:
    return list(
        Store.objects.filter(subject__owner__username__startswith=MERCHANT_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _chunks(items: list, size: int = 5_000) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _clear(progress: Progress) -> None:
    """Remove an earlier (partial or other-sized) bench seed and its index documents."""
    store_ids = _bench_store_ids()
    if not store_ids:
        return
    task = progress.add_task("clearing old seed", total=len(store_ids))
    with connection.cursor() as cursor:
        for chunk in _chunks(store_ids):
            marks = ", ".join(["%s"] * len(chunk))
            with transaction.atomic():
                cursor.execute(
                    "DELETE FROM catalog_sku WHERE product_id IN "
                    f"(SELECT id FROM catalog_product WHERE store_id IN ({marks}))",
                    chunk,
                )
                for table, column in (
                    ("catalog_product", "store_id"),
                    ("stores_storestaff", "store_id"),
                    ("stores_store", "id"),
                    ("search_productdocument", "store_id"),
                    ("search_storedocument", "store_id"),
                ):
                    cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
            progress.advance(task, len(chunk))
    Subject.objects.filter(owner__username__startswith=MERCHANT_PREFIX).delete()
    User.objects.filter(username__startswith=MERCHANT_PREFIX).delete()
    User.objects.filter(username__startswith=MARKER_PREFIX).delete()


def _copy_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows at once: COPY on PostgreSQL, one prepared INSERT run over them on SQLite."""
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["?"] * len(columns))
        connection.ensure_connection()
        connection.connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )


PRODUCT_COLUMNS = (
    "id",
    "store_id",
    "category_id",
    "title",
    "description",
    "spec_names",
    "state",
    "created_at",
    "updated_at",
    "listed_at",
    "banned_at",
    "ban_reason",
)
SKU_COLUMNS = ("product_id", "specs", "price_fen", "stock", "is_active")


def seed(*, store_count: int, product_count: int, rng: random.Random, progress: Progress) -> dict:
    """Seed the bench's stores and products, or reuse a finished seed of the same size. Only in a
    benchmark database (guard.py)."""
    guard.require_benchmark_database("seed the search benchmark (it clears earlier seeds)")
    marker = f"{MARKER_PREFIX}{store_count}_{product_count}"
    leaves = _leaves()
    if User.objects.filter(username=marker).exists():
        return {"reused": True, "seconds": 0.0}
    _clear(progress)
    started = time.perf_counter()
    names = _store_names(store_count, leaves, rng)
    store_rows = _seed_stores(names, progress)
    _seed_products(store_rows, leaves, product_count, rng, progress)
    User.objects.create(username=marker, password=make_password(None), is_active=False)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # as a live database would be: visibility and statistics set, no autovacuum of the new rows
        # running into the measurements
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) accounts_user, accounts_subject, stores_store, catalog_product, catalog_sku"
            )
    return {"reused": False, "seconds": round(time.perf_counter() - started, 1)}


def _seed_stores(names: list[tuple[str, int]], progress: Progress) -> list[tuple[int, str, int]]:
    """Merchants, enterprise subjects (30 stores each), open stores and their owners' staff rows.
    Answers (store id, name, main category id) per store."""
    task = progress.add_task("seeding stores", total=len(names))
    password = make_password(None)
    now = clock.now()
    step = BATCH - BATCH % STORES_PER_SUBJECT
    out: list[tuple[int, str, int]] = []
    for start in range(0, len(names), step):
        chunk = names[start : start + step]
        first_owner = start // STORES_PER_SUBJECT
        owners_needed = -(-len(chunk) // STORES_PER_SUBJECT)
        with transaction.atomic():
            owners = User.objects.bulk_create(
                User(username=f"{MERCHANT_PREFIX}{first_owner + k}", password=password)
                for k in range(owners_needed)
            )
            subjects = Subject.objects.bulk_create(
                Subject(
                    owner=owner,
                    kind=SubjectKind.ENTERPRISE,
                    name=f"{SUBJECT_PREFIX}{first_owner + k}有限公司",
                    licence_number=licences.make_uscc(LICENCE_BASE + first_owner + k),
                    verification=Verification.VERIFIED,
                    verified_at=now,
                )
                for k, owner in enumerate(owners)
            )
            made = Store.objects.bulk_create(
                Store(
                    subject=subjects[i // STORES_PER_SUBJECT],
                    name=name,
                    name_key=naming.name_key(name),
                    kind=StoreKind.ORDINARY,
                    state=StoreState.OPEN,
                    opened_at=now,
                    main_category_id=leaf,
                )
                for i, (name, leaf) in enumerate(chunk)
            )
            StoreStaff.objects.bulk_create(
                StoreStaff(store=store, user=owners[i // STORES_PER_SUBJECT], role=Role.OWNER)
                for i, store in enumerate(made)
            )
        out += [(store.pk, store.name, store.main_category_id) for store in made]
        progress.advance(task, len(chunk))
    return out


def _seed_products(
    store_rows: list[tuple[int, str, int]],
    leaves: dict[int, str],
    total: int,
    rng: random.Random,
    progress: Progress,
) -> None:
    """Listed products spread over the stores unevenly (a few big shops, many small ones), 80% in
    the store's main category; one or two active SKUs each."""
    task = progress.add_task("seeding products", total=total)
    leaf_ids = sorted(leaves)
    weights = [rng.lognormvariate(0, 1) for _ in store_rows]
    owners = rng.choices(range(len(store_rows)), weights=weights, k=total)
    now = clock.now()
    stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    next_id = _next_id("catalog_product")
    for start in range(0, total, BATCH):
        products, skus = [], []
        for index in owners[start : start + BATCH]:
            store_id, store_name, main_leaf = store_rows[index]
            leaf = main_leaf if rng.random() < 0.8 else rng.choice(leaf_ids)
            title = _title(rng, leaves[leaf], store_name)
            products.append(
                (next_id, store_id, leaf, title, "", "[]", ProductState.LISTED, stamp, stamp, stamp, None, "")
            )
            price = _price(rng)
            skus.append((next_id, "{}", price, rng.randint(0, 500), True))
            if rng.random() < 0.5:
                skus.append((next_id, "{}", price + _price(rng) // 10 * 10 + 10, rng.randint(0, 500), True))
            next_id += 1
        with transaction.atomic():
            _copy_rows("catalog_product", PRODUCT_COLUMNS, products)
            _copy_rows("catalog_sku", SKU_COLUMNS, skus)
        progress.advance(task, len(products))
    _reset_sequence("catalog_product")


# -------------------------------------------------------------------------------------- index


def build_index(progress: Progress) -> dict:
    """Rebuild the whole search index, timed. Only in a benchmark database (guard.py)."""
    guard.require_benchmark_database("rebuild the whole search index for the search benchmark")
    tasks: dict[str, int] = {}

    def report(kind: str, done: int, total: int) -> None:
        if kind not in tasks:
            tasks[kind] = progress.add_task(f"indexing {kind}", total=total)
        progress.update(tasks[kind], completed=done)

    started = time.perf_counter()
    counts = services.reindex_all(progress=report)
    return {"seconds": round(time.perf_counter() - started, 1), **counts}


# -------------------------------------------------------------------------------------- queries


def _cjk_runs(value: str) -> list[str]:
    return [run for run in text.runs(value) if "\u3400" <= run[0] <= "\ufaff"]


def _pick_chars(rng: random.Random, source: list[str], width: int) -> str:
    while True:
        runs = [r for r in _cjk_runs(rng.choice(source)) if len(r) >= width]
        if runs:
            run = rng.choice(runs)
            start = rng.randrange(len(run) - width + 1)
            return run[start : start + width]


def query_mix(rng: random.Random, per_kind: int) -> list[tuple[str, str, str, str | None]]:
    """(kind, tab, query, the store name it was drawn from or None), per_kind of each (kind, tab),
    drawn from the bench's stores and a sample of their products."""
    store_names = list(
        Store.objects.filter(subject__owner__username__startswith=MERCHANT_PREFIX).values_list(
            "name", flat=True
        )
    )
    store_ids = _bench_store_ids()
    sampled_stores = rng.sample(store_ids, min(len(store_ids), 500))
    titles = list(Product.objects.filter(store_id__in=sampled_stores).values_list("title", flat=True))
    leaf_names = sorted(set(_leaves().values()))
    nouns = sorted({n for group in words.PRODUCT_NOUNS.values() for n in group})
    mix = []
    for kind, tab in KINDS:
        source = store_names if tab == Tab.STORES else titles
        for i in range(per_kind):
            origin = None
            if kind == "store_name":
                q = origin = rng.choice(store_names)
            elif kind == "category":
                q = leaf_names[i % len(leaf_names)]
            elif kind == "one_char":
                q = _pick_chars(rng, source, 1)
            elif kind == "two_chars":
                q = _pick_chars(rng, source, 2)
            elif kind == "product_words":
                q = rng.choice(nouns)
            elif kind in ("pinyin", "initials"):
                origin = rng.choice(store_names)
                chars = "".join(_cjk_runs(origin))[: rng.randint(2, 4)]
                if kind == "pinyin":
                    q = "".join(lazy_pinyin(chars))
                else:
                    q = "".join(s[0] for s in lazy_pinyin(chars, style=Style.FIRST_LETTER) if s)
            else:
                q = words.NO_HIT[i % len(words.NO_HIT)]
            mix.append((kind, str(tab), q, origin))
    return mix


def _percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def measure(
    mix: list[tuple[str, str, str, str | None]], rng: random.Random, progress: Progress
) -> list[dict]:
    """Time `selectors.search` per query (first page), in a shuffled order, after one untimed pass
    over a slice of the mix; answers one row per (kind, tab). The progress bar is drawn between
    queries (`progress` does not refresh by itself), so no drawing thread runs during one."""
    warm = progress.add_task("warming up", total=min(len(mix), 300))
    for _kind, tab, q, _origin in rng.sample(mix, min(len(mix), 300)):
        selectors.search(q, tab=tab, limit=PAGE)
        progress.advance(warm)
    progress.refresh()
    text.warm_up()  # as a serving process does after start-up (xiaodian/asgi.py)
    try:
        return _timed(mix, rng, progress)
    finally:
        gc.unfreeze()  # the bench's process goes on (in the tests): collect as usual again


def _timed(mix: list[tuple[str, str, str, str | None]], rng: random.Random, progress: Progress) -> list[dict]:
    order = list(mix)
    rng.shuffle(order)
    rows: dict[tuple[str, str], dict] = {
        (kind, str(tab)): {"latencies": [], "with_hits": 0, "exact_first": 0} for kind, tab in KINDS
    }
    task = progress.add_task("querying", total=len(order))
    for kind, tab, q, origin in order:
        started = time.perf_counter()
        results = selectors.search(q, tab=tab, limit=PAGE)
        elapsed = time.perf_counter() - started
        row = rows[(kind, tab)]
        row["latencies"].append(elapsed * 1000)
        row["with_hits"] += bool(results.items)
        if kind == "store_name" and tab == Tab.STORES and results.items and results.items[0].title == origin:
            row["exact_first"] += 1
        progress.advance(task)
        if len(row["latencies"]) % 50 == 0:
            progress.refresh()
    progress.refresh()
    out = []
    for (kind, tab), row in rows.items():
        ms = row["latencies"]
        if not ms:
            continue
        summary = {
            "kind": kind,
            "tab": tab,
            "queries": len(ms),
            "with_hits": row["with_hits"],
            "p50_ms": round(_percentile(ms, 50), 2),
            "p99_ms": round(_percentile(ms, 99), 2),
            "max_ms": round(max(ms), 2),
        }
        if kind == "store_name" and tab == Tab.STORES:
            summary["exact_first"] = row["exact_first"]
        out.append(summary)
    return out


# ------------------------------------------------------------------------------------------ run


def _database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _counts() -> dict:
    with connection.cursor() as cursor:
        found = {}
        for name, table in (
            ("stores", "stores_store"),
            ("products", "catalog_product"),
            ("skus", "catalog_sku"),
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            found[name] = cursor.fetchone()[0]
    found["store_documents"] = StoreDocument.objects.count()
    found["product_documents"] = ProductDocument.objects.count()
    return found


def run(
    *,
    stores: int,
    products: int,
    per_kind: int,
    reindex: bool = True,
    seed_value: int = 1,
    report: Callable[[dict], None] | None = None,
) -> dict:
    say = report or (lambda row: None)
    rng = random.Random(seed_value)
    with _progress() as progress:
        seeded = seed(store_count=stores, product_count=products, rng=rng, progress=progress)
        say({"seed": "reused" if seeded["reused"] else "seeded", "seconds": seeded["seconds"]})
        index = None
        if reindex or not seeded["reused"] or not StoreDocument.objects.exists():
            index = build_index(progress)
            say({"index_build_s": index["seconds"], "stores": index["stores"], "products": index["products"]})
        mix = query_mix(random.Random(seed_value + 1), per_kind)
    with _progress(auto_refresh=False) as progress:
        kinds = measure(mix, random.Random(seed_value + 2), progress)
    for row in kinds:
        say(row)
    worst = max((row["p99_ms"] for row in kinds), default=0.0)
    return {
        "scenario": "search",
        "database_version": _database_version(),
        "machine": {"cpus": _cpus(), "python": platform.python_version(), "platform": platform.platform()},
        "scale": {"stores": stores, "products": products},
        "seed": seeded,
        "index_build": index,
        "rows": _counts(),
        "queries_per_kind": per_kind,
        "page_size": PAGE,
        "kinds": kinds,
        "targets": {
            "p99_ms": TARGET_P99_MS,
            "index_build_s": TARGET_INDEX_S,
            "worst_p99_ms": worst,
            "p99_met": worst <= TARGET_P99_MS,
            "index_build_met": None if index is None else index["seconds"] <= TARGET_INDEX_S,
        },
    }


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)
