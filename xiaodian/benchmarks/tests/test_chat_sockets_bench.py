"""`bench social --part sockets` at a tiny scale (10 clients in 2 groups for 3 seconds): a real
server and real websockets, on the database the suite uses (its PostgreSQL test database on
PostgreSQL, a throwaway SQLite file otherwise, as test_service_bench), checked by sequence."""

import pytest
from django.db import connection

from .test_service_bench import bench_json

TINY = ["--part", "sockets", "--clients", "10", "--groups", "2", "--seconds", "3", "--interval", "0.5"]


@pytest.mark.django_db(transaction=True)
def test_ten_clients_in_two_groups_lose_and_double_nothing_and_the_latency_is_measured(tmp_path):
    result = bench_json(tmp_path, "social", *TINY)
    assert "contacts" not in result and result["database"] == connection.vendor
    sockets = result["sockets"]
    assert sockets["passed"] is True and result["passed"] is True
    assert (sockets["clients"], sockets["groups"], sockets["members_per_group"]) == (10, 2, 5)
    messages = sockets["messages"]
    assert (
        messages["written"] >= 40 and messages["confirmed"] == messages["written"] == messages["in_database"]
    )
    assert messages["deliveries"] == 4 * messages["written"]  # each message reaches the 4 other members
    assert (
        sockets["lost"],
        sockets["duplicated"],
        sockets["sequence_gaps"],
        sockets["final_sync_mismatch"],
    ) == (0, 0, 0, 0)
    latency = sockets["latency"]
    assert latency["count"] == messages["deliveries"]
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
