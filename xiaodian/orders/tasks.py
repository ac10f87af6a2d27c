"""Scheduled order work. Each task calls a service that re-checks the clock, so a task that runs
early, late or twice does the right thing."""

from datetime import timedelta

from django_tasks import task

from xiaodian.core import schedule

from . import services


@task()
def close_unpaid_checkout(checkout_id: int) -> int:
    return len(services.close_unpaid_checkout(checkout_id))


@task()
def cancel_unaccepted_gift(order_id: int) -> bool:
    return services.cancel_unaccepted_gift(order_id) is not None


@task()
def auto_confirm_order(order_id: int) -> bool:
    return services.auto_confirm(order_id) is not None


@schedule.every(timedelta(minutes=5))
@task()
def sweep_orders() -> dict:
    """The safety net: close every overdue unpaid order and confirm every overdue shipped one."""
    try:
        return {
            "closed": services.close_expired_orders(),
            "confirmed": services.auto_confirm_due_orders(),
            "gifts_cancelled": services.cancel_unaccepted_gifts(),
        }
    finally:
        schedule.run_next(sweep_orders)
