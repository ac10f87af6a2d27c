"""The reports' tests' world (test_reports*.py, test_report_pages.py, test_browser_reports.py):
promoted sales over three days by a creator on its own, the creator through its agency, and a
sharer, with a refund and a settlement; the clock then at "today"."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from xiaodian.alliance import services
from xiaodian.alliance.rules import PlanKind
from xiaodian.core import clock
from xiaodian.core.clock import SHANGHAI
from xiaodian.ledger import services as money
from xiaodian.orders import services as orders
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import Scene
from xiaodian.orders.tests.conftest import ADDRESS, succeed

START = datetime(2026, 3, 8, 10, 0, tzinfo=SHANGHAI)  # two days before "today" (March 10)


def buy(buyer, sku, quantity, token, key):
    placed = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku_id=sku.pk, quantity=quantity)],
        address=ADDRESS,
        scene=Scene.PRODUCT_SHARE,
        source_type="alliance",
        source_id=token,
        idempotency_key=key,
    )
    succeed(placed.checkout)
    order = placed.orders[0]
    money.post_paid_orders(order_ids=[order.pk])
    return order, OrderLine.objects.get(order=order)


@dataclass
class Sales:
    store: object
    other_store: object
    p1: object
    p2: object
    creator: object
    agency: object
    sharer: object


@pytest.fixture
def sales(enabled, make_sku, make_plan, make_promoter, buyer, other_store, merchant):
    """March 8: the creator sells 2 × ¥100 of p1 (open plan, 10%) on its own. March 9: the creator
    sells 1 × ¥100 of p2 through its agency (exclusive plan listing the agency: 10% + 5% service).
    March 10 ("today"): a quarter of the first line is refunded (commission 2000 → 1500, 500 back),
    the second line's after-sale period ends (1000 and 500 settle), and a sharer sells 1 × ¥100
    of p1."""
    p1 = make_sku(enabled, price_fen=10_000, stock=50, title="山茶花精华").product
    p2 = make_sku(enabled, price_fen=10_000, stock=50, title="玫瑰面霜").product
    creator, agency, sharer = make_promoter(), make_promoter(kind="agency"), make_promoter(kind="sharer")
    services.join_agency(promoter=creator, agency_id=agency.pk)
    with clock.travel_to(START):
        (open_plan,) = make_plan(enabled, p1)
        (listed,) = make_plan(
            enabled, p2, kind=PlanKind.EXCLUSIVE, service_ratio_ppm=50_000, promoter_ids=[agency.pk]
        )
        own = services.make_link(promoter=creator, plan_id=open_plan.pk)
        through = services.make_link(promoter=creator, plan_id=listed.pk)
        assert through.agency_id == agency.pk
        shared = services.make_link(promoter=sharer, plan_id=open_plan.pk)
        _o1, line1 = buy(buyer, p1.skus.get(), 2, own.token, "a")
        clock.advance(timedelta(days=1))
        o2, line2 = buy(buyer, p2.skus.get(), 1, through.token, "b")
        clock.advance(timedelta(days=1))
        money.post_line_refund(line_id=line1.pk, amount_fen=5_000, quantity=0, out_refund_no="AS1")
        money.settle_line(order_id=o2.pk, line_id=line2.pk)
        buy(buyer, p1.skus.get(), 1, shared.token, "c")
    return Sales(enabled, other_store, p1, p2, creator, agency, sharer)


@pytest.fixture
def today():
    with clock.travel_to(START + timedelta(days=2, hours=2)):
        yield
