"""Paying a deposit the way its payer does, for the stores' tests.

Stores sit below payments in the layers (they may not import it), so this goes only through what
stores know: the gateway's charge, whose `pay_url` is the WeChat Pay sandbox's pay page, and
HTTP. Pressing 确认支付 there makes the sandbox deliver the signed payment notification, which
marks the deposit paid (payments calls `mark_deposit_paid`)."""

from django.test import Client

from xiaodian.core.payments import gateway
from xiaodian.stores.models import StoreDeposit


def pay_at_the_pay_page(deposit: StoreDeposit) -> StoreDeposit:
    """Pay a pending deposit; answers it, refreshed."""
    charge = gateway().charge(  # asking again answers the same pending charge
        reference=f"deposit-{deposit.pk}", amount_fen=deposit.amount_fen, description=str(deposit.category)
    )
    if charge.pay_url:
        response = Client().post(charge.pay_url)
        assert response.status_code == 200, response.status_code
    deposit.refresh_from_db()
    return deposit
