"""Payment events. Sent synchronously inside the transaction that records the change (for a
notification: the one that inserts its receipt), so a receiver's state change commits or rolls
back together with it (ARCHITECTURE.md). A receiver that raises rolls everything back: a
notification is then answered with a failure and delivered again.
"""

from django.dispatch import Signal

payment_succeeded = Signal()  # sender=Payment, payment=Payment

# sender=Refund, refund=Refund (status "succeeded", refund_id and succeeded_at set). Once per
# refund: from "processing", or from "failed" when WeChat Pay reports a success after all.
refund_succeeded = Signal()

# sender=Refund, refund=Refund (status "failed", failure, attempts), final=bool. Each time an
# attempt fails. final=False: the next attempt is queued for refund.next_retry_at. final=True:
# no automatic retry is left (refund.gave_up); `retry_failed_refund` may still submit it again.
refund_failed = Signal()
