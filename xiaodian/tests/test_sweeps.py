"""Every sweep runs: each sweep_* task of any app is on the worker's schedule."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from xiaodian.core import clock, schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _sweeps() -> dict[str, object]:
    """Every task named sweep_* in any app's tasks module."""
    import importlib
    import pkgutil

    from django.apps import apps
    from django_tasks.base import Task

    found = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("xiaodian."):
            continue
        modules = [m.name for m in pkgutil.iter_modules(config.module.__path__) if m.name == "tasks"]
        for name in modules:
            module = importlib.import_module(f"{config.name}.{name}")
            for attr, value in vars(module).items():
                if attr.startswith("sweep") and isinstance(value, Task):
                    found[value.module_path] = value
    return found


def test_every_sweep_is_on_the_workers_schedule():
    sweeps = _sweeps()
    assert {
        "xiaodian.orders.tasks.sweep_orders",
        "xiaodian.aftersales.tasks.sweep_aftersales",
        "xiaodian.payments.tasks.sweep_payments",
        "xiaodian.core.tasks.sweep_events",
    } <= set(sweeps)
    unscheduled = set(sweeps) - set(schedule.registered())
    assert not unscheduled, f"sweeps that never run: {sorted(unscheduled)}"


@pytest.mark.django_db
def test_a_sweep_runs_again_after_its_interval():
    from xiaodian.orders import tasks

    moment = datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)
    with clock.travel_to(moment):
        assert "xiaodian.orders.tasks.sweep_orders" in schedule.ensure_scheduled()
        DBTaskResult.objects.filter(task_path="xiaodian.orders.tasks.sweep_orders").delete()
        tasks.sweep_orders.call()  # a run enqueues the next
    waiting = DBTaskResult.objects.get(task_path="xiaodian.orders.tasks.sweep_orders")
    assert waiting.run_after == moment + schedule._EVERY["xiaodian.orders.tasks.sweep_orders"][1]
