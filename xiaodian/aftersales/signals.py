"""After-sale notify events (core.events.NotifyEvent), sent on commit with `aftersale=AfterSale`,
for pages and sockets; what must happen whatever crashes is in `events.py`."""

from xiaodian.core.events import NotifyEvent

aftersale_requested = NotifyEvent()
aftersale_refunded = NotifyEvent()
dispute_decided = NotifyEvent()  # aftersale=..., dispute=...
