"""The kernel's own recurring work."""

from datetime import timedelta

from django_tasks import task

from . import events, schedule


@schedule.every(timedelta(minutes=1))
@task()
def sweep_events() -> int:
    """Durable-event handler runs (and any task) left running by a worker that died: ready again."""
    try:
        return events.recover_stalled()
    finally:
        schedule.run_next(sweep_events)
