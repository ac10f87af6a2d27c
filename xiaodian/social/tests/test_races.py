"""The contact limit under concurrency (PostgreSQL: SQLite serialises every writer): accepts that
race for the last places of a list never take it past the limit."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from xiaodian.core.errors import DomainError
from xiaodian.social import rules, services
from xiaodian.social.models import Contact


def outcomes_of(calls) -> list[str]:
    """Run the calls at once (released by a barrier); each one's outcome, "ok" or a code."""
    start = threading.Barrier(len(calls))

    def run(call) -> str:
        start.wait()
        try:
            call()
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_accepts_never_pass_the_limit(make_user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")
    monkeypatch.setattr(rules, "CONTACTS_MAX", 3)
    owner = make_user()
    asked = [services.send_contact_request(sender=make_user(), recipient_id=owner.pk) for _ in range(12)]
    # twelve acceptances at once, three places in the owner's list
    outcomes = outcomes_of(
        [lambda r=r: services.accept_contact_request(user=owner, request_id=r.pk) for r in asked]
    )
    assert outcomes.count("ok") == 3 and outcomes.count("contact_limit_reached") == 9
    assert Contact.objects.filter(owner=owner).count() == 3
    assert Contact.objects.filter(other=owner).count() == 3
