"""Benchmarks set up (seed, clear earlier seeds, drop and rebuild indexes) only in a database marked
as a benchmark database, and only an empty database can be marked."""

import io
import os
import sqlite3
import subprocess
import sys
from random import Random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rich.progress import Progress

from xiaodian.accounts.models import User
from xiaodian.benchmarks import fixtures, guard, score, search, service
from xiaodian.benchmarks.models import BenchmarkDatabase
from xiaodian.stores.models import Store

SETUPS = {
    "score": lambda: score.run(stores=20, orders=1_000, isolate=False),
    "search": lambda: search.run(stores=20, products=200, per_kind=1),
    "search index": lambda: search.build_index(Progress(disable=True)),
    "service": lambda: service.seed(stores_wanted=1, progress=Progress(disable=True)),
    "checkout and flash-sale": lambda: fixtures.prepare(buyers=1),
}


@pytest.mark.django_db
@pytest.mark.parametrize("setup", SETUPS)
def test_every_setup_refuses_an_unmarked_database_and_changes_nothing(setup):
    with pytest.raises(guard.NotABenchmarkDatabase) as refused:
        SETUPS[setup]()
    message = str(refused.value)
    assert "is not marked as a benchmark database" in message and "xiaodian bench mark-db" in message
    assert not User.objects.exists() and not Store.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_an_unmarked_database_and_says_how_to_mark_one():
    with pytest.raises(CommandError, match=r"not marked as a benchmark database.*xiaodian bench mark-db"):
        call_command("bench", "score", "--stores", "20", "--orders", "1000", "--in-process", "--json")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_database_that_holds_data_cannot_be_marked(make_user):
    make_user("someone")
    with pytest.raises(CommandError, match=r"holds data \(1 .*\).*xiaodian bench mark-db"):
        call_command("bench", "mark-db", stderr=io.StringIO())
    assert not guard.is_marked() and not BenchmarkDatabase.objects.exists()
    assert User.objects.count() == 1  # left as it was


@pytest.mark.django_db
def test_an_empty_database_is_marked_once_and_then_the_setups_run():
    assert not guard.is_marked()
    call_command("bench", "mark-db", stderr=io.StringIO())
    mark = BenchmarkDatabase.objects.get()
    call_command("bench", "mark-db", stderr=io.StringIO())  # again: the same mark
    assert BenchmarkDatabase.objects.get() == mark and guard.is_marked()
    world = fixtures.prepare(buyers=2)  # seeds, now
    assert len(world.tokens) == 2 and Store.objects.filter(pk=world.store_id).exists()
    assert service.seed(stores_wanted=1, progress=Progress(disable=True)).pairs
    assert search.seed(store_count=20, product_count=200, rng=Random(1), progress=Progress(disable=True))


@pytest.mark.django_db
def test_a_marked_database_keeps_its_mark_when_benchmarks_have_filled_it():
    call_command("bench", "mark-db", stderr=io.StringIO())
    fixtures.prepare(buyers=1)
    assert guard.data_held()  # it holds the bench's data now, and is still a benchmark database
    call_command("bench", "mark-db", stderr=io.StringIO())
    assert guard.is_marked()


def test_the_cli_refuses_before_touching_a_fresh_database(tmp_path):
    """No mark, no migrate: the refusal comes before anything is written."""
    env = {**os.environ, "XIAODIAN_DATA_DIR": str(tmp_path)}
    env.pop("XIAODIAN_DATABASE_URL", None)  # a throwaway SQLite file, never the test database
    done = subprocess.run(
        [sys.executable, "-m", "xiaodian", "bench", "flash-sale", "--concurrency", "2", "--stock", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "is not marked as a benchmark database" in done.stderr and "xiaodian bench mark-db" in done.stderr
    database = tmp_path / "xiaodian.sqlite3"
    tables = (
        sqlite3.connect(database).execute("SELECT name FROM sqlite_master").fetchall()
        if database.exists()
        else []
    )
    assert tables == []
