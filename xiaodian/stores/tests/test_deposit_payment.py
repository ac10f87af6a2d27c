"""Deposits through WeChat Pay, as stores see them: a charge leaves the deposit pending until its
payment's notification marks it paid (mark_deposit_paid), once; closing drops what is unpaid and
refunds what is paid."""

import pytest

from xiaodian.core.errors import DomainError
from xiaodian.stores import services
from xiaodian.stores.models import StoreDeposit
from xiaodian.stores.rules import DepositStatus, StoreState
from xiaodian.stores.tests.paying import pay_at_the_pay_page


def test_a_deposit_is_pending_until_its_payment_is_notified(store, categories):
    deposit = services.pay_deposit(store=store, category_id=categories["女装"].pk)
    assert (deposit.status, deposit.paid_at) == (DepositStatus.PENDING, None)
    assert deposit.transaction_id  # the payment's out_trade_no, while it is pending
    with pytest.raises(DomainError) as exc:
        services.ensure_can_list(store=store, category_id=categories["女装"].pk)
    assert exc.value.code == "deposit_required"

    deposit = pay_at_the_pay_page(deposit)
    assert deposit.status == DepositStatus.PAID and deposit.paid_at is not None
    services.ensure_can_list(store=store, category_id=categories["女装"].pk)

    assert services.close_store(store=store).state == StoreState.CLOSED
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.REFUNDED and deposit.refund_id


def test_marking_a_deposit_paid_is_idempotent(store, categories):
    deposit = services.pay_deposit(store=store, category_id=categories["女装"].pk)
    first = services.mark_deposit_paid(deposit_id=deposit.pk, transaction_id="4200000001")
    again = services.mark_deposit_paid(deposit_id=deposit.pk, transaction_id="4200000002")
    assert first.status == again.status == DepositStatus.PAID
    assert (again.transaction_id, again.paid_at) == ("4200000001", first.paid_at)


def test_nothing_is_left_to_pay_once_the_store_closed(store, categories):
    deposit = services.pay_deposit(store=store, category_id=categories["女装"].pk)
    services.close_store(store=store)
    assert not StoreDeposit.objects.filter(pk=deposit.pk).exists()
    assert services.mark_deposit_paid(deposit_id=deposit.pk, transaction_id="4200000003") is None
