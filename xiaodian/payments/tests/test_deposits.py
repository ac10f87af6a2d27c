"""Store deposits are paid through WeChat Pay: pending until the notification, then paid;
closing the store refunds them through WeChat Pay v3."""

import pytest
from django.test import Client

from xiaodian.core.errors import DomainError
from xiaodian.payments import services
from xiaodian.payments.models import Payment, PaymentStatus, Purpose, Refund, RefundStatus
from xiaodian.payments.testing import run_refund_retries, run_refund_retry
from xiaodian.stores import services as stores
from xiaodian.stores.models import StoreDeposit
from xiaodian.stores.rules import DepositStatus, StoreState
from xiaodian.wechatpay_sandbox import services as sandbox
from xiaodian.wechatpay_sandbox.models import SandboxRefund
from xiaodian.wechatpay_sandbox.testing import (
    fail_refunds_in_sandbox,
    hold_refund_notifications,
    notification_for,
    pay_deposit_in_sandbox,
    pay_in_sandbox,
    refund_notification_for,
    sandbox_trade,
)


def test_a_deposit_paid_on_the_pay_page_lets_the_store_list_and_closing_refunds_it(
    store, categories, succeeded
):
    womens = categories["女装"].pk
    deposit = stores.pay_deposit(store=store, category_id=womens)
    assert deposit.status == DepositStatus.PENDING
    payment = Payment.objects.get(purpose=Purpose.DEPOSIT, reference_id=deposit.pk)
    assert (payment.amount_fen, payment.status) == (200_000, PaymentStatus.CREATED)
    assert deposit.transaction_id == payment.out_trade_no
    assert "拾光服饰" in payment.description and "服饰鞋包" in payment.description
    with pytest.raises(DomainError) as exc:
        stores.ensure_can_list(store=store, category_id=womens)
    assert exc.value.code == "deposit_required"

    page = Client().get(services.pay_url(payment))
    assert "¥2,000.00" in page.content.decode()
    assert Client().post(services.pay_url(payment) + "?return=/stores/").status_code == 302

    deposit.refresh_from_db()
    payment.refresh_from_db()
    assert deposit.status == DepositStatus.PAID and deposit.paid_at is not None
    assert deposit.transaction_id == payment.transaction_id == sandbox_trade(payment).transaction_id
    assert succeeded == [payment]
    stores.ensure_can_list(store=store, category_id=womens)
    with pytest.raises(DomainError) as exc:
        stores.pay_deposit(store=store, category_id=womens)
    assert exc.value.code == "deposit_already_paid"

    assert stores.close_store(store=store).state == StoreState.CLOSED
    deposit.refresh_from_db()
    refund = Refund.objects.get(payment=payment)
    assert (refund.status, refund.amount_fen, refund.out_refund_no) == (
        RefundStatus.SUCCEEDED,
        200_000,
        f"R{payment.out_trade_no}",
    )
    assert deposit.status == DepositStatus.REFUNDED and deposit.refund_id == refund.refund_id
    assert SandboxRefund.objects.get().amount_refund == 200_000


def test_paying_a_pending_deposit_again_resumes_the_same_payment(store, categories):
    first = stores.pay_deposit(store=store, category_id=categories["女装"].pk)
    again = stores.pay_deposit(store=store, category_id=categories["男装"].pk)  # same 服饰鞋包 deposit
    assert again.pk == first.pk and again.transaction_id == first.transaction_id
    assert Payment.objects.count() == 1


def test_the_deposit_is_marked_paid_once(store, categories, notify):
    deposit = stores.pay_deposit(store=store, category_id=categories["女装"].pk)
    payment = Payment.objects.get(reference_id=deposit.pk)
    headers, body = notification_for(payment)
    assert notify(headers, body).status_code == 204
    paid_at = StoreDeposit.objects.get(pk=deposit.pk).paid_at
    assert notify(*notification_for(payment)).status_code == 204
    assert StoreDeposit.objects.get(pk=deposit.pk).paid_at == paid_at
    payment.refresh_from_db()
    again = stores.mark_deposit_paid(deposit_id=deposit.pk, transaction_id="4200OTHER")
    assert (again.transaction_id, again.paid_at) == (payment.transaction_id, paid_at)


def test_a_deposit_paid_after_its_store_closed_is_refunded(
    store, categories, django_capture_on_commit_callbacks
):
    deposit = stores.pay_deposit(store=store, category_id=categories["女装"].pk)
    payment = Payment.objects.get(reference_id=deposit.pk)
    stores.close_store(store=store)
    assert not StoreDeposit.objects.filter(pk=deposit.pk).exists()  # the pending deposit was dropped
    with django_capture_on_commit_callbacks(execute=True):
        pay_in_sandbox(payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Refund.objects.get(payment=payment).status == RefundStatus.SUCCEEDED
    assert sandbox_trade(payment).trade_state == "REFUND"


def test_the_test_helper_pays_a_pending_deposit(store, categories):
    deposit = stores.pay_deposit(store=store, category_id=categories["酒类"].pk)
    assert pay_deposit_in_sandbox(deposit).status == DepositStatus.PAID
    stores.ensure_can_list(store=store, category_id=categories["酒类"].pk)


def test_a_pending_deposit_can_be_settled_by_its_order_number(store, categories):
    """What the demo's seeding needs: pay a deposit without a browser."""
    deposit = stores.pay_deposit(store=store, category_id=categories["茶叶"].pk)
    sandbox.pay_for(deposit.transaction_id)
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.PAID


def test_closing_waits_for_the_deposit_refund_and_closes_when_it_succeeds(store, categories, refund_events):
    """The refund fails once (ABNORMAL): the store stays closing with its deposit paid; the
    automatic retry succeeds, REFUND.SUCCESS marks the deposit refunded and closes the store."""
    deposit = pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["女装"].pk))
    payment = Payment.objects.get(purpose=Purpose.DEPOSIT, reference_id=deposit.pk)
    fail_refunds_in_sandbox(payment, times=1)

    store = stores.close_store(store=store)
    assert store.state == StoreState.CLOSING and store.closed_at is None
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.PAID
    refund = Refund.objects.get(payment=payment)
    assert (refund.status, refund.out_refund_no) == (RefundStatus.FAILED, f"R{payment.out_trade_no}")
    assert refund_events == [("failed", refund.out_refund_no, False)]

    refund = run_refund_retry(refund)
    assert refund.status == RefundStatus.SUCCEEDED and refund.attempts == 2
    deposit.refresh_from_db()
    store.refresh_from_db()
    assert (deposit.status, deposit.refund_id) == (DepositStatus.REFUNDED, refund.refund_id)
    assert deposit.refunded_at is not None
    assert store.state == StoreState.CLOSED and store.closed_at is not None
    assert refund_events[-1] == ("succeeded", refund.out_refund_no)


def test_a_store_closes_when_its_last_deposit_refund_is_reported(store, categories, notify):
    first = pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["女装"].pk))
    second = pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["酒类"].pk))
    late = Payment.objects.get(purpose=Purpose.DEPOSIT, reference_id=second.pk)
    hold_refund_notifications(late)

    assert stores.close_store(store=store).state == StoreState.CLOSING
    assert StoreDeposit.objects.get(pk=first.pk).status == DepositStatus.REFUNDED
    assert StoreDeposit.objects.get(pk=second.pk).status == DepositStatus.PAID
    refund = Refund.objects.get(payment=late)
    assert refund.status == RefundStatus.PROCESSING
    with pytest.raises(DomainError) as exc:  # the processing refund holds the whole deposit
        services.refund_payment(payment=late, amount_fen=1, reason="")
    assert exc.value.code == "refund_exceeds_payment"

    assert notify(*refund_notification_for(refund)).status_code == 204
    assert StoreDeposit.objects.get(pk=second.pk).status == DepositStatus.REFUNDED
    store.refresh_from_db()
    assert store.state == StoreState.CLOSED


def test_closing_a_closing_store_again_submits_a_given_up_refund_again(store, categories):
    deposit = pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["女装"].pk))
    payment = Payment.objects.get(purpose=Purpose.DEPOSIT, reference_id=deposit.pk)
    fail_refunds_in_sandbox(payment, times=4)
    stores.close_store(store=store)
    refund = run_refund_retries(Refund.objects.get(payment=payment))
    assert refund.gave_up
    store.refresh_from_db()
    assert store.state == StoreState.CLOSING

    assert stores.close_store(store=store).state == StoreState.CLOSED  # the operator asks again
    assert StoreDeposit.objects.get(pk=deposit.pk).status == DepositStatus.REFUNDED
    with pytest.raises(DomainError) as exc:
        stores.close_store(store=store)
    assert exc.value.code == "invalid_transition"


def test_mark_deposit_refunded_is_idempotent(store, categories):
    deposit = pay_deposit_in_sandbox(stores.pay_deposit(store=store, category_id=categories["女装"].pk))
    first = stores.mark_deposit_refunded(deposit_id=deposit.pk, refund_id="50001")
    again = stores.mark_deposit_refunded(deposit_id=deposit.pk, refund_id="50002")
    assert (again.status, again.refund_id, again.refunded_at) == (
        DepositStatus.REFUNDED,
        "50001",
        first.refunded_at,
    )
    assert stores.mark_deposit_refunded(deposit_id=10**9, refund_id="50003") is None
    store.refresh_from_db()
    assert store.state == StoreState.OPEN  # refunding a deposit does not close an open store
