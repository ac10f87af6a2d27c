"""`bench social` (contacts) at a tiny scale in the test database: the seed, each operation timed,
the list back at its size afterwards, the seed reused, and the command's JSON and table."""

import io
import json

import pytest
from django.core.management import call_command

from xiaodian.accounts.models import User
from xiaodian.benchmarks import social
from xiaodian.social.models import Contact

CONTACTS, ROUNDS = 40, 6


@pytest.fixture
def result(benchmark_database):
    return social.run(contacts=CONTACTS, requests=ROUNDS)


def test_every_operation_is_timed_and_the_list_stays_whole(result):
    contacts = result["contacts"]
    for name in ("list", "search", "request", "accept", "delete"):
        assert contacts[name]["requests"] == ROUNDS
        assert contacts[name]["p99_ms"] >= contacts[name]["p50_ms"] > 0
    assert contacts["checks"]["list_full_again"] and result["passed"]
    owner = User.objects.get(username=social.OWNER)
    assert Contact.objects.filter(owner=owner).count() == CONTACTS
    one_way = Contact.objects.filter(owner=owner).exclude(other__contacts__other=owner).count()
    assert one_way == CONTACTS // 10
    assert contacts["targets"]["met"] is None  # the goal is set at 10,000
    assert contacts["statements"]["search"] <= 5
    found = Contact.objects.filter(owner=owner, search_key__contains=social.FAMILY[0]).count()
    assert 0 < found < CONTACTS  # a search finds some, not all


def test_a_second_run_reuses_the_seed(result):
    assert result["contacts"]["seed"]["reused"] is False
    assert social.run(contacts=CONTACTS, requests=2)["contacts"]["seed"]["reused"] is True


def test_the_command_prints_json_and_a_table(benchmark_database):
    out = io.StringIO()
    call_command(
        "bench", "social", "--contacts", "30", "--requests", "2", "--json", stdout=out, stderr=io.StringIO()
    )
    assert json.loads(out.getvalue())["contacts"]["contacts"] == 30
    table = io.StringIO()
    call_command("bench", "social", "--contacts", "30", "--requests", "2", stdout=table, stderr=io.StringIO())
    assert "search:" in table.getvalue() and "accept:" in table.getvalue()
