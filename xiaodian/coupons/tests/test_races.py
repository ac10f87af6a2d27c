"""Claims race on PostgreSQL: the total and the per-buyer limit hold under concurrency, and a
coupon is used by one order only."""

import threading

import pytest
from django.db import connection

from xiaodian.core.errors import DomainError
from xiaodian.coupons import services
from xiaodian.coupons.models import BuyerCoupon, Coupon
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.tests.conftest import ADDRESS


def race(n: int, work) -> list[str]:
    """Run work(i) in n threads released together; answers each one's outcome ("ok" or a code)."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_32_buyers_claiming_the_last_20_get_exactly_20(make_coupon, make_user):
    _postgres_only()
    coupon = make_coupon(total_quantity=20)
    buyers = [make_user() for _ in range(32)]
    outcomes = race(32, lambda i: services.claim_coupon(buyer=buyers[i], coupon_id=coupon.pk))
    assert outcomes.count("ok") == 20 and outcomes.count("coupon_sold_out") == 12
    assert Coupon.objects.get(pk=coupon.pk).claimed_count == 20
    assert BuyerCoupon.objects.filter(coupon=coupon).count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_buyer_claiming_16_times_at_once_gets_the_limit(make_coupon, buyer):
    _postgres_only()
    coupon = make_coupon(per_buyer_limit=3)
    outcomes = race(16, lambda i: services.claim_coupon(buyer=buyer, coupon_id=coupon.pk))
    assert outcomes.count("ok") == 3 and outcomes.count("coupon_limit_reached") == 13
    assert BuyerCoupon.objects.filter(coupon=coupon, buyer=buyer).count() == 3
    assert Coupon.objects.get(pk=coupon.pk).claimed_count == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_coupon_in_8_checkouts_at_once_is_used_once(make_coupon, make_sku, store, buyer):
    _postgres_only()
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    sku = make_sku(store, price_fen=20_000, stock=100)

    def checkout(i: int) -> None:
        orders.place_order(
            buyer=buyer,
            items=[orders.LineRequest(sku.pk, 1)],
            address=ADDRESS,
            idempotency_key=f"race{i}",
            coupon_ids=[held.pk],
        )

    outcomes = race(8, checkout)
    assert outcomes.count("ok") == 1 and outcomes.count("coupon_not_usable") == 7
    assert Order.objects.filter(discount_fen__gt=0).count() == Order.objects.count() == 1
