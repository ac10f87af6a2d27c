"""The batch settlement of commission orders (`ledger.services.settle_claims_due`,
`settle_line_claims`, `settle_lines`: one journal per chunk) ends where `settle_line` line by line
(one journal per claim) ends: the same balances, claims, states and store settlements; and it
settles each claim once, whichever path comes first or runs again."""

import pytest
from django.db import connection, transaction

from xiaodian.alliance import selectors, services
from xiaodian.alliance.rules import COMMISSION_CANCELLED, COMMISSION_SETTLED, PlanKind
from xiaodian.ledger import services as money
from xiaodian.ledger.models import Account, Journal, LineCommission, LineMoney, OrderMoney

from .test_commissions import books_add_up, buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_plan, open_plan, enabled, product, make_promoter, buyer):
    """Claims of three promoters and an agency, unsettled: partly refunded, fully refunded
    (cancelled), and one promoter owing a claw-back from an earlier settled claim."""
    a, b = make_promoter(), make_promoter()
    agency, member = make_promoter(kind="agency"), make_promoter()
    services.join_agency(promoter=member, agency_id=agency.pk)
    (targeted,) = make_plan(
        enabled,
        product,
        kind=PlanKind.TARGETED,
        ratio=200_000,
        service_ratio_ppm=50_000,
        promoter_ids=[agency.pk],
    )
    sku = product.skus.get()
    link_a = services.make_link(promoter=a, plan_id=open_plan.pk)
    link_b = services.make_link(promoter=b, plan_id=open_plan.pk)
    link_m = services.make_link(promoter=member, plan_id=targeted.pk)
    # a owes: settled, withdrawn, then refunded in full after settlement
    order, line = buy(buyer, sku, 1, link_a.token, key="debt")
    money.settle_line(order_id=order.pk, line_id=line.pk)
    money.request_promoter_withdrawal(promoter=a.user, amount_fen=1000)
    money.post_line_refund(line_id=line.pk, amount_fen=10_000, quantity=1, out_refund_no="ASD")
    lines = []
    for key, link, quantity in [
        ("a1", link_a, 2),
        ("a2", link_a, 1),
        ("b1", link_b, 3),
        ("m1", link_m, 1),
        ("m2", link_m, 2),
    ]:
        lines.append(buy(buyer, sku, quantity, link.token, key=key))
    _o, partly = lines[2]
    money.post_line_refund(line_id=partly.pk, amount_fen=10_000, quantity=1, out_refund_no="ASP")  # a third
    _o, cancelled = lines[4]
    money.post_line_refund(line_id=cancelled.pk, amount_fen=20_000, quantity=2, out_refund_no="ASC")
    assert selectors.earnings(a.user).owed_fen == 1000
    return {"lines": lines, "promoters": [a, b, agency, member]}


def snapshot():
    accounts = sorted(Account.objects.values_list("kind", "store_id", "user_id", "balance_fen"))
    claims = sorted(
        (c.reference, c.amount_fen, c.returned_fen, c.settled_fen, c.settled_at is not None)
        for c in LineCommission.objects.all()
    )
    orders = sorted(OrderMoney.objects.values_list("order_id", "pending_fen", "settled_fen"))
    states = sorted(
        (o.reference, o.state, o.commission_fen)
        for o in selectors.commission_orders(LineCommission.objects.all())
    )
    ended = LineMoney.objects.filter(period_ended_at__isnull=False).count()
    return accounts, claims, orders, states, ended


def one_by_one(world):
    for order, line in world["lines"]:
        money.settle_line(order_id=order.pk, line_id=line.pk)


def test_settle_lines_equals_settling_line_by_line(world):
    with transaction.atomic():
        one_by_one(world)
        expected = snapshot()
        claim_journals = Journal.objects.filter(source_type="commission_settled").count()
        transaction.set_rollback(True)
    settled = money.settle_lines(line_ids=[line.pk for _order, line in world["lines"]], chunk=3)
    assert settled == 7  # 5 commissions and 2 service fees, the cancelled ones marked too
    assert snapshot() == expected
    states = {s for _ref, s, _fen in expected[3]}
    assert states == {COMMISSION_SETTLED, COMMISSION_CANCELLED}
    # a journal per chunk that moved money (chunks of 3 claims), instead of one per claim
    batch_journals = Journal.objects.filter(source_type="commission_settled").count()
    assert batch_journals < claim_journals
    books_add_up()


def test_the_settlement_run_equals_settling_line_by_line(world):
    with transaction.atomic():
        one_by_one(world)
        expected = snapshot()
        transaction.set_rollback(True)
    assert money.end_periods(line_ids=[line.pk for _o, line in world["lines"]]) == 5
    assert money.settle_claims_due(chunk=2) == 7
    money.settle_orders(order_ids=[order.pk for order, _line in world["lines"]])
    assert snapshot() == expected
    books_add_up()


def test_settle_claims_due_is_idempotent(world):
    ids = [line.pk for _order, line in world["lines"]]
    assert money.settle_lines(line_ids=ids[:2]) == 2
    once = snapshot()
    journals = Journal.objects.count()
    assert money.settle_lines(line_ids=ids[:2]) == 0
    assert money.settle_claims_due() == 0  # the others' periods have not ended
    for order, line in world["lines"][:2]:
        money.settle_line(order_id=order.pk, line_id=line.pk)  # the event, after the batch: nothing
    assert snapshot() == once and Journal.objects.count() == journals
    money.settle_line(order_id=world["lines"][2][0].pk, line_id=ids[2])  # one by one first
    assert money.settle_lines(line_ids=ids) == 4  # the rest, not the one settled by its event
    assert money.settle_lines(line_ids=ids) == 0
    with transaction.atomic():
        everything = snapshot()
        transaction.set_rollback(True)
    assert everything == snapshot()
    books_add_up()


def test_a_claim_settled_in_a_batch_is_clawed_back_by_a_later_refund(world):
    (_order, line), *_rest = world["lines"]
    a = world["promoters"][0]
    owed_before = selectors.earnings(a.user).owed_fen
    money.settle_lines(line_ids=[line.pk])
    # 2 units at 10%: 2000, of which 1000 repaid a's debt first
    earned = selectors.earnings(a.user)
    assert (owed_before, earned.owed_fen, earned.available_fen) == (1000, 0, 1000)
    money.post_line_refund(line_id=line.pk, amount_fen=20_000, quantity=2, out_refund_no="ASX")
    (claim,) = [c for c in selectors.commission_orders(LineCommission.objects.filter(line__line_id=line.pk))]
    assert (claim.state, claim.commission_fen) == (COMMISSION_SETTLED, 0)
    earned = selectors.earnings(a.user)
    assert (earned.available_fen, earned.owed_fen) == (0, 1000)
    books_add_up()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_settlement_run_on_two_connections_equals_settling_line_by_line(world):
    """On PostgreSQL, outside a transaction, the run settles two promoter windows at once on
    connections of their own (CLAIMS_WORKERS): the same books as one claim at a time."""
    if connection.vendor != "postgresql":
        pytest.skip("the chunks run on connections of their own only on PostgreSQL")
    with transaction.atomic():
        one_by_one(world)
        expected = snapshot()
        transaction.set_rollback(True)
    money.end_periods(line_ids=[line.pk for _o, line in world["lines"]])
    seen: list[int] = []
    assert money.settle_claims_due(chunk=1, workers=2, on_chunk=seen.append) == 7
    assert len(seen) > 2 and sum(seen) == 7  # one window per promoter, two at a time
    assert Journal.objects.filter(source_type="commission_settled").count() >= 3
    money.settle_orders(order_ids=[order.pk for order, _line in world["lines"]])
    assert snapshot() == expected
    assert money.settle_claims_due(workers=2) == 0
    books_add_up()
