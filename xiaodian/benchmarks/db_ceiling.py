"""The database's bare ceiling for a hot-row buy, without Django: N connections, each in its own
thread, run for a number of seconds

    BEGIN; UPDATE bench_ceiling_stock SET stock = stock - 1 WHERE id = 1 AND stock >= 1;
    INSERT INTO bench_ceiling_buy (stock_id, buyer) VALUES (1, %s); COMMIT;

back to back on the configured database, in two scratch tables the bench creates and drops (never
the app's tables). Every transaction queues on the one row's lock, as every checkout of one SKU
does, so this is the most one-SKU buys per second the database can commit, whatever sits in front
of it; the checkout's orders/s over it says how much of that the application uses.

PostgreSQL: psycopg 3 with its defaults (statements prepared after five runs), one connection per
thread. SQLite: one `sqlite3` connection per thread with the app's settings (WAL,
synchronous=NORMAL, BEGIN IMMEDIATE, a 30 s busy timeout); SQLite lets one writer in at a time,
so the threads take turns on the database's lock rather than on the row's."""

import sqlite3
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

STOCK, BUY = "bench_ceiling_stock", "bench_ceiling_buy"
HOT_ROW = 1
START_STOCK = 10**15  # never runs out: every UPDATE takes a unit

UPDATE = f"UPDATE {STOCK} SET stock = stock - 1 WHERE id = {HOT_ROW} AND stock >= 1"
INSERT = f"INSERT INTO {BUY} (stock_id, buyer) VALUES ({HOT_ROW}, %s)"


def run(*, connections: int = 64, duration: float, database: BaseDatabaseWrapper = connection) -> dict:
    """Buy the hot row from `connections` connections for `duration` seconds on `database` (the
    configured default database unless told); the summary."""
    if database.vendor == "postgresql":
        backend: _Backend = _PostgreSQL(database)
    elif database.vendor == "sqlite":
        backend = _SQLite(database)
    else:
        raise NotImplementedError(f"no ceiling for {database.vendor}")
    backend.create()
    try:
        latencies, errors, seconds = _drive(backend, connections, duration)
        units_taken, buys = backend.count()
    finally:
        backend.drop()
    return {
        "connections": connections,
        "statements": "BEGIN; UPDATE one row (stock >= 1); INSERT one row; COMMIT",
        "completed": len(latencies),
        "seconds": round(seconds, 2),
        "per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": _percentile_ms(latencies, 50),
        "p99_ms": _percentile_ms(latencies, 99),
        "errors": errors,
        "consistent": units_taken == buys >= len(latencies),
        "note": backend.note,
    }


class _Backend(Protocol):
    note: str

    def connect(self) -> Any: ...

    def create(self) -> None: ...

    def buy(self, conn: Any, buyer: int) -> None: ...

    def count(self) -> tuple[int, int]: ...

    def drop(self) -> None: ...


class _PostgreSQL:
    note = "PostgreSQL: the transactions queue on the hot row's lock"

    def __init__(self, database: BaseDatabaseWrapper) -> None:
        params = database.get_connection_params()
        for django_only in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(django_only, None)
        self.params = params

    def connect(self):
        import psycopg

        return psycopg.connect(**self.params)

    def _admin(self, *statements: str) -> list:
        with self.connect() as conn:
            conn.autocommit = True
            return [_first_row(conn.execute(s)) for s in statements]

    def create(self) -> None:
        self._admin(
            f"DROP TABLE IF EXISTS {BUY}, {STOCK}",
            f"CREATE TABLE {STOCK} (id bigint PRIMARY KEY, stock bigint NOT NULL)",
            f"CREATE TABLE {BUY} (id bigserial PRIMARY KEY, stock_id bigint NOT NULL, buyer integer NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())",
            f"INSERT INTO {STOCK} VALUES ({HOT_ROW}, {START_STOCK})",
        )

    def buy(self, conn, buyer: int) -> None:
        with conn.transaction():
            if conn.execute(UPDATE).rowcount == 1:
                conn.execute(INSERT, (buyer,))

    def count(self) -> tuple[int, int]:
        (stock,), (buys,) = self._admin(f"SELECT stock FROM {STOCK}", f"SELECT count(*) FROM {BUY}")
        return START_STOCK - stock, buys

    def drop(self) -> None:
        self._admin(f"DROP TABLE IF EXISTS {BUY}, {STOCK}")


class _SQLite:
    note = "SQLite: one writer at a time, so the connections take turns on the database's write lock"

    def __init__(self, database: BaseDatabaseWrapper) -> None:
        self.path = str(database.settings_dict["NAME"])
        if self.path == ":memory:" or "mode=memory" in self.path:
            raise NotImplementedError("the ceiling needs a database file, not an in-memory database")

    def connect(self):
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _admin(self, *statements: str) -> list:
        conn = self.connect()
        try:
            return [_first_row(conn.execute(s)) for s in statements]
        finally:
            conn.close()

    def create(self) -> None:
        self._admin(
            f"DROP TABLE IF EXISTS {BUY}",
            f"DROP TABLE IF EXISTS {STOCK}",
            f"CREATE TABLE {STOCK} (id integer PRIMARY KEY, stock integer NOT NULL)",
            f"CREATE TABLE {BUY} (id integer PRIMARY KEY AUTOINCREMENT, stock_id integer NOT NULL, "
            "buyer integer NOT NULL, created_at text NOT NULL DEFAULT CURRENT_TIMESTAMP)",
            f"INSERT INTO {STOCK} VALUES ({HOT_ROW}, {START_STOCK})",
        )

    def buy(self, conn, buyer: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute(UPDATE).rowcount == 1:
                conn.execute(INSERT.replace("%s", "?"), (buyer,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def count(self) -> tuple[int, int]:
        (stock,), (buys,) = self._admin(f"SELECT stock FROM {STOCK}", f"SELECT count(*) FROM {BUY}")
        return START_STOCK - stock, buys

    def drop(self) -> None:
        self._admin(f"DROP TABLE IF EXISTS {BUY}", f"DROP TABLE IF EXISTS {STOCK}")


def _drive(backend: _Backend, n: int, duration: float) -> tuple[list[float], dict[str, int], float]:
    """Open n connections first, then let n threads buy back to back for `duration` seconds."""
    conns = [backend.connect() for _ in range(n)]
    per_thread: list[list[float]] = [[] for _ in range(n)]
    errors: dict[str, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(n + 1)
    stop_at = 0.0

    def buyer(i: int, buy: Callable[[Any, int], None]) -> None:
        conn, mine = conns[i], per_thread[i]
        start.wait()
        while (began := time.perf_counter()) < stop_at:
            try:
                buy(conn, i)
            except Exception as exc:  # a benchmark counts failures instead of stopping
                key = type(exc).__name__ + (f": {exc}"[:80] if str(exc) else "")
                with lock:
                    errors[key] = errors.get(key, 0) + 1
            else:
                mine.append(time.perf_counter() - began)

    threads = [threading.Thread(target=buyer, args=(i, backend.buy), daemon=True) for i in range(n)]
    try:
        for t in threads:
            t.start()
        began = time.perf_counter()
        stop_at = began + duration
        start.wait()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - began
    finally:
        for conn in conns:
            conn.close()
    return [x for mine in per_thread for x in mine], errors, seconds


def _percentile_ms(latencies: list[float], p: int) -> float:
    if len(latencies) < 2:
        return round(latencies[0] * 1000, 2) if latencies else 0.0
    return round(statistics.quantiles(latencies, n=100, method="inclusive")[p - 1] * 1000, 2)


def _first_row(cursor) -> tuple | None:
    return cursor.fetchone() if cursor.description else None
