"""Reads for payments."""

from .models import Payment, Purpose


def payment_for(purpose: str, reference_id: int) -> Payment | None:
    """The one payment for a checkout or a deposit, if it has been started."""
    return Payment.objects.filter(purpose=purpose, reference_id=reference_id).first()


def deposit_payment(deposit_id: int) -> Payment | None:
    return payment_for(Purpose.DEPOSIT, deposit_id)
