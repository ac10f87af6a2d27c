"""`xiaodian bench checkout`: the health floor, then single-line checkout + payment at each
concurrency, in one run against one server.

One iteration is what a buyer's phone does: `POST /api/v1/orders` (one line), `POST
/api/v1/orders/{id}/pay` (the WeChat Pay prepay, through the SDK to the sandbox), and the
signed payment notification `POST /api/v1/payments/wechatpay/notify` (built by the sandbox,
as WeChat Pay would send it). Orders/s counts completed iterations.

Before the server starts, the database's bare ceiling for a hot-row buy (`db_ceiling`: one
conditional UPDATE and one INSERT per transaction from 64 connections, no Django) runs for the same
duration; each level's `ratio_to_db_ceiling` is its orders/s over that."""

import json

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.payments.models import Payment
from xiaodian.wechatpay_sandbox.testing import notification_for

from . import db_ceiling, harness
from .fixtures import ADDRESS, new_sku, prepare

FLOOR_CONCURRENCY = 64
CEILING_CONNECTIONS = 64


def _notification(out_trade_no: str) -> tuple[dict, bytes]:
    close_old_connections()
    return notification_for(Payment.objects.get(out_trade_no=out_trade_no))


async def _call(client, method: str, path: str, expected, **kwargs):
    async with getattr(client, method)(path, **kwargs) as r:
        text = await r.text()
        if r.status not in (expected if isinstance(expected, tuple) else (expected,)):
            raise RuntimeError(f"{path.split('/')[-1]} {r.status} {text[:60]}")
        return json.loads(text) if text else None


def run(*, levels: list[int], duration: float, report) -> dict:
    world = prepare(buyers=max(levels))
    sku = new_sku(world, stock=10_000_000)
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "scene": 1}
    notification = sync_to_async(_notification, thread_sensitive=False)

    async def health(client, i):
        async with client.get("/api/v1/health") as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"health {r.status}")

    def buy(level: int):
        async def one(client, i):
            auth = {"Authorization": f"Bearer {world.tokens[i % len(world.tokens)]}"}
            key = {"Idempotency-Key": f"{world.run_id}-{level}-{i}"}
            placed = await _call(client, "post", "/api/v1/orders", 201, json=body, headers={**auth, **key})
            order_id = placed["orders"][0]["id"]
            paying = await _call(client, "post", f"/api/v1/orders/{order_id}/pay", 200, json={}, headers=auth)
            headers, payload = await notification(paying["out_trade_no"])
            await _call(
                client, "post", "/api/v1/payments/wechatpay/notify", (200, 204), data=payload, headers=headers
            )

        return one

    ceiling = db_ceiling.run(connections=CEILING_CONNECTIONS, duration=duration)
    report({"db_ceiling": ceiling["per_second"], "p50_ms": ceiling["p50_ms"], "p99_ms": ceiling["p99_ms"]})
    rows = []
    with harness.server(workers=2) as base:
        harness.run(base, 8, 1.0, health)  # warm up both workers
        floor = harness.run(base, FLOOR_CONCURRENCY, duration, health).summary()
        report({"floor": floor["per_second"], "p50_ms": floor["p50_ms"], "p99_ms": floor["p99_ms"]})
        for level in levels:
            row = harness.run(base, level, duration, buy(level)).summary()
            row["ratio_to_floor"] = (
                round(row["per_second"] / floor["per_second"], 3) if floor["per_second"] else 0
            )
            row["ratio_to_db_ceiling"] = (
                round(row["per_second"] / ceiling["per_second"], 4) if ceiling["per_second"] else 0
            )
            rows.append(row)
            report(row)
    paid = Order.objects.filter(store_id=world.store_id, status=Status.TO_SHIP).count()
    completed = sum(r["completed"] for r in rows)
    return {
        "scenario": "checkout",
        "duration_per_level_s": duration,
        "floor": floor,
        "db_ceiling": ceiling,
        "levels": [{k: v for k, v in r.items()} for r in rows],
        "orders_paid": paid,
        "iterations_completed": completed,
        "all_completed_orders_paid": paid >= completed,
    }
