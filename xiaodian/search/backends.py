"""The two full-text backends behind one interface (docs/search.md): SQLite's FTS5 and
PostgreSQL's tsvector ('simple' configuration) with a GIN index, chosen by the database in use.

Both index the documents' `name_terms` and `context_terms` (space-joined terms from `text`), so
neither needs to know Chinese. The rows are written by the ORM; the full-text side follows by
itself — FTS5 through triggers on the document tables, PostgreSQL through a generated column.
A full reindex loads the rows in bulk instead and builds the full-text side once, after the load
(`bulk_rebuild`, `insert_rows`).
"""

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

from xiaodian.core import clock

from . import rules
from .text import Query

TABLES = ("search_storedocument", "search_productdocument")


def _sqlite_schema(table: str) -> list[str]:
    fts = f"{table}_fts"
    columns = "name_terms, context_terms"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')",
        *_sqlite_triggers(table),
    ]


def _sqlite_triggers(table: str) -> list[str]:
    fts = f"{table}_fts"
    columns = "name_terms, context_terms"
    new = "new.id, new.name_terms, new.context_terms"
    old = "'delete', old.id, old.name_terms, old.context_terms"
    return [
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES ({new}); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ({old}); END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ({old}); "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES ({new}); END",
    ]


def _postgres_schema(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', name_terms), 'A') || "
        "setweight(to_tsvector('simple', context_terms), 'B')) STORED",
        _postgres_gin(table),
    ]


def _postgres_gin(table: str) -> str:
    return f"CREATE INDEX {table}_tsv ON {table} USING gin (tsv)"


def create_schema(schema_editor) -> None:
    """The full-text objects over the document tables (run by the migration)."""
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        statements = _sqlite_schema(table) if vendor == "sqlite" else _postgres_schema(table)
        for sql in statements:
            schema_editor.execute(sql)


def drop_schema(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for suffix in ("_ai", "_ad", "_au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}{suffix}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}_fts")
        else:
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS tsv")


# ------------------------------------------------------------------------------ full reindex

BULK_CACHE_KIB = 256 * 1024  # SQLite page cache while the full-text index is rebuilt
BULK_MAINTENANCE_WORK_MEM = "512MB"  # PostgreSQL memory for building the GIN index in one pass


@contextmanager
def bulk_rebuild() -> Iterator[None]:
    """Around a full reindex: empty the document tables, take the full-text index's upkeep off
    the per-row path while `insert_rows` loads them, and build it in one pass at the end (also
    when the load fails part way, so the index always matches the rows).

    SQLite: the triggers are dropped, the rows loaded, then FTS5's 'rebuild' reads them all and
    the triggers come back, in one transaction. PostgreSQL: the GIN index is dropped and created
    again over the loaded rows (one sorted build instead of a million pending-list inserts), and
    the tables are vacuumed and analysed so the planner knows the new terms at once."""
    if connection.vendor == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            for table in TABLES:
                for suffix in ("_ai", "_ad", "_au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}{suffix}")
                cursor.execute(f"DELETE FROM {table}")
                cursor.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('delete-all')")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
                try:
                    with transaction.atomic():
                        for table in TABLES:
                            cursor.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
                            for sql in _sqlite_triggers(table):
                                cursor.execute(sql)
                finally:
                    cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)}")
        for table in TABLES:
            cursor.execute(f"DROP INDEX IF EXISTS {table}_tsv")
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{BULK_MAINTENANCE_WORK_MEM}'")
            for table in TABLES:
                cursor.execute(_postgres_gin(table))
        # VACUUM (outside a transaction) also sets the pages' visibility and hint bits now, rather
        # than leaving that to the first searches and to an autovacuum of a million new rows.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {', '.join(TABLES)}")
        _stats.clear()


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Add document rows (values in `columns` order, then `indexed_at` = now) in one transaction:
    one prepared INSERT over all of them on SQLite; on PostgreSQL COPY into a temporary table and
    one INSERT from it. A document already there (indexed on commit while a reindex runs, so at
    least as fresh) is kept."""
    if not rows:
        return
    now = clock.now()
    names = ", ".join((*columns, "indexed_at"))
    keep = "ON CONFLICT (object_id) DO NOTHING"
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS pg_temp.search_load")  # left by an enclosing transaction
                cursor.execute(
                    "CREATE TEMPORARY TABLE search_load ON COMMIT DROP AS "
                    f"SELECT {names} FROM {table} WITH NO DATA"
                )
                with cursor.copy(f"COPY search_load ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, now))
                cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM search_load {keep}")
            return
        stamp = connection.ops.adapt_datetimefield_value(now)
        marks = ", ".join(["?"] * (len(columns) + 1))
        connection.ensure_connection()
        connection.connection.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks}) {keep}", [(*row, stamp) for row in rows]
        )


@dataclass(frozen=True)
class Hit:
    id: int  # the document's
    object_id: int
    store_id: int
    title: str
    name_key: str
    traffic_weight: float
    relevance: float
    price_min_fen: int | None = None


def _fts5_match(query: Query) -> str:
    # Terms are runs of Chinese characters or of [a-z0-9] (text.runs): safe inside double quotes.
    parts = [f'"{term}"' for term in query.terms] + [f'"{prefix}"*' for prefix in query.prefixes]
    return " AND ".join(parts)


def _tsquery(query: Query) -> str:
    parts = [f"'{term}'" for term in query.terms] + [f"'{prefix}':*" for prefix in query.prefixes]
    return " & ".join(parts)


def _filters(table: str, category_ids, min_price_fen, max_price_fen) -> tuple[str, list]:
    sql, params = [], []
    if category_ids is not None:
        sql.append(f"d.category_id IN ({', '.join(['%s'] * len(category_ids))})")
        params += list(category_ids)
    if min_price_fen is not None:
        sql.append("d.price_min_fen >= %s")
        params.append(min_price_fen)
    if max_price_fen is not None:
        sql.append("d.price_min_fen <= %s")
        params.append(max_price_fen)
    return "".join(f" AND {clause}" for clause in sql), params


def match(
    table: str,
    query: Query,
    *,
    limit: int = rules.CANDIDATES,
    category_ids=None,
    min_price_fen: int | None = None,
    max_price_fen: int | None = None,
) -> list[Hit]:
    """The first `limit` documents of `table` matching every term of the query, in index order,
    each with its text relevance (higher is better). No ORDER BY: both engines stop early."""
    if query.empty or (category_ids is not None and not category_ids):
        return []
    price = "d.price_min_fen" if table == "search_productdocument" else "NULL"
    columns = f"d.id, d.object_id, d.store_id, d.title, d.name_key, d.traffic_weight, {price}"
    where, params = _filters(table, category_ids, min_price_fen, max_price_fen)
    if connection.vendor == "sqlite":
        sql = (
            f"SELECT {columns}, -bm25({table}_fts, {rules.PRIMARY_WEIGHT}, {rules.SECONDARY_WEIGHT}) "
            f"FROM {table}_fts JOIN {table} d ON d.id = {table}_fts.rowid "
            f"WHERE {table}_fts MATCH %s{where} LIMIT %s"
        )
        rows = _fetch(sql, [_fts5_match(query), *params, limit])
    else:
        weights = f"'{{0.1, 0.1, {rules.SECONDARY_WEIGHT / rules.PRIMARY_WEIGHT}, 1.0}}'"
        select = f"SELECT {columns}, ts_rank({weights}, d.tsv, q) FROM {table} d, to_tsquery('simple', %s) q"
        tsquery = _tsquery(query)
        pages = None if where else _probe_pages(table, query, limit)
        rows = []
        if pages:  # the matches are dense: read the table's first pages without the index
            rows = _fetch(
                f"{select} WHERE d.ctid < %s::tid AND ts_match_vq(d.tsv, q) LIMIT %s",
                [tsquery, f"({pages},0)", limit],
            )
        if len(rows) < limit:
            rows = _fetch(f"{select} WHERE d.tsv @@ q{where} LIMIT %s", [tsquery, *params, limit])
    return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], float(r[7]), r[6]) for r in rows]


def _fetch(sql: str, args: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


# ------------------------------------------------------------- PostgreSQL: dense queries
#
# A GIN index answers only through a bitmap of *every* match, built and sorted before the first
# row comes back: for a term in 3% of a million documents that is ~15 ms, while reading the table
# in order finds its first 400 matches in ~13,000 rows (~7 ms). The planner weighs this well
# enough for one term, but for the adjacent bigrams of a longer query ("休闲零食": 休闲 & 闲零 &
# 零食) it multiplies their frequencies as if they were independent, expects ~150 matches where
# there are ~50,000, and takes the bitmap (~20 ms). So when the statistics say that reading the
# table's first pages without the index (a TID range scan, bounded to the pages that should hold
# `limit` matches, with a margin) costs less than the bitmap, that is tried first; only if those
# pages hold fewer than `limit` matches is the index asked. Both give the first `limit` matches in
# table order, so the answer does not depend on which one gave it. Costs measured on the
# benchmark's machine (docs/benchmarks.md), in microseconds:
SCAN_US_PER_ROW = 0.6  # reading a row and matching its tsvector
BITMAP_US_PER_MATCH = 0.4  # a match put in the GIN bitmap, and the bitmap sorted
BITMAP_US_PER_HIT = 4.0  # a returned row fetched from its page through the bitmap
PROBE_MARGIN = 1.5  # pages read: this many times those expected to hold `limit` matches
STATS_TTL_S = 600.0

_stats: dict[
    str, tuple[float, dict[str, float], float, float]
] = {}  # table: (read at, shares, rows, rows/page)


def _term_stats(table: str) -> tuple[dict[str, float], float, float]:
    """The share of documents holding each of the column's most common terms (ANALYZE's
    most_common_elems), the rows, and rows per page; read once per STATS_TTL_S."""
    cached = _stats.get(table)
    if cached and time.monotonic() - cached[0] < STATS_TTL_S:
        return cached[1], cached[2], cached[3]
    row = _fetch(
        "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples, c.relpages "
        "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
        "AND s.tablename = c.relname AND s.attname = 'tsv' WHERE c.oid = %s::regclass",
        [table],
    )[0]
    shares = dict(zip(row[0] or [], row[1] or [], strict=False))
    rows = max(float(row[2] or 0), 0.0)
    rows_per_page = rows / row[3] if row[3] else 0.0
    _stats[table] = (time.monotonic(), shares, rows, rows_per_page)
    return shares, rows, rows_per_page


def _expected_share(query: Query, shares: dict[str, float]) -> float:
    """The share of documents expected to match all the terms: overlapping bigrams of one run
    ("休闲", "闲零", "零食") match together, as often as the rarest of them; separate runs are
    taken as independent."""
    chains: list[list[str]] = []
    for term in query.terms:
        last = chains[-1][-1] if chains else ""
        if len(term) == 2 and len(last) == 2 and last[1] == term[0]:
            chains[-1].append(term)
        else:
            chains.append([term])
    share = 1.0
    for chain in chains:
        share *= min(shares.get(term, 0.0) for term in chain)
    return share


def _probe_pages(table: str, query: Query, limit: int) -> int | None:
    """How many of the table's first pages to read for a dense query; None to use the index."""
    if query.prefixes or not query.terms:
        return None
    shares, rows, rows_per_page = _term_stats(table)
    share = _expected_share(query, shares)
    if share <= 0 or rows_per_page <= 0:
        return None
    scan = SCAN_US_PER_ROW * limit / share
    bitmap = BITMAP_US_PER_MATCH * share * rows + BITMAP_US_PER_HIT * limit
    return math.ceil(PROBE_MARGIN * limit / share / rows_per_page) if scan < bitmap else None
