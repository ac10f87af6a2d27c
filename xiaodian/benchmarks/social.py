"""`xiaodian bench social`: the private domain at scale (issue 21). This part, `measure_contacts`,
times a user with a full list (10,000 contacts): listing, searching, adding and deleting, each
through the JSON API in-process (routing, token auth, the selector or service, serialisation;
Django's test client, no network), goal p99 ≤ 50 ms each. The chats' websocket part sits beside it
in `run`.

1. Seeds (or reuses) in bulk, not through the services: the user, 10,000 others with nicknames,
   and the edges — mutual for most, one-way (the other deleted the user) for one in ten — then
   ANALYZE (fresh planner statistics, as autovacuum would gather). A marker user records a
   finished seed of that size.
2. Times, in a loop of `requests` rounds with progress bars: the floor (`GET /api/v1/health`,
   no database work: what a request costs on the machine at that moment), a page of the list
   (`GET /contacts`, a random offset), a search (`GET /contacts?q=`, a random nickname fragment),
   a deletion (`DELETE /contacts/{id}`, one of the user's contacts who still has the user) and
   its re-adding (`POST /contacts/requests` by the user, `POST .../accept` by the other: the
   acceptance locks both rows, counts the user's list under the lock and creates the missing
   edge), so the list stays at 10,000 and 9,999 throughout; plus the recommended deletions
   (asked for at 10,000). p50/p95/p99/max per operation, and the statements of one request.
3. Checks afterwards: the list is full again, no list passed the limit.
"""

import platform
import random
import time
from collections.abc import Callable

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiaodian.accounts import services as accounts
from xiaodian.accounts.models import User
from xiaodian.social import rules
from xiaodian.social.models import Contact, ContactRequest, search_key

from .search import _cpus, _database_version, _progress

OWNER = "bench_social_owner"
OTHERS = "bench_social_contact_"
MARKER = "bench_social_seeded_v3_"  # v3: the edges carry their search key
TARGET_P99_MS = 50.0
ONE_WAY = 0.1  # of the contacts: the other deleted the user
# Nicknames: a family name and a given name, so a search finds a few hundred, not all or none.
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def _nickname(n: int) -> str:
    return f"{FAMILY[n % len(FAMILY)]}{GIVEN[(n // len(FAMILY)) % len(GIVEN)]}{GIVEN[(n * 7) % len(GIVEN)]}"


def _marker(contacts: int) -> str:
    return f"{MARKER}{contacts}"


def seed(contacts: int, progress) -> dict:
    """The user and their `contacts` edges (reused when a finished seed of that size exists)."""
    if User.objects.filter(username=_marker(contacts)).exists():
        return {"reused": True}
    started = time.perf_counter()
    Contact.objects.filter(owner__username__startswith="bench_social_").delete()
    Contact.objects.filter(other__username__startswith="bench_social_").delete()
    ContactRequest.objects.filter(sender__username__startswith="bench_social_").delete()
    User.objects.filter(username__startswith="bench_social_").delete()
    password = make_password(None)
    now = timezone.now()
    owner = User.objects.create(username=OWNER, password=password, display_name="压测用户")
    task = progress.add_task("seeding contacts", total=contacts)
    batch = 2_000
    for start in range(0, contacts, batch):
        stop = min(start + batch, contacts)
        with transaction.atomic():
            others = User.objects.bulk_create(
                User(username=f"{OTHERS}{n}", password=password, display_name=_nickname(n), date_joined=now)
                for n in range(start, stop)
            )
            edges = []
            for n, other in zip(range(start, stop), others, strict=True):
                added = now - timezone.timedelta(days=1 + n % 900)
                edges.append(
                    Contact(
                        owner=owner,
                        other=other,
                        search_key=search_key("", _nickname(n)),
                        added_at=added,
                        source="search",
                    )
                )
                if (n % 10) / 10 >= ONE_WAY:
                    edges.append(
                        Contact(
                            owner=other,
                            other=owner,
                            search_key=search_key("", str(owner)),
                            added_at=added,
                            source="search",
                            added_by_owner=False,
                        )
                    )
            Contact.objects.bulk_create(edges)
        progress.advance(task, stop - start)
    User.objects.create(username=_marker(contacts), password=password)
    _analyze()
    return {"reused": False, "seconds": round(time.perf_counter() - started, 1)}


def _analyze() -> None:
    """Fresh planner statistics for the bulk-loaded tables (what autovacuum would gather soon
    after on a live database): without them PostgreSQL plans the list as if it held 40 rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE social_contact, accounts_user")
        else:
            cursor.execute("ANALYZE")


def _summary(samples: list[float]) -> dict:
    ms = np.array(samples) * 1000
    return {
        "requests": len(samples),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def _bearer(user: User) -> dict:
    _, secret = accounts.issue_token(user=user, name="bench")
    return {"Authorization": f"Bearer {secret}"}


def _timed(samples: list[float], call: Callable, *args, expect: int, **kwargs):
    """Time one request into `samples`; answers the response (an unexpected status stops the run)."""
    started = time.perf_counter()
    response = call(*args, **kwargs)
    samples.append(time.perf_counter() - started)
    if response.status_code != expect:
        raise RuntimeError(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response


def measure_contacts(*, contacts: int = rules.CONTACTS_MAX, requests: int = 500, progress=None) -> dict:
    """Seed a user with `contacts` contacts and time list, search, add and delete through the API:
    {"seed", "floor", "list", "search", "request", "accept", "delete", "recommended", "statements",
    "targets", "checks"}."""
    progress = progress or _progress()
    with progress:
        seeded = seed(contacts, progress)
        owner = User.objects.get(username=OWNER)
        # One client for everyone (its handler, like a server's, loads the middleware once); each
        # request carries its user's token.
        client, me = Client(), _bearer(owner)
        client.get("/api/v1/health")
        mutual = list(
            Contact.objects.filter(other=owner, owner__username__startswith=OTHERS).values_list(
                "owner_id", flat=True
            )
        )
        rng = random.Random(21)
        samples: dict[str, list[float]] = {
            k: [] for k in ("floor", "list", "search", "request", "accept", "delete")
        }
        tokens: dict[int, dict] = {}
        task = progress.add_task("timing contacts", total=requests)
        for _round in range(requests):
            # the floor: a request that does no database work, timed the same way (the machine's
            # own cost of a request at this moment)
            _timed(samples["floor"], client.get, "/api/v1/health", expect=200)
            offset = rng.randrange(0, max(1, contacts - 20))
            _timed(
                samples["list"],
                client.get,
                "/api/v1/contacts",
                {"limit": 20, "offset": offset},
                headers=me,
                expect=200,
            )
            q = rng.choice([FAMILY[rng.randrange(len(FAMILY))], _nickname(rng.randrange(contacts))[1:]])
            _timed(
                samples["search"],
                client.get,
                "/api/v1/contacts",
                {"q": q, "limit": 20},
                headers=me,
                expect=200,
            )
            other_id = rng.choice(mutual)
            _timed(samples["delete"], client.delete, f"/api/v1/contacts/{other_id}", headers=me, expect=204)
            asked = _timed(
                samples["request"],
                client.post,
                "/api/v1/contacts/requests",
                {"user_id": other_id},
                content_type="application/json",
                headers=me,
                expect=201,
            )
            if other_id not in tokens:
                tokens[other_id] = _bearer(User.objects.get(pk=other_id))
            path = f"/api/v1/contacts/requests/{asked.json()['id']}/accept"
            _timed(samples["accept"], client.post, path, headers=tokens[other_id], expect=200)
            progress.advance(task)
        recommended: list[float] = []
        for _ in range(20):
            _timed(recommended, client.get, "/api/v1/contacts/recommended-deletions", headers=me, expect=200)
        with CaptureQueriesContext(connection) as listed:
            client.get("/api/v1/contacts", {"q": "王", "limit": 20}, headers=me)
        other_id = mutual[0]
        client.delete(f"/api/v1/contacts/{other_id}", headers=me)
        asked = client.post(
            "/api/v1/contacts/requests", {"user_id": other_id}, content_type="application/json", headers=me
        )
        theirs = tokens.get(other_id) or _bearer(User.objects.get(pk=other_id))
        with CaptureQueriesContext(connection) as accepted:
            client.post(f"/api/v1/contacts/requests/{asked.json()['id']}/accept", headers=theirs)
    result = {k: _summary(v) for k, v in samples.items()}
    full = Contact.objects.filter(owner=owner).count()
    worst = max(
        Contact.objects.filter(owner__username__startswith="bench_social_")
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    result |= {
        "seed": seeded,
        "contacts": contacts,
        "recommended": _summary(recommended),
        "statements": {
            "search": len(listed.captured_queries),
            "accept": len(accepted.captured_queries),
        },
        "checks": {"list_full_again": full == contacts, "largest_list": worst, "limit": rules.CONTACTS_MAX},
    }
    result["targets"] = {
        "p99_ms": TARGET_P99_MS,
        "met": all(
            result[k]["p99_ms"] <= TARGET_P99_MS for k in ("list", "search", "request", "accept", "delete")
        )
        if contacts >= rules.CONTACTS_MAX
        else None,
    }
    return result


def run(*, contacts: int = rules.CONTACTS_MAX, requests: int = 500, report: Callable | None = None) -> dict:
    measured = measure_contacts(contacts=contacts, requests=requests)
    return {
        "scenario": "social",
        "database_version": _database_version(),
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        "contacts": measured,
        "passed": measured["checks"]["list_full_again"]
        and measured["checks"]["largest_list"] <= rules.CONTACTS_MAX,
    }
