"""The sandbox's background work: delivering again a notification the merchant did not take."""

from django_tasks import task

from . import services


@task()
def deliver_sandbox_notification(trade_pk: int, attempt: int) -> bool:
    """The sandbox's retry of a notification the merchant did not take (rules.NOTIFY_RETRY_DELAYS)."""
    return services.deliver_notification(trade_pk, attempt=attempt)


@task()
def deliver_sandbox_refund_notification(refund_pk: int, attempt: int, notification_id: str = "") -> bool:
    """The sandbox's retry of a refund notification the merchant did not take."""
    return services.deliver_refund_notification(refund_pk, attempt=attempt, notification_id=notification_id)


@task()
def deliver_sandbox_transfer_notification(bill_pk: int, attempt: int) -> bool:
    """The sandbox's retry of a transfer bill's notification the merchant did not take."""
    return services.deliver_transfer_notification(bill_pk, attempt=attempt)
