"""`xiaodian bench login-flood`: does a wrong-password flood against one account slow other users?

Against a real server on loopback (`xiaodian serve --workers 2`), `clients` buyers read
`GET /api/v1/orders` back to back with their tokens for `duration` seconds, three times:

- quiet: nobody floods (the baseline);
- flood: `flooders` more connections post wrong passwords for one account to `/api/v1/auth/token`
  as fast as they can, with the rate limits on (accounts/rules.py);
- flood, limit reached: the same, measured once the limit has started to answer (the flood first
  runs alone until it has `flooders` 429s): the state a flood stays in for the rest of the
  limit's window, after the account's few allowed hash checks;
- flood, limits off: the same flood against a server started with the limits switched off
  (benchmarks/unthrottled_settings.py), to show what the limits save;
- control, /health flood: the same connections fire `GET /api/v1/health` (no database, no
  password) instead: what any flood of requests costs the two cores, which a rate limit in the
  application cannot take away (a proxy in front can).

Each row gives the buyers' p50/p99 latency and rate, and how the flood was answered: 401 (the
password was hashed and checked) or 429 (refused before the hash). The account's password is made
with the project's default hasher (PBKDF2), as a real one is. The run empties the configured
cache first (with Redis, an earlier run's counts would still be there)."""

import asyncio
import time
from collections import Counter

import aiohttp
from django.contrib.auth.hashers import make_password
from django.core.cache import cache

from xiaodian.accounts.models import User

from . import harness
from .fixtures import prepare

PRIME_MAX_S = 60.0
UNTHROTTLED = {"DJANGO_SETTINGS_MODULE": "xiaodian.benchmarks.unthrottled_settings"}


async def _flood(
    client: aiohttp.ClientSession, username: str | None, stop_at: float, answers: Counter, once: bool = False
) -> None:
    """Wrong passwords for `username` back to back until `stop_at` (or one, `once`); `None`:
    GET /api/v1/health instead (control)."""
    body = {"username": username, "password": "not-the-password"}
    while once or time.perf_counter() < stop_at:
        try:
            request = (
                client.get("/api/v1/health")
                if username is None
                else client.post("/api/v1/auth/token", json=body)
            )
            async with request as r:
                await r.read()
                answers[str(r.status)] += 1
        except aiohttp.ClientError as exc:
            answers[type(exc).__name__] += 1
        if once:
            return


def _phase(
    base: str,
    tokens: list[str],
    clients: int,
    flooders: int,
    duration: float,
    victim: str | None,
    prime: bool = False,
) -> dict:
    async def orders(client, i):
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        async with client.get("/api/v1/orders", headers=headers) as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"orders {r.status}")

    async def main() -> tuple[harness.Result, Counter]:
        answers: Counter = Counter()
        async with harness._session(base, clients + flooders) as client:
            if prime:  # flood alone until the limit answers, then measure the flood that goes on
                primed: Counter = Counter()
                give_up = time.perf_counter() + PRIME_MAX_S
                while primed["429"] < flooders and time.perf_counter() < give_up:
                    await asyncio.gather(
                        *(_flood(client, victim, 0.0, primed, once=True) for _ in range(flooders))
                    )
            stop_at = time.perf_counter() + duration
            floods = [_flood(client, victim, stop_at, answers) for _ in range(flooders)]
            result, *_ = await asyncio.gather(harness._drive(client, clients, duration, orders), *floods)
        return result, answers

    result, answers = asyncio.run(main())
    row = result.summary()
    del row["concurrency"]
    row = {"clients": clients, "flooders": flooders, **row}
    row["flood_attempts"] = sum(answers.values())
    row["flood_401_hashed"] = answers.get("401", 0)
    row["flood_429_refused"] = answers.get("429", 0)
    other = {k: v for k, v in answers.items() if k not in ("401", "429")}
    if victim is None:
        other = {"200_health": answers.get("200", 0), **{k: v for k, v in other.items() if k != "200"}}
    if other:
        row["flood_other"] = other
    return row


def run(*, clients: int, flooders: int, duration: float, report) -> dict:
    world = prepare(buyers=clients)  # refuses any database not marked for benchmarks
    cache.clear()  # the counts of an earlier run (Redis keeps them for the window): start at none
    victim = f"bench_victim_{world.run_id}"
    User.objects.create(username=victim, password=make_password("the-real-password-123"))
    rows = []
    phases = (
        ("quiet", None, 0, victim),
        ("flood", None, flooders, victim),
        ("flood, limit reached", None, flooders, victim),
        ("flood, limits off", UNTHROTTLED, flooders, victim),
        ("control, /health flood", None, flooders, None),
    )
    for label, env, flood, target in phases:
        with harness.server(workers=2, env=env) as base:
            harness.run(base, 4, 1.0, lambda client, i: _warm(client))  # warm up both workers
            prime = label == "flood, limit reached"
            row = {"phase": label, **_phase(base, world.tokens, clients, flood, duration, target, prime)}
        report(row)
        rows.append(row)
    return {"scenario": "login-flood", "duration_s": duration, "levels": rows}


async def _warm(client: aiohttp.ClientSession) -> None:
    async with client.get("/api/v1/health") as r:
        await r.read()
