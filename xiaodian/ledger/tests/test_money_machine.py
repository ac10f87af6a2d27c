"""A hypothesis state machine over payment, partial and full refunds before and after settlement,
time passing (orders shipped, received, their after-sale periods ended by the after-sales
service, settled by the ledger's handler), withdrawals whose transfers succeed or fail, and
category deposits paid and refunded (a store opened, its deposit paid, the store closed): the
books always add up."""

import contextlib
import itertools
from datetime import timedelta

import pytest
from django.db.models import Sum
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

from xiaodian.aftersales import services as aftersales
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.events import run_pending
from xiaodian.ledger import events, rules, selectors, services
from xiaodian.ledger.models import Account, Journal, LineMoney, OrderMoney, Withdrawal, WithdrawalState
from xiaodian.ledger.rules import STORE_KINDS, AccountKind
from xiaodian.orders import services as orders
from xiaodian.orders.tests.conftest import ADDRESS, succeed
from xiaodian.payments import events as payment_events
from xiaodian.stores import events as store_events
from xiaodian.stores import services as stores
from xiaodian.stores.models import StoreDeposit
from xiaodian.wechatpay_sandbox.testing import fail_transfers_in_sandbox, pay_deposit_in_sandbox

KEYS = itertools.count(1)


def platform(kind) -> int:
    return (
        Account.objects.filter(kind=kind, store__isnull=True).values_list("balance_fen", flat=True).first()
        or 0
    )


@pytest.mark.django_db
def test_the_books_always_add_up(
    buyer, make_sku, store, merchant, make_store, make_user, make_subject, categories
):
    skus = [make_sku(store, price_fen=price, stock=10_000) for price in (1999, 501, 25)]
    seen = {"refunds": 0, "settled": 0, "after": 0, "withdrawn": 0, "returned": 0, "deposits": 0}

    def deposits(**held) -> int:
        return StoreDeposit.objects.filter(**held).aggregate(t=Sum("amount_fen"))["t"] or 0

    class Money(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.stack = contextlib.ExitStack()
            self.stack.enter_context(clock.travel_to(clock.now()))
            self.open: list[int] = []  # paid, not yet received
            self.refunded = 0
            self.left: dict[int, int] = {}  # this example's lines: what may still go back
            self.orders: list[int] = []

        def teardown(self):
            self.stack.close()

        @initialize()
        def a_settled_order(self):
            """Every example starts with one order settled, so refunds after settlement happen."""
            self.pay([(0, 1), (1, 2)])
            self.ship_and_receive()
            self.time_passes(8)

        @rule(picks=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3))
        def pay(self, picks):
            items = [orders.LineRequest(skus[i].pk, q) for i, q in picks]
            checkout = orders.place_order(
                buyer=buyer, items=items, address=ADDRESS, idempotency_key=f"ledger{next(KEYS)}"
            ).checkout
            succeed(checkout)
            ids = list(checkout.orders.values_list("pk", flat=True))
            services.post_paid_orders(order_ids=ids)
            services.post_paid_orders(order_ids=ids)  # at least once: twice changes nothing
            self.open += ids
            self.orders += ids
            for line in LineMoney.objects.filter(order__order_id__in=ids).order_by("line_id"):
                self.left[line.line_id] = line.paid_fen

        @precondition(lambda self: any(self.left.values()))
        @rule(data=st.data(), twice=st.booleans())
        def refund(self, data, twice):
            line_id = data.draw(st.sampled_from(sorted(pk for pk, left in self.left.items() if left)))
            line = LineMoney.objects.select_related("order").get(line_id=line_id)
            left = self.left[line_id]
            amount = data.draw(st.one_of(st.just(left), st.integers(1, left)))
            key = f"R{next(KEYS)}"
            for _ in range(2 if twice else 1):
                services.post_line_refund(
                    line_id=line.line_id, amount_fen=amount, quantity=1, out_refund_no=key
                )
            self.refunded += amount
            self.left[line_id] -= amount
            seen["refunds"] += 1
            seen["after"] += line.order.settled_at is not None

        @precondition(lambda self: self.open)
        @rule()
        def ship_and_receive(self):
            for order_id in self.open:
                order = orders.ship_order(
                    store=store, order_id=order_id, carrier="SF", tracking_no="SF1234567890123"
                )
                orders.confirm_receipt(buyer=buyer, order_id=order.pk)
            self.open = []

        @rule(days=st.integers(1, 8))
        def time_passes(self, days):
            clock.advance(timedelta(days=days))
            for money in OrderMoney.objects.filter(order_id__in=self.orders, settled_at__isnull=True):
                for line_id in aftersales.end_aftersale_periods(money.order_id):
                    services.settle_line(order_id=money.order_id, line_id=line_id)
                    services.settle_line(order_id=money.order_id, line_id=line_id)
            seen["settled"] += OrderMoney.objects.filter(settled_at__isnull=False).count()

        @rule(share=st.integers(1, 100), fail=st.booleans(), twice=st.booleans())
        def withdraw(self, share, fail, twice):
            """A share of what is available (the draw never depends on the database, which the
            examples share), at least the minimum: more than is there is refused."""
            held = selectors.balance(store).available_fen
            amount = min(max(rules.WITHDRAWAL_MIN_FEN, held * share // 100), rules.WITHDRAWAL_MAX_FEN)
            fail_transfers_in_sandbox(rules.withdrawal_payee(store.pk), times=int(fail))
            withdrawal = None
            try:
                withdrawal = services.request_withdrawal(store=store, amount_fen=amount, by=merchant)
            except DomainError as exc:  # the day's three are used up, or too little is available
                code = exc.code
            else:
                code = ""
            if code:
                assert code == "withdrawal_limit_reached" or (
                    code == "balance_insufficient" and amount > held
                )
                fail_transfers_in_sandbox(rules.withdrawal_payee(store.pk), times=0)
                assert selectors.balance(store).available_fen == held
                return
            assert withdrawal is not None
            assert selectors.balance(store).available_fen == held - amount
            for _ in range(2 if twice else 1):  # the submission, then the transfer's outcome, at least once
                run_pending(events.withdrawal_requested)
                services.submit_withdrawal(withdrawal_id=withdrawal.pk)
                run_pending(payment_events.transfer_succeeded)
                run_pending(payment_events.transfer_failed)
            withdrawal.refresh_from_db()
            assert withdrawal.state == (WithdrawalState.FAILED if fail else WithdrawalState.SUCCEEDED)
            assert selectors.balance(store).available_fen == held - (0 if fail else amount)
            seen["returned" if fail else "withdrawn"] += 1

        @rule(close=st.booleans(), twice=st.booleans())
        def deposit(self, close, twice):
            """Another merchant's store pays its category's deposit; closing it refunds it."""
            owner = make_user()
            other = make_store(owner, make_subject(owner))
            deposit = pay_deposit_in_sandbox(
                stores.pay_deposit(store=other, category_id=categories["女装"].pk)
            )
            for _ in range(2 if twice else 1):
                run_pending(store_events.deposit_paid)
                services.post_deposit_paid(deposit_id=deposit.pk)
            assert selectors.balance(other).deposit_fen == deposit.amount_fen
            if close:
                stores.close_store(store=other)
                for _ in range(2 if twice else 1):
                    run_pending(store_events.deposit_refunded)
                    services.post_deposit_refunded(deposit_id=deposit.pk)
                assert selectors.balance(other).deposit_fen == 0
            seen["deposits"] += 1

        @invariant()
        def journals_balance_and_balances_are_their_entries(self):
            assert selectors.unbalanced_journals() == []
            assert selectors.drifted_balances() == []

        @invariant()
        def all_accounts_sum_to_zero(self):
            assert selectors.total_of_all_accounts() == 0

        @invariant()
        def no_available_below_zero(self):
            assert selectors.negative_available() == []

        @invariant()
        def received_plus_refunded_plus_fees_is_paid(self):
            held = Account.objects.filter(kind__in=STORE_KINDS).aggregate(t=Sum("balance_fen"))["t"] or 0
            received = held + platform(AccountKind.WITHDRAWALS_OUT)  # what stores hold or took out
            refunded = platform(AccountKind.REFUNDS_OUT)
            fees = platform(AccountKind.FEE_INCOME)
            paid = OrderMoney.objects.aggregate(t=Sum("paid_fen"))["t"] or 0
            deposited = deposits(paid_at__isnull=False)  # deposits come in and go back like payments
            assert -platform(AccountKind.CLEARING) == paid + deposited
            assert received + refunded + fees == paid + deposited
            returned = deposits(refunded_at__isnull=False)
            assert refunded == (OrderMoney.objects.aggregate(t=Sum("refunded_fen"))["t"] or 0) + returned
            held_deposits = Account.objects.filter(kind=AccountKind.DEPOSIT).aggregate(t=Sum("balance_fen"))
            assert (held_deposits["t"] or 0) == deposited - returned

        @invariant()
        def each_posting_once(self):
            assert Journal.objects.filter(source_type="payment").count() == OrderMoney.objects.count()
            withdrawals = Withdrawal.objects.count()
            assert Journal.objects.filter(source_type="withdrawal").count() == withdrawals
            finished = Journal.objects.filter(source_type__in=["withdrawal_paid", "withdrawal_back"]).count()
            assert finished == withdrawals  # every transfer's outcome posted, once
            paid_out = Withdrawal.objects.filter(state=WithdrawalState.SUCCEEDED).aggregate(
                t=Sum("amount_fen")
            )
            assert platform(AccountKind.WITHDRAWALS_OUT) == (paid_out["t"] or 0)
            assert (
                Journal.objects.filter(source_type="deposit").count()
                == StoreDeposit.objects.filter(paid_at__isnull=False).count()
            )
            assert (
                Journal.objects.filter(source_type="deposit_refund").count()
                == StoreDeposit.objects.filter(refunded_at__isnull=False).count()
            )

    run_state_machine_as_test(
        Money,
        settings=settings(
            max_examples=40, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    assert all(seen.values()), seen  # the machine reached each state
