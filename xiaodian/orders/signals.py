"""Order events, sent on commit with `orders=[Order, ...]` (one checkout may make several)."""

from django.dispatch import Signal

order_placed = Signal()
order_paid = Signal()
order_shipped = Signal()
order_confirmed = Signal()
order_cancelled = Signal()
