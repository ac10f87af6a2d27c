"""Commission orders through the ledger: a line bought through a promotion link pays its promoter
(and an agency its service fee) out of the payment's journal; refunds lower it in proportion (a
full refund cancels it, 200); the line's after-sale period settles it (100); a refund after that
claws it back; the promoter withdraws what settled."""

import pytest

from xiaodian.alliance import rules, selectors, services
from xiaodian.alliance.rules import PlanKind
from xiaodian.ledger import selectors as ledger
from xiaodian.ledger import services as money
from xiaodian.ledger.models import Journal, LineCommission
from xiaodian.orders import services as orders
from xiaodian.orders.models import OrderLine
from xiaodian.orders.rules import Scene
from xiaodian.orders.tests.conftest import ADDRESS, succeed

pytestmark = pytest.mark.django_db


def buy(buyer, sku, quantity, token, key="k1"):
    """Buy through the link and pay; the payment's postings run as right after the commit."""
    placed = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(sku_id=sku.pk, quantity=quantity)],
        address=ADDRESS,
        scene=Scene.PRODUCT_SHARE,
        source_type="alliance",
        source_id=token,
        idempotency_key=key,
    )
    succeed(placed.checkout)
    order = placed.orders[0]
    money.post_paid_orders(order_ids=[order.pk])
    return order, OrderLine.objects.get(order=order)


def books_add_up():
    assert ledger.unbalanced_journals() == []
    assert ledger.drifted_balances() == []
    assert ledger.total_of_all_accounts() == 0
    assert ledger.negative_available() == []


def state(user):
    (only,) = selectors.commission_orders(selectors.promoter_commissions(user))
    return only.state, only.commission_fen


def test_a_promoted_line_pays_its_promoter_from_the_payment(open_plan, product, creator, buyer, enabled):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, _line = buy(buyer, product.skus.get(), 2, link.token)  # ¥200.00 at 10%, fee 2%
    assert state(creator.user) == (rules.COMMISSION_UNSETTLED, 2000)
    assert selectors.earnings(creator.user).pending_fen == 2000
    assert ledger.balance(enabled).pending_fen == 20_000 - 400 - 2000
    payment = Journal.objects.get(source_type="payment", source_key=str(order.pk))
    assert payment.entries.count() == 4  # clearing, store pending, fee income, the promoter's pending
    books_add_up()


def test_post_paid_orders_pays_a_claim_once(open_plan, product, creator, buyer, enabled):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, _line = buy(buyer, product.skus.get(), 1, link.token)
    money.post_paid_orders(order_ids=[order.pk])
    assert LineCommission.objects.count() == 1
    assert selectors.earnings(creator.user).pending_fen == 1000
    books_add_up()


def test_a_partial_refund_lowers_the_commission_and_a_full_one_cancels_it(
    open_plan, product, creator, buyer, enabled
):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    _order, line = buy(buyer, product.skus.get(), 2, link.token)
    money.post_line_refund(line_id=line.pk, amount_fen=5000, quantity=0, out_refund_no="AS1")  # a quarter
    assert state(creator.user) == (rules.COMMISSION_UNSETTLED, 1500)
    assert selectors.earnings(creator.user).pending_fen == 1500
    # the store gave back 5000 less the fee's share (100) less the commission's (500)
    assert ledger.balance(enabled).pending_fen == 17_600 - 4400
    money.post_line_refund(line_id=line.pk, amount_fen=15_000, quantity=2, out_refund_no="AS2")
    assert state(creator.user) == (rules.COMMISSION_CANCELLED, 0)
    assert selectors.earnings(creator.user).pending_fen == 0
    assert ledger.balance(enabled).pending_fen == 0
    books_add_up()


def test_settle_claims_is_idempotent(open_plan, product, creator, buyer, enabled):
    """The line's period ends: the commission settles (100) into the promoter's available, once."""
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, line = buy(buyer, product.skus.get(), 1, link.token)
    money.settle_line(order_id=order.pk, line_id=line.pk)
    money.settle_claims(line_id=line.pk)
    money.settle_line(order_id=order.pk, line_id=line.pk)
    assert state(creator.user) == (rules.COMMISSION_SETTLED, 1000)
    earned = selectors.earnings(creator.user)
    assert (earned.pending_fen, earned.available_fen) == (0, 1000)
    assert ledger.balance(enabled).available_fen == 10_000 - 200 - 1000
    assert Journal.objects.filter(source_type="commission_settled").count() == 1
    books_add_up()


def test_a_refund_after_settlement_claws_the_commission_back(open_plan, product, creator, buyer, enabled):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, line = buy(buyer, product.skus.get(), 1, link.token)
    money.settle_line(order_id=order.pk, line_id=line.pk)
    money.post_line_refund(line_id=line.pk, amount_fen=10_000, quantity=1, out_refund_no="AS9")
    assert state(creator.user) == (rules.COMMISSION_SETTLED, 0)  # settled; the claw-back is a new entry
    earned = selectors.earnings(creator.user)
    assert (earned.available_fen, earned.owed_fen) == (0, 0)
    # the store paid the buyer back 10000 less the fee (200) less the commission clawed back (1000)
    assert ledger.balance(enabled).available_fen == 0
    books_add_up()


def test_a_claw_back_beyond_what_the_promoter_holds_is_owed_and_repaid_from_the_next(
    open_plan, product, creator, buyer, enabled
):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, line = buy(buyer, product.skus.get(), 1, link.token, key="a")
    money.settle_line(order_id=order.pk, line_id=line.pk)
    assert money.request_promoter_withdrawal(promoter=creator.user, amount_fen=1000).amount_fen == 1000
    money.post_line_refund(line_id=line.pk, amount_fen=10_000, quantity=1, out_refund_no="AS9")
    assert selectors.earnings(creator.user).owed_fen == 1000
    again, line2 = buy(buyer, product.skus.get(), 1, link.token, key="b")
    money.settle_line(order_id=again.pk, line_id=line2.pk)
    earned = selectors.earnings(creator.user)
    assert (earned.owed_fen, earned.available_fen) == (0, 0)  # the next commission repaid the debt
    books_add_up()


def test_through_an_agency_the_agency_earns_its_service_fee(
    make_plan, open_plan, enabled, product, make_promoter, buyer
):
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
    link = services.make_link(promoter=member, plan_id=targeted.pk)
    _order, _line = buy(buyer, product.skus.get(), 1, link.token)
    assert selectors.earnings(member.user).pending_fen == 2000
    assert selectors.earnings(agency.user).pending_fen == 500
    assert ledger.balance(enabled).pending_fen == 10_000 - 200 - 2000 - 500
    kinds = sorted(LineCommission.objects.values_list("kind", "amount_fen"))
    assert kinds == [("commission", 2000), ("service", 500)]
    books_add_up()


def test_claims_never_take_more_than_the_store_keeps_of_the_line(
    make_plan, open_plan, enabled, product, make_promoter, buyer
):
    """A targeted plan at the highest ratios (90% commission, 90% service): the claims together
    would be 180% of the line; they are paid in order from what the store keeps after the fee
    (the commission in full, the agency what is left), and a partial refund and the settlement
    work on the capped amounts."""
    agency, member = make_promoter(kind="agency"), make_promoter()
    services.join_agency(promoter=member, agency_id=agency.pk)
    (targeted,) = make_plan(
        enabled,
        product,
        kind=PlanKind.TARGETED,
        ratio=rules.RATIO_MAX_PPM,
        service_ratio_ppm=rules.RATIO_MAX_PPM,
        promoter_ids=[agency.pk],
    )
    link = services.make_link(promoter=member, plan_id=targeted.pk)
    order, line = buy(buyer, product.skus.get(), 1, link.token)  # ¥100.00, fee ¥2.00
    kinds = sorted(LineCommission.objects.values_list("kind", "amount_fen"))
    assert kinds == [("commission", 9000), ("service", 10_000 - 200 - 9000)]
    assert ledger.balance(enabled).pending_fen == 0
    money.post_line_refund(line_id=line.pk, amount_fen=5000, quantity=0, out_refund_no="AS1")  # half
    assert selectors.earnings(member.user).pending_fen == 4500
    assert selectors.earnings(agency.user).pending_fen == 400
    money.settle_line(order_id=order.pk, line_id=line.pk)
    assert (selectors.earnings(member.user).available_fen, selectors.earnings(agency.user).available_fen) == (
        4500,
        400,
    )
    assert ledger.balance(enabled).available_fen == 0  # the store kept nothing of the half not refunded
    books_add_up()


def test_the_promoter_withdraws_settled_commission(
    open_plan, product, creator, buyer, django_capture_on_commit_callbacks
):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, line = buy(buyer, product.skus.get(), 2, link.token)
    money.settle_line(order_id=order.pk, line_id=line.pk)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = money.request_promoter_withdrawal(promoter=creator.user, amount_fen=1500)
    money.withdrawal_paid(out_bill_no=withdrawal.out_bill_no, amount_fen=1500, transfer_bill_no="T")
    earned = selectors.earnings(creator.user)
    assert (earned.available_fen, earned.withdrawing_fen) == (500, 0)
    books_add_up()


def test_the_endpoints_show_commission_orders_to_the_promoter_and_the_store(
    open_plan, product, creator, buyer, enabled, api_for, merchant, make_user
):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, line = buy(buyer, product.skus.get(), 1, link.token)
    mine = api_for(creator.user).get("/alliance/commissions").json()
    assert mine["count"] == 1
    assert {
        k: mine["items"][0][k] for k in ("reference", "order_id", "amount_fen", "commission_fen", "state")
    } == {
        "reference": f"AL{line.pk}",
        "order_id": order.pk,
        "amount_fen": 1000,
        "commission_fen": 1000,
        "state": 20,
    }
    assert api_for(creator.user).get("/alliance/earnings").json()["pending_fen"] == 1000
    theirs = api_for(merchant).get(f"/stores/{enabled.pk}/alliance/commissions").json()
    assert theirs["count"] == 1 and theirs["items"][0]["promoter_id"] == creator.user_id
    stranger = api_for(make_user())
    assert stranger.get(f"/stores/{enabled.pk}/alliance/commissions").status_code == 404
    assert stranger.get("/alliance/commissions").json()["count"] == 0
    assert api_for(None).get("/alliance/commissions").status_code == 401


def test_the_promoter_center_shows_earnings_and_withdraws(open_plan, product, creator, buyer, client):
    link = services.make_link(promoter=creator, plan_id=open_plan.pk)
    order, line = buy(buyer, product.skus.get(), 2, link.token)
    money.settle_line(order_id=order.pk, line_id=line.pk)  # ¥20.00 settled
    client.force_login(creator.user)
    page = client.get("/alliance/").content.decode()
    assert 'id="commission-available"' in page and "¥20.00" in page
    assert f'id="commission-AL{line.pk}"' in page and "已结算" in page
    refused = client.post("/alliance/", {"action": "withdraw", "amount": "30"})
    assert refused.status_code == 400 and "余额不足" in refused.content.decode()
    done = client.post("/alliance/", {"action": "withdraw", "amount": "15"})
    assert done.status_code == 302
    earned = selectors.earnings(creator.user)
    assert (earned.available_fen, earned.withdrawing_fen) == (500, 1500)
    assert "¥15.00" in client.get("/alliance/").content.decode()
