"""A hypothesis state machine over buying in a live room, cancelling, the 15-minute close, paying
(also after the close), the cancellation signal delivered again, and the room ending, in any
order: the flash-sale stock taken plus what is left is always what was put up, it is never
negative, and a cancelled order gives its units back exactly once."""

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
from xiaodian.live import receivers, services
from xiaodian.live.models import FlashHold, LiveRoom, ShelfItem
from xiaodian.live.rules import RoomState
from xiaodian.orders import services as orders
from xiaodian.orders.models import Checkout, Order
from xiaodian.orders.rules import HOLDING_STOCK, Status
from xiaodian.payments.models import Payment

from .conftest import ADDRESS

FLASH_STOCK = 6
SKU_STOCK = 9
KEYS = itertools.count(1)


@pytest.mark.django_db
def test_flash_stock_is_conserved_and_given_back_once(
    buyer, item, sku, live_room, django_capture_on_commit_callbacks
):
    from xiaodian.orders.tests.conftest import succeed

    bought: list[int] = []  # across every example: the machine did buy

    class FlashSale(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            FlashHold.objects.all().delete()
            Order.objects.all().delete()
            Checkout.objects.all().delete()
            Payment.objects.all().delete()
            ShelfItem.objects.filter(pk=item.pk).update(
                flash_stock=FLASH_STOCK, flash_stock_initial=FLASH_STOCK
            )
            SKU.objects.filter(pk=sku.pk).update(stock=SKU_STOCK)
            LiveRoom.objects.filter(pk=live_room.pk).update(state=RoomState.LIVE, ended_at=None)
            self.stack = contextlib.ExitStack()
            self.stack.enter_context(clock.travel_to(clock.now()))
            self.checkouts: list[int] = []

        def teardown(self):
            self.stack.close()

        def committed(self):
            """Run the on-commit work (signals, their receivers) when the step's call returns."""
            return django_capture_on_commit_callbacks(execute=True)

        def _orders(self) -> list[Order]:
            return list(Order.objects.all())

        @initialize(quantity=st.integers(1, 3))
        def first_purchase(self, quantity):
            """Every example starts with a purchase, so every example exercises the flash stock."""
            self.buy(quantity)

        @rule(quantity=st.integers(1, 4))
        def buy(self, quantity):
            try:
                with self.committed():
                    checkout = services.buy_in_room(
                        buyer=buyer,
                        room_id=live_room.pk,
                        shelf_item_id=item.pk,
                        quantity=quantity,
                        address=ADDRESS,
                        idempotency_key=f"f{next(KEYS)}",
                    ).checkout
            except DomainError as exc:
                assert exc.code in {"flash_sold_out", "out_of_stock", "live_room_not_live"}  # noqa: PT017
            else:
                self.checkouts.append(checkout.pk)
                bought.append(checkout.pk)

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data())
        def buy_again_with_the_same_key(self, data):
            checkout = Checkout.objects.get(pk=data.draw(st.sampled_from(self.checkouts)))
            line = Order.objects.get(checkout=checkout).lines.get()
            again = services.buy_in_room(
                buyer=buyer,
                room_id=live_room.pk,
                shelf_item_id=item.pk,
                quantity=line.quantity,
                address=ADDRESS,
                idempotency_key=checkout.idempotency_key,
            )
            assert again.replayed and again.checkout.pk == checkout.pk

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data())
        def cancel(self, data):
            order = data.draw(st.sampled_from(self._orders()))
            with contextlib.suppress(DomainError), self.committed():
                orders.cancel_order(buyer=buyer, order_id=order.pk)

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data())
        def cancellation_delivered_again(self, data):
            """A durable handler may run twice for the same closed orders: nothing comes back twice."""
            closed = [o for o in self._orders() if o.status == Status.CANCELLED_UNPAID]
            if closed:
                receivers.give_back_flash_stock(order_ids=[data.draw(st.sampled_from(closed)).pk])
                assert ShelfItem.objects.get(pk=item.pk).flash_stock <= FLASH_STOCK

        @rule(minutes=st.integers(1, 20))
        def time_passes(self, minutes):
            clock.advance(timedelta(minutes=minutes))
            with self.committed():
                orders.close_expired_orders()

        @precondition(lambda self: self.checkouts)
        @rule(data=st.data())
        def pay(self, data):
            """Pay a checkout, even one that closed meanwhile (WeChat Pay's money arrives late)."""
            checkout_id = data.draw(st.sampled_from(self.checkouts))
            if not Order.objects.filter(checkout_id=checkout_id).exclude(paid_at=None).exists():
                Payment.objects.filter(reference_id=checkout_id, purpose="checkout").delete()
                with self.committed():
                    succeed(Checkout.objects.get(pk=checkout_id))

        @rule()
        def the_room_ends(self):
            LiveRoom.objects.filter(pk=live_room.pk).update(state=RoomState.ENDED, ended_at=clock.now())

        @invariant()
        def flash_stock_is_conserved(self):
            left = ShelfItem.objects.get(pk=item.pk).flash_stock
            holds = list(FlashHold.objects.select_related("order"))
            held = sum(h.quantity for h in holds if h.released_at is None)
            assert left >= 0
            assert left + held == FLASH_STOCK
            for hold in holds:
                # an order that closed unpaid has given its units back; one still holding stock keeps
                # its units (or, paid after its units were sold again, it was let go: see the service)
                if hold.order.status == Status.CANCELLED_UNPAID:
                    assert hold.released_at is not None
                assert hold.order.status in HOLDING_STOCK or hold.order.status == Status.CANCELLED_UNPAID

        @invariant()
        def live_price_units_never_exceed_the_flash_stock_held(self):
            sold = sum(
                line.quantity
                for order in Order.objects.filter(status__in=HOLDING_STOCK).prefetch_related("lines")
                for line in order.lines.all()
            )
            released_but_sold = sum(
                h.quantity
                for h in FlashHold.objects.filter(released_at__isnull=False, order__status__in=HOLDING_STOCK)
            )
            held = sum(h.quantity for h in FlashHold.objects.filter(released_at__isnull=True))
            assert sold == held + released_but_sold

    run_state_machine_as_test(
        FlashSale,
        settings=settings(
            max_examples=40, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    assert len(bought) >= 40  # at least one purchase per example (the initialize step)
