"""Orders and refunds written straight into the tables, at chosen times: the data center only reads
them, so the fixtures skip checkout and payment and each number can be computed by hand."""

import itertools
from datetime import datetime, timedelta

import pytest

from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.rules import Kind, State
from xiaodian.analytics import rules
from xiaodian.catalog.models import SKU, Product
from xiaodian.orders.models import Checkout, Order, OrderLine
from xiaodian.orders.rules import Status
from xiaodian.orders.tests.conftest import buyer, make_sku  # noqa: F401
from xiaodian.shares.tests.conftest import members, share_card, sharer  # noqa: F401

_serial = itertools.count(1)


def sh(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment in Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=rules.TZ)


@pytest.fixture
def customer(make_user):
    return make_user("analytics_customer")


@pytest.fixture
def make_order(customer, store):
    """make_order(created_at, paid_at=None, total_fen=1000, scene=1, store=...) -> Order."""
    skus = {}

    def make(created_at, paid_at=None, *, total_fen=1_000, scene=1, at=None):
        shop = at or store
        if shop.pk not in skus:
            product = Product.objects.create(
                store=shop, category=shop.main_category, title="数据测试", state="listed"
            )
            skus[shop.pk] = SKU.objects.create(product=product, price_fen=total_fen, stock=0)
        n = next(_serial)
        checkout = Checkout.objects.create(
            buyer=customer,
            idempotency_key=f"analytics{n}",
            request_hash="x",
            total_fen=total_fen,
            created_at=created_at,
        )
        order = Order.objects.create(
            number=f"A{n:012d}",
            checkout=checkout,
            buyer=customer,
            store=shop,
            status=Status.TO_SHIP if paid_at else Status.UNPAID,
            scene=scene,
            address={},
            goods_fen=total_fen,
            total_fen=total_fen,
            created_at=created_at,
            pay_deadline=created_at + timedelta(minutes=15),
            paid_at=paid_at,
        )
        sku = skus[shop.pk]
        OrderLine.objects.create(
            order=order, sku=sku, product=sku.product, title="数据测试", unit_price_fen=total_fen, quantity=1
        )
        return order

    return make


@pytest.fixture
def make_refund(customer):
    """make_refund(order, amount_fen, refunded_at, kind="refund", state=MERCHANT_REFUND_SUCCESS)."""

    def make(order, amount_fen, refunded_at, *, kind=Kind.REFUND, state=State.MERCHANT_REFUND_SUCCESS):
        return AfterSale.objects.create(
            order=order,
            line=order.lines.get(),
            buyer=customer,
            store=order.store,
            kind=kind,
            reason_code="quality",
            quantity=1,
            amount_fen=amount_fen,
            state=state,
            created_at=refunded_at - timedelta(hours=1),
            merchant_deadline=refunded_at + timedelta(hours=47),
            refunded_at=refunded_at if state in rules.REFUNDED_STATES else None,
        )

    return make
