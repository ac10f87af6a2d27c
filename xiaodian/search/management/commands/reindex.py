"""`xiaodian reindex`: rebuild the search index from the stores and products, with a progress bar."""

import time

from django.core.management.base import BaseCommand
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from xiaodian.search import services


class Command(BaseCommand):
    help = "Rebuild the search index (open stores and listed products)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
        ) as progress:
            tasks: dict[str, int] = {}

            def report(kind: str, done: int, total: int) -> None:
                if kind not in tasks:
                    tasks[kind] = progress.add_task(kind, total=total)
                progress.update(tasks[kind], completed=done)

            counts = services.reindex_all(progress=report)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"indexed {counts['stores']} stores and {counts['products']} products in {seconds:.1f} s"
        )
