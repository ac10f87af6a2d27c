"""Money with coupons is exact: for any order with a coupon (and a campaign) and any sequence of
partial refunds, the lines' paid amounts add up to what the order paid, no refund exceeds a line's
paid amount, and the ledger balances."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.aftersales import services as aftersales
from xiaodian.aftersales.models import AfterSale
from xiaodian.aftersales.rules import Kind
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.coupons import services
from xiaodian.ledger import selectors as ledger
from xiaodian.ledger.models import LineMoney, OrderMoney
from xiaodian.orders import amounts
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.tests.conftest import ADDRESS, succeed

REFUSALS = {
    "aftersale_quantity_exceeded",
    "aftersale_attempts_exhausted",
    "validation_error",
    "aftersale_not_allowed",
}


@pytest.mark.django_db
@given(
    lines=st.lists(st.tuples(st.integers(1, 30_000), st.integers(1, 3)), min_size=1, max_size=3),
    coupon=st.one_of(
        st.tuples(st.just("amount_off"), st.integers(1, 100_000)),
        st.tuples(st.just("percent_off"), st.integers(1, 99)),
    ),
    campaign=st.booleans(),
    plan=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3), st.booleans()), max_size=8),
)
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_paid_amounts_refunds_and_the_ledger_add_up_with_coupons(
    buyer,
    make_sku,
    store,
    merchant_view,
    make_coupon,
    django_capture_on_commit_callbacks,
    lines,
    coupon,
    campaign,
    plan,
):
    skus = [make_sku(store, price_fen=price, stock=10) for price, _q in lines]
    kind, value = coupon
    fields = {"amount_fen": value} if kind == "amount_off" else {"percent_off": value}
    held = services.claim_coupon(
        buyer=buyer, coupon_id=make_coupon(discount_type=kind, threshold_fen=0, **fields).pk
    )
    first_total = lines[0][0] * lines[0][1]
    if campaign and first_total >= 2:
        services.create_campaign(
            store=store,
            name="满减",
            product_ids=[skus[0].product_id],
            tiers=[[first_total, max(1, first_total // 3)]],
            starts_at=clock.now() - timedelta(minutes=1),
            ends_at=clock.now() + timedelta(days=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        checkout = orders.place_order(
            buyer=buyer,
            items=[orders.LineRequest(sku.pk, q) for sku, (_p, q) in zip(skus, lines, strict=True)],
            address=ADDRESS,
            idempotency_key=f"money{held.pk}",
            coupon_ids=[held.pk],
        ).checkout
        succeed(checkout)
    order = Order.objects.get(checkout=checkout)
    placed = list(order.lines.order_by("pk"))
    paid = amounts.line_paid_shares(order, placed)

    # the lines' paid amounts are the order's, and the ledger was posted with them
    assert order.total_fen >= 1 and 0 <= order.discount_fen <= amounts.max_discount(order.goods_fen)
    assert sum(paid) == order.total_fen == order.goods_fen - order.discount_fen
    assert all(0 <= share <= line.total_fen for share, line in zip(paid, placed, strict=True))
    assert sum(line.discount_fen for line in placed) == order.discount_fen
    assert OrderMoney.objects.get(order_id=order.pk).paid_fen == order.total_fen
    posted = LineMoney.objects.filter(order__order_id=order.pk).order_by("line_id")
    assert [m.paid_fen for m in posted] == paid

    for index, quantity, approve in plan:
        line = placed[index % len(placed)]
        try:
            request = aftersales.request_aftersale(
                buyer=buyer,
                order_id=order.pk,
                line_id=line.pk,
                kind=Kind.REFUND,
                quantity=quantity,
                reason_code="other",
            )
        except DomainError as exc:
            assert exc.code in REFUSALS  # noqa: PT017 (one refusal among the steps of a property)
            continue
        if approve:
            aftersales.approve_aftersale(store=merchant_view, aftersale_id=request.pk)
            with django_capture_on_commit_callbacks(execute=True):
                aftersales.refund_succeeded(f"AS{request.pk}")
        else:
            aftersales.cancel_aftersale(buyer=buyer, aftersale_id=request.pk)

    done = AfterSale.objects.filter(order=order, state="MERCHANT_REFUND_SUCCESS")
    for line, share in zip(placed, paid, strict=True):
        refunded = done.filter(line=line).aggregate(t=Sum("amount_fen"))["t"] or 0
        assert refunded <= share
        assert LineMoney.objects.get(line_id=line.pk).refunded_fen == refunded
    assert (done.aggregate(t=Sum("amount_fen"))["t"] or 0) <= order.total_fen
    assert ledger.unbalanced_journals() == []
    assert ledger.drifted_balances() == []
    assert ledger.total_of_all_accounts() == 0
    assert ledger.negative_available() == []
