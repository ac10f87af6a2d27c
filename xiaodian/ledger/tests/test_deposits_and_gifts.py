"""Deposits are journals too: a paid category deposit is held in the store's deposit account and
goes out through refunds when the store closes. A paid gift nobody accepted is refunded in full,
and the ledger takes every line's share back out of the store's pending."""

from datetime import timedelta

import pytest

from xiaodian.core.events import run_pending
from xiaodian.ledger import reconcile, selectors, services
from xiaodian.ledger.models import Journal, OrderMoney
from xiaodian.ledger.rules import AccountKind
from xiaodian.orders import events as order_events
from xiaodian.orders import services as orders
from xiaodian.orders.rules import Status
from xiaodian.payments.models import Refund, RefundStatus
from xiaodian.stores import events as store_events
from xiaodian.stores import services as stores
from xiaodian.stores.rules import DepositStatus, StoreState
from xiaodian.wechatpay_sandbox.testing import pay_deposit_in_sandbox, pay_in_sandbox

from .test_postings import assert_books_add_up

pytestmark = pytest.mark.django_db


def platform(kind) -> int:
    return services.account(kind).balance_fen


@pytest.fixture
def deposit(store, categories, django_capture_on_commit_callbacks):
    """The store's 女装 deposit (¥2,000.00), paid on WeChat Pay's page; the commit's handlers ran."""
    with django_capture_on_commit_callbacks(execute=True):
        pending = stores.pay_deposit(store=store, category_id=categories["女装"].pk)
    assert selectors.balance(store).deposit_fen == 0  # not paid yet: nothing held
    with django_capture_on_commit_callbacks(execute=True):
        paid = pay_deposit_in_sandbox(pending)
    assert paid.status == DepositStatus.PAID
    return paid


def test_a_paid_deposit_is_held_in_the_store_s_deposit_account(deposit, store):
    assert selectors.balance(store).deposit_fen == 200_000
    assert platform(AccountKind.CLEARING) == -200_000
    journal = Journal.objects.get(source_type="deposit", source_key=str(deposit.pk))
    assert (journal.store_id, journal.sealed) == (store.pk, True)
    assert sorted(journal.entries.values_list("amount_fen", flat=True)) == [-200_000, 200_000]
    assert_books_add_up()


def test_closing_the_store_refunds_its_deposit_through_the_ledger(
    deposit, store, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert stores.close_store(store=store).state == StoreState.CLOSED
    assert selectors.balance(store).deposit_fen == 0
    assert platform(AccountKind.REFUNDS_OUT) == 200_000
    assert Journal.objects.filter(source_type="deposit_refund", source_key=str(deposit.pk)).count() == 1
    assert_books_add_up()
    report = reconcile.reconcile(grace=timedelta(0))
    assert report.ok and report.checked["refund"] == 1, report.differences


def test_post_deposit_paid_is_idempotent(deposit, store):
    services.post_deposit_paid(deposit_id=deposit.pk)
    services.post_deposit_paid(deposit_id=deposit.pk)
    assert Journal.objects.filter(source_type="deposit").count() == 1
    assert selectors.balance(store).deposit_fen == 200_000
    assert_books_add_up()


def test_post_deposit_refunded_is_idempotent(deposit, store, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stores.close_store(store=store)
    services.post_deposit_refunded(deposit_id=deposit.pk)
    run_pending(store_events.deposit_refunded)
    services.post_deposit_refunded(deposit_id=deposit.pk)
    assert Journal.objects.filter(source_type="deposit_refund").count() == 1
    assert selectors.balance(store).deposit_fen == 0
    assert_books_add_up()


def test_a_deposit_not_refunded_yet_is_not_paid_out(deposit):
    """Run early (the refund has not succeeded), the handler refuses, so the worker tries again."""
    with pytest.raises(LookupError):
        services.post_deposit_refunded(deposit_id=deposit.pk)
    assert not Journal.objects.filter(source_type="deposit_refund").exists()


def test_the_balance_endpoint_and_money_page_show_the_deposit(deposit, store, api, merchant, client):
    assert api.get(f"/stores/{store.pk}/balance").json()["deposit_fen"] == 200_000
    client.force_login(merchant)
    page = client.get(f"/stores/{store.pk}/money/").content.decode()
    assert 'id="deposit"' in page and "¥2,000.00" in page
    filtered = client.get(f"/stores/{store.pk}/money/?account=deposit").content.decode()
    assert "保证金缴纳" in filtered


# ------------------------------------------------------------------------------------------- gifts


def test_a_gift_nobody_accepted_gives_its_lines_back_out_of_pending(
    buyer, make_user, make_sku, store, django_capture_on_commit_callbacks
):
    friend = make_user()
    skus = [make_sku(store, price_fen=1999, stock=5), make_sku(store, price_fen=501, stock=5)]
    placed = orders.place_order(
        buyer=buyer,
        items=[orders.LineRequest(skus[0].pk, 2), orders.LineRequest(skus[1].pk, 1)],
        recipient=friend,
        idempotency_key="gift-ledger",
    )
    payment = orders.pay_checkout(buyer=buyer, order_id=placed.orders[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        pay_in_sandbox(payment)
    order = placed.orders[0]
    money = OrderMoney.objects.get(order_id=order.pk)
    assert selectors.balance(store).pending_fen == money.paid_fen - money.fee_fen == 4499 - 90

    with django_capture_on_commit_callbacks(execute=True):
        assert orders.cancel_gift(order_id=order.pk).status == Status.CANCELLED_UNPAID
    run_pending(order_events.order_cancelled)
    run_pending(order_events.line_refunded)
    refund = Refund.objects.get(out_refund_no=orders.gift_refund_no(order))
    assert (refund.status, refund.amount_fen) == (RefundStatus.SUCCEEDED, 4499)

    money.refresh_from_db()
    assert (money.refunded_fen, money.fee_returned_fen, money.pending_fen) == (4499, 90, 0)
    assert selectors.balance(store).pending_fen == 0
    assert platform(AccountKind.REFUNDS_OUT) == 4499
    keys = set(Journal.objects.filter(source_type="refund").values_list("source_key", flat=True))
    assert keys == {f"GC{order.pk}-{line.pk}" for line in order.lines.all()}
    assert_books_add_up()
    assert reconcile.reconcile(grace=timedelta(0)).ok  # the gift's refund is its lines' journals


def test_an_after_sale_refund_is_not_taken_for_a_gift_s(paid):
    """Only a cancelled gift's own refund number is read as one."""
    order = paid()
    assert orders.record_gift_refund(out_refund_no=f"GC{order.pk}") is False  # paid, not cancelled
    assert orders.record_gift_refund(out_refund_no="AS12") is False
    assert orders.record_gift_refund(out_refund_no="GCx") is False
