"""After-sale events, sent on commit with `aftersale=AfterSale`."""

from django.dispatch import Signal

aftersale_requested = Signal()
aftersale_refunded = Signal()
dispute_decided = Signal()  # aftersale=..., dispute=...
