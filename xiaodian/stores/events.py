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

deposit_paid = DurableEvent(
    "deposit_paid",
    fields=["deposit_id"],
    eager=True,
    doc="A store's category deposit was paid: the ledger holds it in the store's deposit account.",
)

deposit_refunded = DurableEvent(
    "deposit_refunded",
    fields=["deposit_id"],
    eager=True,
    doc="A store's paid deposit went back to it (the refund succeeded): the ledger pays it out.",
)
