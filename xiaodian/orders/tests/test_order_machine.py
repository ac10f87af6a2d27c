"""A hypothesis state machine over checkout, payment, cancellation, timeouts, shipping and
confirmation in any order: stock is conserved and no order leaves its transition table."""

import contextlib
import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from xiaodian.catalog.models import SKU
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.orders import rules, services
from xiaodian.orders.models import Checkout, Order
from xiaodian.orders.rules import Status
from xiaodian.payments.models import Payment

from .conftest import ADDRESS, succeed

INITIAL_STOCK = 5
KEYS = itertools.count(1)


@pytest.mark.django_db
def test_stock_is_conserved_and_histories_follow_the_table(buyer, make_sku, store, other_store):
    skus = [
        make_sku(store, stock=INITIAL_STOCK),
        make_sku(store, stock=INITIAL_STOCK),
        make_sku(other_store, stock=INITIAL_STOCK),
    ]

    placed: list[int] = []  # across every example: the machine did exercise checkouts

    class Orders(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            SKU.objects.filter(pk__in=[s.pk for s in skus]).update(stock=INITIAL_STOCK)
            Order.objects.all().delete()
            Checkout.objects.all().delete()
            Payment.objects.all().delete()
            self.stack = contextlib.ExitStack()
            self.stack.enter_context(clock.travel_to(clock.now()))
            self.checkouts: list[int] = []
            self.keys = 0

        def teardown(self):
            self.stack.close()

        def _orders(self):
            return list(Order.objects.prefetch_related("lines"))

        @initialize()
        def first_checkout(self):
            """Every example starts with a checkout, so every example exercises orders."""
            self.place([(0, 1)])

        @rule(picks=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3))
        def place(self, picks):
            self.keys = next(KEYS)
            items = [services.LineRequest(skus[i].pk, q) for i, q in picks]
            try:
                checkout = services.place_order(
                    buyer=buyer,
                    items=items,
                    address=ADDRESS,
                    idempotency_key=f"m{self.keys}",
                )
            except DomainError as exc:
                assert exc.code == "out_of_stock"  # noqa: PT017 (a state machine rule, not a test body)
            else:
                self.checkouts.append(checkout.checkout.pk)
                placed.append(checkout.checkout.pk)

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data())
        def pay(self, data):
            checkout_id = data.draw(st.sampled_from(self.checkouts))
            checkout = Checkout.objects.get(pk=checkout_id)
            if not Order.objects.filter(checkout=checkout).exclude(paid_at=None).exists():
                Payment.objects.filter(reference_id=checkout_id, purpose="checkout").delete()
                succeed(checkout)

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data())
        def cancel(self, data):
            order = data.draw(st.sampled_from(self._orders()))
            with contextlib.suppress(DomainError):
                services.cancel_order(buyer=buyer, order_id=order.pk)

        @rule(minutes=st.integers(1, 20))
        def time_passes(self, minutes):
            clock.advance(timedelta(minutes=minutes))
            services.close_expired_orders()

        @rule(days=st.integers(1, 11))
        def days_pass(self, days):
            clock.advance(timedelta(days=days))
            services.auto_confirm_due_orders()

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data(), partial=st.booleans())
        def ship(self, data, partial):
            order = data.draw(st.sampled_from(self._orders()))
            line_ids = [order.lines.all()[0].pk] if partial else None
            with contextlib.suppress(DomainError):
                services.ship_order(
                    store=order.store,
                    order_id=order.pk,
                    carrier="SF",
                    tracking_no="SF1234567890123",
                    line_ids=line_ids,
                )

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data())
        def confirm(self, data):
            order = data.draw(st.sampled_from(self._orders()))
            with contextlib.suppress(DomainError):
                services.confirm_receipt(buyer=buyer, order_id=order.pk)

        @invariant()
        def stock_is_conserved(self):
            held = {s.pk: 0 for s in skus}
            for order in self._orders():
                if order.status in rules.HOLDING_STOCK:
                    for line in order.lines.all():
                        held[line.sku_id] += line.quantity
            for sku in SKU.objects.filter(pk__in=held):
                assert sku.stock >= 0
                assert sku.stock + held[sku.pk] == INITIAL_STOCK

        @invariant()
        def histories_follow_the_table(self):
            for order in Order.objects.prefetch_related("events"):
                events = list(order.events.all())
                assert events[0].from_status is None and events[0].to_status == Status.UNPAID
                for event in events[1:]:
                    assert event.to_status in rules.TRANSITIONS[event.from_status]
                assert events[-1].to_status == order.status
                assert [e.from_status for e in events[1:]] == [e.to_status for e in events[:-1]]

    run_state_machine_as_test(
        Orders,
        settings=settings(
            max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    assert len(placed) >= 10  # at least one checkout per example (the initialize step), and more
