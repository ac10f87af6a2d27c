"""Background payment work. Each task calls a service."""

from django_tasks import task

from .sandbox import services as sandbox


@task()
def deliver_sandbox_notification(trade_pk: int, attempt: int) -> bool:
    """The sandbox's retry of a notification the merchant did not take (rules.NOTIFY_RETRY_DELAYS)."""
    return sandbox.deliver_notification(trade_pk, attempt=attempt)
