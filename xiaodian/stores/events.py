"""The stores app's durable events (core.events)."""

from xiaodian.core.events import DurableEvent

store_closing = DurableEvent(
    "store_closing",
    fields=["store_id"],
    doc="A store began closing: its paid deposits go back, and it closes once they have.",
)

store_changed = DurableEvent(
    "store_changed",
    fields=["store_ids"],
    eager=True,
    doc="Stores opened, closed, or changed their name or main category: what shows them and their "
    "products (the search index) reads them again, at once after the commit and again if that run "
    "was lost.",
)
