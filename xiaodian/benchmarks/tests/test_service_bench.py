"""`bench service` at a tiny scale (6 clients for 3 seconds, one buyer dropping for a second): a
real server and real websockets, on the database the suite uses — its PostgreSQL test database
when the suite runs on PostgreSQL (the server process must see the seed, so the test's data is
committed), a throwaway SQLite file otherwise (the suite's SQLite database lives in memory)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

TINY = ["--clients", "6", "--seconds", "3", "--interval", "0.5", "--offline", "1"]


def _database_url() -> str | None:
    if connection.vendor != "postgresql":
        return None
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_six_clients_lose_and_double_nothing_and_the_latency_is_measured(tmp_path):
    env = {**os.environ, "XIAODIAN_DATA_DIR": str(tmp_path)}
    env.pop("XIAODIAN_DATABASE_URL", None)
    if url := _database_url():
        env["XIAODIAN_DATABASE_URL"] = url
    for command in (["mark-db"], ["service", "--json", *TINY]):  # marked the official way first
        done = subprocess.run(
            [sys.executable, "-m", "xiaodian", "bench", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["passed"] is True and result["database"] == connection.vendor
    assert (result["clients"], result["stores"], result["reconnecting_buyers"]) == (6, 3, 1)
    messages = result["messages"]
    assert messages["written"] >= 20 and messages["confirmed"] == messages["written"]
    assert messages["in_database"] == messages["written"]
    assert messages["delivered_live"] + messages["delivered_by_catch_up_sync"] == messages["written"]
    assert messages["delivered_by_catch_up_sync"] >= 1  # the agent wrote while its buyer was away
    assert (result["lost"], result["duplicated"], result["final_sync_mismatch"]) == (0, 0, 0)
    assert result["errors"] == {} and messages["altered"] == 0
    latency = result["latency"]
    assert latency["count"] == messages["delivered_live"]
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
