from django.core.management.base import BaseCommand

from xiaodian.core.worker import make_worker, prepare


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
