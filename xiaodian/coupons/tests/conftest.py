import itertools
from datetime import timedelta

import pytest

from xiaodian.aftersales.tests.conftest import merchant_view  # noqa: F401
from xiaodian.core import clock
from xiaodian.coupons import services
from xiaodian.live.tests.conftest import (  # noqa: F401
    bound,
    buy,
    channel,
    creator,
    item,
    live_room,
    room,
    sku,
)
from xiaodian.orders.tests.conftest import buyer, make_sku, other_store, place  # noqa: F401

_names = itertools.count(1)


@pytest.fixture
def make_coupon(store):
    """An issued store coupon, ¥20 off ¥199 by default, claimable now for a day, usable 7 days
    from the claim: make_coupon(amount_fen=500, ...) to change any field."""

    def make(*, at=None, issue=True, **fields):
        now = clock.now()
        values = {
            "name": f"满减券{next(_names)}",
            "kind": "store",
            "discount_type": "threshold_off",
            "amount_fen": 2_000,
            "threshold_fen": 19_900,
            "claim_starts_at": now - timedelta(minutes=1),
            "claim_ends_at": now + timedelta(days=1),
            "valid_days": 7,
            "total_quantity": 100,
            "per_buyer_limit": 1,
        } | fields
        return services.create_coupon(store=at or store, issue=issue, **values)

    return make


@pytest.fixture(autouse=True)
def _frozen_clock():
    """The clock stands still unless a test moves it."""
    with clock.travel_to(clock.now()):
        yield
