"""Scheduled after-sale work; each task calls a service that re-checks the clock and the state."""

from django_tasks import task

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
def sweep_aftersales() -> dict:
    return services.sweep()
