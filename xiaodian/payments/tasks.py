"""Background payment work. Each task calls a service."""

from datetime import timedelta

from django_tasks import task

from xiaodian.core import schedule


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
    """Ask WeChat Pay about payments, refunds and transfers whose notifications have not come."""
    from . import services

    try:
        return services.sweep() | services.sweep_transfers()
    finally:
        schedule.run_next(sweep_payments)
