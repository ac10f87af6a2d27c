"""`xiaodian bench crash`: a bounded checkout-and-pay load against `xiaodian serve --workers 2` and
`xiaodian worker`, with `kill -9` of the server and of the worker at random moments; afterwards the
money and stock invariants must hold within one sweep interval (issue 13, "Must hold").

PostgreSQL only: the server's processes, the worker and this process share the database.

- **Setup** (`fixtures.prepare`, on a marked benchmark database): a bench store, one buyer per
  iteration, the store owner's API token, and one SKU with stock S.
- **Processes**: the server (`xiaodian serve --workers 2`) and the worker (`xiaodian worker`) are
  subprocesses, each in a process group of its own, so `os.killpg(pid, SIGKILL)` kills uvicorn's
  master and its workers at once. Their output goes to log files (kept when the run fails).
- **Load**: N iterations at concurrency C. One iteration is a buyer's phone: `POST /api/v1/orders`
  (one unit, an Idempotency-Key), `POST /api/v1/orders/{id}/pay` (its `pay_url`), then paying at
  the sandbox as a buyer does: `GET` the pay page, and `POST` its form back with the CSRF token
  the page carries (and the `csrftoken` cookie it set). Every `REFUND_EVERY`-th iteration then
  waits until its order is paid and asks for a refund-only after-sale of the unit
  (`POST /api/v1/orders/{id}/aftersales`), which the store owner approves
  (`POST /api/v1/aftersales/{id}/approve`): the approval's durable event submits the refund.
  A step whose connection fails (the server is down) or that answers 5xx is retried, the same
  request with the same Idempotency-Key, after a short backoff; retries are counted. A step whose
  answer was lost with the server is recognised when retried (the pay page shows the payment
  made; an after-sale already requested or approved is looked up).
- **Chaos** (seeded): the server and the worker each have their kills, drawn as request counts;
  a kill fires as the load's n-th request goes out (retries count), within 50 ms, so that it
  lands in the middle of requests. The process is killed (`SIGKILL` to its
  group), stays down a random moment, and is started again (the server until healthy). The two
  processes' kills run side by side; the last C iterations start only after the last restart, so
  every kill happens while the load runs (`iterations_in_flight` says how many were under way).
- **After the load** both processes run; the invariants are polled every second for at most
  `WAIT` seconds (one minute's sweep plus a margin), and the time until they all held is recorded.

The invariants (`measure`):

- every order whose payment succeeded at the sandbox (its trade is SUCCESS or REFUND) is paid
  (`paid_at` set, not closed unpaid), and no order is paid whose payment did not succeed there;
- stock is conserved: `stock_now + units_in_live_orders == stock_initial`, where
  `units_in_live_orders` is the units on lines of orders whose status holds stock
  (`orders.rules.HOLDING_STOCK`) minus the units after-sales put back on sale from those orders
  (`AfterSale.restocked_quantity`). Every stock movement is in the transaction of the state change
  that causes it: a checkout takes its units (order 10, holding); an unpaid order that closes gives
  them back (250, not holding); a refund of an unshipped unit withdraws it from its line and puts
  it back on sale (`restocked_quantity`) in the refund's transaction, and an order whose every unit
  was refunded ends as 200 (not holding) in that same transaction. So each unit put in is either
  in stock or held by a live order and not restocked, at every moment, crash or not;
- no refund was submitted twice: no sandbox refund processed more than once (`submissions`), one
  sandbox refund per out_refund_no, no trade refunded beyond its amount, and every sandbox refund
  is an approved after-sale's (`AS<id>`);
- no after-sale is left in PLATFORM_REFUNDING, and every approved one has its refund at the sandbox;
- every iteration completed (a client that cannot get through after its retries is a failure).
"""

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import aiohttp
from django.db import close_old_connections
from django.db.models import Count, F, Q, Sum

from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.rules import MONEY_MOVING, State
from xiaodian.catalog.models import SKU
from xiaodian.orders.models import Order, OrderLine
from xiaodian.orders.rules import HOLDING_STOCK, Status
from xiaodian.payments.models import Payment, Purpose
from xiaodian.wechatpay_sandbox.models import (
    SandboxRefund,
    SandboxRefundStatus,
    SandboxTradeState,
    SandboxTransaction,
)

from . import harness
from .fixtures import ADDRESS, BenchWorld, new_sku, prepare

REFUND_EVERY = 4  # every 4th iteration asks for a refund of its paid unit
WAIT = 90.0  # seconds after the load for the invariants to hold: the 1-minute sweeps, plus a margin
STEP_DEADLINE = 180.0  # a step that cannot get through for this long fails its iteration
SERVER_DOWN = (0.5, 2.0)  # seconds a killed process stays down (uniform)
WORKER_DOWN = (0.5, 3.0)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_PAID_MARK = 'class="message success"'


class StepFailed(Exception):
    """An answer a buyer's phone could not get past (not a dropped connection)."""


# --------------------------------------------------------------------------------- processes


@dataclass
class Supervised:
    """A subprocess in its own process group, killed with SIGKILL and started again."""

    name: str
    args: list[str]
    log: Path
    base: str = ""  # a server: its URL, health-checked on start
    process: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> float:
        """Start it (a server: until healthy); answers the seconds that took."""
        began = time.monotonic()
        with self.log.open("ab") as out:
            out.write(f"\n=== start {self.starts + 1} at {time.time():.3f}\n".encode())
            out.flush()
            self.process = harness.spawn(self.args, session=True, log=out, env={"PYTHONUNBUFFERED": "1"})
        self.starts += 1
        if self.base:
            harness.wait_healthy(self.base, self.process, timeout=120)
        return time.monotonic() - began

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> int:
        """SIGKILL to the whole group, then reap it (a zombie would still look alive to the
        worker's `recover_stalled`). Answers the killed pid."""
        assert self.process is not None
        pid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        self.process.wait()
        return pid

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


# -------------------------------------------------------------------------------------- load


@dataclass
class Load:
    base: str
    world: BenchWorld
    sku_id: int
    iterations: int
    concurrency: int
    gate_from: int  # iterations from here on start only once the chaos is over
    started: int = 0
    completed: int = 0
    refunds_asked: int = 0
    refunds_approved: int = 0
    retries: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    chaos_over: asyncio.Event = field(default_factory=asyncio.Event)
    requests: int = 0  # requests sent, retries included
    _waiting: list[tuple[int, asyncio.Future]] = field(default_factory=list)

    def after_requests(self, count: int) -> asyncio.Future:
        """Done as the `count`-th request goes out (while it is on its way)."""
        future = asyncio.get_running_loop().create_future()
        if self.requests >= count:
            future.set_result(None)
        else:
            self._waiting.append((count, future))
        return future

    def _sent(self) -> None:
        self.requests += 1
        for count, future in self._waiting:
            if count <= self.requests and not future.done():
                future.set_result(None)

    @property
    def in_flight(self) -> int:
        return self.started - self.completed - sum(self.failures.values())

    async def _request(
        self, client: aiohttp.ClientSession, step: str, method: str, path: str, **kwargs
    ) -> tuple[int, str, aiohttp.ClientResponse]:
        """One request, retried while the connection fails or the answer is 5xx."""
        deadline = time.monotonic() + STEP_DEADLINE
        delay = 0.2
        while True:
            self._sent()
            try:
                async with client.request(method, path, **kwargs) as r:
                    text = await r.text()
                    if r.status < 500:
                        return r.status, text, r
                    reason = f"{step}: HTTP {r.status}"
            except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                # refused while down, dropped mid-request, or an answer cut off by the kill
                reason = f"{step}: {type(exc).__name__}"
            self.retries[reason] += 1
            if time.monotonic() > deadline:
                raise StepFailed(f"{reason} for {STEP_DEADLINE:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _json(self, client, step: str, method: str, path: str, ok: int, token: str, **kwargs) -> Any:
        status, text, _ = await self._request(
            client, step, method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )
        if status != ok:
            raise StepFailed(f"{step}: HTTP {status} {text[:80]}")
        return _parse(text)

    async def iteration(self, client: aiohttp.ClientSession, i: int) -> None:
        token = self.world.tokens[i]
        placed = await self._place(client, i, token)
        order_id, line_id = placed["id"], placed["lines"][0]["id"]
        paying = await self._json(
            client, "pay", "POST", f"/api/v1/orders/{order_id}/pay", 200, token, json={}
        )
        await self._pay_at_sandbox(client, paying["pay_url"])
        if i % REFUND_EVERY == REFUND_EVERY - 1:
            await self._refund(client, token, order_id, line_id)

    async def _place(self, client, i: int, token: str) -> dict:
        body = {"items": [{"sku_id": self.sku_id, "quantity": 1}], "address": ADDRESS, "scene": 1}
        status, text, _ = await self._request(
            client,
            "order",
            "POST",
            "/api/v1/orders",
            json=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"{self.world.run_id}-crash-{i}",
            },
        )
        if status != 201:
            raise StepFailed(f"order: HTTP {status} {text[:80]}")
        return _parse(text)["orders"][0]

    async def _pay_at_sandbox(self, client, pay_url: str) -> None:
        """The buyer on the sandbox's pay page: open it, press 确认支付 (its form, with the CSRF
        token the page holds and the cookie it set). Done when the page says the payment was made
        (a retry after a lost answer finds it so)."""
        path = pay_url if pay_url.startswith("/") else "/" + pay_url.split("/", 3)[3]
        for _attempt in range(100):
            status, page, answer = await self._request(client, "pay page", "GET", path)
            if status != 200:
                raise StepFailed(f"pay page: HTTP {status}")
            if _PAID_MARK in page:
                return
            found = _CSRF.search(page)
            cookie = answer.cookies.get("csrftoken")
            if found is None or cookie is None:
                raise StepFailed("pay page: no form to pay with")
            status, page, _ = await self._request(
                client,
                "confirm payment",
                "POST",
                path,
                data={"csrfmiddlewaretoken": found.group(1)},
                headers={"Cookie": f"csrftoken={cookie.value}"},
            )
            if status == 200 and _PAID_MARK in page:
                return
            if status != 200:
                raise StepFailed(f"confirm payment: HTTP {status} {page[:80]}")
        raise StepFailed("confirm payment: the page never said paid")

    async def _refund(self, client, token: str, order_id: int, line_id: int) -> None:
        """Once the order is paid: a refund-only request for its unit, approved by the merchant."""
        deadline = time.monotonic() + STEP_DEADLINE
        while True:
            order = await self._json(client, "order status", "GET", f"/api/v1/orders/{order_id}", 200, token)
            if order["status"] != Status.UNPAID:
                break
            if time.monotonic() > deadline:
                raise StepFailed("paid at the sandbox, but the order stayed unpaid")
            await asyncio.sleep(0.5)
        if order["status"] != Status.TO_SHIP:
            raise StepFailed(f"the order is {order['status']}, not to ship")
        body = {"type": "refund", "line_id": line_id, "quantity": 1, "reason_code": "not_wanted"}
        status, text, _ = await self._request(
            client,
            "after-sale",
            "POST",
            f"/api/v1/orders/{order_id}/aftersales",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        if status == 201:
            aftersale = _parse(text)
        elif status == 409 and _parse(text).get("code") == "aftersale_open_exists":
            # asked before the server died, the answer lost with it: the buyer finds it in the list
            mine = await self._json(client, "after-sales", "GET", "/api/v1/aftersales?limit=100", 200, token)
            aftersale = next(a for a in mine["items"] if a["order_id"] == order_id)
        else:
            raise StepFailed(f"after-sale: HTTP {status} {text[:80]}")
        self.refunds_asked += 1
        merchant = self.world.merchant_token
        status, text, _ = await self._request(
            client,
            "approve",
            "POST",
            f"/api/v1/aftersales/{aftersale['id']}/approve",
            headers={"Authorization": f"Bearer {merchant}"},
        )
        if status == 409 and _parse(text).get("code") == "invalid_transition":
            # approved before the server died, the answer lost with it
            now = await self._json(
                client, "after-sale status", "GET", f"/api/v1/aftersales/{aftersale['id']}", 200, merchant
            )
            if now["state"] == State.MERCHANT_PROCESSING:
                raise StepFailed("approve: refused, yet the request waits for the merchant")
        elif status != 200:
            raise StepFailed(f"approve: HTTP {status} {text[:80]}")
        self.refunds_approved += 1

    async def run(self) -> None:
        counter = iter(range(self.iterations))

        async def buyer(client: aiohttp.ClientSession) -> None:
            for i in counter:
                if i >= self.gate_from:
                    await self.chaos_over.wait()
                self.started += 1
                try:
                    await self.iteration(client, i)
                except StepFailed as exc:
                    self.failures[str(exc)[:120]] += 1
                except Exception as exc:  # counted, never silently dropped
                    self.failures[f"{type(exc).__name__}: {exc}"[:120]] += 1
                else:
                    self.completed += 1

        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(
            self.base,
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # each pay page's CSRF cookie is sent by hand
            timeout=aiohttp.ClientTimeout(total=60),
        ) as client:
            await asyncio.gather(*(buyer(client) for _ in range(self.concurrency)))


def _parse(text: str) -> Any:
    return json.loads(text) if text else {}


# ------------------------------------------------------------------------------------- chaos


def plan_kills(rng: Random, *, kills: int, gate_from: int) -> list[int]:
    """When each kill of one process fires: as the n-th request of the load goes out, n drawn in
    the first 90% of the requests the iterations before the gate make at the least (4 each), in
    order."""
    low, high = max(1, int(4 * gate_from * 0.1)), max(1, int(4 * gate_from * 0.9))
    return sorted(rng.randint(low, high) for _ in range(kills))


async def chaos(
    load: Load, target: str, plan: list[int], process: Supervised, rng: Random, began: float, report
) -> list[dict]:
    """Kill one process (the server or the worker) at each point of its plan, and start it again;
    the server and the worker have a stream each, so a slow restart of one does not hold up the
    other's kills."""
    kills = []
    for threshold in plan:
        await load.after_requests(threshold)
        await asyncio.sleep(rng.uniform(0, 0.05))  # somewhere inside the requests in flight
        at = time.monotonic() - began
        in_flight, sent = load.in_flight, load.requests
        pid = process.kill()
        down = rng.uniform(*(SERVER_DOWN if target == "server" else WORKER_DOWN))
        await asyncio.sleep(down)
        startup = await asyncio.to_thread(process.start)
        kill = {
            "target": target,
            "at_s": round(at, 2),
            "pid": pid,
            "requests_sent": sent,
            "iterations_started": load.started,
            "iterations_in_flight": in_flight,
            "down_s": round(down, 2),
            "restart_s": round(startup, 2),
        }
        kills.append(kill)
        report({"kill": target, **{k: v for k, v in kill.items() if k != "target"}})
    return kills


# ---------------------------------------------------------------------------------- measuring


def measure(world: BenchWorld, sku_id: int, stock_initial: int) -> dict:
    """The invariants, from the database (see the module's docstring)."""
    close_old_connections()
    orders = Order.objects.filter(store_id=world.store_id)
    checkouts = orders.values("checkout_id")
    payments = Payment.objects.filter(purpose=Purpose.CHECKOUT, reference_id__in=checkouts)
    trades = SandboxTransaction.objects.filter(out_trade_no__in=payments.values("out_trade_no"))
    succeeded_nos = trades.filter(
        trade_state__in=(SandboxTradeState.SUCCESS, SandboxTradeState.REFUND)
    ).values("out_trade_no")
    succeeded_checkouts = payments.filter(out_trade_no__in=succeeded_nos).values("reference_id")
    with_success = orders.filter(checkout_id__in=succeeded_checkouts)
    paid = orders.filter(paid_at__isnull=False).exclude(status=Status.CANCELLED_UNPAID)

    lines = OrderLine.objects.filter(sku_id=sku_id, order__store_id=world.store_id)
    live = list(HOLDING_STOCK)
    units_on_live_lines = lines.filter(order__status__in=live).aggregate(n=Sum("quantity"))["n"] or 0
    sales = AfterSale.objects.filter(store_id=world.store_id)
    restocked_from_live = (
        sales.filter(order__status__in=live).aggregate(n=Sum("restocked_quantity"))["n"] or 0
    )
    units_in_live_orders = units_on_live_lines - restocked_from_live
    stock_now = SKU.objects.values_list("stock", flat=True).get(pk=sku_id)

    refunds = SandboxRefund.objects.filter(trade__in=trades)
    processed_twice = refunds.filter(submissions__gt=1).count()
    one_number_twice = sum(
        n - 1
        for n in refunds.values("out_refund_no").annotate(n=Count("id")).values_list("n", flat=True)
        if n > 1
    )
    beyond = (
        trades.filter(refunds__isnull=False)
        .annotate(
            refunded=Sum(
                "refunds__amount_refund",
                filter=~_failed_refund(),
            )
        )
        .filter(refunded__gt=F("amount_total"))
        .count()
    )
    approved = sales.filter(state__in=MONEY_MOVING)
    approved_numbers = {f"AS{pk}" for pk in approved.values_list("pk", flat=True)}
    at_sandbox = set(refunds.values_list("out_refund_no", flat=True))
    return {
        "orders_placed": orders.count(),
        "payments_succeeded_at_sandbox": trades.filter(
            trade_state__in=(SandboxTradeState.SUCCESS, SandboxTradeState.REFUND)
        ).count(),
        "paid_orders_among_them": with_success.filter(pk__in=paid.values("pk")).count(),
        "unpaid_with_sandbox_success": with_success.exclude(pk__in=paid.values("pk")).count(),
        "paid_without_sandbox_success": paid.exclude(checkout_id__in=succeeded_checkouts).count(),
        "stock_initial": stock_initial,
        "stock_now": stock_now,
        "units_in_live_orders": units_in_live_orders,
        "units_withdrawn": lines.aggregate(n=Sum("withdrawn_quantity"))["n"] or 0,
        "units_restocked": sales.aggregate(n=Sum("restocked_quantity"))["n"] or 0,
        "stock_conserved": stock_now >= 0 and stock_now + units_in_live_orders == stock_initial,
        "aftersales_requested": sales.count(),
        "aftersales_approved": approved.count(),
        "aftersales_refunded": sales.filter(state=State.MERCHANT_REFUND_SUCCESS).count(),
        "aftersales_stuck": sales.filter(state=State.PLATFORM_REFUNDING).count(),
        "approved_without_refund_at_sandbox": len(approved_numbers - at_sandbox),
        "refunds_submitted": refunds.count(),
        "refunds_submitted_twice": processed_twice + one_number_twice,
        "trades_refunded_beyond_amount": beyond,
        "refunds_not_of_an_aftersale": len(at_sandbox - approved_numbers),
    }


def _failed_refund() -> Q:
    return Q(refunds__status__in=(SandboxRefundStatus.ABNORMAL, SandboxRefundStatus.CLOSED))


def _settled(m: dict) -> bool:
    """What the sweeps and retries can still bring about: they must within the wait."""
    return (
        m["unpaid_with_sandbox_success"] == 0
        and m["stock_conserved"]
        and m["aftersales_stuck"] == 0
        and m["approved_without_refund_at_sandbox"] == 0
    )


def _holds(m: dict) -> bool:
    return (
        _settled(m)
        and m["paid_without_sandbox_success"] == 0
        and m["refunds_submitted_twice"] == 0
        and m["trades_refunded_beyond_amount"] == 0
        and m["refunds_not_of_an_aftersale"] == 0
    )


# ---------------------------------------------------------------------------------------- run


def run(
    *,
    orders: int,
    concurrency: int,
    server_kills: int,
    worker_kills: int,
    seed: int,
    stock: int | None = None,
    report=lambda row: None,
) -> dict:
    rng = Random(seed)
    stock_initial = stock if stock is not None else orders * 2
    world = prepare(buyers=orders)
    sku = new_sku(world, stock=stock_initial)
    gate_from = max(1, orders - concurrency)
    plan = {
        "server": plan_kills(rng, kills=server_kills, gate_from=gate_from),
        "worker": plan_kills(rng, kills=worker_kills, gate_from=gate_from),
    }
    report({"setup": f"store {world.store_id}, sku {sku.pk} with stock {stock_initial}", "plan": plan})

    logs = Path(tempfile.mkdtemp(prefix="xiaodian-crash-"))
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    processes = {
        "server": Supervised("server", harness.serve_args(port, workers=2), logs / "server.log", base=base),
        "worker": Supervised("worker", ["worker"], logs / "worker.log"),
    }
    load = Load(
        base=base,
        world=world,
        sku_id=sku.pk,
        iterations=orders,
        concurrency=concurrency,
        gate_from=gate_from,
    )
    kept_logs = False
    try:
        for process in processes.values():
            process.start()
        report({"started": "server (2 workers) and worker", "logs": str(logs)})

        async def main() -> tuple[list[dict], float]:
            began = time.monotonic()
            load.chaos_over = asyncio.Event()

            async def progress() -> None:
                step = max(1, orders // 10)
                shown = 0
                while True:
                    await asyncio.sleep(0.5)
                    if load.completed >= shown + step:
                        shown = load.completed - load.completed % step
                        report(
                            {"completed": load.completed, "of": orders, "retries": sum(load.retries.values())}
                        )

            async def all_chaos() -> list[dict]:
                streams = [
                    chaos(load, target, plan[target], processes[target], Random(rng.random()), began, report)
                    for target in ("server", "worker")
                ]
                try:
                    done = await asyncio.gather(*streams)
                finally:
                    load.chaos_over.set()
                return sorted((k for stream in done for k in stream), key=lambda k: k["at_s"])

            ticker = asyncio.create_task(progress())
            chaos_task = asyncio.create_task(all_chaos())
            try:
                await load.run()
                kills = await chaos_task
            finally:
                ticker.cancel()
            return kills, time.monotonic() - began

        kills, load_seconds = asyncio.run(main())

        restarted_after_load = []
        for name, process in processes.items():  # both must run for the wait
            if not process.alive():
                restarted_after_load.append(name)
                process.start()
        report({"load_done_s": round(load_seconds, 1), "completed": load.completed, "waiting_up_to_s": WAIT})

        waited_from = time.monotonic()
        converged_after = None
        while True:
            measured = measure(world, sku.pk, stock_initial)
            if _settled(measured):
                converged_after = round(time.monotonic() - waited_from, 1)
                break
            if time.monotonic() - waited_from > WAIT:
                break
            time.sleep(1.0)
        report({"converged_after_s": converged_after, **{k: measured[k] for k in _SHOWN}})
        alive_at_end = {name: process.alive() for name, process in processes.items()}
    finally:
        for process in processes.values():
            process.stop()

    completed_all = load.completed == orders and not load.failures
    kills_made = Counter(k["target"] for k in kills)
    ok = (
        _holds(measured)
        and converged_after is not None
        and completed_all
        and kills_made["server"] == server_kills
        and kills_made["worker"] == worker_kills
        and all(alive_at_end.values())
        and not restarted_after_load
    )
    result = {
        "scenario": "crash",
        "seed": seed,
        "iterations": orders,
        "concurrency": concurrency,
        "refund_every": REFUND_EVERY,
        "iterations_completed": load.completed,
        "iterations_failed": dict(load.failures),
        "refunds_asked": load.refunds_asked,
        "refunds_approved_by_merchant": load.refunds_approved,
        "retries": sum(load.retries.values()),
        "retries_by_step": dict(load.retries.most_common()),
        **measured,
        "kills": kills,
        "kills_with_iterations_in_flight": sum(1 for k in kills if k["iterations_in_flight"] > 0),
        "kills_planned": {"server": server_kills, "worker": worker_kills},
        "tasks_recovered_by_restarted_workers": _recovered(processes["worker"].log),
        "processes_restarted_after_load": restarted_after_load,
        "load_s": round(load_seconds, 1),
        "wait_limit_s": WAIT,
        "converged_after_s": converged_after,
        "ok": ok,
    }
    if ok:
        shutil.rmtree(logs, ignore_errors=True)
    else:
        kept_logs = True
        result["logs"] = str(logs)
    report({"ok": ok, **({"logs kept in": str(logs)} if kept_logs else {})})
    return result


_SHOWN = (
    "unpaid_with_sandbox_success",
    "stock_conserved",
    "aftersales_stuck",
    "refunds_submitted",
    "refunds_submitted_twice",
)


def _recovered(log: Path) -> int:
    """What the restarted workers said they picked up from their killed predecessors."""
    if not log.exists():
        return 0
    found = re.findall(r"picked up (\d+) task", log.read_text(errors="replace"))
    return sum(int(n) for n in found)
