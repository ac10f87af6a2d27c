"""`xiaodian simulate`: the ecosystem simulator (docs/distribution.md "The simulator").

Runs each policy over the same synthetic world and writes `report.html` (figures side by side,
charts) and `summary.json` to --out. Progress goes to stderr; with --json the summary is the only
thing on stdout. The same --seed gives the same files, whatever --workers."""

import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xiaodian.distribution import report, simulator
from xiaodian.distribution.ranking import PRESETS


class Command(BaseCommand):
    help = "Simulate days of the discovery feed under several ranking policies, side by side."

    def add_arguments(self, parser):
        defaults = simulator.Config()
        parser.add_argument("--users", type=int, default=100_000)
        parser.add_argument("--stores", type=int, default=1_000)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--active", type=float, default=defaults.active, help="share of users opening the feed each day"
        )
        parser.add_argument(
            "--policies",
            default=",".join(defaults.policies),
            help=f"comma-separated, from: {', '.join(PRESETS)}",
        )
        parser.add_argument(
            "--out", type=Path, default=None, help="directory for report.html and summary.json"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes (default: one per policy, at most the CPUs + 1)",
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the summary as JSON on stdout"
        )

    def handle(self, *args, users, stores, days, seed, active, policies, out, workers, as_json, **options):
        names = tuple(p.strip() for p in policies.split(",") if p.strip())
        unknown = [p for p in names if p not in PRESETS]
        if unknown or not names:
            raise CommandError(
                f"unknown policy {', '.join(unknown) or '(none)'}; one of {', '.join(PRESETS)}"
            )
        if users < 1 or stores < 1 or days < 1:
            raise CommandError("--users, --stores and --days must be at least 1")
        if not 0 < active <= 1:
            raise CommandError("--active is a share of users in (0, 1]")
        config = simulator.Config(
            users=users, stores=stores, days=days, seed=seed, active=active, policies=names
        )
        workers = workers or min(len(names), (os.cpu_count() or 1) + 1)
        out = out or Path(settings.DATA_DIR) / "simulate"
        err = Console(stderr=True)

        started = time.perf_counter()
        with err.status("building the world"):
            world = simulator.build_world(config)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            tasks = {name: progress.add_task(f"{name} (days)", total=days) for name in names}
            outcomes = simulator.simulate(
                config, world=world, workers=workers, progress=lambda name: progress.advance(tasks[name])
            )
        elapsed = time.perf_counter() - started

        summary = report.summary(config, outcomes)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json_dumps(summary), encoding="utf-8")
        (out / "report.html").write_text(report.render_html(config, outcomes), encoding="utf-8")
        err.print(
            f"{len(names)} policies, {days} days, {users:,} users, {stores:,} stores in {elapsed:.1f} s"
        )
        err.print(f"wrote {out / 'report.html'} and {out / 'summary.json'}")
        if as_json:
            self.stdout.write(json_dumps(summary))
            return
        table = Table(
            "policy", "GMV (¥)", "orders", "Gini", "top 1%", "small", "private", "boosted", "new alive"
        )
        for o in outcomes:
            table.add_row(
                o.policy,
                f"{o.gmv_fen / 100:,.0f}",
                f"{o.orders:,}",
                f"{o.gini:.3f}",
                f"{o.top1_share:.1%}",
                f"{o.small_share:.1%}",
                f"{o.private_share:.1%}",
                f"{o.boosted_share:.1%}",
                f"{o.new_store_survival:.1%}",
            )
        Console(file=self.stdout, width=120).print(table)


def json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
