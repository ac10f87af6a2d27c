from django.core.management import call_command
from django.core.management.base import BaseCommand

from xiaodian.core import schedule


class Command(BaseCommand):
    help = "Run background tasks (the django-tasks database worker), with the daily ones scheduled."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args, interval, max_tasks, **options):
        for path in schedule.ensure_scheduled():
            self.stdout.write(f"scheduled the next run of {path}")
        kwargs = {"interval": interval, "verbosity": options["verbosity"]}
        if max_tasks:
            kwargs["max_tasks"] = max_tasks
        call_command("db_worker", **kwargs)
