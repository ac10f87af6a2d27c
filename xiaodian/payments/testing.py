"""Helpers for tests of refunds that fail: run the retry a failed refund queued, as the worker would.

To move money in the first place (pay, make refunds fail) play the payer in WeChat Pay's local
stand-in: xiaodian.wechatpay_sandbox.testing.
"""

from xiaodian.core import clock

from . import tasks
from .models import Refund


def run_refund_retry(refund: Refund) -> Refund:
    """Run the retry queued for a failed refund, as the worker does at `next_retry_at` (the clock
    is moved there if that is later); answers the refund, refreshed."""
    refund.refresh_from_db()
    if refund.next_retry_at is None:
        raise AssertionError(f"refund {refund.out_refund_no} has no retry queued ({refund.status})")
    moment = max(refund.next_retry_at, clock.now())
    with clock.travel_to(moment):
        tasks.retry_refund.call(refund.pk, refund.attempts)
    refund.refresh_from_db()
    return refund


def run_refund_retries(refund: Refund) -> Refund:
    """Run a failed refund's queued retries one after another until it succeeds or is given up."""
    refund.refresh_from_db()
    while refund.next_retry_at is not None:
        run_refund_retry(refund)
    return refund
