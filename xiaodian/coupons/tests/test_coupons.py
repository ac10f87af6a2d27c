"""Coupons through their services: issuing, claiming within the total and the per-buyer limit,
using one at checkout (the discount split over the lines), refusals with their reasons, and the
coupon coming back when its order is cancelled or fully refunded."""

from datetime import timedelta

import pytest
from django.db import transaction

from xiaodian.aftersales import services as aftersales
from xiaodian.aftersales.rules import Kind as AfterSaleKind
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.coupons import receivers, services
from xiaodian.coupons.models import BuyerCoupon, Coupon
from xiaodian.orders import amounts
from xiaodian.orders import services as orders
from xiaodian.orders.models import Order
from xiaodian.orders.rules import Status
from xiaodian.orders.tests.conftest import succeed
from xiaodian.stores import services as stores


def order_of(checkout) -> Order:
    return Order.objects.prefetch_related("lines").get(checkout=checkout)


# ------------------------------------------------------------------------------ issuing


def test_a_store_creates_a_draft_and_issues_it(make_coupon, store):
    coupon = make_coupon(issue=False)
    assert coupon.state == "draft"
    issued = services.update_coupon(store=store, coupon_id=coupon.pk, changes={"state": "active"})
    assert issued.state == "active" and issued.issued_at is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount_fen": 19_900}, "amount_fen"),  # 满减: the amount off is below the threshold
        ({"discount_type": "percent_off", "percent_off": 100}, "percent_off"),
        ({"kind": "product"}, "product_ids"),  # a product coupon names products
        ({"kind": "live"}, "live_room_id"),  # a live coupon names a room bound to the store
        ({"valid_days": None}, "use_ends_at"),  # a use window, or days from the claim
        ({"total_quantity": 0}, "total_quantity"),
    ],
)
def test_a_coupon_that_does_not_add_up_is_refused(make_coupon, fields, field):
    with pytest.raises(DomainError) as refused:
        make_coupon(**fields)
    assert (refused.value.code, refused.value.field) == ("validation_error", field)


def test_a_product_coupon_names_only_the_stores_products(make_coupon, make_sku, other_store):
    foreign = make_sku(other_store)
    with pytest.raises(DomainError) as refused:
        make_coupon(kind="product", product_ids=[foreign.product_id])
    assert refused.value.field == "product_ids"


def test_an_issued_coupon_changes_only_its_name_and_total(make_coupon, store, buyer):
    coupon = make_coupon(total_quantity=5)
    services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    with pytest.raises(DomainError) as refused:
        services.update_coupon(store=store, coupon_id=coupon.pk, changes={"amount_fen": 100})
    assert refused.value.code == "invalid_transition"
    with pytest.raises(DomainError):  # never below what was claimed
        services.update_coupon(store=store, coupon_id=coupon.pk, changes={"total_quantity": 0})
    changed = services.update_coupon(
        store=store, coupon_id=coupon.pk, changes={"total_quantity": 50, "name": "新名"}
    )
    assert (changed.total_quantity, changed.name) == (50, "新名")


def test_another_stores_coupon_is_not_found(make_coupon, other_store):
    coupon = make_coupon()
    with pytest.raises(DomainError) as refused:
        services.stop_coupon(store=other_store, coupon_id=coupon.pk)
    assert refused.value.code == "not_found"


# ------------------------------------------------------------------------------ claiming


def test_a_buyer_claims_up_to_the_per_buyer_limit(make_coupon, buyer):
    coupon = make_coupon(per_buyer_limit=2)
    first = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    second = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    assert (first.seq, second.seq) == (1, 2)
    assert second.valid_until == second.claimed_at + timedelta(days=7)
    with pytest.raises(DomainError) as refused:
        services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    assert refused.value.code == "coupon_limit_reached"
    assert Coupon.objects.get(pk=coupon.pk).claimed_count == 2


def test_the_total_is_never_exceeded(make_coupon, make_user):
    coupon = make_coupon(total_quantity=2)
    for _ in range(2):
        services.claim_coupon(buyer=make_user(), coupon_id=coupon.pk)
    with pytest.raises(DomainError) as refused:
        services.claim_coupon(buyer=make_user(), coupon_id=coupon.pk)
    assert refused.value.code == "coupon_sold_out"
    assert BuyerCoupon.objects.filter(coupon=coupon).count() == 2


def test_drafts_stopped_coupons_and_closed_windows_are_not_claimable(make_coupon, store, buyer):
    with pytest.raises(DomainError) as refused:
        services.claim_coupon(buyer=buyer, coupon_id=make_coupon(issue=False).pk)
    assert refused.value.code == "not_found"
    stopped = make_coupon()
    services.stop_coupon(store=store, coupon_id=stopped.pk)
    later = make_coupon(claim_starts_at=clock.now() + timedelta(hours=1))
    over = make_coupon()
    for coupon in (stopped, later):
        with pytest.raises(DomainError) as refused:
            services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
        assert refused.value.code == "coupon_not_claimable"
    with clock.travel_to(clock.now() + timedelta(days=2)), pytest.raises(DomainError) as refused:
        services.claim_coupon(buyer=buyer, coupon_id=over.pk)
    assert refused.value.code == "coupon_not_claimable"


def test_a_live_coupon_is_claimed_only_in_its_live_room(make_coupon, live_room, bound, buyer):
    coupon = make_coupon(kind="live", live_room_id=live_room.pk)
    with pytest.raises(DomainError) as refused:
        services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    assert refused.value.code == "coupon_not_claimable"
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk, room_id=live_room.pk)
    assert held.coupon_id == coupon.pk


# ------------------------------------------------------------------------------ checkout


def test_a_coupon_takes_its_amount_off_split_over_the_lines(make_coupon, make_sku, store, buyer, place):
    coupon = make_coupon()  # ¥20 off ¥199
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    a, b = make_sku(store, price_fen=10_000), make_sku(store, price_fen=3_333)
    order = order_of(place((a, 1), (b, 3), coupon_ids=[held.pk]))  # ¥100 + ¥99.99
    lines = list(order.lines.order_by("pk"))
    assert (order.goods_fen, order.discount_fen, order.total_fen) == (19_999, 2_000, 17_999)
    # floor shares (1000, 999), the remainder (1 fen) to the largest line
    assert [line.discount_fen for line in lines] == [1_001, 999]
    assert amounts.line_paid_shares(order, lines) == [8_999, 9_000]
    assert order.discounts == [
        {"reason": "coupon", "reference": f"coupon:{held.pk}", "label": coupon.name, "amount_fen": 2_000}
    ]
    held.refresh_from_db()
    assert (held.state, held.order_id, held.discount_fen) == ("used", order.pk, 2_000)


def test_a_coupon_with_nothing_left_to_take_stays_unused(make_coupon, make_sku, store, buyer, place):
    """A campaign took the order to its 1-fen floor: the chosen coupon takes nothing, so it is not
    spent on the order and stays the buyer's."""
    sku = make_sku(store, price_fen=100)
    services.create_campaign(
        store=store,
        name="一分钱",
        product_ids=[sku.product_id],
        tiers=[[100, 99]],
        starts_at=clock.now() - timedelta(minutes=1),
        ends_at=clock.now() + timedelta(days=1),
    )
    held = services.claim_coupon(
        buyer=buyer, coupon_id=make_coupon(discount_type="amount_off", amount_fen=100).pk
    )
    order = order_of(place(sku, 1, coupon_ids=[held.pk]))
    assert (order.total_fen, order.discount_fen) == (1, 99)
    assert [d["reason"] for d in order.discounts] == ["campaign"]
    held.refresh_from_db()
    assert (held.state, held.order_id) == ("unused", None)


def test_a_closed_stores_coupon_cannot_be_claimed(make_coupon, store, buyer):
    coupon = make_coupon()
    stores.close_store(store=store)
    with pytest.raises(DomainError) as refused:
        services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    assert refused.value.code == "coupon_not_claimable"
    assert not BuyerCoupon.objects.exists()


def test_a_percentage_coupon_is_capped(make_coupon, make_sku, store, buyer, place):
    coupon = make_coupon(discount_type="percent_off", percent_off=15, cap_fen=1_000, threshold_fen=0)
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    order = order_of(place(make_sku(store, price_fen=5_000), 1, coupon_ids=[held.pk]))
    assert order.discount_fen == 750  # 15% of ¥50
    second = make_coupon(discount_type="percent_off", percent_off=15, cap_fen=1_000, threshold_fen=0)
    held = services.claim_coupon(buyer=buyer, coupon_id=second.pk)
    order = order_of(place(make_sku(store, price_fen=50_000), 1, coupon_ids=[held.pk]))
    assert order.discount_fen == 1_000  # 15% would be ¥75: the cap holds


def test_a_product_coupon_counts_only_its_products(make_coupon, make_sku, store, buyer, place):
    shirt, socks = make_sku(store, price_fen=10_000), make_sku(store, price_fen=15_000)
    coupon = make_coupon(
        kind="product", product_ids=[shirt.product_id], threshold_fen=15_000, amount_fen=1_000
    )
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    with pytest.raises(DomainError) as refused:  # ¥100 of the shirt: below ¥150, whatever the socks
        place((shirt, 1), (socks, 1), coupon_ids=[held.pk])
    assert refused.value.code == "coupon_not_usable" and refused.value.extra["reason"] == "threshold"
    assert "¥50.00" in refused.value.message
    order = order_of(place((shirt, 2), (socks, 1), coupon_ids=[held.pk]))
    assert order.discount_fen == 1_000


@pytest.mark.parametrize(
    "reason",
    ["used", "expired", "not_yet_valid", "other_store", "threshold", "one_per_order", "outside_room"],
)
def test_an_unusable_coupon_is_refused_with_its_reason(
    reason, make_coupon, make_sku, store, other_store, buyer, place, live_room, bound
):
    sku = make_sku(store, price_fen=20_000, stock=50)
    now = clock.now()
    coupon_ids = []
    if reason == "used":
        held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
        place(sku, 1, coupon_ids=[held.pk])
        coupon_ids = [held.pk]
    elif reason == "expired":
        held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon(valid_days=1).pk)
        coupon_ids = [held.pk]
        now += timedelta(days=1)
    elif reason == "not_yet_valid":
        coupon = make_coupon(
            valid_days=None, use_starts_at=now + timedelta(days=1), use_ends_at=now + timedelta(days=2)
        )
        coupon_ids = [services.claim_coupon(buyer=buyer, coupon_id=coupon.pk).pk]
    elif reason == "other_store":
        coupon_ids = [services.claim_coupon(buyer=buyer, coupon_id=make_coupon(at=other_store).pk).pk]
    elif reason == "threshold":
        coupon_ids = [services.claim_coupon(buyer=buyer, coupon_id=make_coupon(threshold_fen=20_001).pk).pk]
    elif reason == "one_per_order":
        coupon_ids = [services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk).pk for _ in range(2)]
    else:
        coupon = make_coupon(kind="live", live_room_id=live_room.pk)
        coupon_ids = [services.claim_coupon(buyer=buyer, coupon_id=coupon.pk, room_id=live_room.pk).pk]
    with clock.travel_to(now), pytest.raises(DomainError) as refused:
        place(sku, 1, coupon_ids=coupon_ids)
    assert refused.value.code == "coupon_not_usable"
    assert refused.value.extra["reason"] == reason
    assert refused.value.message  # names the reason to the buyer


def test_someone_elses_coupon_is_not_found(make_coupon, make_sku, store, buyer, make_user, place):
    theirs = services.claim_coupon(buyer=make_user(), coupon_id=make_coupon().pk)
    with pytest.raises(DomainError) as refused:
        place(make_sku(store, price_fen=20_000), 1, coupon_ids=[theirs.pk])
    assert (refused.value.code, refused.value.field) == ("not_found", "coupon_ids")


def test_a_refused_checkout_leaves_the_coupon_unused(make_coupon, make_sku, store, buyer, place):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    sku = make_sku(store, price_fen=20_000, stock=1)
    with pytest.raises(DomainError) as refused:
        place(sku, 2, coupon_ids=[held.pk])
    assert refused.value.code == "out_of_stock"
    held.refresh_from_db()
    assert held.state == "unused" and held.order_id is None


def test_a_coupon_with_its_key_replays_and_its_fingerprint_counts(make_coupon, make_sku, store, buyer, place):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    sku = make_sku(store, price_fen=20_000)
    first = place(sku, 1, coupon_ids=[held.pk], key="same")
    assert place(sku, 1, coupon_ids=[held.pk], key="same").pk == first.pk
    with pytest.raises(DomainError) as refused:
        place(sku, 1, key="same")
    assert refused.value.code == "idempotency_conflict"


def test_the_fingerprint_without_coupons_is_what_it_was():
    args = {
        "items": {1: 2},
        "address": None,
        "address_id": 3,
        "scene": 1,
        "source_type": "",
        "source_id": None,
        "options": {},
        "recipient_id": None,
    }
    assert orders.fingerprint(**args) == orders.fingerprint(**args, coupon_ids=())
    assert orders.fingerprint(**args) != orders.fingerprint(**args, coupon_ids=(5,))


def test_a_live_coupon_is_used_in_its_room_at_the_live_price(make_coupon, live_room, item, buyer, buy):
    coupon = make_coupon(
        kind="live", live_room_id=live_room.pk, discount_type="amount_off", amount_fen=800, threshold_fen=0
    )
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk, room_id=live_room.pk)
    order = order_of(buy(item, 2, coupon_ids=[held.pk]))
    assert (order.goods_fen, order.discount_fen, order.total_fen) == (13_600, 800, 12_800)


def test_the_order_always_pays_at_least_a_fen(make_coupon, make_sku, store, buyer, place):
    coupon = make_coupon(discount_type="amount_off", amount_fen=5_000, threshold_fen=0)
    held = services.claim_coupon(buyer=buyer, coupon_id=coupon.pk)
    order = order_of(place(make_sku(store, price_fen=300), 1, coupon_ids=[held.pk]))
    assert (order.discount_fen, order.total_fen) == (299, 1)


# ------------------------------------------------------------------------------ campaigns


def test_a_campaign_applies_by_itself_to_the_products_it_names(make_sku, store, buyer, place, make_coupon):
    named, other = make_sku(store, price_fen=15_000), make_sku(store, price_fen=50_000)
    now = clock.now()
    services.create_campaign(
        store=store,
        name="春季满减",
        product_ids=[named.product_id],
        tiers=[[10_000, 1_000], [30_000, 4_000]],
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=3),
    )
    assert order_of(place(other, 1)).discount_fen == 0  # not named
    assert order_of(place(named, 1)).discount_fen == 1_000
    assert order_of(place(named, 2)).discount_fen == 4_000  # the larger tier
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    both = order_of(place((named, 1), (other, 1), coupon_ids=[held.pk]))
    assert both.discount_fen == 3_000 and [d["reason"] for d in both.discounts] == ["campaign", "coupon"]
    with clock.travel_to(now + timedelta(days=3)):
        assert order_of(place(named, 1)).discount_fen == 0  # over


def test_a_checkout_without_campaigns_asks_nothing_about_them(make_sku, store, buyer, place):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sku = make_sku(store)
    with CaptureQueriesContext(connection) as seen:
        place(sku, 1)
    assert not [q for q in seen.captured_queries if "coupons_" in q["sql"]]


# ------------------------------------------------------------------------------ coming back


def test_a_coupon_comes_back_when_its_order_closes_unpaid(
    make_coupon, make_sku, store, buyer, place, django_capture_on_commit_callbacks
):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    checkout = place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk])
    with django_capture_on_commit_callbacks(execute=True):
        orders.cancel_order(buyer=buyer, order_id=order_of(checkout).pk)
    held.refresh_from_db()
    assert held.state == "returned"
    again = order_of(place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk]))  # usable again
    assert again.discount_fen == 2_000


def test_a_coupon_returned_by_a_closed_order_is_taken_again_if_it_is_paid_late(
    make_coupon, make_sku, store, buyer, place, django_capture_on_commit_callbacks
):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    checkout = place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk])
    with django_capture_on_commit_callbacks(execute=True):
        orders.cancel_order(buyer=buyer, order_id=order_of(checkout).pk)
    with django_capture_on_commit_callbacks(execute=True):
        succeed(checkout)  # the payment arrives after the close: the order goes on
    held.refresh_from_db()
    assert order_of(checkout).status == Status.TO_SHIP
    assert (held.state, held.order_id) == ("used", order_of(checkout).pk)


def test_a_fully_refunded_order_gives_its_coupon_back_before_it_expires(
    make_coupon, make_sku, store, buyer, place, merchant_view, django_capture_on_commit_callbacks
):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    checkout = place(make_sku(store, price_fen=20_000), 2, coupon_ids=[held.pk])
    succeed(checkout)
    order = order_of(checkout)
    line = order.lines.get()
    request = aftersales.request_aftersale(
        buyer=buyer,
        order_id=order.pk,
        line_id=line.pk,
        kind=AfterSaleKind.REFUND,
        quantity=2,
        reason_code="other",
    )
    assert request.amount_fen == order.total_fen == 38_000  # the paid amount, after the coupon
    aftersales.approve_aftersale(store=merchant_view, aftersale_id=request.pk)
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.refund_succeeded(f"AS{request.pk}")
    held.refresh_from_db()
    assert order_of(checkout).status == Status.CANCELLED_REFUNDED
    assert held.state == "returned"


def test_a_coupon_refunded_after_it_expired_stays_used(
    make_coupon, make_sku, store, buyer, place, django_capture_on_commit_callbacks
):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon(valid_days=1).pk)
    checkout = place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk])
    succeed(checkout)
    order = order_of(checkout)
    later = clock.travel_to(clock.now() + timedelta(days=2))
    with later, django_capture_on_commit_callbacks(execute=True), transaction.atomic():  # (as in a refund)
        orders.mark_fully_refunded(order_id=order.pk)
    held.refresh_from_db()
    assert held.state == "used"


def test_give_back_coupons_is_idempotent(make_coupon, make_sku, store, buyer, place):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    checkout = place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk])
    order = order_of(checkout)
    orders.cancel_order(buyer=buyer, order_id=order.pk)  # (its handlers not run: on commit)
    receivers.give_back_coupons(order_ids=[order.pk])
    first = BuyerCoupon.objects.get(pk=held.pk)
    receivers.give_back_coupons(order_ids=[order.pk])
    again = BuyerCoupon.objects.get(pk=held.pk)
    assert first.state == again.state == "returned" and first.returned_at == again.returned_at


def test_a_closed_order_paid_late_takes_its_coupon_again(make_coupon, make_sku, store, buyer, place):
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    checkout = place(make_sku(store, price_fen=20_000), 1, coupon_ids=[held.pk])
    order = order_of(checkout)
    orders.cancel_order(buyer=buyer, order_id=order.pk)
    receivers.give_back_coupons(order_ids=[order.pk])
    succeed(checkout)  # the payment arrives after the close
    order.refresh_from_db()
    held.refresh_from_db()
    assert order.status == Status.TO_SHIP
    assert (held.state, held.order_id) == ("used", order.pk)
    receivers.give_back_coupons(order_ids=[order.pk])  # a late run of the close's handler: paid now
    held.refresh_from_db()
    assert held.state == "used"


def test_a_coupon_used_elsewhere_meanwhile_refunds_the_late_payment(
    make_coupon, make_sku, store, buyer, place
):
    """Order A closes and gives its coupon back, the buyer uses it on order B, then A's payment
    arrives: A cannot take the coupon again, so A is cancelled (190) and its payment goes back,
    rather than one coupon discounting two paid orders."""
    held = services.claim_coupon(buyer=buyer, coupon_id=make_coupon().pk)
    sku = make_sku(store, price_fen=20_000, stock=5)
    first = place(sku, 1, coupon_ids=[held.pk])
    orders.cancel_order(buyer=buyer, order_id=order_of(first).pk)
    receivers.give_back_coupons(order_ids=[order_of(first).pk])
    second = place(sku, 1, coupon_ids=[held.pk])
    succeed(first)
    late = order_of(first)
    assert late.status == Status.CANCELLED_OVERSOLD and late.paid_at is None
    assert late.events.order_by("pk").last().note == "paid_after_closing_hold_gone"
    held.refresh_from_db()
    assert (held.state, held.order_id) == ("used", order_of(second).pk)
    sku.refresh_from_db()
    assert sku.stock == 5 - 1  # the stock A took again went back with it: only B's unit is out
