"""A hypothesis state machine over plans (created, stopped), purchases through promotion links,
partial and full refunds before and after settlement, and time passing (orders shipped and
received, after-sale periods ended, lines settled): every commission stays within ratio × paid
(and within ratio × what the buyer kept), the ledger balances, a line has at most one promoter,
and a product never has a live open plan beside a live exclusive one."""

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

from xiaodian.aftersales import services as aftersales
from xiaodian.alliance import selectors, services
from xiaodian.alliance.models import AttributedLine, Plan
from xiaodian.alliance.rules import PlanKind
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.ledger import rules as ledger_rules
from xiaodian.ledger import selectors as ledger
from xiaodian.ledger import services as money
from xiaodian.ledger.models import LineCommission, LineMoney, OrderMoney
from xiaodian.orders import services as orders
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import Scene
from xiaodian.orders.tests.conftest import ADDRESS, succeed

KEYS = itertools.count(1)


@pytest.mark.django_db
def test_commissions_always_add_up(enabled, merchant, make_sku, make_promoter, buyer, store):
    products = [
        make_sku(enabled, price_fen=price, stock=10_000, title=f"商品{price}").product
        for price in (9999, 2501)
    ]
    promoters = [make_promoter(), make_promoter(kind="sharer")]
    seen = {"bought": 0, "refunds": 0, "after": 0, "settled": 0, "refused": 0}

    class Commissions(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.stack = contextlib.ExitStack()
            self.stack.enter_context(clock.travel_to(clock.now()))
            self.open: list[int] = []  # paid, not yet received
            self.lines: dict[int, int] = {}  # line → what may still go back

        def teardown(self):
            self.stack.close()

        @initialize()
        def open_plans(self):
            """Each example starts with an open plan on each product (the examples share the database:
            the plans an earlier one left live are stopped first)."""
            for plan in Plan.objects.filter(stopped_at__isnull=True):
                services.stop_plan(plan_id=plan.pk, by=merchant)
            for product in products:
                services.create_plans(
                    store=enabled,
                    by=merchant,
                    product_ids=[product.pk],
                    kind=PlanKind.OPEN,
                    commission_ratio_ppm=200_000,
                )

        @rule(which=st.integers(0, 1), kind=st.sampled_from(PlanKind.values), ratio=st.integers(0, 900_000))
        def create_plan(self, which, kind, ratio):
            try:
                services.create_plans(
                    store=enabled,
                    by=merchant,
                    product_ids=[products[which].pk],
                    kind=kind,
                    commission_ratio_ppm=ratio,
                    promoter_ids=[] if kind == PlanKind.OPEN else [promoters[0].pk],
                )
            except DomainError:
                seen["refused"] += 1

        @rule(pick=st.integers(0, 20))
        def stop_plan(self, pick):
            live = list(Plan.objects.filter(selectors.live_q(clock.now())).order_by("pk"))
            if live:
                services.stop_plan(plan_id=live[pick % len(live)].pk, by=merchant)

        @rule(who=st.integers(0, 1), which=st.integers(0, 1), quantity=st.integers(1, 3))
        def buy(self, who, which, quantity):
            promoter, product = promoters[who], products[which]
            plans = [
                p
                for p in Plan.objects.filter(selectors.live_q(clock.now()), product=product).order_by("pk")
                if p.kind == PlanKind.OPEN or p.listed.filter(promoter=promoter).exists()
            ]
            if not plans:
                return
            link = services.make_link(promoter=promoter, plan_id=plans[0].pk)
            placed = orders.place_order(
                buyer=buyer,
                items=[orders.LineRequest(sku_id=product.skus.get().pk, quantity=quantity)],
                address=ADDRESS,
                scene=Scene.PRODUCT_SHARE,
                source_type="alliance",
                source_id=link.token,
                idempotency_key=f"cm{next(KEYS)}",
            )
            succeed(placed.checkout)
            ids = [order.pk for order in placed.orders]
            money.post_paid_orders(order_ids=ids)
            money.post_paid_orders(order_ids=ids)  # at least once: twice changes nothing
            self.open += ids
            for line in LineMoney.objects.filter(order__order_id__in=ids):
                self.lines[line.line_id] = line.paid_fen
            seen["bought"] += 1

        @precondition(lambda self: any(self.lines.values()))
        @rule(data=st.data())
        def refund(self, data):
            line_id = data.draw(st.sampled_from(sorted(pk for pk, left in self.lines.items() if left)))
            left = self.lines[line_id]
            self.refund_line(line_id, data.draw(st.one_of(st.just(left), st.integers(1, left))))

        def refund_line(self, line_id, amount):
            key = f"R{next(KEYS)}"
            money.post_line_refund(line_id=line_id, amount_fen=amount, quantity=0, out_refund_no=key)
            money.post_line_refund(line_id=line_id, amount_fen=amount, quantity=0, out_refund_no=key)
            self.lines[line_id] -= amount
            seen["refunds"] += 1
            seen["after"] += LineCommission.objects.filter(
                line__line_id=line_id, settled_at__isnull=False
            ).exists()

        @precondition(lambda self: self.open)
        @rule()
        def ship_and_receive(self):
            for order_id in self.open:
                orders.ship_order(store=store, order_id=order_id, carrier="SF", tracking_no="SF1234567890123")
                orders.confirm_receipt(buyer=buyer, order_id=order_id)
            self.open = []

        @rule(days=st.integers(1, 8))
        def time_passes(self, days):
            clock.advance(timedelta(days=days))
            for money_row in OrderMoney.objects.filter(settled_at__isnull=True):
                for line_id in aftersales.end_aftersale_periods(money_row.order_id):
                    money.settle_line(order_id=money_row.order_id, line_id=line_id)
                    money.settle_line(order_id=money_row.order_id, line_id=line_id)
            seen["settled"] += LineCommission.objects.filter(settled_at__isnull=False).count()

        @invariant()
        def the_books_balance(self):
            assert ledger.unbalanced_journals() == []
            assert ledger.drifted_balances() == []
            assert ledger.total_of_all_accounts() == 0
            assert ledger.negative_available() == []

        @invariant()
        def commission_within_ratio_times_paid(self):
            for claim in LineCommission.objects.select_related("line"):
                line = claim.line
                assert claim.amount_fen * ledger_rules.PPM <= line.paid_fen * claim.ratio_ppm
                assert (
                    claim.held_fen * ledger_rules.PPM <= (line.paid_fen - line.refunded_fen) * claim.ratio_ppm
                )
                assert claim.held_fen >= 0

        @invariant()
        def one_promoter_per_line(self):
            attributed = dict(AttributedLine.objects.values_list("line_id", "promoter__user_id"))
            for line_id, promoter in OrderLine.objects.filter(promoter__isnull=False).values_list(
                "pk", "promoter_id"
            ):
                assert attributed[line_id] == promoter
            assert LineCommission.objects.filter(kind="commission").count() <= len(attributed)

        @invariant()
        def exclusivity(self):
            now = clock.now()
            for product in products:
                kinds = set(
                    Plan.objects.filter(selectors.live_q(now), product=product).values_list("kind", flat=True)
                )
                assert not (PlanKind.OPEN in kinds and PlanKind.EXCLUSIVE in kinds)

    # First a scripted path through every state (so each is exercised whatever the random
    # examples draw): a purchase, a partial refund, receipt, the period's end and settlement, and
    # a refund of the rest after it (a claw-back), checking the invariants at each step.
    scripted = Commissions()
    checks = [
        scripted.the_books_balance,
        scripted.commission_within_ratio_times_paid,
        scripted.one_promoter_per_line,
        scripted.exclusivity,
    ]
    scripted.open_plans()
    scripted.buy(who=0, which=0, quantity=2)
    (line_id,) = scripted.lines
    for step in (
        lambda: scripted.refund_line(line_id, 3333),
        scripted.ship_and_receive,
        lambda: scripted.time_passes(days=8),
        lambda: scripted.refund_line(line_id, scripted.lines[line_id]),
    ):
        step()
        for check in checks:
            check()
    assert seen["bought"] and seen["refunds"] and seen["after"] and seen["settled"], seen
    scripted.teardown()

    run_state_machine_as_test(
        Commissions,
        settings=settings(
            max_examples=25, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
