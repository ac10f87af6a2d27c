"""The payments app's durable events (core.events)."""

from xiaodian.core.events import DurableEvent

late_deposit_paid = DurableEvent(
    "late_deposit_paid",
    fields=["payment_id"],
    eager=True,
    doc="A deposit was paid after there was nothing left to pay for (its store closed): give it back.",
)

transfer_succeeded = DurableEvent(
    "transfer_succeeded",
    fields=["out_bill_no", "amount_fen", "transfer_bill_no"],
    doc="A 商家转账 transfer reached its payee (WeChat Pay's bill ended SUCCESS). Once per transfer.",
)

transfer_failed = DurableEvent(
    "transfer_failed",
    fields=["out_bill_no", "amount_fen", "reason"],
    doc=(
        "A 商家转账 transfer did not reach its payee and never will (WeChat Pay refused it, or its "
        "bill ended FAIL / CANCELLED): the money it would have paid is still the payer's. Once per "
        "transfer; its out_bill_no is not used again."
    ),
)
