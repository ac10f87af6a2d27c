"""The catalog's durable events (core.events)."""

from xiaodian.core.events import DurableEvent

product_changed = DurableEvent(
    "product_changed",
    fields=["product_ids"],
    eager=True,
    doc="Products were listed, delisted, banned, unbanned or edited (title, category, prices): "
    "what shows them (the search index) reads them again, at once after the commit and again "
    "if that run was lost.",
)
