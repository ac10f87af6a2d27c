"""`xiaodian ledger reconcile`: every payment, refund and transfer at the gateway against its
journals and back, plus the books' own proofs; `--repair` first posts what is missing through the
events' handlers (also how the ledger catches up on history). Exits 1 when something differs."""

import json
import sys
from datetime import timedelta

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from xiaodian.core.money import format_fen
from xiaodian.ledger import reconcile


class Command(BaseCommand):
    help = "Reconcile the ledger with the payment gateway's records (and repair with --repair)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reconcile"])
        parser.add_argument("--repair", action="store_true", help="post missing journals first")
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(reconcile.GRACE.total_seconds() // 60),
            help="leave out records newer than this (their postings may be on their way)",
        )
        parser.add_argument("--json", action="store_true", help="the report as JSON on stdout")

    def handle(self, *args, action, repair, grace_minutes, **options):
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            tasks: dict[str, int] = {}

            def report_progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = progress.add_task(step, total=total)
                progress.update(tasks[step], completed=done, total=total)

            report = reconcile.reconcile(
                grace=timedelta(minutes=max(grace_minutes, 0)), repair=repair, progress=report_progress
            )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(report)
        if not report.ok:
            sys.exit(1)

    def _print(self, report) -> None:
        out = self.stdout.write
        if report.repaired:
            out("repaired: " + ", ".join(f"{k} {v}" for k, v in report.repaired.items()))
        out("checked: " + (", ".join(f"{k} {v}" for k, v in report.checked.items()) or "nothing"))
        if report.ok:
            out("the ledger agrees with the gateway; every journal sums to zero; the books add up")
            return
        out(f"{len(report.differences)} differences:")
        for d in report.differences[:200]:
            out(
                f"  {d.kind:<22} {d.record:<36} gateway {format_fen(d.gateway_fen):>14}  "
                f"ledger {format_fen(d.ledger_fen):>14}  {d.note}"
            )
        if len(report.differences) > 200:
            out(f"  … and {len(report.differences) - 200} more (--json lists all)")
