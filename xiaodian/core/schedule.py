"""Recurring tasks. A task registers when it runs: at a time of day (`@daily(time(3, 0))`, Asia/
Shanghai) or every so often (`@every(timedelta(minutes=1))`, the sweeps). Each run enqueues the
next (`run_next`), and `ensure_scheduled()`, called when a worker starts, enqueues the next run of
any registered task that has none waiting."""

from datetime import datetime, time, timedelta

from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import clock
from .clock import SHANGHAI

_DAILY: dict[str, tuple[Task, time]] = {}
_EVERY: dict[str, tuple[Task, timedelta]] = {}


def daily(at: time):
    """Register a task to run every day at `at`."""

    def register(task: Task) -> Task:
        _DAILY[task.module_path] = (task, at)
        return task

    return register


def every(interval: timedelta):
    """Register a task to run again `interval` after each run (a sweep)."""

    def register(task: Task) -> Task:
        _EVERY[task.module_path] = (task, interval)
        return task

    return register


def registered() -> dict[str, Task]:
    """Every recurring task, by path (after the apps' task modules are imported)."""
    autodiscover_modules("tasks")
    return {path: entry[0] for path, entry in (_DAILY | _EVERY).items()}


def next_run(at: time, now: datetime) -> datetime:
    """The first moment at `at` (Shanghai) strictly after `now`."""
    local = now.astimezone(SHANGHAI)
    candidate = datetime.combine(local.date(), at, tzinfo=SHANGHAI)
    return candidate if candidate > local else candidate + timedelta(days=1)


def _when(path: str) -> datetime:
    now = clock.now()
    if path in _EVERY:
        return now + _EVERY[path][1]
    return next_run(_DAILY[path][1], now)


def run_next(task: Task) -> datetime:
    """Enqueue the registered task's next run unless one is waiting; answers when it is."""
    when = _when(task.module_path)
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path)
    if not waiting.exists():  # a worker that started while this run ran may have enqueued it
        task.using(run_after=when).enqueue()
    return when


def ensure_scheduled() -> list[str]:
    """Enqueue the next run of every registered task that has none waiting; answers their paths.
    (Call `events.recover_stalled()` first: a run left `running` by a dead worker counts as busy.)"""
    tasks = registered()
    # a running task enqueues its own next run when it ends
    busy = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    waiting = set(
        DBTaskResult.objects.filter(status__in=busy, task_path__in=list(tasks)).values_list(
            "task_path", flat=True
        )
    )
    missing = [path for path in tasks if path not in waiting]
    for path in missing:
        run_next(tasks[path])
    return missing
