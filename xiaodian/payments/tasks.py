"""Background payment work. Each task calls a service."""

from datetime import timedelta

from django_tasks import task

from xiaodian.core import schedule

from .sandbox import services as sandbox


@task()
def deliver_sandbox_notification(trade_pk: int, attempt: int) -> bool:
    """The sandbox's retry of a notification the merchant did not take (rules.NOTIFY_RETRY_DELAYS)."""
    return sandbox.deliver_notification(trade_pk, attempt=attempt)


@task()
def deliver_sandbox_refund_notification(refund_pk: int, attempt: int, notification_id: str = "") -> bool:
    """The sandbox's retry of a refund notification the merchant did not take."""
    return sandbox.deliver_refund_notification(refund_pk, attempt=attempt, notification_id=notification_id)


@task()
def retry_refund(refund_pk: int, attempt: int) -> str:
    """Submit a failed refund again (rules.REFUND_RETRY_DELAYS after its failure). `attempt` is the
    attempt that failed; if the refund has been submitted again since, this one does nothing.
    Answers the refund's status afterwards."""
    from . import services

    return services.retry_scheduled_refund(refund_id=refund_pk, attempt=attempt)


@schedule.every(timedelta(minutes=1))
@task()
def sweep_payments() -> dict:
    """Ask WeChat Pay about payments and refunds whose notifications have not come."""
    from . import services

    try:
        return services.sweep()
    finally:
        schedule.run_next(sweep_payments)
