"""Reads for payments."""

from .models import Payment, Purpose, Refund, Transfer


def payment_for(purpose: str, reference_id: int) -> Payment | None:
    """The one payment for a checkout or a deposit, if it has been started."""
    return Payment.objects.filter(purpose=purpose, reference_id=reference_id).first()


def deposit_payment(deposit_id: int) -> Payment | None:
    return payment_for(Purpose.DEPOSIT, deposit_id)


def refund_by_number(out_refund_no: str) -> Refund | None:
    """The refund with this out_refund_no (the number its caller chose), if it was made."""
    return Refund.objects.select_related("payment").filter(out_refund_no=out_refund_no).first()


def transfer_by_number(out_bill_no: str) -> Transfer | None:
    """The transfer with this out_bill_no (the number its caller chose), if it was made."""
    return Transfer.objects.filter(out_bill_no=out_bill_no).first()
