"""Recurring tasks. A task registers the time of day it runs (`@daily(time(3, 0))`); each run
enqueues the next (`run_next`), and `ensure_scheduled()`, called when a worker starts, enqueues
the next run of any registered task that has none waiting. Times are Asia/Shanghai."""

from datetime import datetime, time, timedelta

from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import clock
from .clock import SHANGHAI

_DAILY: dict[str, tuple[Task, time]] = {}


def daily(at: time):
    """Register a task to run every day at `at`."""

    def register(task: Task) -> Task:
        _DAILY[task.module_path] = (task, at)
        return task

    return register


def next_run(at: time, now: datetime) -> datetime:
    """The first moment at `at` (Shanghai) strictly after `now`."""
    local = now.astimezone(SHANGHAI)
    candidate = datetime.combine(local.date(), at, tzinfo=SHANGHAI)
    return candidate if candidate > local else candidate + timedelta(days=1)


def run_next(task: Task) -> datetime:
    """Enqueue the registered task's next run unless one is waiting; answers when it is."""
    _task, at = _DAILY[task.module_path]
    when = next_run(at, clock.now())
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path)
    if not waiting.exists():  # a worker that started while this run ran may have enqueued it
        task.using(run_after=when).enqueue()
    return when


def ensure_scheduled() -> list[str]:
    """Enqueue the next run of every registered task that has none waiting; answers their paths."""
    autodiscover_modules("tasks")
    # a running task enqueues its own next run when it ends
    busy = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    waiting = set(
        DBTaskResult.objects.filter(status__in=busy, task_path__in=list(_DAILY)).values_list(
            "task_path", flat=True
        )
    )
    missing = [path for path in _DAILY if path not in waiting]
    for path in missing:
        run_next(_DAILY[path][0])
    return missing
