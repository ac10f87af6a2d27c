"""Payment events. Sent synchronously inside the transaction that records the notification, so a
receiver's state change commits or rolls back together with it (ARCHITECTURE.md)."""

from django.dispatch import Signal

payment_succeeded = Signal()  # sender=Payment, payment=Payment
