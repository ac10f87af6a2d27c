"""The benchmarks run end to end at a tiny scale: a real server, real requests, checked results."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

from xiaodian.accounts import rules as account_rules
from xiaodian.benchmarks import db_ceiling
from xiaodian.core import throttle


def xiaodian(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "XIAODIAN_DATA_DIR": str(tmp_path)}
    env.pop("XIAODIAN_DATABASE_URL", None)  # a throwaway SQLite file, never the test database
    return subprocess.run(
        [sys.executable, "-m", "xiaodian", *args], env=env, capture_output=True, text=True, timeout=300
    )


def bench(tmp_path, *args) -> dict:
    """Mark the fresh database as a benchmark database, then run the bench on it."""
    for command in (["bench", "mark-db"], ["bench", *args, "--json"]):
        done = xiaodian(tmp_path, *command)
        assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_flash_sale_sells_the_stock_and_no_more(tmp_path):
    result = bench(tmp_path, "flash-sale", "--concurrency", "6", "--stock", "4")
    [row] = result["levels"]
    assert (row["successful_orders"], row["refused_out_of_stock"], row["oversold_units"]) == (4, 2, 0)
    assert row["stock_conserved"] is True and row["stock_left"] == 0


def test_checkout_measures_the_floor_and_the_database_ceiling_and_pays_every_completed_order(tmp_path):
    result = bench(tmp_path, "checkout", "--concurrency", "1,2", "--duration", "1")
    assert result["floor"]["per_second"] > 0
    ceiling = result["db_ceiling"]
    assert ceiling["connections"] == 64 and ceiling["consistent"] is True, ceiling
    assert ceiling["per_second"] > 0 and not ceiling["errors"], ceiling
    ratios = [row["ratio_to_db_ceiling"] for row in result["levels"]]  # SQLite's ceiling is 1000s of tx/s
    assert ratios == [round(row["per_second"] / ceiling["per_second"], 4) for row in result["levels"]]
    assert [row["concurrency"] for row in result["levels"]] == [1, 2]
    assert all(row["completed"] > 0 and not row["errors"] for row in result["levels"])
    assert result["orders_paid"] >= result["iterations_completed"] > 0


@pytest.mark.django_db
def test_the_database_ceiling_buys_the_hot_row_and_drops_its_tables(tmp_path):
    database = connection
    if connection.vendor == "sqlite":  # pytest's SQLite database is in memory: the ceiling needs a file
        database = SQLiteWrapper({**connection.settings_dict, "NAME": tmp_path / "ceiling.sqlite3"})
    result = db_ceiling.run(connections=8, duration=0.5, database=database)
    assert result["per_second"] > 0 and result["completed"] > 0 and not result["errors"]
    assert result["consistent"] is True and 0 <= result["p50_ms"] <= result["p99_ms"] and result["p99_ms"] > 0
    with database.cursor() as cursor:
        assert not {db_ceiling.STOCK, db_ceiling.BUY} & set(database.introspection.table_names(cursor))
    if database is not connection:
        database.close()


def test_login_flood_measures_the_buyers_and_hashes_no_more_than_the_limit(tmp_path):
    result = bench(tmp_path, "login-flood", "--concurrency", "2", "--flooders", "4", "--duration", "1")
    quiet, flood, _reached, unlimited, control = result["levels"]
    assert [row["phase"] for row in result["levels"]] == [
        "quiet",
        "flood",
        "flood, limit reached",
        "flood, limits off",
        "control, /health flood",
    ]
    assert all(row["completed"] > 0 and not row["errors"] for row in result["levels"])
    assert quiet["flood_attempts"] == 0
    # two processes with local-memory caches: each hashes at most the account's limit (whether a
    # second at this scale gets past it depends on the machine: accounts/tests prove the refusal)
    per_process = throttle.allowed(account_rules.SIGN_IN_PER_ACCOUNT)
    assert 0 < flood["flood_401_hashed"] <= 2 * per_process
    assert flood["flood_attempts"] == flood["flood_401_hashed"] + flood["flood_429_refused"]
    assert unlimited["flood_401_hashed"] == unlimited["flood_attempts"] > 0
    assert control["flood_other"]["200_health"] > 0
