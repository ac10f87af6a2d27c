"""The task worker as `xiaodian worker` and the demo run it."""

from django_tasks_db.management.commands.db_worker import Worker

from . import events, schedule


def make_worker(*, interval: float = 1.0, max_tasks: int | None = None, batch: bool = False) -> Worker:
    """A django-tasks database worker named `host:pid`, so that a worker started after this one
    died can tell the tasks it left running (`events.recover_stalled`). `batch`: stop when
    nothing is ready."""
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=events.worker_id(),
        excluded_queue_names=[],
    )


def prepare() -> tuple[int, list[str]]:
    """Before a worker runs: what a dead worker left running is ready again, and every recurring
    task has its next run waiting."""
    return events.recover_stalled(), schedule.ensure_scheduled()
