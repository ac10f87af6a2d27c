"""The websocket part of `xiaodian bench social` (`measure_sockets`): `clients` websockets on
`/ws/chats/` in `groups` groups (500 in 100 by default, five members each) on one server process
(`xiaodian serve --workers 1`: the in-memory channel layer reaches only its own process's sockets;
with `XIAODIAN_REDIS_URL` the layer is Redis), every client sending a text into its group every
`interval` seconds for `seconds` seconds (a fixed schedule with a random phase: the load does not
wait for the server), each with a unique client id.

The seed goes through chats' services (groups made, members invited and accepting); the contact
edges the invitations need are written in bulk (the contacts part of the bench times those).

The check is by sequence number, per socket: every message its group holds after the run began
arrived exactly once (none lost, none doubled), the group's numbers run without a gap, every send
was confirmed with `sent`, and a final `sync` answers exactly the database's messages. Delivery
latency is from a sender writing the frame to each other member reading it (one process, one
clock)."""

import asyncio
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max

from xiaodian.accounts.models import User
from xiaodian.chats import services as chats
from xiaodian.chats.models import Conversation, Message
from xiaodian.core import clock
from xiaodian.social.models import Contact

from . import guard, harness
from .service import _children, _cpu_s, _database_version, _latency, _progress, _session_key, _versions
from .sockets import SocketClient, SocketRun

PREFIX = "bench_chats_"
CONNECT_AT_ONCE = 50
DRAIN_STALL_S = 15.0  # the tail is waited for while it shrinks; given up after this long without progress


@dataclass
class Seat:
    """One client: a member of one group, signed in."""

    user_id: int
    group_id: int
    session: str


@dataclass
class World:
    run_id: str
    seats: list[Seat]
    baseline: dict[int, int]  # group -> its last sequence number before the run


def seed(*, groups: int, clients: int, progress) -> World:
    """`groups` groups of `clients / groups` members each, made through chats' services (the owner
    invites, each member accepts). Only in a benchmark database (guard.py)."""
    guard.require_benchmark_database("seed the chats websocket benchmark")
    run_id = secrets.token_hex(4)
    size = clients // groups
    password = make_password(None)
    task = progress.add_task("seed groups", total=groups)
    seats = []
    for g in range(groups):
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(username=f"{PREFIX}{run_id}_{g}_{i}", password=password, display_name=f"群{g}成员{i}")
                for i in range(size)
            )
            owner, members = users[0], users[1:]
            now = clock.now()
            Contact.objects.bulk_create(
                Contact(owner=owner, other=m, added_at=now, source="search") for m in members
            )
            group = chats.create_group(owner=owner, title=f"压测群{g}")
            for member in members:
                invitation = chats.invite(user=owner, conversation_id=group.pk, invitee_id=member.pk)
                chats.accept_invitation(user=member, invitation_id=invitation.pk)
        seats += [Seat(user_id=u.pk, group_id=group.pk, session=_session_key(u)) for u in users]
        progress.advance(task)
    ids = sorted({s.group_id for s in seats})
    baseline = dict(Conversation.objects.filter(pk__in=ids).values_list("pk", "last_seq"))
    return World(run_id=run_id, seats=seats, baseline=baseline)


@dataclass
class Sent:
    sender: int  # the client's index
    group_id: int
    at: float  # perf_counter when the frame was written
    seq: int | None = None
    acked_at: float | None = None
    delivered: list[float] = field(default_factory=list)  # each other member's reading time


class Run(SocketRun):
    path = "/ws/chats/"

    def __init__(self, base: str, world: World):
        super().__init__(base, world)
        self.sends: dict[str, Sent] = {}


class Client(SocketClient):
    """One member's websocket in one group."""

    run: Run

    def __init__(self, run: Run, index: int, seat: Seat):
        super().__init__(run, index)
        self.seat = seat
        self.session, self.conversation_id = seat.session, seat.group_id
        self.live: Counter[int] = Counter()  # seq -> times it arrived live
        self.final: Counter[int] = Counter()
        self.final_mode = False

    def _sent(self, frame: dict, now: float) -> None:
        sent = self.run.sends.get(frame.get("client_id") or "")
        if sent is None or sent.sender != self.index:
            self.run.errors["sent for an unknown client id"] += 1
        elif sent.acked_at is None:
            sent.acked_at, sent.seq = now, frame["seq"]

    def _ended(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if not self.final_mode or ws.close_code not in (None, 1000):
            self.run.closed_by_server[str(ws.close_code)] += 1

    def _message(self, message: dict, now: float) -> None:
        if message["conversation"] != self.seat.group_id:
            self.run.errors["a message from another conversation"] += 1
            return
        if self.final_mode:
            self.final[message["seq"]] += 1
            return
        self.live[message["seq"]] += 1
        sent = self.run.sends.get(message.get("client_id") or "")
        if sent is not None and sent.sender != self.index and self.live[message["seq"]] == 1:
            sent.delivered.append(now - sent.at)

    def _log_send(self, client_id: str, at: float) -> str:
        self.run.sends[client_id] = Sent(sender=self.index, group_id=self.seat.group_id, at=at)
        return f"压测 {client_id}"

    async def final_sync(self, since: int) -> None:
        """Everything of the group after `since`, page by page."""
        self.final_mode = True
        while True:
            have = {str(self.seat.group_id): since}
            frame = await self.request_sync({"have": have, "listed_only": True})
            if not frame["more"] or not frame["last"]:
                return
            since = frame["last"][str(self.seat.group_id)]


async def _drive(run: Run, clients: list[Client], *, seconds: float, interval: float, progress) -> dict:
    timeline = {}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None)
    ) as http:
        began = time.perf_counter()
        task = progress.add_task("connect", total=len(clients))
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)
        failures: Counter[str] = Counter()

        async def connect(client: Client) -> None:
            async with gate:
                try:
                    await client.connect(http)
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    failures[type(exc).__name__] += 1
                progress.advance(task)

        await asyncio.gather(*(connect(c) for c in clients))
        if failures:
            raise RuntimeError(f"clients could not connect: {dict(failures)}")
        timeline["connect"] = time.perf_counter() - began

        start = time.perf_counter() + 0.5
        stop = start + seconds
        sending = progress.add_task("send", total=round(seconds))
        writers = [asyncio.create_task(c.send_every(interval, start, stop)) for c in clients]
        while time.perf_counter() < stop:
            await asyncio.sleep(0.5)
            progress.update(
                sending, completed=min(round(seconds), round(max(0.0, time.perf_counter() - start)))
            )
        await asyncio.gather(*writers)
        timeline["send"] = time.perf_counter() - start

        drained = moved = time.perf_counter()
        size = {c.seat.group_id: 0 for c in clients}
        for c in clients:
            size[c.seat.group_id] += 1
        before = None
        while time.perf_counter() - moved < DRAIN_STALL_S:
            pending = sum(
                1 for s in run.sends.values() if s.acked_at is None or len(s.delivered) < size[s.group_id] - 1
            )
            if not pending:
                break
            if pending != before:
                before, moved = pending, time.perf_counter()
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a doubled frame would come right behind its first copy
        timeline["drain"] = time.perf_counter() - drained

        finals = time.perf_counter()

        async def final(client: Client) -> None:
            async with gate:
                try:
                    await client.final_sync(run.world.baseline[client.seat.group_id])
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    run.errors[f"final sync failed: {type(exc).__name__}"] += 1

        await asyncio.gather(*(final(c) for c in clients))
        timeline["final_sync"] = time.perf_counter() - finals
        await asyncio.gather(*(c.close() for c in clients))
    return {k: round(v, 2) for k, v in timeline.items()}


def check(run: Run, clients: list[Client]) -> dict:
    """Compare what every socket got with the messages its group holds after the baseline."""
    baseline = run.world.baseline
    stored: dict[int, list[int]] = {}
    rows = Message.objects.filter(conversation_id__in=list(baseline)).values_list("conversation_id", "seq")
    for group_id, seq in rows:
        if seq > baseline[group_id]:
            stored.setdefault(group_id, []).append(seq)
    last = dict(
        Message.objects.filter(conversation_id__in=list(baseline))
        .values_list("conversation_id")
        .annotate(m=Max("seq"))
        .order_by()
    )
    gaps = 0
    for group_id, seqs in stored.items():  # the numbers run 1, 2, 3, … with no gap or repeat
        gaps += (
            len(set(range(baseline[group_id] + 1, last[group_id] + 1)) ^ set(seqs))
            + len(seqs)
            - len(set(seqs))
        )
    lost = duplicated = sync_mismatch = 0
    for client in clients:
        expected = set(stored.get(client.seat.group_id, []))
        lost += len(expected - set(client.live))
        duplicated += sum(n - 1 for n in client.live.values() if n > 1)
        sync_mismatch += len(expected ^ set(client.final)) + sum(
            n - 1 for n in client.final.values() if n > 1
        )
    sends = list(run.sends.values())
    confirmed = [s for s in sends if s.acked_at is not None]
    delivered = [d for s in sends for d in s.delivered]
    return {
        "messages": {
            "written": len(sends),
            "confirmed": len(confirmed),
            "in_database": sum(len(v) for v in stored.values()),
            "deliveries": len(delivered),
        },
        "lost": lost,
        "duplicated": duplicated,
        "sequence_gaps": gaps,
        "final_sync_mismatch": sync_mismatch,
        "errors": dict(run.errors),
        "closed_by_server": dict(run.closed_by_server),
        "latency": _latency(delivered),
        "ack_latency": _latency([s.acked_at - s.at for s in confirmed]),
    }


def measure_sockets(
    *,
    clients: int = 500,
    groups: int = 100,
    seconds: float = 60.0,
    interval: float = 20.0,
    report: Callable[[dict], None] = lambda row: None,
) -> dict:
    """Seed the groups, drive every client through one server, check and summarise."""
    if groups < 1 or clients < 2 * groups or clients % groups:
        raise ValueError("clients fill the groups evenly, at least two to a group")
    with _progress() as progress:
        seeded = time.perf_counter()
        world = seed(groups=groups, clients=clients, progress=progress)
        seed_s = time.perf_counter() - seeded
    report({"seeded_groups": groups, "clients": clients, "seconds": round(seed_s, 1)})
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    known = set(_children())
    with harness.server(workers=1) as base:
        server_pid = next(iter(set(_children()) - known), None)
        run = Run(base, world)
        sockets = [Client(run, i, seat) for i, seat in enumerate(world.seats)]
        cpu_before = _cpu_s(server_pid) if server_pid else None
        with _progress() as progress:
            timeline = asyncio.run(
                _drive(run, sockets, seconds=seconds, interval=interval, progress=progress)
            )
        cpu_after = _cpu_s(server_pid) if server_pid else None
    result = check(run, sockets)
    messages = result["messages"]
    passed = (
        result["lost"] == 0
        and result["duplicated"] == 0
        and result["sequence_gaps"] == 0
        and result["final_sync_mismatch"] == 0
        and messages["confirmed"] == messages["written"] == messages["in_database"]
        and not result["errors"]
        and not result["closed_by_server"]
    )
    wall = sum(timeline.values())
    summary = {
        "passed": passed,
        "clients": clients,
        "groups": groups,
        "members_per_group": clients // groups,
        "seconds": seconds,
        "interval_s": interval,
        "offered_per_second": round(clients / interval, 1),
        **result,
        "timeline_s": {"seed": round(seed_s, 1), **timeline},
        "server": {
            "workers": 1,
            "channel_layer": layer,
            "cores": round((cpu_after - cpu_before) / wall, 2)
            if cpu_before is not None and cpu_after is not None and wall
            else None,
            **_versions(),
        },
        "database_version": _database_version(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    }
    report(
        {
            "passed": passed,
            "lost": result["lost"],
            "duplicated": result["duplicated"],
            "p99_ms": result["latency"]["p99_ms"],
        }
    )
    return summary
