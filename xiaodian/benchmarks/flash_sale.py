"""`xiaodian bench flash-sale`: one SKU with stock S before C buyers at once, for each C."""

import asyncio

from xiaodian.catalog.models import SKU
from xiaodian.orders.models import OrderLine

from . import harness
from .fixtures import ADDRESS, new_sku, prepare


def run(*, stock: int, levels: list[int], report) -> dict:
    world = prepare(buyers=max(levels))
    rows = []
    with harness.server(workers=2) as base:
        for concurrency in levels:
            sku = new_sku(world, stock=stock)
            body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "scene": 1}

            def buyer(i: int, body=body, key=f"{world.run_id}-{sku.pk}"):
                async def call(client) -> int:
                    async with client.post(
                        "/api/v1/orders",
                        json=body,
                        headers={
                            "Authorization": f"Bearer {world.tokens[i]}",
                            "Idempotency-Key": f"{key}-{i}",
                        },
                    ) as r:
                        await r.read()
                        return r.status

                return call

            statuses, seconds = asyncio.run(harness.burst(base, [buyer(i) for i in range(concurrency)]))
            sold = sum(OrderLine.objects.filter(sku=sku).values_list("quantity", flat=True))
            left = SKU.objects.get(pk=sku.pk).stock
            successes = statuses.count(201)
            row = {
                "concurrency": concurrency,
                "stock": stock,
                "successful_orders": successes,
                "refused_out_of_stock": statuses.count(409),
                "other_statuses": sorted(set(statuses) - {201, 409}),
                "oversold_units": max(0, sold - stock),
                "stock_left": left,
                "units_sold": sold,
                "stock_conserved": left + sold == stock and left >= 0 and successes == sold,
                "seconds": round(seconds, 3),
                "orders_per_second": round(successes / seconds, 1) if seconds else 0,
                "answers_per_second": round(concurrency / seconds, 1) if seconds else 0,
            }
            rows.append(row)
            report(row)
    return {"scenario": "flash-sale", "levels": rows}
