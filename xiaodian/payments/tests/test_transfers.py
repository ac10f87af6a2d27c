"""商家转账 transfers, end to end against the sandbox: a transfer settles by its
MCHTRANSFER.BILL.FINISHED notification (or, when that is lost, by the sweep's query), once, and
says so with a durable event written in the same transaction; a failure says why; a process
killed between recording and submitting a transfer leaves it to be submitted once, later."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.events import pending, run_pending
from xiaodian.payments import events, rules, selectors, services, tasks
from xiaodian.payments.gateway import GatewayError, WeChatPayGateway
from xiaodian.payments.models import NotificationLog, NotificationReceipt, Transfer, TransferState
from xiaodian.wechatpay_sandbox import services as sandbox
from xiaodian.wechatpay_sandbox.models import SandboxTransferBill
from xiaodian.wechatpay_sandbox.testing import (
    fail_transfers_in_sandbox,
    hold_transfer_notifications,
    sandbox_bill,
    transfer_notification_for,
)

pytestmark = pytest.mark.django_db
PAYEE = "o-merchant-owner-1"


@pytest.fixture
def heard():
    """What a consumer of the durable transfer events (the ledger, later) is told, in order, once
    the outbox is drained (`drain()`)."""
    seen: list[tuple] = []

    def on_success(out_bill_no, amount_fen, transfer_bill_no):
        seen.append(("succeeded", out_bill_no, amount_fen))

    def on_failure(out_bill_no, amount_fen, reason):
        seen.append(("failed", out_bill_no, amount_fen, reason))

    # the only consumer while the test runs (the ledger's withdrawal handlers are set aside)
    others = [(event, event.handlers) for event in (events.transfer_succeeded, events.transfer_failed)]
    for event, handlers in others:
        for handler in handlers.values():
            event.disconnect(handler)
    events.transfer_succeeded.connect(on_success)
    events.transfer_failed.connect(on_failure)
    yield seen
    events.transfer_succeeded.disconnect(on_success)
    events.transfer_failed.disconnect(on_failure)
    for event, handlers in others:
        for handler in handlers.values():
            event.connect(handler)


def drain() -> int:
    return run_pending(events.transfer_succeeded) + run_pending(events.transfer_failed)


def pay_out(number="W20261207T0001", amount=12_345, payee=PAYEE) -> Transfer:
    return services.transfer_money(
        out_bill_no=number, amount_fen=amount, payee_openid=payee, remark="店铺提现"
    )


def later(delta=rules.QUERY_AFTER + timedelta(seconds=1)):
    return clock.travel_to(clock.now() + delta)


def test_a_transfer_succeeds_and_says_so_once(heard):
    transfer = pay_out()
    assert transfer.state == TransferState.SUCCEEDED and transfer.finished_at is not None
    assert transfer.transfer_bill_no == sandbox_bill(transfer).transfer_bill_no != ""
    assert selectors.transfer_by_number("W20261207T0001") == transfer
    assert pending(events.transfer_succeeded).count() == 1  # written with the state change
    assert drain() == 1
    assert heard == [("succeeded", "W20261207T0001", 12_345)]
    receipt = NotificationReceipt.objects.get()
    assert (receipt.transfer_id, receipt.payment_id, receipt.event_type) == (
        transfer.pk,
        None,
        "MCHTRANSFER.BILL.FINISHED",
    )
    assert NotificationLog.objects.get().out_bill_no == "W20261207T0001"


def test_asking_about_a_settled_transfer_settles_nothing_again(heard):
    transfer = pay_out()
    answer = services.query_transfer(transfer)
    assert (answer["state"], answer["transfer_bill_no"]) == ("SUCCESS", transfer.transfer_bill_no)
    assert pending(events.transfer_succeeded).count() == 1
    drain()
    assert heard == [("succeeded", "W20261207T0001", 12_345)]
    with pytest.raises(DomainError) as unknown:
        services.query_transfer(Transfer(out_bill_no="W20261207NONE"))
    assert unknown.value.code == "not_found"


def test_the_same_out_bill_no_answers_the_same_transfer(heard):
    first = pay_out()
    again = pay_out()
    assert again.pk == first.pk and again.state == TransferState.SUCCEEDED
    assert SandboxTransferBill.objects.count() == 1
    with pytest.raises(DomainError) as refused:
        pay_out(amount=999)
    assert (refused.value.code, refused.value.field) == ("validation_error", "out_bill_no")
    drain()
    assert heard == [("succeeded", "W20261207T0001", 12_345)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_fen": rules.TRANSFER_MIN_FEN - 1}, "amount_fen"),
        ({"amount_fen": rules.TRANSFER_MAX_FEN + 1}, "amount_fen"),
        ({"amount_fen": "100"}, "amount_fen"),
        ({"out_bill_no": "W-1"}, "out_bill_no"),
        ({"payee_openid": ""}, "payee_openid"),
        ({"remark": " "}, "remark"),
        ({"remark": "提" * 33}, "remark"),
    ],
)
def test_a_bad_transfer_is_refused_before_anything_is_written(changes, field):
    arguments = {"out_bill_no": "W20261207BAD", "amount_fen": 100, "payee_openid": PAYEE, "remark": "提现"}
    with pytest.raises(DomainError) as refused:
        services.transfer_money(**(arguments | changes))
    assert (refused.value.code, refused.value.field) == ("validation_error", field)
    assert not Transfer.objects.exists() and not SandboxTransferBill.objects.exists()


def test_a_failed_transfer_says_why_and_is_not_submitted_again(heard):
    fail_transfers_in_sandbox(PAYEE, reason="ACCOUNT_FROZEN")
    transfer = pay_out()
    assert (transfer.state, transfer.fail_reason) == (TransferState.FAILED, "ACCOUNT_FROZEN")
    assert pay_out().state == TransferState.FAILED  # the same number stays failed: a new one is a new number
    assert SandboxTransferBill.objects.count() == 1
    drain()
    assert heard == [("failed", "W20261207T0001", 12_345, "ACCOUNT_FROZEN")]
    assert pay_out("W20261207T0002").state == TransferState.SUCCEEDED  # the switch was for one bill


def test_a_transfer_wechat_pay_refuses_fails_at_once(heard, monkeypatch):
    def refuse(self, **kwargs):
        raise GatewayError(403, "NOT_ENOUGH", "资金不足")

    monkeypatch.setattr(WeChatPayGateway, "create_transfer", refuse)
    transfer = pay_out()
    assert (transfer.state, transfer.fail_reason) == (TransferState.FAILED, "NOT_ENOUGH: 资金不足")
    drain()
    assert heard == [("failed", "W20261207T0001", 12_345, "NOT_ENOUGH: 资金不足")]


def test_a_duplicate_notification_changes_nothing(heard, notify):
    hold_transfer_notifications(PAYEE)
    transfer = pay_out()
    assert transfer.state == TransferState.PROCESSING and transfer.transfer_bill_no
    headers, body = transfer_notification_for(transfer)
    assert notify(headers, body).status_code == 204
    assert notify(headers, body).status_code == 204
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SUCCEEDED
    assert drain() == 1
    assert heard == [("succeeded", "W20261207T0001", 12_345)]
    assert list(NotificationLog.objects.order_by("id").values_list("outcome", flat=True)) == [
        "accepted",
        "duplicate",
    ]


def test_a_notification_for_another_amount_is_refused(heard, notify):
    hold_transfer_notifications(PAYEE)
    transfer = pay_out()
    bill = sandbox_bill(transfer)
    bill.transfer_amount = 1  # what a tampered or confused notification would say
    headers, body = sandbox.build_transfer_notification(bill)
    r = notify(headers, body)
    assert r.status_code == 400 and r.json()["code"] == "transfer_amount_mismatch"
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PROCESSING
    assert drain() == 0 and heard == []


def test_a_transfer_whose_notification_was_lost_is_settled_by_the_sweep(heard):
    hold_transfer_notifications(PAYEE)
    fail_transfers_in_sandbox(PAYEE, reason="TRANSFER_QUOTA_EXCEED")
    failing = pay_out("W20261207T0001")
    succeeding = pay_out("W20261207T0002", amount=500)
    assert {failing.state, succeeding.state} == {TransferState.PROCESSING}
    assert services.sweep_transfers() == {"transfers_settled": 0}  # too early to ask
    with later():
        assert tasks.sweep_payments.call()["transfers_settled"] == 2
        assert services.sweep_transfers() == {"transfers_settled": 0}
    drain()
    assert sorted(heard) == [
        ("failed", "W20261207T0001", 12_345, "TRANSFER_QUOTA_EXCEED"),
        ("succeeded", "W20261207T0002", 500),
    ]


def test_a_transfer_is_no_longer_asked_about_after_wechat_pay_forgets_it():
    hold_transfer_notifications(PAYEE)
    transfer = pay_out()
    with later(rules.TRANSFER_QUERY_WITHIN + timedelta(minutes=1)):
        assert services.sweep_transfers() == {"transfers_settled": 0}
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PROCESSING


def test_an_unanswered_submission_is_asked_about_and_submitted_by_the_sweep(heard, monkeypatch):
    def unreachable(self, **kwargs):
        raise GatewayError(0, "NETWORK_ERROR", "connection reset")

    monkeypatch.setattr(WeChatPayGateway, "create_transfer", unreachable)
    transfer = pay_out()
    assert (transfer.state, transfer.transfer_bill_no) == (TransferState.PROCESSING, "")
    monkeypatch.undo()
    with later():
        assert services.sweep_transfers() == {"transfers_settled": 1}
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SUCCEEDED
    drain()
    assert heard == [("succeeded", "W20261207T0001", 12_345)]


# ------------------------------------------------- a transfer recorded, then the process killed


class _Killed(BaseException):
    """The process dies here (kill -9): nothing after this line runs, nothing is rolled back."""


def _killed_before_submitting(monkeypatch) -> Transfer:
    def die(transfer):
        raise _Killed

    with monkeypatch.context() as patched:
        patched.setattr(services, "_submit_transfer", die)
        with pytest.raises(_Killed):
            pay_out()
    transfer = Transfer.objects.get(out_bill_no="W20261207T0001")
    assert (transfer.state, transfer.transfer_bill_no) == (TransferState.PROCESSING, "")
    assert not SandboxTransferBill.objects.exists()
    return transfer


def test_a_transfer_killed_before_its_submission_is_submitted_when_asked_for_again(monkeypatch, heard):
    _killed_before_submitting(monkeypatch)
    transfer = pay_out()
    assert transfer.state == TransferState.SUCCEEDED
    assert SandboxTransferBill.objects.count() == 1
    drain()
    assert heard == [("succeeded", "W20261207T0001", 12_345)]


def test_a_transfer_killed_before_its_submission_is_submitted_by_the_sweep(monkeypatch, heard):
    transfer = _killed_before_submitting(monkeypatch)
    with later():
        assert services.sweep_transfers() == {"transfers_settled": 1}
        assert services.sweep_transfers() == {"transfers_settled": 0}
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SUCCEEDED
    assert SandboxTransferBill.objects.count() == 1
    drain()
    assert heard == [("succeeded", "W20261207T0001", 12_345)]


def test_a_transfer_whose_submission_arrived_before_the_kill_is_not_submitted_again(monkeypatch, heard):
    hold_transfer_notifications(PAYEE)  # the notification is lost with the process, too
    submitted: list[str] = []
    create = WeChatPayGateway.create_transfer

    def arrive_then_die(self, **kwargs):
        submitted.append(kwargs["out_bill_no"])
        create(self, **kwargs)
        raise _Killed

    with monkeypatch.context() as patched:
        patched.setattr(WeChatPayGateway, "create_transfer", arrive_then_die)
        with pytest.raises(_Killed):
            pay_out()
    assert submitted == ["W20261207T0001"]
    transfer = Transfer.objects.get()
    assert (transfer.state, transfer.transfer_bill_no) == (TransferState.PROCESSING, "")
    with later():
        assert services.sweep_transfers() == {"transfers_settled": 1}
    transfer.refresh_from_db()
    bill = SandboxTransferBill.objects.get()
    assert (transfer.state, transfer.transfer_bill_no) == (TransferState.SUCCEEDED, bill.transfer_bill_no)
    drain()
    assert heard == [("succeeded", "W20261207T0001", 12_345)]


def test_the_events_are_written_in_the_transaction_that_settles_the_transfer(heard, monkeypatch, notify):
    """A settlement that cannot be written leaves no event either: the notification is refused
    and WeChat Pay delivers it again, and then both are written."""
    hold_transfer_notifications(PAYEE)
    transfer = pay_out()
    headers, body = transfer_notification_for(transfer)

    def broken(**payload):
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(events.transfer_succeeded, "emit", broken)
        assert notify(headers, body).status_code == 409
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PROCESSING and not NotificationReceipt.objects.exists()
    assert notify(headers, body).status_code == 204
    assert drain() == 1 and heard == [("succeeded", "W20261207T0001", 12_345)]
    assert json.loads(body)["event_type"] == "MCHTRANSFER.BILL.FINISHED"


@pytest.mark.parametrize("model", [Transfer, SandboxTransferBill], ids=lambda m: m.__name__)
def test_the_admin_shows_transfers_read_only(client, make_user, model):
    pay_out()
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    change = client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[model.objects.get().pk])
    )
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
