"""`bench crash` at a small scale (20 checkouts at concurrency 4, one `kill -9` of the server and
one of the worker): a real server, a real worker and real kills, on the suite's PostgreSQL test
database (the server's processes and the worker must see the seed, so the test's data is
committed). It runs on PostgreSQL only; on SQLite the command refuses, which is tested here."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from .test_service_bench import _database_url

SMALL = ["--orders", "20", "--concurrency", "4", "--kills", "1,1", "--seed", "7"]


def _xiaodian(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xiaodian", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.django_db(transaction=True)
def test_after_kills_of_the_server_and_the_worker_every_invariant_holds(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "bench crash runs on PostgreSQL only (server, worker and bench share the database); "
            "run the suite with XIAODIAN_DATABASE_URL set (CI does)"
        )
    env = {**os.environ, "XIAODIAN_DATA_DIR": str(tmp_path), "XIAODIAN_DATABASE_URL": _database_url() or ""}
    marked = _xiaodian(env, "bench", "mark-db")  # marked the official way first
    assert marked.returncode == 0, marked.stderr[-3000:]
    done = _xiaodian(env, "bench", "crash", "--json", *SMALL)
    assert done.stdout, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["database"] == "postgresql"

    # the load ran in full, through the kills
    assert (result["iterations"], result["iterations_completed"], result["iterations_failed"]) == (20, 20, {})
    assert result["orders_placed"] == 20
    assert [k["target"] for k in result["kills"]].count("server") == 1
    assert [k["target"] for k in result["kills"]].count("worker") == 1
    assert result["kills_with_iterations_in_flight"] >= 1
    assert result["processes_restarted_after_load"] == []

    # every payment made at the sandbox paid its order, and nothing else was paid
    assert result["payments_succeeded_at_sandbox"] == 20
    assert result["paid_orders_among_them"] == 20
    assert result["unpaid_with_sandbox_success"] == 0
    assert result["paid_without_sandbox_success"] == 0

    # stock + units in live orders == the stock put in
    assert result["stock_conserved"] is True
    assert result["stock_now"] + result["units_in_live_orders"] == result["stock_initial"]
    assert result["units_withdrawn"] == result["units_restocked"] == result["aftersales_refunded"]

    # every approved refund went through, once
    assert result["refunds_asked"] == result["aftersales_approved"] == 5  # every 4th of 20
    assert result["aftersales_stuck"] == 0 and result["approved_without_refund_at_sandbox"] == 0
    assert result["aftersales_refunded"] == 5 and result["refunds_submitted"] == 5
    assert result["refunds_submitted_twice"] == 0
    assert result["trades_refunded_beyond_amount"] == 0 and result["refunds_not_of_an_aftersale"] == 0

    assert result["converged_after_s"] is not None and result["converged_after_s"] <= result["wait_limit_s"]
    assert result["ok"] is True
    assert done.returncode == 0, done.stderr[-3000:]


def test_on_sqlite_the_crash_bench_refuses_and_says_why(tmp_path):
    env = {**os.environ, "XIAODIAN_DATA_DIR": str(tmp_path)}
    env.pop("XIAODIAN_DATABASE_URL", None)  # a throwaway SQLite file, never the test database
    done = _xiaodian(env, "bench", "crash", "--json", *SMALL)
    assert done.returncode != 0
    assert "runs on PostgreSQL only" in done.stderr and done.stdout == ""
