"""Background payment work. Each task calls a service."""

from django_tasks import task


@task()
def retry_refund(refund_pk: int, attempt: int) -> str:
    """Submit a failed refund again (rules.REFUND_RETRY_DELAYS after its failure). `attempt` is the
    attempt that failed; if the refund has been submitted again since, this one does nothing.
    Answers the refund's status afterwards."""
    from . import services

    return services.retry_scheduled_refund(refund_id=refund_pk, attempt=attempt)
