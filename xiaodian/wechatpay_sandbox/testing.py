"""Helpers for tests that need money to move: play the payer (and WeChat Pay's refund desk) in the
sandbox.

    from xiaodian.wechatpay_sandbox.testing import pay_in_sandbox, pay_deposit_in_sandbox, fail_refunds_in_sandbox

`pay_in_sandbox(payment)` does what pressing 确认支付 on the payment's sandbox pay page does (the
page's own action, without a test client request, so query counts around it stay intact): the
sandbox marks its transaction paid and delivers the signed, encrypted notification to the
notify endpoint (in-process), so by the time it returns the Payment has succeeded and whatever
it pays for (a deposit, a checkout's orders) has been told.

Refunds need no helper to succeed: `services.refund_payment(...)` goes to the sandbox, which
answers PROCESSING and delivers REFUND.SUCCESS before the call returns, so the Refund is
`succeeded` and `refund_succeeded` has been sent by then. To make refunds fail, switch the
sandbox first: `fail_refunds_in_sandbox(payment, times=N)` makes the next N refunds of that payment
end ABNORMAL (`refund_failed` sent, a retry queued); payments.testing's `run_refund_retry(refund)`
then runs the queued retry as the worker would.

Transfers (商家转账) need no helper to succeed either: `services.transfer_money(...)` goes to the
sandbox, which settles the bill and delivers MCHTRANSFER.BILL.FINISHED before the call returns.
`fail_transfers_in_sandbox(openid, times=N)` makes the next N transfers to that openid end FAIL;
`hold_transfer_notifications(openid)` keeps their notifications back (as if lost).
"""

from xiaodian.payments import selectors
from xiaodian.payments.models import Payment, Refund, Transfer
from xiaodian.stores.models import StoreDeposit

from . import services as sandbox
from .models import SandboxRefund, SandboxTradeState, SandboxTransaction, SandboxTransferBill


def sandbox_trade(payment: Payment) -> SandboxTransaction:
    """The sandbox's side of a payment (it exists once the payment was prepaid)."""
    return SandboxTransaction.objects.get(out_trade_no=payment.out_trade_no)


def pay_in_sandbox(payment: Payment) -> Payment:
    """Pay in the sandbox and deliver the notification; answers the payment, refreshed."""
    sandbox.pay_for(payment.out_trade_no)
    payment.refresh_from_db()
    return payment


def pay_deposit_in_sandbox(deposit: StoreDeposit) -> StoreDeposit:
    """Pay a pending deposit's payment in the sandbox; answers the deposit, refreshed (paid)."""
    payment = selectors.deposit_payment(deposit.pk)
    if payment is None:
        raise AssertionError(f"deposit {deposit.pk} has no payment")
    pay_in_sandbox(payment)
    deposit.refresh_from_db()
    return deposit


def notification_for(payment: Payment) -> tuple[dict[str, str], bytes]:
    """The signed notification the sandbox sends once the payer pays, without delivering it:
    the sandbox's transaction is marked paid, the Payment is not (yet)."""
    trade = sandbox_trade(payment)
    if trade.trade_state == SandboxTradeState.NOTPAY:
        trade = sandbox.pay(trade.prepay_id, notify=False)
    return sandbox.build_notification(trade)


# ------------------------------------------------------------------------------------------ refunds


def fail_refunds_in_sandbox(payment: Payment, *, times: int = 1, status: str = "ABNORMAL") -> None:
    """The next `times` refunds of this payment (new ones, and failed ones submitted again) are
    accepted and then end `status` ("ABNORMAL" or "CLOSED"): the sandbox delivers REFUND.ABNORMAL
    / REFUND.CLOSED, so the Refund is failed and `refund_failed` sent. `times=0` switches it off."""
    sandbox.fail_refunds(payment.out_trade_no, times=times, status=status)


def hold_refund_notifications(payment: Payment, hold: bool = True) -> None:
    """Refunds of this payment settle in the sandbox but their notifications are not delivered
    (as if lost): the Refund stays `processing` until you post `refund_notification_for(refund)`
    or call `deliver_refund_notification(refund)`."""
    sandbox.hold_refund_notifications(payment.out_trade_no, hold)


def sandbox_refund(refund: Refund) -> SandboxRefund:
    """The sandbox's side of a refund."""
    return SandboxRefund.objects.select_related("trade").get(
        trade__out_trade_no=refund.payment.out_trade_no, out_refund_no=refund.out_refund_no
    )


def refund_notification_for(refund: Refund) -> tuple[dict[str, str], bytes]:
    """The signed REFUND.* notification of the refund's latest submission, as the sandbox sends
    it (same id on every call), without delivering it."""
    return sandbox.build_refund_notification(sandbox_refund(refund))


def deliver_refund_notification(refund: Refund) -> Refund:
    """Deliver a held refund notification now; answers the refund, refreshed."""
    sandbox.deliver_refund_notification(sandbox_refund(refund).pk)
    refund.refresh_from_db()
    return refund


# ---------------------------------------------------------------------------------------- transfers


def fail_transfers_in_sandbox(openid: str, *, times: int = 1, reason: str = "ACCOUNT_FROZEN") -> None:
    """The next `times` transfers to this openid are accepted and then end FAIL with `reason`:
    the sandbox delivers MCHTRANSFER.BILL.FINISHED saying so, the Transfer is failed and
    `transfer_failed` emitted. `times=0` switches it off."""
    sandbox.fail_transfers(openid, times=times, reason=reason)


def hold_transfer_notifications(openid: str, hold: bool = True) -> None:
    """Transfers to this openid settle in the sandbox but their notifications are not delivered
    (as if lost): the Transfer stays `processing` until the sweep asks, or you post
    `transfer_notification_for(transfer)`."""
    sandbox.hold_transfer_notifications(openid, hold)


def sandbox_bill(transfer: Transfer) -> SandboxTransferBill:
    """The sandbox's side of a transfer."""
    return SandboxTransferBill.objects.get(out_bill_no=transfer.out_bill_no)


def transfer_notification_for(transfer: Transfer) -> tuple[dict[str, str], bytes]:
    """The signed MCHTRANSFER.BILL.FINISHED notification of the transfer's bill, as the sandbox
    sends it (same id on every call), without delivering it."""
    return sandbox.build_transfer_notification(sandbox_bill(transfer))
