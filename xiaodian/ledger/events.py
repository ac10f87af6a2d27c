"""The ledger's durable events (core.events)."""

from xiaodian.core.events import DurableEvent

withdrawal_requested = DurableEvent(
    "withdrawal_requested",
    fields=["withdrawal_id"],
    eager=True,
    doc=(
        "A store asked to withdraw; its money is in its withdrawing account. Submits the transfer "
        "(written with the request, so a process dying before the submission loses nothing)."
    ),
)
