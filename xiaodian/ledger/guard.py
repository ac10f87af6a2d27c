"""The one way past the ledger's append-only triggers on SQLite: wiping every table at once
(`flush`, which a test database does between transactional tests).

PostgreSQL's `TRUNCATE` does not fire row triggers, so there a wipe needs nothing. SQLite's flush is
one `DELETE FROM` per table, in no fixed order, which the triggers refuse; they ask the SQL function
`xiaodian_ledger_wipe()`, registered on each SQLite connection, answering 1 only inside `wiping()`.
A connection without the function (the sqlite3 shell) cannot delete entries at all."""

from collections.abc import Iterator
from contextlib import contextmanager

_wiping = False


def _allowed() -> int:
    return 1 if _wiping else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("xiaodian_ledger_wipe", 0, _allowed)


@contextmanager
def wiping() -> Iterator[None]:
    global _wiping
    before, _wiping = _wiping, True
    try:
        yield
    finally:
        _wiping = before
