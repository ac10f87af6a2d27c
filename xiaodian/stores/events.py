"""The stores app's durable events (core.events)."""

from xiaodian.core.events import DurableEvent

store_closing = DurableEvent(
    "store_closing",
    fields=["store_id"],
    doc="A store began closing: its paid deposits go back, and it closes once they have.",
)
