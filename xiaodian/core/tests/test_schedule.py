"""Recurring tasks: the next run's time, one waiting run per task, each run enqueueing the next."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from xiaodian.core import clock, schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 6, 1, 2, 59, tzinfo=SHANGHAI), datetime(2026, 6, 1, 3, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 6, 1, 3, 0, tzinfo=SHANGHAI), datetime(2026, 6, 2, 3, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 6, 1, 23, 0, tzinfo=ZoneInfo("UTC")), datetime(2026, 6, 3, 3, 0, tzinfo=SHANGHAI)),
    ],
)
def test_next_run_is_the_next_such_time_in_shanghai(now, expected):
    assert schedule.next_run(time(3, 0), now) == expected


@pytest.mark.django_db
def test_ensure_scheduled_enqueues_each_daily_task_once():
    with clock.travel_to(datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)):
        first = schedule.ensure_scheduled()
        again = schedule.ensure_scheduled()
    assert "xiaodian.scoring.tasks.recompute_scores" in first
    assert again == []
    waiting = DBTaskResult.objects.get(task_path="xiaodian.scoring.tasks.recompute_scores")
    assert waiting.status == TaskResultStatus.READY
    assert waiting.run_after == datetime(2026, 6, 2, 3, 0, tzinfo=SHANGHAI)


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
