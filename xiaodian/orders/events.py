"""The order's life as durable events (core.events): facts that later features (the ledger, the
alliance, coupons, gifts, webhooks) hang their money and stock side effects on. Each is emitted
inside the transaction that makes it true; handlers are connected by the consuming app in its
`AppConfig.ready()` and must be idempotent.

Payloads are ids and amounts: `order_ids` is every order the fact covers (one checkout may make
several orders)."""

from xiaodian.core.events import DurableEvent

order_placed = DurableEvent(
    "order_placed", fields=["order_ids"], eager=True, doc="A checkout made these orders (status 10)."
)
order_paid = DurableEvent(
    "order_paid",
    fields=["order_ids"],
    eager=True,
    doc="These orders were paid (10/250 → 20, or 12 for a gift).",
)
order_reopened = DurableEvent(
    "order_reopened",
    fields=["order_ids"],
    eager=True,
    doc="Paid after they had closed unpaid (250 → 20 or 12): their stock was taken again.",
)
order_shipped = DurableEvent(
    "order_shipped", fields=["order_ids"], eager=True, doc="Everything still owed has shipped (→ 30)."
)
order_confirmed = DurableEvent(
    "order_confirmed",
    fields=["order_ids"],
    eager=True,
    doc="Received: by the buyer or automatically 10 days after shipping (→ 100).",
)
order_cancelled = DurableEvent(
    "order_cancelled",
    fields=["order_ids"],
    eager=True,
    doc="Closed unpaid (250), cancelled as oversold (190) or fully refunded (200).",
)
line_refunded = DurableEvent(
    "line_refunded",
    fields=["line_id", "amount_fen", "quantity", "out_refund_no"],
    eager=True,
    doc="Money went back to the buyer for `quantity` units of the line (the refund succeeded).",
)
