"""The order core for the features above it: durable events at each step, the checkout's
extension points (price adjustments, holds, attribution), one fingerprint for every door, and the
gift-order shape."""

import pytest
from django.db import transaction

from xiaodian.core.errors import DomainError
from xiaodian.core.events import handler_name, pending, run_pending
from xiaodian.orders import events, extensions, selectors, services
from xiaodian.orders.models import Address, CartItem, Checkout, Order
from xiaodian.orders.rules import SalesChannel, Scene, Status

from .conftest import ADDRESS, succeed

seen: list[tuple[str, dict]] = []


def record(**payload):
    seen.append(("order", payload))


ORDER_EVENTS = [
    events.order_placed,
    events.order_paid,
    events.order_reopened,
    events.order_shipped,
    events.order_confirmed,
    events.order_cancelled,
    events.line_refunded,
]


@pytest.fixture
def recorded():
    """A handler on every order event; answers the events written so far, as (name, payload)."""
    for event in ORDER_EVENTS:
        event.connect(record)
    try:
        yield lambda: [
            (row.args_kwargs["args"][0], row.args_kwargs["args"][2])
            for row in pending().order_by("enqueued_at")
            if row.args_kwargs["args"][1] == handler_name(record)
        ]
    finally:
        for event in ORDER_EVENTS:
            event.disconnect(record)


def test_each_step_of_an_order_is_a_durable_event(recorded, place, make_sku, store, buyer):
    checkout = place(make_sku(store), 2)
    order = checkout.orders.get()
    succeed(checkout)
    services.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    with transaction.atomic():
        services.record_line_refund(
            line_id=order.lines.get().pk, amount_fen=1000, quantity=1, out_refund_no="AS1"
        )
    ids = {"order_ids": [order.pk]}
    assert recorded() == [
        ("order_placed", ids),
        ("order_paid", ids),
        ("order_shipped", ids),
        ("order_confirmed", ids),
        (
            "line_refunded",
            {"line_id": order.lines.get().pk, "amount_fen": 1000, "quantity": 1, "out_refund_no": "AS1"},
        ),
    ]
    assert run_pending() >= 5
    assert len(seen) >= 5


def test_closing_unpaid_orders_is_a_cancellation_event(recorded, place, make_sku, store, buyer):
    checkout = place(make_sku(store), 1)
    order = checkout.orders.get()
    services.cancel_order(buyer=buyer, order_id=order.pk)
    assert ("order_cancelled", {"order_ids": [order.pk]}) in recorded()


def test_a_payment_after_closing_reopens_the_order(recorded, place, make_sku, store):
    from xiaodian.core import clock
    from xiaodian.orders import rules

    with clock.travel_to(clock.now()):
        checkout = place(make_sku(store), 1)
        clock.advance(rules.PAY_WITHIN)
        services.close_expired_orders()
        succeed(checkout)
    order = checkout.orders.get()
    assert order.status == Status.TO_SHIP
    ids = {"order_ids": [order.pk]}
    assert [e for e in recorded() if e[0] != "order_placed"] == [
        ("order_cancelled", ids),
        ("order_paid", ids),
        ("order_reopened", ids),
    ]


def test_a_checkout_that_fails_leaves_no_event(recorded, place, make_sku, store):
    with pytest.raises(DomainError):
        place(make_sku(store, stock=1), 2)
    assert recorded() == []


# ------------------------------------------------------------------------------ extension points


def test_a_price_adjustment_lowers_a_unit_price_never_raises_it(buyer, make_sku, store):
    cheap, dear = make_sku(store, price_fen=1000), make_sku(store, price_fen=2000)

    def adjust(context):
        assert {line.sku_id for line in context.lines} == {cheap.pk, dear.pk}
        return [
            extensions.PriceAdjustment(sku_id=cheap.pk, unit_price_fen=800, reason="test"),
            extensions.PriceAdjustment(sku_id=dear.pk, unit_price_fen=9999, reason="test"),
        ]

    with extensions.price_adjustments.override(adjust):
        placed = services.place_order(
            buyer=buyer,
            items=[services.LineRequest(cheap.pk, 2), services.LineRequest(dear.pk, 1)],
            address=ADDRESS,
            idempotency_key="adj",
        )
    (order,) = placed.orders
    prices = {line.sku_id: line.unit_price_fen for line in placed.lines[order.pk]}
    assert prices == {cheap.pk: 800, dear.pk: 2000}
    assert order.total_fen == placed.checkout.total_fen == 800 * 2 + 2000


def test_a_price_adjustment_below_one_fen_is_refused(buyer, make_sku, store):
    sku = make_sku(store)
    with (
        extensions.price_adjustments.override(
            lambda context: [extensions.PriceAdjustment(sku_id=sku.pk, unit_price_fen=0, reason="x")]
        ),
        pytest.raises(DomainError) as refused,
    ):
        services.place_order(
            buyer=buyer, items=[services.LineRequest(sku.pk, 1)], address=ADDRESS, idempotency_key="z"
        )
    assert refused.value.code == "validation_error"
    assert not Checkout.objects.exists()


def test_a_hold_that_refuses_rolls_the_whole_checkout_back(buyer, make_sku, store):
    sku = make_sku(store, stock=5)

    def refuse(context, written):
        assert written.orders[0].pk and written.lines[0].quantity == 2
        raise DomainError("flash_sold_out")

    with extensions.holds.override(refuse), pytest.raises(DomainError) as refused:
        services.place_order(
            buyer=buyer, items=[services.LineRequest(sku.pk, 2)], address=ADDRESS, idempotency_key="h"
        )
    assert refused.value.code == "flash_sold_out"
    assert not Order.objects.exists()
    sku.refresh_from_db()
    assert sku.stock == 5


def test_lines_carry_their_attribution(buyer, make_sku, store, make_user):
    promoted, plain = make_sku(store), make_sku(store)
    creator = make_user("creator")

    def attribute(context):
        return {
            promoted.pk: extensions.Attribution(
                scene=Scene.SHORT_VIDEO, promoter_id=creator.pk, sales_channel=SalesChannel.CREATOR
            )
        }

    with extensions.attributions.override(attribute):
        placed = services.place_order(
            buyer=buyer,
            items=[services.LineRequest(promoted.pk, 1), services.LineRequest(plain.pk, 1)],
            address=ADDRESS,
            scene=Scene.SEARCH,
            source_type="search",
            idempotency_key="attr",
        )
    order = placed.orders[0]
    lines = {line.sku_id: line for line in order.lines.all()}
    assert (lines[promoted.pk].promoter_id, lines[promoted.pk].sales_channel) == (creator.pk, 100)
    assert lines[promoted.pk].scene == Scene.SHORT_VIDEO
    assert (lines[plain.pk].scene, lines[plain.pk].source_type, lines[plain.pk].promoter_id) == (
        Scene.SEARCH,
        "search",
        None,
    )


def test_a_promoter_without_a_sales_channel_is_refused_by_the_database(buyer, make_sku, store, make_user):
    from django.db import IntegrityError

    placed = services.place_order(
        buyer=buyer, items=[services.LineRequest(make_sku(store).pk, 1)], address=ADDRESS, idempotency_key="p"
    )
    line = placed.lines[placed.orders[0].pk][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        type(line).objects.filter(pk=line.pk).update(promoter=make_user())


# --------------------------------------------------------------------------- one checkout service


def test_the_api_and_the_service_share_one_fingerprint(buyer, make_sku, store, client):
    from xiaodian.accounts.services import issue_token

    sku = make_sku(store)
    _, token = issue_token(user=buyer, name="t")
    body = {"items": [{"sku_id": sku.pk, "quantity": 2}], "address": ADDRESS}
    answer = client.post(
        "/api/v1/orders",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same"},
    )
    assert answer.status_code == 201
    again = services.place_order(
        buyer=buyer, items=[services.LineRequest(sku.pk, 2)], address=ADDRESS, idempotency_key="same"
    )
    assert again.replayed
    assert again.order_ids == [o["id"] for o in answer.json()["orders"]]
    with pytest.raises(DomainError) as conflict:
        services.place_order(
            buyer=buyer, items=[services.LineRequest(sku.pk, 3)], address=ADDRESS, idempotency_key="same"
        )
    assert conflict.value.code == "idempotency_conflict"


def test_saving_the_address_and_clearing_the_cart_belong_to_the_checkout(buyer, make_sku, store):
    sku, scarce = make_sku(store, stock=5), make_sku(store, stock=1)
    items = [services.add_to_cart(buyer=buyer, sku_id=s.pk).pk for s in (sku, scarce)]
    with pytest.raises(DomainError):  # the scarce SKU runs out: nothing of it happens
        services.place_order(
            buyer=buyer,
            items=[services.LineRequest(sku.pk, 1), services.LineRequest(scarce.pk, 2)],
            address=ADDRESS,
            idempotency_key="c1",
            save_address=True,
            cart_item_ids=items,
        )
    assert CartItem.objects.filter(buyer=buyer).count() == 2
    assert not Address.objects.filter(buyer=buyer).exists()
    placed = services.place_order(
        buyer=buyer,
        items=[services.LineRequest(sku.pk, 1), services.LineRequest(scarce.pk, 1)],
        address=ADDRESS,
        idempotency_key="c2",
        save_address=True,
        cart_item_ids=items,
    )
    assert placed.address_saved and not placed.replayed
    assert not CartItem.objects.filter(buyer=buyer).exists()
    assert Address.objects.get(buyer=buyer).recipient == ADDRESS["recipient"]


# ------------------------------------------------------------------------------------------- gifts


@pytest.fixture
def friend(make_user):
    return make_user("friend")


def _gift(buyer, sku, friend, key="gift"):
    return services.place_order(
        buyer=buyer, items=[services.LineRequest(sku.pk, 1)], recipient=friend, idempotency_key=key
    )


def test_a_paid_gift_waits_for_its_recipient_who_gives_the_address(buyer, friend, make_sku, store):
    placed = _gift(buyer, make_sku(store), friend)
    order = placed.orders[0]
    assert order.address == {} and order.recipient_id == friend.pk
    succeed(placed.checkout)
    order.refresh_from_db()
    assert order.status == Status.GIFT_PENDING
    with pytest.raises(DomainError) as stranger:
        services.accept_gift(recipient=buyer, order_id=order.pk, address=ADDRESS)
    assert stranger.value.code == "not_found"
    services.accept_gift(recipient=friend, order_id=order.pk, address=ADDRESS)
    order.refresh_from_db()
    assert (order.status, order.address["recipient"]) == (Status.TO_SHIP, ADDRESS["recipient"])
    with pytest.raises(DomainError):
        services.accept_gift(recipient=friend, order_id=order.pk, address=ADDRESS)


def test_a_gift_nobody_accepts_is_cancelled_its_stock_returned_and_refunded(buyer, friend, make_sku, store):
    sku = make_sku(store, stock=3)
    placed = _gift(buyer, sku, friend)
    succeed(placed.checkout)
    order = services.cancel_gift(order_id=placed.orders[0].pk)
    assert order.status == Status.CANCELLED_UNPAID
    sku.refresh_from_db()
    assert sku.stock == 3
    recorded = [row.args_kwargs["args"][1:3] for row in pending(events.order_cancelled)]
    assert [handler_name(services.settle_cancelled_payment), {"order_ids": [order.pk]}] in recorded


def test_a_gift_cannot_go_to_oneself(buyer, make_sku, store):
    with pytest.raises(DomainError) as refused:
        _gift(buyer, make_sku(store), buyer)
    assert refused.value.field == "recipient_id"


def test_a_gift_not_accepted_within_a_day_is_cancelled_by_its_task(buyer, friend, make_sku, store):
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    from xiaodian.core import clock
    from xiaodian.orders import rules, tasks

    with clock.travel_to(clock.now()):
        placed = _gift(buyer, make_sku(store), friend)
        succeed(placed.checkout)
        order = Order.objects.get(pk=placed.orders[0].pk)
        queued = DBTaskResult.objects.get(task_path=tasks.cancel_unaccepted_gift.module_path)
        assert queued.run_after == order.paid_at + rules.GIFT_ACCEPT_WITHIN
        assert tasks.cancel_unaccepted_gift.call(order.pk) is False  # too early: nothing happens
        clock.advance(rules.GIFT_ACCEPT_WITHIN + timedelta(seconds=1))
        with pytest.raises(DomainError) as late:
            services.accept_gift(recipient=friend, order_id=order.pk, address=ADDRESS)
        assert late.value.code == "invalid_transition"
        assert tasks.cancel_unaccepted_gift.call(order.pk) is True
        assert tasks.cancel_unaccepted_gift.call(order.pk) is False  # once
    order.refresh_from_db()
    assert order.status == Status.CANCELLED_UNPAID


def test_the_sweep_cancels_gifts_past_their_day(buyer, friend, make_sku, store):
    from datetime import timedelta

    from xiaodian.core import clock
    from xiaodian.orders import rules

    placed = _gift(buyer, make_sku(store), friend)
    succeed(placed.checkout)
    with clock.travel_to(clock.now() + rules.GIFT_ACCEPT_WITHIN + timedelta(minutes=1)):
        assert services.cancel_unaccepted_gifts() == 1
        assert services.cancel_unaccepted_gifts() == 0


def test_the_giver_cannot_cancel_a_paid_gift(buyer, friend, make_sku, store):
    placed = _gift(buyer, make_sku(store), friend)
    succeed(placed.checkout)
    with pytest.raises(DomainError) as refused:
        services.cancel_order(buyer=buyer, order_id=placed.orders[0].pk)
    assert refused.value.code == "invalid_transition"
    assert Order.objects.get(pk=placed.orders[0].pk).status == Status.GIFT_PENDING


def test_an_open_gift_is_one_order_per_unit_waiting_for_a_recipient_named_later(
    buyer, friend, make_sku, store
):
    sku = make_sku(store, price_fen=500, stock=5)
    placed = services.place_order(
        buyer=buyer, items=[services.LineRequest(sku.pk, 3)], open_gift=True, idempotency_key="open"
    )
    assert len(placed.orders) == 3 and placed.checkout.total_fen == 1_500
    assert all(o.open_gift and o.total_fen == 500 and o.address == {} for o in placed.orders)
    assert [line.quantity for o in placed.orders for line in placed.lines[o.pk]] == [1, 1, 1]
    with pytest.raises(DomainError) as unpaid:
        services.assign_gift(order_id=placed.orders[0].pk, recipient=friend)
    assert unpaid.value.code == "invalid_transition"
    succeed(placed.checkout)
    assert set(Order.objects.filter(checkout=placed.checkout).values_list("status", flat=True)) == {
        Status.GIFT_PENDING
    }
    with pytest.raises(DomainError) as self_gift:
        services.assign_gift(order_id=placed.orders[0].pk, recipient=buyer)
    assert self_gift.value.field == "recipient_id"
    services.assign_gift(order_id=placed.orders[0].pk, recipient=friend)
    services.accept_gift(recipient=friend, order_id=placed.orders[0].pk, address=ADDRESS)
    assert Order.objects.get(pk=placed.orders[0].pk).status == Status.TO_SHIP
    assert selectors.order_for(friend, placed.orders[0].pk).pk == placed.orders[0].pk  # the recipient sees it
    with pytest.raises(DomainError):
        selectors.order_for(friend, placed.orders[1].pk)


def test_an_open_gift_is_one_sku_without_coupons(buyer, make_sku, store):
    a, b = make_sku(store), make_sku(store)
    with pytest.raises(DomainError) as two:
        services.place_order(
            buyer=buyer,
            items=[services.LineRequest(a.pk, 1), services.LineRequest(b.pk, 1)],
            open_gift=True,
            idempotency_key="two",
        )
    assert two.value.field == "items"
    with pytest.raises(DomainError):
        services.place_order(
            buyer=buyer,
            items=[services.LineRequest(a.pk, 1)],
            open_gift=True,
            coupon_ids=[1],
            idempotency_key="c",
        )


def test_accepting_a_gift_may_switch_to_another_style_at_the_same_price(buyer, friend, make_sku, store):
    from xiaodian.catalog.models import SKU

    sku = make_sku(store, price_fen=800, stock=2)
    other = SKU.objects.create(product=sku.product, specs={"颜色": "黑"}, price_fen=800, stock=1)
    dearer = SKU.objects.create(product=sku.product, specs={"颜色": "金"}, price_fen=900, stock=1)
    placed = _gift(buyer, sku, friend)
    succeed(placed.checkout)
    order_id = placed.orders[0].pk
    with pytest.raises(DomainError) as pricier:
        services.accept_gift(recipient=friend, order_id=order_id, address=ADDRESS, sku_id=dearer.pk)
    assert pricier.value.field == "sku_id"
    assert Order.objects.get(pk=order_id).status == Status.GIFT_PENDING  # nothing half-written
    services.accept_gift(recipient=friend, order_id=order_id, address=ADDRESS, sku_id=other.pk)
    line = Order.objects.get(pk=order_id).lines.get()
    assert (line.sku_id, line.specs) == (other.pk, {"颜色": "黑"})
    assert (SKU.objects.get(pk=sku.pk).stock, SKU.objects.get(pk=other.pk).stock) == (2, 0)
