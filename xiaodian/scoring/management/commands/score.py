"""`xiaodian score`: recompute every store's score (what the daily task does), or one store's,
with a progress bar."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from xiaodian.core.errors import DomainError
from xiaodian.scoring import services
from xiaodian.stores.models import Store


class Command(BaseCommand):
    help = "Recompute store scores: all stores (the daily task), or one with --store."

    def add_arguments(self, parser):
        parser.add_argument("--store", type=int, help="one store's id")
        parser.add_argument("--as-of", type=date.fromisoformat, help="the day (YYYY-MM-DD), default today")
        parser.add_argument("--formula-version", type=int, help="a formula version, default the newest")

    def handle(self, *args, store, as_of, formula_version, **options):
        started = time.perf_counter()
        try:
            if store is not None:
                target = Store.objects.filter(pk=store).first()
                if target is None:
                    raise CommandError(f"store {store} does not exist")
                score = services.recompute_store(target, as_of=as_of, version=formula_version)
                shown = (
                    score.score if score.score is not None else f"no score ({score.qualifying_orders} orders)"
                )
                self.stdout.write(f"store {store}: {shown}, traffic weight {score.traffic_weight}")
                return
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            ) as progress:
                tasks: dict[str, int] = {}

                def report(step: str, done: int, total: int) -> None:
                    if step not in tasks:
                        tasks[step] = progress.add_task(step, total=total)
                    progress.update(tasks[step], completed=done, total=total)

                summary = services.recompute_all(as_of=as_of, version=formula_version, progress=report)
        except DomainError as refused:
            raise CommandError(refused.message) from refused
        self.stdout.write(
            f"scored {summary['stores']} stores, {summary['with_score']} with a score, "
            f"formula v{summary['version']}, {summary['as_of']}, in {time.perf_counter() - started:.1f} s"
        )
