"""Helpers for tests that need money to move: play the payer in the sandbox.

    from xiaodian.payments.testing import pay_in_sandbox, pay_deposit_in_sandbox

`pay_in_sandbox(payment)` does what pressing 确认支付 on the payment's sandbox pay page does (the
page's own action, without a test client request, so query counts around it stay intact): the
sandbox marks its transaction paid and delivers the signed, encrypted notification to the
notify endpoint (in-process), so by the time it returns the Payment has succeeded and whatever
it pays for (a deposit, a checkout's orders) has been told.
"""

from xiaodian.stores.models import StoreDeposit

from . import selectors
from .models import Payment, SandboxTradeState, SandboxTransaction
from .sandbox import services as sandbox


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
