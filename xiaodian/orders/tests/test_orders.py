"""Checkout, stock, the order statuses and their timeouts (DOMAIN.md "Orders")."""

from datetime import timedelta

import pytest

from xiaodian.catalog.models import SKU
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.events import handler_name, pending
from xiaodian.orders import events, rules, services, tasks
from xiaodian.orders.models import Order, OrderEvent
from xiaodian.orders.rules import Status

from .conftest import succeed


def stock(sku) -> int:
    return SKU.objects.get(pk=sku.pk).stock


def test_one_checkout_makes_one_order_per_store(place, make_sku, store, other_store):
    a, b, c = (
        make_sku(store, price_fen=500),
        make_sku(store, price_fen=250),
        make_sku(other_store, price_fen=999),
    )
    checkout = place((a, 2), (b, 1), (c, 3))
    orders = list(checkout.orders.order_by("store_id"))
    assert [o.store_id for o in orders] == sorted([store.pk, other_store.pk])
    totals = {o.store_id: o.total_fen for o in orders}
    assert totals == {store.pk: 1250, other_store.pk: 2997}
    assert checkout.total_fen == 4247
    assert all(
        o.status == Status.UNPAID and o.pay_deadline == o.created_at + timedelta(minutes=15) for o in orders
    )
    assert (stock(a), stock(b), stock(c)) == (8, 9, 7)


def test_order_numbers_are_dated_and_reveal_no_count(place, make_sku, store):
    sku = make_sku(store, stock=100)
    numbers = [place(sku, 1).orders.get().number for _ in range(5)]
    assert all(len(n) == 20 and n.isdigit() for n in numbers)
    assert len({n[:6] for n in numbers}) == 1
    tails = sorted(int(n[6:]) for n in numbers)
    assert tails != list(range(tails[0], tails[0] + 5))  # not a counter


def test_the_scene_and_source_are_recorded(place, make_sku, store):
    checkout = place(make_sku(store), 1, scene=5, source_type="homepage", source_id=store.pk)
    order = checkout.orders.get()
    assert (order.scene, order.source_type, order.source_id) == (5, "homepage", store.pk)


def test_same_key_same_body_is_the_same_checkout_other_body_conflicts(place, make_sku, store):
    sku = make_sku(store)
    first = place(sku, 1, key="same")
    assert place(sku, 1, key="same").pk == first.pk
    assert stock(sku) == 9  # taken once
    with pytest.raises(DomainError) as exc:
        place(sku, 2, key="same")
    assert exc.value.code == "idempotency_conflict"


def test_keys_belong_to_their_buyer(place, make_sku, store, make_user):
    sku = make_sku(store)
    mine = place(sku, 1, key="k")
    theirs = place(sku, 1, key="k", who=make_user())
    assert mine.pk != theirs.pk


def test_not_enough_stock_takes_nothing(place, make_sku, store):
    plenty, scarce = make_sku(store, stock=10), make_sku(store, stock=1)
    with pytest.raises(DomainError) as exc:
        place((plenty, 3), (scarce, 2))
    assert exc.value.code == "out_of_stock"
    assert (stock(plenty), stock(scarce)) == (10, 1)
    assert not Order.objects.exists()


def test_only_listed_products_of_open_stores_sell(place, make_sku, store):
    sku = make_sku(store)
    sku.product.state = "delisted"
    sku.product.save()
    with pytest.raises(DomainError) as exc:
        place(sku, 1)
    assert exc.value.code == "product_not_available"


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({"recipient": "", "phone": "13800138000", "region": "x", "detail": "y"}, "address.recipient"),
        ({"recipient": "a", "phone": "12345", "region": "x", "detail": "y"}, "address.phone"),
    ],
)
def test_addresses_are_checked(buyer, make_sku, store, address, field):
    with pytest.raises(DomainError) as exc:
        services.place_order(
            buyer=buyer,
            items=[services.LineRequest(make_sku(store).pk, 1)],
            address=address,
            idempotency_key="a",
        )
    assert exc.value.field == field


def test_saved_addresses_are_the_buyers_own(buyer, make_user, make_sku, store):
    saved = services.save_address(
        buyer=buyer, recipient="王", phone="13900000000", region="北京", detail="1号"
    )
    assert saved.is_default
    with pytest.raises(DomainError) as exc:
        services.place_order(
            buyer=make_user(),
            items=[services.LineRequest(make_sku(store).pk, 1)],
            address_id=saved.pk,
            idempotency_key="a",
        )
    assert exc.value.code == "not_found"


def test_payment_moves_the_checkouts_orders_to_ship(place, make_sku, store, other_store):
    checkout = place((make_sku(store), 1), (make_sku(other_store), 1))
    succeed(checkout)
    assert set(checkout.orders.values_list("status", flat=True)) == {Status.TO_SHIP}
    assert all(o.paid_at for o in checkout.orders.all())


def test_cancelling_returns_the_stock_for_the_whole_checkout(place, make_sku, buyer, store, other_store):
    a, b = make_sku(store), make_sku(other_store)
    checkout = place((a, 2), (b, 3))
    first = checkout.orders.order_by("pk").first()
    closed = services.cancel_order(buyer=buyer, order_id=first.pk)
    assert len(closed) == 2
    assert set(checkout.orders.values_list("status", flat=True)) == {Status.CANCELLED_UNPAID}
    assert (stock(a), stock(b)) == (10, 10)
    with pytest.raises(DomainError) as exc:
        services.cancel_order(buyer=buyer, order_id=first.pk)
    assert exc.value.code == "invalid_transition"


def test_unpaid_orders_close_after_fifteen_minutes(place, make_sku, store):
    sku = make_sku(store)
    with clock.travel_to(clock.now()):
        checkout = place(sku, 4)
        clock.advance(timedelta(minutes=14, seconds=59))
        assert tasks.close_unpaid_checkout.call(checkout.pk) == 0
        clock.advance(timedelta(seconds=1))
        assert tasks.close_unpaid_checkout.call(checkout.pk) == 1
    order = checkout.orders.get()
    assert (order.status, stock(sku)) == (Status.CANCELLED_UNPAID, 10)
    assert order.closed_at is not None


def test_checkout_schedules_its_close_task_at_the_deadline(
    place, make_sku, store, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        checkout = place(make_sku(store), 1)
    task = DBTaskResult.objects.get(task_path="xiaodian.orders.tasks.close_unpaid_checkout")
    assert task.args_kwargs["args"] == [checkout.pk]
    assert task.run_after == checkout.orders.get().pay_deadline


def test_a_payment_after_closing_takes_stock_again_or_cancels_as_oversold(place, make_sku, store, make_user):
    sku = make_sku(store, stock=1)
    with clock.travel_to(clock.now()):
        late = place(sku, 1)
        clock.advance(rules.PAY_WITHIN)
        services.close_expired_orders()
        assert stock(sku) == 1
        succeed(late)
    assert late.orders.get().status == Status.TO_SHIP
    assert stock(sku) == 0

    sku2 = make_sku(store, stock=1)
    with clock.travel_to(clock.now() + timedelta(hours=1)):
        lost = place(sku2, 1)
        clock.advance(rules.PAY_WITHIN)
        services.close_expired_orders()
        place(sku2, 1, who=make_user())  # someone else buys the last unit meanwhile
        succeed(lost)
    oversold = lost.orders.get()
    assert oversold.status == Status.CANCELLED_OVERSOLD
    assert stock(sku2) == 0
    # The payment goes back: the cancellation is a durable event, with orders' refund as a handler.
    recorded = [row.args_kwargs["args"] for row in pending(events.order_cancelled)]
    assert [handler_name(services.settle_cancelled_payment), {"order_ids": [oversold.pk]}] in [
        args[1:3] for args in recorded
    ]


def _paid_order(place, make_sku, store, *lines):
    checkout = place(*lines) if lines else place(make_sku(store), 2)
    succeed(checkout)
    return checkout.orders.get()


def test_partial_shipment_then_the_rest(place, make_sku, store):
    a, b = make_sku(store), make_sku(store)
    order = _paid_order(place, make_sku, store, (a, 1), (b, 2))
    line_a = order.lines.get(sku=a)
    services.ship_order(
        store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123", line_ids=[line_a.pk]
    )
    order.refresh_from_db()
    assert order.status == Status.PARTLY_SHIPPED and order.shipped_at is None
    services.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF7654321000000")
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.shipped_at is not None
    assert [line.shipped_quantity for line in order.lines.all()] == [1, 2]
    assert order.shipments.count() == 2
    with pytest.raises(DomainError) as exc:
        services.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF0000000000000")
    assert exc.value.code == "invalid_transition"


def test_unpaid_orders_cannot_ship_and_other_stores_cannot_touch_them(place, make_sku, store, other_store):
    order = place(make_sku(store), 1).orders.get()
    with pytest.raises(DomainError) as exc:
        services.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    assert exc.value.code == "invalid_transition"
    with pytest.raises(DomainError) as exc:
        services.ship_order(store=other_store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    assert exc.value.code == "not_found"


@pytest.mark.parametrize(
    ("carrier", "tracking_no", "field", "code"),
    [
        ("", "SF1234567890123", "carrier", "unknown_carrier"),
        ("顺丰快递公司", "SF1234567890123", "carrier", "unknown_carrier"),
        ("SF", "12", "tracking_no", "validation_error"),
        ("SF", "SF 123 456", "tracking_no", "validation_error"),
        ("SF", "SF1234567", "tracking_no", "tracking_no_mismatch"),
        ("SF", "JDVA12345678901", "tracking_no", "tracking_no_mismatch"),
        ("JT", "SF1234567890123", "tracking_no", "tracking_no_mismatch"),
    ],
)
def test_shipping_details_are_checked(place, make_sku, store, carrier, tracking_no, field, code):
    order = _paid_order(place, make_sku, store)
    with pytest.raises(DomainError) as exc:
        services.ship_order(store=store, order_id=order.pk, carrier=carrier, tracking_no=tracking_no)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert exc.value.status == 422
    assert Order.objects.get(pk=order.pk).status == Status.TO_SHIP and not order.shipments.exists()


def test_the_tracking_number_mismatch_names_the_carrier_and_an_example(place, make_sku, store):
    order = _paid_order(place, make_sku, store)
    with pytest.raises(DomainError) as exc:
        services.ship_order(store=store, order_id=order.pk, carrier="JD", tracking_no="SF1234567890123")
    assert exc.value.message == "这不是京东物流的运单号（例如 JDVA12345678901）。"


@pytest.mark.parametrize("carrier", ["SF", "sf", " 顺丰速运 ", "SF Express", "sf express"])
def test_a_listed_carrier_by_code_or_name_ships_and_is_kept_by_code(place, make_sku, store, carrier):
    order = _paid_order(place, make_sku, store)
    services.ship_order(store=store, order_id=order.pk, carrier=carrier, tracking_no=" sf1234567890123 ")
    shipment = order.shipments.get()
    assert (shipment.carrier_code, shipment.carrier, shipment.tracking_no) == (
        "SF",
        "顺丰速运",
        "SF1234567890123",
    )


def test_every_listed_carrier_accepts_its_own_example_and_no_other_carriers():
    from xiaodian.orders import rules

    for carrier in rules.CARRIERS.values():
        assert carrier.pattern.fullmatch(carrier.example), carrier.code
        assert rules.TRACKING_NO.fullmatch(carrier.example)
        assert len(carrier.code) <= rules.CARRIER_CODE_MAX and len(carrier.name_zh) <= rules.CARRIER_MAX
        assert services.check_tracking(carrier.code, carrier.example.lower()) == (carrier, carrier.example)
    # each example is refused by at least the carriers whose numbers look different (prefixes)
    assert not rules.CARRIERS["SF"].pattern.fullmatch(rules.CARRIERS["JT"].example)
    assert not rules.CARRIERS["JD"].pattern.fullmatch(rules.CARRIERS["SF"].example)


def test_the_buyer_confirms_or_ten_days_do(place, make_sku, store, buyer):
    order = _paid_order(place, make_sku, store)
    services.ship_order(store=store, order_id=order.pk, carrier="SF", tracking_no="SF1234567890123")
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert Order.objects.get(pk=order.pk).status == Status.COMPLETED

    other = _paid_order(place, make_sku, store)
    with clock.travel_to(clock.now()):
        services.ship_order(store=store, order_id=other.pk, carrier="SF", tracking_no="SF1234567890124")
        clock.advance(timedelta(days=10) - timedelta(seconds=1))
        assert tasks.auto_confirm_order.call(other.pk) is False
        clock.advance(timedelta(seconds=1))
        assert tasks.auto_confirm_order.call(other.pk) is True
    other.refresh_from_db()
    assert (other.status, other.received_at is not None) == (Status.COMPLETED, True)
    assert list(OrderEvent.objects.filter(order=other).values_list("to_status", flat=True)) == [
        10,
        20,
        30,
        100,
    ]


def test_every_move_outside_the_table_is_refused(place, make_sku, store, buyer):
    order = place(make_sku(store), 1).orders.get()
    with pytest.raises(DomainError) as exc:
        services.confirm_receipt(buyer=buyer, order_id=order.pk)  # 10 -> 100
    assert exc.value.code == "invalid_transition"
    for status in Status:
        allowed = rules.TRANSITIONS[status]
        for target in Status:
            probe = Order(pk=order.pk, status=status)
            if target in allowed:
                continue
            with pytest.raises(DomainError):
                services._move(probe, target, actor="test")


def test_the_docs_print_the_transition_table_in_code():
    from pathlib import Path

    from django.utils import translation

    text = (Path(__file__).resolve().parents[3] / "docs" / "orders.md").read_text()
    with translation.override("zh-hans"):
        check_rows(text)


def check_rows(text):
    for status, targets in rules.TRANSITIONS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {int(status)} "))
        for target in Status:
            assert (f"{int(target)} {target.label}" in row.split("|")[2]) == (target in targets), (
                status,
                target,
            )
