"""After-sales' durable events (core.events)."""

from xiaodian.core.events import DurableEvent

refund_approved = DurableEvent(
    "aftersale_refund_approved",
    fields=["aftersale_id"],
    eager=True,
    doc="A request moved to PLATFORM_REFUNDING: its refund is to be submitted to the payment gateway.",
)
aftersale_period_ended = DurableEvent(
    "aftersale_period_ended",
    fields=["order_id", "line_id"],
    doc=(
        "The line's after-sale window closed with no request open on it (nor a rejection still "
        "open to a dispute): the moment commissions and the merchant's money settle. Once per line."
    ),
)
