"""Benchmarks refuse to set up on a database that is not marked as a benchmark database.

Their setup is destructive: they seed at scale, delete the seeds of earlier runs (and whatever
points at those stores), and `bench score` drops the big tables' secondary indexes, unique
constraints and foreign keys on PostgreSQL for its bulk load. So every setup step calls
`require_benchmark_database()` first, and the mark it looks for can only be set on a database that
holds no data: `xiaodian bench mark-db` (`mark_database()`) refuses a database with any user,
store, product, order or payment in it. A real database cannot get the mark by accident, and an
empty one gets it only from an operator who asked for it by name (docs/benchmarks.md)."""

import getpass

from django.core.management.base import CommandError
from django.db import connections

from xiaodian.accounts.models import User
from xiaodian.catalog.models import Product
from xiaodian.core import clock
from xiaodian.orders.models import Order
from xiaodian.payments.models import Payment
from xiaodian.stores.models import Store

from .models import BenchmarkDatabase

HOW_TO_MARK = (
    "Point XIAODIAN_DATABASE_URL (or XIAODIAN_DATA_DIR, for SQLite) at a new, empty database and run "
    "`xiaodian bench mark-db` there first (docs/benchmarks.md)."
)
# What a database in use holds; any row in any of these and it is not marked.
DATA = (User, Store, Product, Order, Payment)


class NotABenchmarkDatabase(CommandError):
    """The database is not (and may not be made) a benchmark database."""


def describe(using: str = "default") -> str:
    """The database, as an operator would recognise it: vendor and name (a file, for SQLite)."""
    connection = connections[using]
    name = connection.settings_dict["NAME"]
    host = connection.settings_dict.get("HOST")
    return f"{connection.vendor} database {name}" + (f" on {host}" if host else "")


def _tables(using: str) -> set[str]:
    with connections[using].cursor() as cursor:
        return set(connections[using].introspection.table_names(cursor))


def is_marked(using: str = "default") -> bool:
    """Whether the database carries the mark (a database without the table does not)."""
    if BenchmarkDatabase._meta.db_table not in _tables(using):
        return False
    return BenchmarkDatabase.objects.using(using).exists()


def require_benchmark_database(what: str, using: str = "default") -> None:
    """Refuse (NotABenchmarkDatabase) unless the database is marked. `what` names the setup that
    would have run, for the message."""
    if not is_marked(using):
        raise NotABenchmarkDatabase(
            f"Refusing to {what}: the {describe(using)} is not marked as a benchmark database. " + HOW_TO_MARK
        )


def data_held(using: str = "default") -> dict[str, int]:
    """The kinds of data the database holds, with their counts (tables it lacks hold nothing)."""
    tables = _tables(using)
    held = {}
    for model in DATA:
        if model._meta.db_table in tables:
            count = model._base_manager.using(using).count()
            if count:
                held[str(model._meta.verbose_name_plural)] = count
    return held


def refuse_a_database_in_use(using: str = "default") -> None:
    """Refuse (NotABenchmarkDatabase) a database that holds data. Works on an unmigrated one too."""
    if held := data_held(using):
        found = ", ".join(f"{count} {kind}" for kind, count in held.items())
        raise NotABenchmarkDatabase(
            f"Refusing to mark the {describe(using)} as a benchmark database: it holds data ({found}), "
            "and benchmarks delete and rebuild what they find. " + HOW_TO_MARK
        )


def mark_database(using: str = "default") -> BenchmarkDatabase:
    """Mark the database as a benchmark database: only one that holds no data, and only once
    (marking a marked one answers its mark). Its schema must be migrated."""
    mark = BenchmarkDatabase.objects.using(using).first()
    if mark is not None:
        return mark
    refuse_a_database_in_use(using)
    return BenchmarkDatabase.objects.using(using).create(pk=1, marked_at=clock.now(), marked_by=_who())


def _who() -> str:
    try:
        return getpass.getuser()[:150]
    except (KeyError, OSError):  # no user name in this environment
        return ""
