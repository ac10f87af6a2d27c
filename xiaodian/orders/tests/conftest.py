import itertools

import pytest
from django.db import transaction

from xiaodian.catalog.models import SKU, Product
from xiaodian.orders import services
from xiaodian.payments.models import Payment, Purpose

_keys = itertools.count(1)
ADDRESS = {
    "recipient": "王小明",
    "phone": "13800138000",
    "region": "上海市浦东新区",
    "detail": "世纪大道 100 号",
}
DEMO_PASSWORD = "demo12345"  # every demo account's (CONTRACT.md), for the browser tests


@pytest.fixture
def buyer(make_user):
    return make_user("buyer")


@pytest.fixture
def make_sku(categories):
    def make(store, *, price_fen=1_000, stock=10, title="纯棉T恤", specs=None, category="图书"):
        product = Product.objects.create(
            store=store, category=categories[category], title=title, state="listed"
        )
        return SKU.objects.create(
            product=product, specs=specs or {"颜色": "白"}, price_fen=price_fen, stock=stock
        )

    return make


@pytest.fixture
def other_store(make_user, make_subject, make_store):
    owner = make_user("other_merchant")
    return make_store(owner, make_subject(owner), name="别家小店")


@pytest.fixture
def place(buyer):
    """Place an order for the buyer: place(sku, 2) or place((sku, 2), (sku2, 1), key=...)."""

    def do(*lines, key=None, who=None, scene=1, **extra):
        if len(lines) == 2 and isinstance(lines[1], int):
            lines = (lines,)
        items = [services.LineRequest(sku_id=sku.pk, quantity=q) for sku, q in lines]
        key = key or f"k{next(_keys)}"
        return services.place_order(
            buyer=who or buyer,
            items=items,
            address=ADDRESS,
            scene=scene,
            idempotency_key=key,
            **extra,
        ).checkout

    return do


def succeed(checkout) -> Payment:
    """What the payment notification does for a checkout, without the gateway."""
    payment = Payment.objects.create(
        out_trade_no=f"T{checkout.pk:08d}",
        purpose=Purpose.CHECKOUT,
        reference_id=checkout.pk,
        amount_fen=checkout.total_fen,
        description="test",
        status="succeeded",
    )
    with transaction.atomic():  # as inside the notification's transaction
        services.apply_payment(payment)
    return payment
