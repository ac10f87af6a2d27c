"""Set-based statements for the ledger's batch postings (services.post_payments, settle_orders):
a chunk of rows goes to the database as ONE statement whatever its size, rows given as columns.

PostgreSQL reads the rows from `unnest` of one array per column; SQLite from `json_each` of one
JSON array of rows. Both run the database's triggers as any INSERT or UPDATE does: entries still
go only into open journals, and sealing still checks each journal sums to zero."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL

# A column's PostgreSQL array type, by the kind named here.
_PG = {"int": "bigint[]", "text": "text[]", "time": "timestamptz[]", "float": "float8[]"}


def _array(kind: str, values: list) -> Any:
    """A column for PostgreSQL: integers as the array's text ('{1,2,NULL}', made far faster than
    the driver dumps a list), other kinds as the list."""
    if kind != "int":
        return values
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"


def _source(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> tuple[str, list]:
    """A FROM item `u` with the rows' columns by their names, and its parameters."""
    names = [name for name, _kind in columns]
    if connection.vendor == "postgresql":
        arrays = [f"%s::{_PG[kind]}" for _name, kind in columns]
        params = [_array(kind, [row[i] for row in rows]) for i, (_name, kind) in enumerate(columns)]
        return f"unnest({', '.join(arrays)}) AS u({', '.join(names)})", params
    adapt = connection.ops.adapt_datetimefield_value  # SQLite keeps times as text in UTC
    times = [i for i, (_name, kind) in enumerate(columns) if kind == "time"]
    if times:
        rows = [[adapt(v) if i in times else v for i, v in enumerate(row)] for row in rows]
    picks = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(names))
    return f"(SELECT {picks} FROM json_each(%s)) AS u", [json.dumps([list(row) for row in rows])]


def insert(
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    constants: dict[str, Any] | None = None,
    conflict: str | None = None,
    returning: Sequence[str] = (),
) -> list[tuple]:
    """INSERT the rows (and the same `constants` into every row) in one statement. `conflict`:
    the unique columns whose clash skips a row (ON CONFLICT DO NOTHING). Answers the `returning`
    columns of the rows inserted (not of those skipped)."""
    if not rows:
        return []
    constants = {  # as the ORM would store them (SQLite: text in UTC)
        name: connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value
        for name, value in (constants or {}).items()
    }
    source, params = _source(columns, rows)
    names = [name for name, _kind in columns] + list(constants)
    values = [name for name, _kind in columns] + ["%s"] * len(constants)
    sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}"
    params = [*constants.values(), *params]  # the constants' placeholders come first
    if connection.vendor == "sqlite":
        sql += " WHERE true"  # SQLite parses INSERT … SELECT … ON CONFLICT only after a WHERE
    if conflict:
        sql += f" ON CONFLICT ({conflict}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def add(table: str, column: str, changes: dict[int, int]) -> int:
    """`column += change` on the rows of `table` by id, in one statement; answers the rows changed."""
    if not changes:
        return 0
    source, params = _source((("id", "int"), ("change", "int")), list(changes.items()))
    if connection.vendor == "postgresql":
        sql = f"UPDATE {table} AS t SET {column} = t.{column} + u.change FROM {source} WHERE t.id = u.id"
    else:
        sql = f"UPDATE {table} SET {column} = {column} + u.change FROM {source} WHERE {table}.id = u.id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def ids(values: Sequence[int]) -> RawSQL:
    """The ids as a subquery for `field__in=`: one parameter however many there are (an IN list of
    thousands of placeholders costs more to build and parse than the rows it finds)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [_array("int", list(values))])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(values))])


def update(
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    constants: dict[str, Any],
) -> int:
    """Set the rows' columns (each row: its id, then the values of `columns`) and the same
    `constants` in every row, by id, in one statement; answers the rows changed."""
    if not rows:
        return 0
    source, params = _source((("id", "int"), *columns), rows)
    constants = {
        name: connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value
        for name, value in constants.items()
    }
    sets = [f"{name} = u.{name}" for name, _kind in columns] + [f"{name} = %s" for name in constants]
    target = "t" if connection.vendor == "postgresql" else table
    alias = f"{table} AS t" if connection.vendor == "postgresql" else table
    sql = f"UPDATE {alias} SET {', '.join(sets)} FROM {source} WHERE {target}.id = u.id"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants.values(), *params])  # SET's placeholders come first
        return cursor.rowcount
