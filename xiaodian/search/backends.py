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
from typing import NamedTuple

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
        # only a change of the terms re-indexes (a new traffic weight does not)
        f"CREATE TRIGGER {table}_au AFTER UPDATE OF name_terms, context_terms ON {table} BEGIN "
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


def narrow_update_triggers(schema_editor) -> None:
    """SQLite: re-make each table's update trigger so that only a change of the terms touches the
    full-text index (migration 0003; a traffic-weight update of a million rows stays cheap)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_au")
        schema_editor.execute(next(sql for sql in _sqlite_triggers(table) if f"{table}_au " in sql))


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
            _idfs.clear()
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


class Hit(NamedTuple):
    """One matching document (a tuple: hundreds are made per query)."""

    id: int  # the document's
    object_id: int
    store_id: int
    title: str
    name_key: str
    traffic_weight: float
    relevance: float
    price_min_fen: int | None = None
    fresh_ts: int | None = None
    sales: int = 0  # a product's
    product_count: int = 0  # a store's


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
    products = table == "search_productdocument"
    price = "d.price_min_fen" if products else "NULL"
    extra = "d.fresh_ts, d.sales, 0" if products else "d.fresh_ts, 0, d.product_count"
    columns = f"d.id, d.object_id, d.store_id, d.title, d.name_key, d.traffic_weight, {price}, {extra}"
    where, params = _filters(table, category_ids, min_price_fen, max_price_fen)
    if connection.vendor == "sqlite":
        rows = _sqlite_match(table, query, columns, where, params, limit)
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
    return [Hit(*r[:6], float(r[COLUMNS]), r[6], *r[7:COLUMNS]) for r in rows]


COLUMNS = 10  # the columns `match` selects before the relevance


def fetch(sql: str, args: list) -> list[tuple]:
    """The rows of one read (the selectors' page descriptions use it too)."""
    return _fetch(sql, args)


def _fetch(sql: str, args: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


# ------------------------------------------------------------------ SQLite: relevance
#
# The relevance is FTS5's bm25(). Before it scores the first row, bm25() counts every row that
# holds each phrase of the query (for its IDF): for a character in 30% of a million products
# that walk is ~7 ms of a ~9 ms query, repeated on every such query. So a phrase found in at least
# DF_CACHE_MIN rows has its IDF kept per process for DF_CACHE_TTL_S (a few minutes of writes move
# such a count by a fraction), learnt from one row's bm25() (the score of a one-phrase match is
# the IDF times that row's term-frequency part, which is computed here); a query whose phrases
# are all kept is scored here by the same formula (fts5_aux.c: k1 = 1.2, b = 0.75, the columns
# weighted, the row's length in tokens against the average from FTS5's averages record) from the
# matched rows' space-joined terms, without bm25(). Any other query is scored by bm25().
BM25_K1 = 1.2
BM25_B = 0.75
DF_CACHE_MIN = 50_000  # below this many rows, bm25()'s own count costs less than scoring here
DF_CACHE_TTL_S = 600.0
DF_CACHE_SIZE = 10_000
_WEIGHTS = (rules.PRIMARY_WEIGHT, rules.SECONDARY_WEIGHT)

# (table, FTS5 phrase): (learnt at, its IDF, or None for a phrase in fewer than DF_CACHE_MIN rows)
_idfs: dict[tuple[str, str], tuple[float, float | None]] = {}


def _phrases(query: Query) -> list[tuple[str, str, bool]]:
    """(FTS5 phrase, text, is a prefix) per phrase of the query, in `_fts5_match` order."""
    return [(f'"{term}"', term, False) for term in query.terms] + [
        (f'"{prefix}"*', prefix, True) for prefix in query.prefixes
    ]


def _fts5_average(table: str) -> tuple[int, float]:
    """The rows FTS5 has indexed and their average length in tokens, as bm25() reads them: its
    averages record (SQLite variable-length integers: rows, then tokens per column)."""
    found = _fetch(f"SELECT block FROM {table}_fts_data WHERE id = 1", [])
    data, numbers, i = bytes(found[0][0]) if found else b"", [], 0
    while i < len(data):
        value = 0
        for k in range(9):
            byte = data[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        numbers.append(value)
    if not numbers or not numbers[0]:
        return 0, 1.0
    return numbers[0], sum(numbers[1:]) / numbers[0]


def _parts(name_terms: str, context_terms: str, phrases, average: float) -> list[float]:
    """bm25's term-frequency part of one row for each phrase (to be multiplied by its IDF)."""
    columns = (name_terms.split(), context_terms.split())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * (len(columns[0]) + len(columns[1])) / average)
    parts = []
    for _phrase, text, prefix in phrases:
        frequency = 0.0
        for weight, tokens in zip(_WEIGHTS, columns, strict=True):
            hits = sum(1 for token in tokens if token.startswith(text)) if prefix else tokens.count(text)
            frequency += weight * hits
        parts.append(frequency * (BM25_K1 + 1) / (frequency + norm))
    return parts


def _known(table: str, phrase: str) -> tuple[bool, float | None]:
    """Whether the phrase was looked at lately, and its IDF if it is common."""
    cached = _idfs.get((table, phrase))
    if cached and time.monotonic() - cached[0] < DF_CACHE_TTL_S:
        return True, cached[1]
    return False, None


def _learn_idf(
    table: str, phrase: tuple[str, str, bool], score: float, texts: tuple[str, str], rows, average
):
    """Keep a phrase's IDF, from one matching row's bm25() for that phrase alone, if the phrase is
    in at least DF_CACHE_MIN rows (ln((N - n + 0.5) / (n + 0.5)) solved for n)."""
    part = _parts(*texts, [phrase], average)[0]
    if part <= 0:
        return
    idf = score / part
    odds = math.exp(min(idf, 700.0))
    holding = rows / 2 if idf <= 1e-6 else (rows + 0.5 - 0.5 * odds) / (odds + 1)
    if len(_idfs) >= DF_CACHE_SIZE:
        _idfs.clear()
    _idfs[(table, phrase[0])] = (time.monotonic(), idf if holding >= DF_CACHE_MIN else None)


def _sqlite_match(
    table: str, query: Query, columns: str, where: str, params: list, limit: int
) -> list[tuple]:
    fts = f"{table}_fts"
    source = f"FROM {fts} JOIN {table} d ON d.id = {fts}.rowid"
    args = [_fts5_match(query), *params, limit]
    phrases = _phrases(query)
    known = [_known(table, phrase) for phrase, _text, _prefix in phrases]
    idfs = [idf for _seen, idf in known]
    if all(idf is not None for idf in idfs):  # common phrases only: scored here
        found = _fetch(
            f"SELECT {columns}, d.name_terms, d.context_terms {source} WHERE {fts} MATCH %s{where} LIMIT %s",
            args,
        )
        _rows, average = _fts5_average(table)
        return [
            (
                *r[:COLUMNS],
                sum(
                    i * p
                    for i, p in zip(idfs, _parts(r[COLUMNS], r[COLUMNS + 1], phrases, average), strict=True)
                ),
            )
            for r in found
        ]
    bm25 = f"-bm25({fts}, {rules.PRIMARY_WEIGHT}, {rules.SECONDARY_WEIGHT})"
    found = _fetch(
        f"SELECT {columns}, {bm25}, d.name_terms, d.context_terms {source} WHERE {fts} MATCH %s{where} LIMIT %s",
        args,
    )
    if len(found) == limit:  # perhaps common phrases: learn the IDFs of those not kept yet
        rows, average = _fts5_average(table)
        for phrase, (seen, _idf) in zip(phrases, known, strict=True):
            if seen:
                continue
            if len(phrases) == 1:
                _learn_idf(
                    table,
                    phrase,
                    found[0][COLUMNS],
                    (found[0][COLUMNS + 1], found[0][COLUMNS + 2]),
                    rows,
                    average,
                )
                continue
            one = _fetch(
                f"SELECT {bm25}, d.name_terms, d.context_terms {source} WHERE {fts} MATCH %s LIMIT 1",
                [phrase[0]],
            )
            if one:
                _learn_idf(table, phrase, one[0][0], (one[0][1], one[0][2]), rows, average)
    return [r[: COLUMNS + 1] for r in found]


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
    """The share of documents expected to match all the terms. Terms that stand together in the
    query (the words jieba cut from one run, 休闲|零食 or 件|装, or the overlapping bigrams of a long
    word, 山野|野凤|凤凰) mostly occur together in the documents too, as the phrase the buyer typed:
    such a group matches about as often as the rarest of its terms and of the pairs that join them
    (闲零, 件装), and never less than if they were independent. Separate runs are independent."""
    groups: list[list[str]] = []
    for term in query.terms:
        last = groups[-1][-1] if groups else ""
        if last and (last + term in query.text or (last[-1] == term[0] and last + term[1:] in query.text)):
            if last + term in query.text:  # side by side: the pair across the join counts too
                groups[-1].append(last[-1] + term[0])
            groups[-1].append(term)
        else:
            groups.append([term])
    share = 1.0
    for group in groups:
        alone = math.prod(shares.get(term, 0.0) for term in group if term in query.terms)
        together = min(shares.get(term, 0.0) for term in group)
        share *= max(alone, together)
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
