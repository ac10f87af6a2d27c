"""`xiaodian score`: recompute every store's score (what the daily task does), or one store's,
with a progress bar."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from xiaodian.core.errors import DomainError
from xiaodian.scoring import selectors, services
from xiaodian.stores.models import Store


class Command(BaseCommand):
    help = "Recompute store scores: all stores (the daily task), or one with --store."

    def add_arguments(self, parser):
        parser.add_argument(
            "action", nargs="?", choices=["explain"], help="explain: print a store's score explained"
        )
        parser.add_argument("store_id", nargs="?", type=int, help="the store to explain")
        parser.add_argument("--store", type=int, help="one store's id")
        parser.add_argument("--as-of", type=date.fromisoformat, help="the day (YYYY-MM-DD), default today")
        parser.add_argument("--formula-version", type=int, help="a formula version, default the newest")

    def handle(self, *args, action=None, store_id=None, store, as_of, formula_version, **options):
        if action == "explain":
            return self.explain(store_id)
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

    def explain(self, store_id: int | None) -> None:
        """The store's current score with every metric (value, smoothed, benchmark, band,
        sub-score), the traffic weight's parts, the badges gained or lost and the changes since the
        previous score, and what to improve first."""
        if store_id is None:
            raise CommandError("usage: xiaodian score explain STORE_ID")
        target = Store.objects.filter(pk=store_id).first()
        if target is None:
            raise CommandError(f"store {store_id} does not exist")
        shown = selectors.explain(target)
        if shown is None:
            self.stdout.write(f"store {store_id}: not scored yet (run `xiaodian score`)")
            return
        out = self.stdout.write
        score = (
            shown["score"]
            if shown["score"] is not None
            else f"no score yet ({shown['qualifying_orders']} of {shown['threshold']} orders)"
        )
        out(f"store {store_id}: {score} (formula v{shown['version']}, {shown['as_of']})")
        previous = shown["previous"]
        if previous:
            out(f"previous: {previous['score']} on {previous['as_of']}")
        for dimension in shown["dimensions"]:
            out(
                f"{dimension['label']} ({dimension['name']}) weight {dimension['weight']:g}: {dimension['score']}"
            )
            for m in dimension["metrics"]:
                out(
                    f"  {m['label']} ({m['name']}): value {m['value']} ({m['numerator']}/{m['denominator']}), "
                    f"smoothed {m['smoothed']}, {m['benchmark']} median {m['median']} top {m['top']}, "
                    f"{m['band']} -> {m['sub_score']}"
                )
        out(
            "traffic weight "
            + " + ".join(f"{p['part']} {p['weight']:g}" for p in shown["weight_parts"])
            + f" = {shown['traffic_weight']:g}"
        )
        out("badges: " + (", ".join(b["name"] for b in shown["badges"]) or "none"))
        if shown["badges_gained"]:
            out("badges gained: " + ", ".join(shown["badges_gained"]))
        if shown["badges_lost"]:
            out("badges lost: " + ", ".join(shown["badges_lost"]))
        for badge in shown["badge_checks"]:
            carried = ", kept until the quarter's decision" if badge["carried"] else ""
            out(f"badge {badge['code']}: {badge['state']}{carried}")
            for c in badge["conditions"]:
                gap = f" (gap {c['gap_shown']})" if c["gap_shown"] else ""
                mark = "ok" if c["ok"] else "NO"
                out(f"  [{mark}] {c['name']}: {c['value_shown']} {c['op']} {c['threshold_shown']}{gap}")
        for change in shown["changes"]:
            out(f"changed: {change['metric']} {change['before']} -> {change['after']}")
        if shown["next"]:
            out(f"next: {shown['next']['label']} ({shown['next']['metric']}): {shown['next']['advice']}")
