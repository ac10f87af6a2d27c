"""`xiaodian bench ledger`: the ledger at a million orders (issue 18).

1. Seeds (or reuses) the inputs: N open stores (two listed products each) and M paid orders of
   them (order counts per store skewed, a third with two lines), received weeks ago, loaded in
   bulk as `bench score` loads its rows (binary COPY on PostgreSQL, one prepared INSERT on SQLite),
   not through the services. A marker user records a finished seed of that size; a run finding it
   reuses the orders, a run finding another size replaces them.
2. Wipes the ledger (a benchmark database only: its whole ledger is the bench's) and posts every
   order's payment through `ledger.services.post_payments` (the `order_paid` handler's batch path,
   `PAYMENT_CHUNK` orders a transaction): journals/s.
3. Marks every line's after-sale period ended (the input of the settlement: what
   `aftersale_period_ended` records line by line; one UPDATE here, timed apart), on PostgreSQL
   vacuums the order and line tables as autovacuum would have in the days between (timed apart),
   then times the settlement run `ledger.services.settle_due` (windows of stores of about
   `SETTLEMENT_CHUNK` orders a transaction, one journal per store and window, `SETTLEMENT_WORKERS`
   at once on PostgreSQL): its wall time, this process's resident memory sampled every 10 ms
   during the run (peak and before; tracemalloc is off: it slows every allocation), and a second
   run, which must settle nothing.
4. Counts the statements of one balance read (`ledger.selectors.balance`) of the store with the
   most entries, after the postings and after the settlement, and checks the books: every
   account's running balance equals the sum of its entries, all accounts sum to zero, no journal
   is left open.
"""

import os
import platform
import resource
import threading
import time
from collections.abc import Callable
from datetime import datetime

import numpy as np
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from rich.progress import Progress

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.ledger import guard as ledger_guard
from xiaodian.ledger import selectors as ledger_selectors
from xiaodian.ledger import services as ledger
from xiaodian.ledger.models import Account, Entry, FeeSchedule, Journal, LineMoney, OrderMoney
from xiaodian.orders.models import Order
from xiaodian.stores.models import Store

from . import guard, seeding
from .score import (
    _maxrss_mb,
    _micros,
    _rss_mb,
    _server_settings,
)
from .search import _cpus, _database_version, _progress, _reset_sequence

NAMES = seeding.Names(
    merchant="bench_ledger_merchant_",
    buyer="bench_ledger_buyer_",
    marker="bench_ledger_seeded_",
    store="账本压测",
    subject="账本压测商贸",
    licence_base=740_000_000,  # search's bench uses 700,000,000 onwards, score's 720,000,000
    title="账本压测好物",
    checkout="bench-ledger-",
)
MARKER_PREFIX = NAMES.marker
SEED_VERSION = 1  # in the marker: a seed made by an older version of this file is replaced
ORDERS_PER_BUYER = 50
BUYERS_MAX = 50_000
LOAD_BATCH = 100_000  # orders per load (and progress step)
POST_BATCH = 20_000  # order ids handed to post_payments at a time (progress step)

TARGET_SETTLE_S = 60.0  # issue 18: 1M orders settle in ≤ 60 s on PostgreSQL
BALANCE_QUERIES = 1  # issue 18: the balance read costs one query

SEQUENCED = seeding.ORDER_TABLES


def _ledger_tables() -> list[str]:
    """Every table of the ledger but the fee schedules (the rates are not the bench's)."""
    return [
        model._meta.db_table
        for model in apps.get_app_config("ledger").get_models()
        if model is not FeeSchedule
    ]


# -------------------------------------------------------------------------------------- clear


def wipe_ledger() -> None:
    """Empty the ledger: on a benchmark database it is all the bench's. PostgreSQL's TRUNCATE
    fires no row triggers; SQLite's deletes pass them inside `ledger.guard.wiping()`."""
    guard.require_benchmark_database("wipe the ledger for the ledger benchmark")
    tables = _ledger_tables()
    with transaction.atomic(), connection.cursor() as cursor:  # SQLite checks foreign keys at the end
        if connection.vendor == "postgresql":
            # A table with deferred checks pending cannot be truncated: run them now (there are
            # none unless this runs inside a longer transaction, as in the tests).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            with ledger_guard.wiping():
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")


# --------------------------------------------------------------------------------------- seed


def seed(*, store_count: int, order_count: int, rng: np.random.Generator, progress: Progress) -> dict:
    """Seed the bench's stores and orders, or reuse a finished seed of the same size. One
    transaction: a seed that fails or is killed leaves nothing behind. Only in a benchmark
    database (guard.py)."""
    guard.require_benchmark_database("seed the ledger benchmark (it clears earlier seeds and the ledger)")
    marker_name = f"{MARKER_PREFIX}v{SEED_VERSION}_{store_count}_{order_count}"
    marker = User.objects.filter(username=marker_name).first()
    if marker is not None:
        return {"reused": True, "seconds": 0.0}
    now = clock.now().replace(microsecond=0)
    stamp = _micros(now)
    started = time.perf_counter()
    buyer_count = min(BUYERS_MAX, max(100, order_count // ORDERS_PER_BUYER))
    lines = 0
    with transaction.atomic():
        wipe_ledger()  # its rows point at the stores cleared next
        seeding.clear(NAMES, progress)
        task = progress.add_task("seeding stores, orders", total=order_count + LOAD_BATCH)
        world = seeding.seed_stores(NAMES, store_count, buyer_count, rng, stamp)
        progress.advance(task, LOAD_BATCH)
        for start in range(0, order_count, LOAD_BATCH):
            n = min(LOAD_BATCH, order_count - start)
            lines += seeding.seed_orders(world, rng, n, stamp)["lines"]
            progress.advance(task, n)
        for table in SEQUENCED:
            _reset_sequence(table)
        User.objects.create(
            username=marker_name, password=make_password(None), is_active=False, date_joined=now
        )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(SEQUENCED)}")
    return {
        "reused": False,
        "seconds": round(time.perf_counter() - started, 1),
        "loaded": {"stores": store_count, "buyers": buyer_count, "orders": order_count, "lines": lines},
    }


# ------------------------------------------------------------------------------------ measure


def bench_stores():
    return Store.objects.filter(subject__owner__username__startswith=NAMES.merchant)


class _RssSampler:
    """This process's resident memory every `interval` seconds while inside the block: its peak."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval, self.peak, self._stop = interval, 0.0, threading.Event()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, _rss_mb() or 0.0)

    def __enter__(self) -> "_RssSampler":
        self.before = _rss_mb() or 0.0
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb() or 0.0)


class _Statements:
    """Counts the statements sent to the database (cheaply: no SQL kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _balance_read(store: Store) -> dict:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        held = ledger_selectors.balance(store)
        seconds = time.perf_counter() - started
    return {
        "queries": len(captured),
        "ms": round(seconds * 1000, 2),
        "store_entries": Entry.objects.filter(account__store=store).count(),
        "pending_orders": held.pending_orders,
    }


def _books() -> dict:
    started = time.perf_counter()
    drifted = ledger_selectors.drifted_balances()
    return {
        "drifted_balances": len(drifted),
        "total_of_all_accounts": ledger_selectors.total_of_all_accounts(),
        "open_journals": Journal.objects.filter(sealed=False).count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def post_all_payments(stores, *, progress: Progress) -> tuple[list[int], int, float, _Statements]:
    """Wipe the ledger and post the payments of the stores' paid orders in batches (what the
    `order_paid` handler does, in bulk): the order ids, journals posted, seconds, statements."""
    task = progress.add_task("wiping the ledger", total=1)
    wipe_ledger()
    progress.advance(task)
    order_ids = list(
        Order.objects.filter(store__in=stores, paid_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    statements = _Statements()
    task = progress.add_task("posting payments", total=len(order_ids))
    fees = ledger.FeeRates()
    posted = 0
    with connection.execute_wrapper(statements):
        started = time.perf_counter()
        for start in range(0, len(order_ids), POST_BATCH):
            part = order_ids[start : start + POST_BATCH]
            posted += ledger.post_payments(order_ids=part, fees=fees)
            progress.advance(task, len(part))
        posting_s = time.perf_counter() - started
    return order_ids, posted, posting_s, statements


def measure(*, progress: Progress, say: Callable[[dict], None]) -> dict:
    """Wipe the ledger, post every bench order's payment, end the lines' periods, run the
    settlement, read a balance; with the timings."""
    order_ids, posted, posting_s, statements = post_all_payments(bench_stores(), progress=progress)
    payment_chunks = -(-len(order_ids) // ledger.PAYMENT_CHUNK)
    posting = {
        "orders": len(order_ids),
        "journals": posted,
        "entries": Entry.objects.count(),
        "seconds": round(posting_s, 1),
        "journals_per_s": round(posted / posting_s) if posting_s else None,
        "chunk": ledger.PAYMENT_CHUNK,
        "statements_per_chunk": round(statements.count / payment_chunks, 1) if payment_chunks else 0,
    }
    say({"posting_s": posting["seconds"], "journals_per_s": posting["journals_per_s"]})

    top = (
        OrderMoney.objects.values("store")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("store", flat=True)
        .first()
    )
    biggest = Store.objects.get(pk=top) if top else None  # the store with the most entries
    balance_after_posting = _balance_read(biggest) if biggest else None

    task = progress.add_task("ending after-sale periods", total=1)
    started = time.perf_counter()
    ended = LineMoney.objects.filter(period_ended_at__isnull=True).update(period_ended_at=clock.now())
    periods_s = time.perf_counter() - started
    progress.advance(task)

    vacuum_s = None
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # As autovacuum would have in the week after the payments and the lines' periods: the
        # run reads the order and line rows with their hint bits set and their dead versions gone.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) ledger_ordermoney, ledger_linemoney, ledger_account")
        vacuum_s = round(time.perf_counter() - started, 1)

    task = progress.add_task("settlement run", total=len(order_ids))
    statements.count = 0
    chunks = 0

    def advanced(n: int) -> None:
        nonlocal chunks
        chunks += 1
        progress.advance(task, n)

    workers = ledger.SETTLEMENT_WORKERS if connection.vendor == "postgresql" else 1
    with connection.execute_wrapper(statements), _RssSampler() as rss:
        started = time.perf_counter()
        settled = ledger.settle_due(on_chunk=advanced)
        settle_s = time.perf_counter() - started
    settlement = {
        "orders": settled,
        "journals": Journal.objects.filter(source_type="settlement").count(),
        "seconds": round(settle_s, 1),
        "orders_per_s": round(settled / settle_s) if settle_s else None,
        "chunk": ledger.SETTLEMENT_CHUNK,
        "chunks": chunks,
        "workers": workers,
        # with workers the chunks run on the workers' own connections, which this count cannot see
        "statements_per_chunk": round(statements.count / chunks, 1) if chunks and workers == 1 else None,
        "rss_before_mb": rss.before,
        "peak_rss_mb": rss.peak,
        "peak_rss_growth_mb": round(rss.peak - rss.before, 1),
        "process_maxrss_mb": _maxrss_mb(resource.RUSAGE_SELF),
        "lines_ended": ended,
        "lines_ended_s": round(periods_s, 1),
        "vacuum_s": vacuum_s,
        "second_run_settled": ledger.settle_due(),
    }
    say({"settlement_s": settlement["seconds"], "peak_rss_mb": settlement["peak_rss_mb"]})
    balance_after_settlement = _balance_read(biggest) if biggest else None
    task = progress.add_task("checking the books", total=1)
    books = _books()
    progress.advance(task)
    return {
        "posting": posting,
        "settlement": settlement,
        "balance_read": {
            "after_posting": balance_after_posting,
            "after_settlement": balance_after_settlement,
        },
        "books": books,
        "rows": {
            "entries": Entry.objects.count(),
            "journals": Journal.objects.count(),
            "accounts": Account.objects.count(),
        },
    }


def run(
    *, stores: int, orders: int, seed_value: int = 1, report: Callable[[dict], None] | None = None
) -> dict:
    say = report or (lambda row: None)
    rng = np.random.default_rng(seed_value)
    with _progress() as progress:
        seeded = seed(store_count=stores, order_count=orders, rng=rng, progress=progress)
        say({"seed": "reused" if seeded["reused"] else "seeded", "seconds": seeded["seconds"]})
        measured = measure(progress=progress, say=say)
    settle_s = measured["settlement"]["seconds"]
    reads = [r for r in measured["balance_read"].values() if r]
    books = measured["books"]
    return {
        "scenario": "ledger",
        "database_version": _database_version(),
        "machine": {
            "cpus": _cpus(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "scale": {"stores": stores, "orders": orders},
        "seed": seeded,
        "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        **measured,
        "server_settings": _server_settings(),
        "targets": {
            "settle_s": TARGET_SETTLE_S,
            "settle_met": settle_s <= TARGET_SETTLE_S if orders >= 1_000_000 else None,
            "balance_queries": BALANCE_QUERIES,
            "balance_met": all(r["queries"] <= BALANCE_QUERIES for r in reads),
            "books_add_up": books["drifted_balances"] == 0
            and books["total_of_all_accounts"] == 0
            and books["open_journals"] == 0,
        },
    }
