import io

import pytest
from django.core.management import call_command


@pytest.fixture
def benchmark_database(db):
    """The test database, marked as a benchmark database the official way (`xiaodian bench mark-db`);
    the mark goes with the test's transaction."""
    call_command("bench", "mark-db", stderr=io.StringIO())
