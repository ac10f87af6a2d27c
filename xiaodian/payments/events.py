"""The payments app's durable events (core.events)."""

from xiaodian.core.events import DurableEvent

late_deposit_paid = DurableEvent(
    "late_deposit_paid",
    fields=["payment_id"],
    eager=True,
    doc="A deposit was paid after there was nothing left to pay for (its store closed): give it back.",
)
