"""Scheduled after-sale work; each task calls a service that re-checks the clock and the state."""

from datetime import timedelta

from django_tasks import task

from xiaodian.core import schedule

from . import services


@task()
def approve_overdue_refund(aftersale_id: int) -> bool:
    return services.approve_if_overdue(aftersale_id) is not None


@task()
def close_unreturned(aftersale_id: int) -> bool:
    return services.close_if_unreturned(aftersale_id) is not None


@task()
def confirm_exchange_later(aftersale_id: int) -> bool:
    return services.confirm_exchange_if_due(aftersale_id) is not None


@task()
def end_periods(order_id: int) -> int:
    """When an order's after-sale period is over: its lines' `aftersale_period_ended`."""
    return len(services.end_aftersale_periods(order_id))


@schedule.every(timedelta(minutes=5))
@task()
def sweep_aftersales() -> dict:
    """The safety net: overdue answers, returns and exchanges, refunds whose submission was lost,
    after-sale periods that ended."""
    try:
        return services.sweep()
    finally:
        schedule.run_next(sweep_aftersales)
