"""`xiaodian bench service`: customer-service websockets under load, checked for loss and doubles.

N stores, each open with one online agent and one buyer in an open session, give 2N clients on
`/ws/service/` of one server process (`xiaodian serve --workers 1`: the in-memory channel layer
reaches only the sockets of its own process; with `XIAODIAN_REDIS_URL` the layer is Redis). Every
client signs in with a Django session cookie, connects, and then sends a text message every
`interval` seconds for `seconds` seconds (a fixed schedule with a random phase: the load does not
wait for the server), each with a unique `client_id` and its send time in the text. A tenth of the
buyers drop their socket for `offline` seconds in the middle of the run while their agents keep
writing, reconnect, and catch up with `sync` from the last id they hold (then resend whatever the
server had not confirmed, with the same client id, as a phone would).

When the sending stops the run waits for the tail, then every client asks `sync` from the run's
first id for the whole history. The check, per socket: every message the database holds for its
session arrived exactly once (live, or by the catch-up sync after a reconnect), every send was
confirmed with `sent`, the final sync answers exactly the database's messages, no `error` frame
came and the server closed no socket. Delivery latency is the time from a sender writing the frame to the other party
reading it (one process, one clock), for messages delivered live."""

import asyncio
import contextlib
import math
import os
import platform
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import aiohttp
import numpy as np
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from xiaodian.accounts import licences
from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.accounts.services import create_subject
from xiaodian.core import clock
from xiaodian.service import services as service
from xiaodian.service.models import Message
from xiaodian.service.rules import SYNC_MAX, Presence
from xiaodian.stores import services as stores
from xiaodian.stores.models import Category, StoreStaff

from . import guard, harness
from .sockets import SocketClient, SocketRun

RECONNECT_SHARE = 0.1  # of the buyers drop their socket mid-run
OFFLINE_FROM = 0.3  # of the run, when they drop
CONNECT_AT_ONCE = 50  # handshakes in flight while the clients connect
DRAIN_STALL_S = 15.0  # the tail is waited for while it shrinks; given up after this long without
DRAIN_MAX_S = 300.0  # progress, or this long in all
WINDOW_S = 10  # latency is also reported per window of send time: does it grow?


# -- seed --------------------------------------------------------------------------------------


@dataclass
class Pair:
    """One store's session: its buyer and its agent, each with a session cookie."""

    store_id: int
    conversation_id: int
    buyer_id: int
    agent_id: int
    buyer_session: str
    agent_session: str


@dataclass
class World:
    run_id: str
    pairs: list[Pair]
    baseline: int  # the highest message id before the run: the run's messages come after it


def _letters(n: int) -> str:
    """A number in letters (a store name may not carry long digit runs: they read as contact details)."""
    out = ""
    while True:
        n, digit = divmod(n, 26)
        out = string.ascii_lowercase[digit] + out
        if not n:
            return out


def _session_key(user: User) -> str:
    """A signed-in session for the user, as `login` leaves it."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def seed(*, stores_wanted: int, progress: Progress) -> World:
    """Open `stores_wanted` stores through the services, each with an online agent and a buyer
    whose session with it is open, and sign every buyer and agent in. Only in a benchmark
    database (guard.py)."""
    guard.require_benchmark_database("seed the service benchmark")
    run_id = secrets.token_hex(4)
    stores.install_default_categories()
    books = Category.objects.get(name="图书")  # zero deposit: the store is open at once
    password = make_password(None)
    serial = int(run_id, 16) % 100_000 * 10_000
    task = progress.add_task("seed stores", total=stores_wanted)
    pairs = []
    for i in range(stores_wanted):
        with transaction.atomic():
            merchant, agent, buyer = User.objects.bulk_create(
                User(username=f"bench_service_{run_id}_{role}{i}", password=password)
                for role in ("merchant", "agent", "buyer")
            )
            subject = create_subject(
                owner=merchant,
                kind=SubjectKind.ENTERPRISE,
                name=f"客服压测商贸{run_id}{i}",
                licence_number=licences.make_uscc(serial + i),
            )
            subject.verification, subject.verified_at = Verification.VERIFIED, clock.now()
            subject.save(update_fields=["verification", "verified_at"])
            store = stores.create_store(
                user=merchant,
                subject_id=subject.pk,
                name=f"客服压测{_letters(int(run_id, 16))}店{_letters(i)}",
                main_category_id=books.pk,
            )
            stores.add_staff(store=store, user_id=agent.pk, role=Role.AGENT)
            service.set_presence(user=agent, store=store, status=Presence.ONLINE)
            conversation, _created = service.open_conversation(buyer=buyer, store_id=store.pk)
        pairs.append(
            Pair(
                store_id=store.pk,
                conversation_id=conversation.pk,
                buyer_id=buyer.pk,
                agent_id=agent.pk,
                buyer_session=_session_key(buyer),
                agent_session=_session_key(agent),
            )
        )
        progress.advance(task)
    assert not StoreStaff.objects.filter(user_id__in=[p.buyer_id for p in pairs]).exists()
    baseline = Message.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return World(run_id=run_id, pairs=pairs, baseline=baseline)


# -- the clients -------------------------------------------------------------------------------


@dataclass
class Sent:
    """One message as its sender wrote it, and what became of it."""

    sender: int  # the client's index
    at: float  # perf_counter when the frame was written
    text: str
    message_id: int | None = None
    created: bool | None = None
    acked_at: float | None = None
    delivered_at: float | None = None  # first read by the other party
    by_sync: bool = False  # the other party got it from its catch-up sync, not live
    resent: bool = False  # written again after the sender reconnected
    resent_at: float | None = None  # perf_counter when it was written again

    @property
    def saved_write_at(self) -> float:
        """When the write that the server saved was made: the resend's if the server answered it
        with `created: true`, else the first (a resend answered `created: false` found the first
        copy saved — its confirmation was lost with the dropped socket)."""
        if self.resent_at is not None and self.created:
            return self.resent_at
        return self.at


class Run(SocketRun):
    """What every client shares: the send log, keyed by client id, and the counters."""

    path = "/ws/service/"

    def __init__(self, base: str, world: World):
        super().__init__(base, world)
        self.sends: dict[str, Sent] = {}
        self.altered = 0  # a frame whose text or sender differs from what was sent
        self.unknown_frames: Counter[str] = Counter()
        self.connect_failures: Counter[str] = Counter()
        self.http: aiohttp.ClientSession | None = None
        self.recoveries: set[asyncio.Task] = set()


def _role(index: int) -> str:
    return "buyer" if index % 2 == 0 else "agent"


class Client(SocketClient):
    """One websocket: a buyer or an agent of one session."""

    run: Run

    def __init__(self, run: Run, index: int, role: str, pair: Pair):
        super().__init__(run, index)
        self.role, self.pair = role, pair
        self.peer = index ^ 1  # buyer 2k, agent 2k+1
        self.session = pair.buyer_session if role == "buyer" else pair.agent_session
        self.conversation_id = pair.conversation_id
        self.mode = "live"  # "catch-up" while a reconnect's sync runs, "final" for the last one
        self.live: Counter[int] = Counter()  # message id -> times it arrived live
        self.caught_up: Counter[int] = Counter()  # ... in a catch-up window
        self.final: set[int] = set()
        self.last_id = 0
        self.out_of_order = 0

    # reading

    def _other(self, kind: str) -> None:
        if kind not in ("conversation", "receipt", "pong"):
            self.run.unknown_frames[kind] += 1

    def _ended(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if self.online:  # the server closed it, not this client: come back as a phone would
            self.online = False
            self.run.closed_by_server[str(ws.close_code)] += 1
            task = asyncio.create_task(self._recover())
            self.run.recoveries.add(task)
            task.add_done_callback(self.run.recoveries.discard)

    async def _recover(self) -> None:
        await asyncio.sleep(1.0)
        if not self.online and self.run.http is not None:
            try:
                await self.come_back(self.run.http)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:  # the final sync tries again
                self.run.errors[f"reconnect failed: {type(exc).__name__}"] += 1

    def _message(self, message: dict, now: float) -> None:
        mid = message["id"]
        if self.mode == "final":
            self.final.add(mid)
            return
        if self.mode == "catch-up":
            self.caught_up[mid] += 1
        else:
            self.live[mid] += 1
            if mid < self.last_id and mid not in self.caught_up:  # a session's ids only grow
                self.out_of_order += 1
        self.last_id = max(self.last_id, mid)
        sent = self.run.sends.get(message.get("client_id") or "")
        if sent is None or sent.sender not in (self.index, self.peer):
            return  # a bot's or another client's message: nothing to time
        if message["text"] != sent.text or message["sender"] != _role(sent.sender):
            self.run.altered += 1
        if sent.sender == self.peer and sent.delivered_at is None:
            sent.delivered_at, sent.by_sync = now, self.mode == "catch-up"

    def _sent(self, frame: dict, now: float) -> None:
        sent = self.run.sends.get(frame.get("client_id") or "")
        if sent is None or sent.sender != self.index:
            self.run.errors["sent for an unknown client id"] += 1
            return
        if sent.message_id is not None and sent.message_id != frame["id"]:
            self.run.errors["one client id confirmed as two messages"] += 1
        if sent.acked_at is None:
            sent.acked_at, sent.created = now, frame["created"]
        sent.message_id = frame["id"]

    # writing

    def _writing(self) -> bool:
        return self.online and self.mode == "live"  # offline: a phone does not write into a dropped socket

    def _log_send(self, client_id: str, at: float) -> str:
        text = f"压测消息 {client_id} @{time.time():.6f}"
        self.run.sends[client_id] = Sent(sender=self.index, at=at, text=text)  # resent if it drops
        return text

    async def sync(self, since: int) -> int:
        """`sync` from `since`, page by page; answers how many messages came."""
        total = 0
        while True:
            frame = await self.request_sync({"since": since})
            total += frame["count"]
            if frame["count"] < SYNC_MAX:
                return total
            since = frame["last"]

    async def drop(self) -> None:
        """Lose the connection as a phone going into a tunnel does: what was on its way is gone."""
        self.online = False
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
        if self.ws is not None:
            await self.ws.close()

    async def come_back(self, http: aiohttp.ClientSession) -> None:
        """Reconnect, catch up from the last id held, then resend what was never confirmed."""
        self.mode = "catch-up"
        await self.connect(http)
        await self.sync(self.last_id)
        self.mode = "live"
        for client_id, sent in list(self.run.sends.items()):
            if sent.sender == self.index and sent.acked_at is None:
                sent.resent, sent.resent_at = True, time.perf_counter()
                await self.write(sent.text, client_id)


# -- the run -----------------------------------------------------------------------------------


@dataclass
class Timeline:
    start: float = 0.0  # perf_counter when the sending began
    connect_s: float = 0.0
    send_s: float = 0.0
    drain_s: float = 0.0
    final_sync_s: float = 0.0
    loop_lag_ms: list[float] = field(default_factory=list)
    # (perf_counter, server CPU s, machine (busy, total) jiffies), each second while sending
    samples: list[tuple[float, float | None, tuple[int, int] | None]] = field(default_factory=list)


async def _monitor(timeline: Timeline, server_pid: int | None, stop: asyncio.Event) -> None:
    """How late this process's event loop wakes up (the clients' own share of the latency), and,
    each second, the server's CPU and the whole machine's: a shared machine's neighbours show."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        if not timeline.samples or time.perf_counter() - timeline.samples[-1][0] >= 1.0:
            server = _cpu_s(server_pid) if server_pid else None
            timeline.samples.append((time.perf_counter(), server, _machine_busy()))
        planned = loop.time() + 0.05
        await asyncio.sleep(0.05)
        timeline.loop_lag_ms.append((loop.time() - planned) * 1000)


async def _drive(
    run: Run,
    clients: list[Client],
    *,
    seconds: float,
    interval: float,
    offline: float,
    server_pid: int | None,
    progress: Progress,
) -> Timeline:
    timeline = Timeline()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as http:
        run.http = http
        began = time.perf_counter()
        task = progress.add_task("connect", total=len(clients))
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def connect(client: Client) -> None:
            async with gate:
                try:
                    await client.connect(http)
                except (aiohttp.ClientError, OSError) as exc:
                    run.connect_failures[type(exc).__name__ + f": {exc}"[:80]] += 1
                progress.advance(task)

        await asyncio.gather(*(connect(c) for c in clients))
        timeline.connect_s = time.perf_counter() - began
        if run.connect_failures:
            raise RuntimeError(f"clients could not connect: {dict(run.connect_failures)}")

        stop_lag = asyncio.Event()
        lag = asyncio.create_task(_monitor(timeline, server_pid, stop_lag))
        start = timeline.start = time.perf_counter() + 0.5
        stop = start + seconds
        leaving = _reconnecting(clients) if offline > 0 else []

        async def away(client: Client) -> None:
            await asyncio.sleep(max(0.0, start + seconds * OFFLINE_FROM - time.perf_counter()))
            await client.drop()
            await asyncio.sleep(offline)
            await client.come_back(http)

        sending = progress.add_task("send", total=round(seconds))
        writers = [asyncio.create_task(c.send_every(interval, start, stop)) for c in clients]
        trips = [asyncio.create_task(away(c)) for c in leaving]
        while time.perf_counter() < stop:
            await asyncio.sleep(0.5)
            elapsed = max(0.0, time.perf_counter() - start)
            confirmed = sum(1 for s in run.sends.values() if s.acked_at is not None)
            progress.update(
                sending,
                completed=min(round(seconds), round(elapsed)),
                description=f"send ({confirmed} confirmed)",
            )
        await asyncio.gather(*writers, *trips)
        timeline.send_s = time.perf_counter() - start

        drained = moved = time.perf_counter()
        waiting = progress.add_task("drain", total=None)
        before = None
        while time.perf_counter() - moved < DRAIN_STALL_S and time.perf_counter() - drained < DRAIN_MAX_S:
            pending = sum(1 for s in run.sends.values() if s.acked_at is None or s.delivered_at is None)
            progress.update(waiting, description=f"drain ({pending} in flight)")
            if not pending:
                break
            if pending != before:
                before, moved = pending, time.perf_counter()
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a doubled frame would come right behind its first copy
        timeline.drain_s = time.perf_counter() - drained
        stop_lag.set()
        await lag

        finals = time.perf_counter()
        task = progress.add_task("final sync", total=len(clients))

        await asyncio.gather(*run.recoveries, return_exceptions=True)

        async def final(client: Client) -> None:
            async with gate:
                try:
                    if not client.online:  # closed by the server, and its reconnect failed
                        await client.come_back(http)
                    client.mode = "final"
                    await client.sync(run.world.baseline)
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    run.errors[f"final sync failed: {type(exc).__name__}"] += 1
                progress.advance(task)

        await asyncio.gather(*(final(c) for c in clients))
        timeline.final_sync_s = time.perf_counter() - finals
        await asyncio.gather(*(client.drop() for client in clients))
    return timeline


def _reconnecting(clients: list[Client]) -> list[Client]:
    buyers = [c for c in clients if c.role == "buyer"]
    every = max(1, round(1 / RECONNECT_SHARE))
    return buyers[::every][: math.ceil(len(buyers) * RECONNECT_SHARE)]


# -- the check ---------------------------------------------------------------------------------


def _ms(values: list[float], p: float) -> float:
    return round(float(np.percentile(values, p)) * 1000, 1) if values else 0.0


def _latency(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": _ms(values, 50),
        "p95_ms": _ms(values, 95),
        "p99_ms": _ms(values, 99),
        "max_ms": round(max(values) * 1000, 1) if values else 0.0,
    }


def check(run: Run, clients: list[Client], timeline: Timeline) -> dict:
    """Compare what every socket got with what the database holds for its session."""
    pairs = {p.conversation_id: p for p in run.world.pairs}
    rows = list(
        Message.objects.filter(conversation_id__in=list(pairs), id__gt=run.world.baseline).values_list(
            "id", "conversation_id", "client_id"
        )
    )
    stored: dict[int, set[int]] = {}
    for mid, conversation_id, _client_id in rows:
        stored.setdefault(conversation_id, set()).add(mid)
    by_client_id = Counter(c for _m, _conv, c in rows if c)
    lost = duplicated = overlap = out_of_order = sync_mismatch = 0
    lost_examples = []
    for client in clients:
        expected = stored.get(client.pair.conversation_id, set())
        received = set(client.live) | set(client.caught_up)
        missing = expected - received
        lost += len(missing)
        lost_examples += [(client.index, mid) for mid in sorted(missing)[:3]]
        duplicated += sum(n - 1 for n in client.live.values() if n > 1)
        overlap += sum(client.caught_up[m] + client.live[m] - 1 for m in client.caught_up)
        out_of_order += client.out_of_order
        sync_mismatch += len(expected ^ client.final)
        unexpected = received - expected
        if unexpected:
            run.errors["a message from another session"] += len(unexpected)

    sends = list(run.sends.values())
    confirmed = [s for s in sends if s.acked_at is not None]
    saved = {s.message_id for s in confirmed} <= {r[0] for r in rows}
    unconfirmed = [cid for cid, s in run.sends.items() if s.acked_at is None]
    # every message delivered live is timed, a resent one too: from the write the server saved
    delivered_live = [s for s in sends if s.delivered_at and not s.by_sync]
    live = [s.delivered_at - s.saved_write_at for s in delivered_live]
    windows: dict[int, list[float]] = {}
    for s, seconds in zip(delivered_live, live, strict=True):
        windows.setdefault(int((s.saved_write_at - timeline.start) // WINDOW_S), []).append(seconds)
    return {
        "messages": {
            "written": len(sends),
            "confirmed": len(confirmed),
            "unconfirmed": len(unconfirmed),
            "unconfirmed_but_saved": sum(1 for cid in unconfirmed if by_client_id[cid]),
            "confirmed_as_existing": sum(1 for s in confirmed if s.created is False),
            "in_database": len(rows),
            "saved_twice": sum(n - 1 for n in by_client_id.values() if n > 1),
            "confirmed_all_saved": saved,
            "delivered_live": len(delivered_live),
            "delivered_by_catch_up_sync": sum(1 for s in sends if s.delivered_at and s.by_sync),
            "resent_after_reconnect": sum(1 for s in sends if s.resent),
            "altered": run.altered,
        },
        "lost": lost,
        "lost_examples": lost_examples[:10],
        "duplicated": duplicated,
        "catch_up_overlap": overlap,
        "out_of_order": out_of_order,
        "final_sync_mismatch": sync_mismatch,
        "errors": dict(run.errors),
        "unknown_frames": dict(run.unknown_frames),
        "closed_by_server": dict(run.closed_by_server),
        "reconnects": sum(c.connections - 1 for c in clients),
        "latency": _latency(live),
        "ack_latency": _latency([s.acked_at - s.at for s in confirmed if not s.resent]),
        "latency_by_window": [
            {"from_s": w * WINDOW_S, **_latency(values), **_cores(timeline, w)}
            for w, values in sorted(windows.items())
        ],
    }


def _cores(timeline: Timeline, window: int) -> dict:
    """CPU in one window of the run, in cores: the server process's and the whole machine's."""
    begin = timeline.start + window * WINDOW_S
    inside = [x for x in timeline.samples if begin <= x[0] <= begin + WINDOW_S]
    if len(inside) < 2:
        return {}
    (t0, server0, busy0), (t1, server1, busy1) = inside[0], inside[-1]
    found = {}
    if server0 is not None and server1 is not None:
        found["server_cores"] = round((server1 - server0) / (t1 - t0), 2)
    if busy0 and busy1 and busy1[1] > busy0[1]:
        share = (busy1[0] - busy0[0]) / (busy1[1] - busy0[1])
        found["machine_busy_cores"] = round(share * (os.cpu_count() or 1), 2)
    return found


# -- the machine -------------------------------------------------------------------------------


def _children() -> list[int]:
    found = []
    for task in Path("/proc/self/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(pid) for pid in task.read_text().split()]
    return found


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float] | None:
    """(busy, total) jiffies of all CPUs so far (Linux)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _versions() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in ("django", "channels", "uvicorn", "websockets", "aiohttp")}


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


# -- entry -------------------------------------------------------------------------------------


def run(
    *,
    clients: int = 500,
    seconds: float = 60.0,
    interval: float = 20.0,
    offline: float = 5.0,
    report: Callable[[dict], None] = lambda row: None,
) -> dict:
    """Seed clients/2 sessions, drive them through one server, check and summarise."""
    if clients < 2 or clients % 2:
        raise ValueError("clients come in pairs (a buyer and an agent per store)")
    offline = min(offline, seconds * (1 - OFFLINE_FROM) * 0.8)
    load_before = os.getloadavg()
    with _progress() as progress:
        seeded = time.perf_counter()
        world = seed(stores_wanted=clients // 2, progress=progress)
        seed_s = time.perf_counter() - seeded
    report({"seeded_stores": len(world.pairs), "clients": clients, "seconds": round(seed_s, 1)})

    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    known = set(_children())
    with harness.server(workers=1) as base:
        server_pid = next(iter(set(_children()) - known), None)
        run_state = Run(base, world)
        sockets = [
            Client(run_state, 2 * i + side, role, pair)
            for i, pair in enumerate(world.pairs)
            for side, role in enumerate(("buyer", "agent"))
        ]
        cpu_before = _cpu_s(server_pid) if server_pid else None
        busy_before = _machine_busy()
        own_before = time.process_time()
        with _progress() as progress:
            timeline = asyncio.run(
                _drive(
                    run_state,
                    sockets,
                    seconds=seconds,
                    interval=interval,
                    offline=offline,
                    server_pid=server_pid,
                    progress=progress,
                )
            )
        cpu_after = _cpu_s(server_pid) if server_pid else None
        busy_after = _machine_busy()
        own_s = time.process_time() - own_before
    wall = timeline.connect_s + timeline.send_s + timeline.drain_s + timeline.final_sync_s
    result = check(run_state, sockets, timeline)
    passed = (
        result["lost"] == 0
        and result["duplicated"] == 0
        and result["messages"]["unconfirmed"] == 0
        and result["messages"]["saved_twice"] == 0
        and result["messages"]["confirmed_all_saved"]
        and result["messages"]["altered"] == 0
        and result["final_sync_mismatch"] == 0
        and not result["errors"]
        and not result["closed_by_server"]
    )
    confirmed = result["messages"]["confirmed"]
    last_ack = max((s.acked_at for s in run_state.sends.values() if s.acked_at), default=0.0) - timeline.start
    server_s = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    busy_cores = None
    if busy_before and busy_after and busy_after[1] > busy_before[1]:
        share = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1])
        busy_cores = round(share * (os.cpu_count() or 1), 2)
    lag = timeline.loop_lag_ms or [0.0]
    summary = {
        "scenario": "service",
        "passed": passed,
        "clients": clients,
        "stores": len(world.pairs),
        "reconnecting_buyers": len(_reconnecting(sockets)) if offline > 0 else 0,
        "offline_s": round(offline, 2),
        "seconds": seconds,
        "interval_s": interval,
        "offered_per_second": round(clients / interval, 1),
        # over the time from the first send to the last confirmation: a server that falls behind
        # confirms after the sending stopped
        "confirmed_per_second": round(confirmed / last_ack, 1) if last_ack > 0 else 0.0,
        **result,
        "timeline_s": {
            "seed": round(seed_s, 1),
            "connect": round(timeline.connect_s, 2),
            "send": round(timeline.send_s, 2),
            "drain": round(timeline.drain_s, 2),
            "final_sync": round(timeline.final_sync_s, 2),
        },
        "cpu": {
            # seconds of CPU over the connect, send, drain and final-sync phases
            "server_process_s": round(server_s, 1) if server_s is not None else None,
            "server_cores": round(server_s / wall, 2) if server_s is not None and wall else None,
            "bench_process_s": round(own_s, 1),
            "machine_busy_cores": busy_cores,
            "client_loop_lag_ms": {"p99": round(float(np.percentile(lag, 99)), 1), "max": round(max(lag), 1)},
        },
        "server": {"workers": 1, "channel_layer": layer, **_versions()},
        "database_version": _database_version(),
        "machine": {
            "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "python": platform.python_version(),
        },
    }
    report(
        {
            "passed": passed,
            "confirmed": confirmed,
            "lost": result["lost"],
            "duplicated": result["duplicated"],
            "p99_ms": result["latency"]["p99_ms"],
        }
    )
    return summary
