"""Withdrawals: available → withdrawing in the request's transaction, the transfer submitted after
the commit (a durable event, so a lost submission is made again), then withdrawing →
withdrawals_out when it succeeds or back to available when it fails; each handler once."""

from datetime import timedelta

import pytest

from xiaodian.accounts.rules import Role
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.events import pending, run_pending
from xiaodian.ledger import events, rules, selectors, services
from xiaodian.ledger.models import Journal, Withdrawal, WithdrawalState
from xiaodian.ledger.rules import AccountKind
from xiaodian.payments import events as payment_events
from xiaodian.payments.models import Transfer, TransferState
from xiaodian.stores import services as stores
from xiaodian.stores.access import store_for
from xiaodian.wechatpay_sandbox.testing import fail_transfers_in_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(paid, store):
    """A store with 3431 fen available (one order paid and settled)."""
    order = paid()
    for line in order.lines.all():
        services.settle_line(order_id=order.pk, line_id=line.pk)
    assert selectors.balance(store).available_fen == 3431
    return store


def withdraw(store, merchant, amount, capture):
    """Request, and run what the commit starts (the submission), as in production."""
    with capture(execute=True):
        return services.request_withdrawal(store=store, amount_fen=amount, by=merchant)


def drain():
    return run_pending(payment_events.transfer_succeeded) + run_pending(payment_events.transfer_failed)


def books_add_up():
    assert selectors.unbalanced_journals() == []
    assert selectors.drifted_balances() == []
    assert selectors.total_of_all_accounts() == 0
    assert selectors.negative_available() == []


def platform(kind):
    return services.account(kind).balance_fen


def test_withdrawal_paid_is_idempotent(settled, merchant, django_capture_on_commit_callbacks):
    """A withdrawal moves available to withdrawing, then out when the transfer succeeds; the
    success handler run again posts nothing more."""
    w = withdraw(settled, merchant, 1000, django_capture_on_commit_callbacks)
    b = selectors.balance(settled)
    assert (b.available_fen, b.withdrawing_fen) == (2431, 1000)
    transfer = Transfer.objects.get(out_bill_no=w.out_bill_no)
    assert (transfer.amount_fen, transfer.payee_openid) == (1000, rules.withdrawal_payee(settled.pk))
    assert Withdrawal.objects.get().state == WithdrawalState.PROCESSING
    assert drain() == 1
    w.refresh_from_db()
    assert w.state == WithdrawalState.SUCCEEDED and w.finished_at is not None
    b = selectors.balance(settled)
    assert (b.available_fen, b.withdrawing_fen) == (2431, 0)
    assert platform(AccountKind.WITHDRAWALS_OUT) == 1000
    # the handler run again (the worker's at-least-once) posts nothing more
    services.withdrawal_paid(out_bill_no=w.out_bill_no, amount_fen=1000, transfer_bill_no="x")
    assert Journal.objects.filter(source_type="withdrawal_paid").count() == 1
    assert platform(AccountKind.WITHDRAWALS_OUT) == 1000
    books_add_up()


def test_withdrawal_returned_is_idempotent(settled, merchant, django_capture_on_commit_callbacks):
    """A failed transfer returns the money to available, once, however often the handler runs."""
    fail_transfers_in_sandbox(rules.withdrawal_payee(settled.pk), reason="ACCOUNT_FROZEN")
    w = withdraw(settled, merchant, 3431, django_capture_on_commit_callbacks)
    assert selectors.balance(settled).available_fen == 0
    assert drain() == 1
    w.refresh_from_db()
    assert w.state == WithdrawalState.FAILED and "ACCOUNT_FROZEN" in w.fail_reason
    assert selectors.balance(settled).available_fen == 3431
    services.withdrawal_returned(out_bill_no=w.out_bill_no, amount_fen=3431, reason="again")
    assert selectors.balance(settled).available_fen == 3431
    assert Journal.objects.filter(source_type="withdrawal_back").count() == 1
    assert platform(AccountKind.WITHDRAWALS_OUT) == 0
    books_add_up()


def test_submit_withdrawal_is_idempotent(settled, merchant):
    """A submission lost with its process is made by the worker; run again, still one transfer."""
    w = services.request_withdrawal(store=settled, amount_fen=500, by=merchant)  # no commit callbacks
    assert not Transfer.objects.exists()
    assert pending(events.withdrawal_requested).count() == 1
    assert run_pending(events.withdrawal_requested) == 1
    assert Transfer.objects.get().out_bill_no == w.out_bill_no
    services.submit_withdrawal(withdrawal_id=w.pk)  # run twice: still one transfer
    assert Transfer.objects.count() == 1
    drain()
    assert Withdrawal.objects.get().state == WithdrawalState.SUCCEEDED
    assert Transfer.objects.get().state == TransferState.SUCCEEDED
    books_add_up()


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (99, "withdrawal_amount_invalid"),
        (0, "withdrawal_amount_invalid"),
        (200_000, "withdrawal_amount_invalid"),
        (3432, "balance_insufficient"),
    ],
)
def test_refusals_write_nothing(settled, merchant, amount, code):
    with pytest.raises(DomainError) as caught:
        services.request_withdrawal(store=settled, amount_fen=amount, by=merchant)
    assert caught.value.code == code
    assert not Withdrawal.objects.exists()
    assert selectors.balance(settled).available_fen == 3431


def test_at_most_three_a_shanghai_day(settled, merchant):
    with clock.travel_to(clock.now()):
        for _ in range(3):
            services.request_withdrawal(store=settled, amount_fen=100, by=merchant)
        with pytest.raises(DomainError) as caught:
            services.request_withdrawal(store=settled, amount_fen=100, by=merchant)
        assert caught.value.code == "withdrawal_limit_reached"
        clock.advance(timedelta(days=1))
        services.request_withdrawal(store=settled, amount_fen=100, by=merchant)
    assert Withdrawal.objects.count() == 4


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.FINANCE, True), (Role.ADMIN, True), (Role.OPERATOR, False)]
)
def test_only_money_roles_withdraw(settled, merchant, make_user, role, allowed):
    member = make_user(f"staff-{role}")
    stores.add_staff(store=store_for(merchant, settled.pk, "manage_staff"), user_id=member.pk, role=role)
    if allowed:
        services.request_withdrawal(store=settled, amount_fen=100, by=member)
    else:
        with pytest.raises(DomainError) as caught:
            services.request_withdrawal(store=settled, amount_fen=100, by=member)
        assert caught.value.code == "permission_denied"
    assert Withdrawal.objects.count() == int(allowed)


def test_the_api(api, api_for, make_user, settled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/stores/{settled.pk}/withdrawals", {"amount_fen": 1000})
    assert r.status_code == 201, r.content
    assert r.json()["amount_fen"] == 1000 and r.json()["state"] == "requested"  # submitted after commit
    assert Withdrawal.objects.get().state == WithdrawalState.PROCESSING
    for amount, status, code in [
        (99, 422, "withdrawal_amount_invalid"),
        (9999, 409, "balance_insufficient"),
        ("10", 422, "validation_error"),
    ]:
        r = api.post(f"/stores/{settled.pk}/withdrawals", {"amount_fen": amount})
        assert (r.status_code, r.json()["code"]) == (status, code)
    api.post(f"/stores/{settled.pk}/withdrawals", {"amount_fen": 100})
    api.post(f"/stores/{settled.pk}/withdrawals", {"amount_fen": 100})
    r = api.post(f"/stores/{settled.pk}/withdrawals", {"amount_fen": 100})
    assert (r.status_code, r.json()["code"]) == (409, "withdrawal_limit_reached")
    listed = api.get(f"/stores/{settled.pk}/withdrawals").json()
    assert listed["count"] == 3 and [i["amount_fen"] for i in listed["items"]] == [100, 100, 1000]
    stranger = api_for(make_user("stranger"))
    assert stranger.get(f"/stores/{settled.pk}/withdrawals").status_code == 404
    assert stranger.post(f"/stores/{settled.pk}/withdrawals", {"amount_fen": 100}).status_code == 404


def test_a_promoter_withdraws_only_what_their_own_available_holds(make_user, settled):
    """A promoter's withdrawal is the same machinery on the promoter's own accounts: a store's
    money is not theirs."""
    promoter = make_user()
    with pytest.raises(DomainError) as refused:
        services.request_promoter_withdrawal(promoter=promoter, amount_fen=1000)
    assert refused.value.code == "balance_insufficient"
    with pytest.raises(DomainError) as refused:
        services.request_promoter_withdrawal(promoter=promoter, amount_fen=99)
    assert refused.value.code == "withdrawal_amount_invalid"
    assert not Withdrawal.objects.filter(promoter=promoter).exists()
    assert selectors.balance(settled).available_fen == 3431
