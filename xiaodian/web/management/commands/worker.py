from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from xiaodian.core import events, schedule


def make_worker(*, interval: float = 1.0, max_tasks: int | None = None) -> Worker:
    """A django-tasks database worker named `host:pid`, so that a worker started after this one
    died can tell the tasks it left running (`events.recover_stalled`)."""
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
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


class Command(BaseCommand):
    help = "Run background tasks (durable event handlers, timeouts, sweeps, the daily ones)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args, interval, max_tasks, **options):
        recovered, scheduled = prepare()
        if recovered:
            self.stdout.write(f"picked up {recovered} task(s) a stopped worker left running")
        for path in scheduled:
            self.stdout.write(f"scheduled the next run of {path}")
        worker = make_worker(interval=interval, max_tasks=max_tasks)
        worker.configure_signals()
        worker.run()
