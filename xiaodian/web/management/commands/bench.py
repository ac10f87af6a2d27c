"""`xiaodian bench SCENARIO [--json]`: benchmarks against a real server on loopback (checkout,
flash-sale), search latency in-process at a million products (search), and the full store-score
recompute at ten million orders (score), 500 customer-service websockets on one server checked
for lost and doubled messages (service), and a checkout-and-pay load with `kill -9` of the server
and the worker, checked for lost payments, lost stock and doubled refunds (crash, PostgreSQL only),
buyers' order-list latency while a wrong-password flood hits one account (login-flood), and the
ledger's payment postings and settlement run at a million orders (ledger), and the Preferred
Alliance's product library at a million products and 100,000 plans and its commission settlement
at a million commission orders (alliance), and a user with 10,000 contacts listing, searching,
adding and deleting them, plus 500 chat websockets in 100 groups checked for lost and doubled
messages (social), and the discovery feed's first page at a million candidate items for a buyer
with 10,000 contacts (feed).

Their setup seeds at scale, deletes earlier seeds and (score) drops and rebuilds indexes, so they
run only on a database marked as a benchmark database: `xiaodian bench mark-db` marks one, and only
one that holds no data (xiaodian/benchmarks/guard.py, docs/benchmarks.md).

Progress goes to stderr; with --json the result is the only thing on stdout."""

import json
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

SCENARIOS = (
    "checkout",
    "flash-sale",
    "search",
    "search-quality",
    "score",
    "service",
    "crash",
    "login-flood",
    "ledger",
    "alliance",
    "social",
    "feed",
)
MARK = "mark-db"


def _kills(text: str) -> tuple[int, int]:
    try:
        counts = [int(x) for x in text.split(",")]
    except ValueError as exc:
        raise CommandError(f"--kills takes SERVER,WORKER like 3,2, or one number: {text!r}") from exc
    if len(counts) == 1:
        counts *= 2
    if len(counts) != 2 or min(counts) < 1 or max(counts) > 20:
        raise CommandError("--kills: at least one and at most 20 kills of the server and of the worker")
    return counts[0], counts[1]


def _levels(text: str) -> list[int]:
    try:
        levels = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise CommandError(f"--concurrency takes numbers like 1,16,64: {text!r}") from exc
    if not levels or min(levels) < 1 or max(levels) > 1024:
        raise CommandError("concurrency levels are between 1 and 1024")
    return levels


class Command(BaseCommand):
    help = (
        "Run a benchmark: "
        + ", ".join(SCENARIOS)
        + f"; only on a benchmark database, which `{MARK}` makes of an empty one"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "scenario",
            choices=(*SCENARIOS, MARK),
            help=f"the benchmark to run, or {MARK}: migrate an empty database and mark it as a benchmark database",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
        parser.add_argument("--concurrency", default=None, help="comma-separated levels")
        parser.add_argument("--duration", type=float, default=10.0, help="seconds per level (checkout)")
        parser.add_argument("--stock", type=int, default=100, help="units on sale (flash-sale)")
        parser.add_argument(
            "--stores",
            type=int,
            default=None,
            help="open stores to seed (search, score: default 100,000; ledger: default 10,000)",
        )
        parser.add_argument(
            "--products",
            type=int,
            default=1_000_000,
            help="listed products to seed (search, alliance), candidate items (feed)",
        )
        parser.add_argument("--plans", type=int, default=100_000, help="promotion plans to seed (alliance)")
        parser.add_argument(
            "--commissions",
            type=int,
            default=1_000_000,
            help="commission orders to seed and settle (alliance)",
        )
        parser.add_argument(
            "--requests",
            type=int,
            default=1_000,
            help="library requests to time (alliance); rounds of list, search, delete and re-add (social)",
        )
        parser.add_argument("--contacts", type=int, default=10_000, help="the user's contacts (social, feed)")
        parser.add_argument(
            "--library-only",
            action="store_true",
            help="time the library on the seed and stop: no payments posted, no settlement (alliance)",
        )
        parser.add_argument("--queries", type=int, default=200, help="queries per kind and tab (search)")
        parser.add_argument(
            "--orders",
            type=int,
            default=None,
            help="orders to seed (score: default 10,000,000; ledger: default 1,000,000), or "
            "checkout-and-pay iterations (crash; default 40)",
        )
        parser.add_argument(
            "--seed-only", action="store_true", help="seed (or reuse the seed) without the recompute (score)"
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="recompute in this process instead of a fresh one; its peak RSS then includes the seed (score)",
        )
        parser.add_argument(
            "--label",
            action="store_true",
            help="write the labelled query set for the catalog instead of measuring (search-quality)",
        )
        parser.add_argument(
            "--reuse-index",
            action="store_true",
            help="keep the search index when the seed is reused (search; the build is then not timed)",
        )
        parser.add_argument(
            "--clients",
            type=int,
            default=500,
            help="websockets: a buyer and an agent per store (service), members of the groups (social)",
        )
        parser.add_argument(
            "--seconds", type=float, default=60.0, help="seconds of sending (service, social)"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between one client's messages (service, social; default 20)",
        )
        parser.add_argument("--groups", type=int, default=100, help="groups the clients fill evenly (social)")
        parser.add_argument(
            "--part",
            choices=("all", "contacts", "sockets"),
            default="all",
            help="which part of the social benchmark: the contacts list, the chat websockets, or both",
        )
        parser.add_argument(
            "--offline",
            type=float,
            default=5.0,
            help="seconds a tenth of the buyers stay disconnected mid-run; 0: nobody drops (service)",
        )

        parser.add_argument(
            "--kills",
            default="1,1",
            help="kill -9 of the server and of the worker during the load: SERVER,WORKER or one number for both (crash)",
        )
        parser.add_argument("--seed", type=int, default=1, help="the random moments of the kills (crash)")
        parser.add_argument(
            "--flooders",
            type=int,
            default=16,
            help="connections posting wrong passwords for one account (login-flood; --concurrency: the "
            "buyers reading their orders meanwhile, default 8; --duration: seconds per phase)",
        )

    def handle(
        self, *args, scenario, json: bool, concurrency, duration, stock, stores, products, queries, **options
    ):
        from xiaodian.benchmarks import guard

        if scenario == MARK:
            self._mark(guard)
            return
        if scenario == "crash" and connection.vendor != "postgresql":
            raise CommandError(
                f"The crash benchmark runs on PostgreSQL only (this is {guard.describe()}): the server's "
                "processes, the worker and the bench share the database while processes are killed. Point "
                "XIAODIAN_DATABASE_URL at a new PostgreSQL database and run `xiaodian bench mark-db` there."
            )
        guard.require_benchmark_database(f"run the {scenario} benchmark")
        call_command("migrate", interactive=False, verbosity=0)

        def say(row):
            print(_line(row), file=sys.stderr, flush=True)

        database = connection.vendor
        if scenario in ("search", "score") and stores is None:
            stores = 100_000
        if scenario == "search":
            from xiaodian.benchmarks import search

            if stores < 1 or products < 1 or queries < 1:
                raise CommandError("--stores, --products and --queries must be positive")
            result = search.run(
                stores=stores,
                products=products,
                per_kind=queries,
                reindex=not options["reuse_index"],
                report=say,
            )
        elif scenario == "search-quality":
            from xiaodian.benchmarks import search_quality
            from xiaodian.web import demo

            if options["label"]:
                with search_quality.latency._progress() as progress:
                    search_quality.prepare(progress, demo_seeder=demo.seed_demo)
                written = search_quality.label()
                self.stderr.write(f"wrote {len(written)} labelled queries to {search_quality.LABELS}")
                return
            result = search_quality.run(demo_seeder=demo.seed_demo, report=say)
        elif scenario == "score":
            from xiaodian.benchmarks import score

            orders = 10_000_000 if options["orders"] is None else options["orders"]
            if stores < 1 or orders < 1:
                raise CommandError("--stores and --orders must be positive")
            result = score.run(
                stores=stores,
                orders=orders,
                recompute_scores=not options["seed_only"],
                isolate=not options["in_process"],
                report=say,
            )
        elif scenario == "ledger":
            from xiaodian.benchmarks import ledger

            orders = 1_000_000 if options["orders"] is None else options["orders"]
            stores = 10_000 if stores is None else stores
            if stores < 1 or orders < 1:
                raise CommandError("--stores and --orders must be positive")
            result = ledger.run(stores=stores, orders=orders, report=say)
        elif scenario == "alliance":
            from xiaodian.benchmarks import alliance

            plans, commissions, requests = options["plans"], options["commissions"], options["requests"]
            if min(products, plans, commissions, requests) < 1:
                raise CommandError("--products, --plans, --commissions and --requests must be positive")
            try:
                result = alliance.run(
                    products=products,
                    plans=plans,
                    commissions=commissions,
                    requests=requests,
                    settle=not options["library_only"],
                    report=say,
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
        elif scenario == "social":
            from xiaodian.benchmarks import social

            parts = social.PARTS if options["part"] == "all" else (options["part"],)
            clients, groups, seconds = options["clients"], options["groups"], options["seconds"]
            interval = 20.0 if options["interval"] is None else options["interval"]
            if "contacts" in parts and (options["contacts"] < 20 or options["requests"] < 1):
                raise CommandError("--contacts must be at least 20 and --requests positive")
            if "sockets" in parts and (groups < 1 or clients < 2 * groups or clients % groups):
                raise CommandError("--clients must fill --groups evenly, at least two to a group")
            if "sockets" in parts and (seconds <= 0 or interval <= 0):
                raise CommandError("--seconds and --interval must be positive")
            result = social.run(
                parts=parts,
                contacts=options["contacts"],
                requests=options["requests"],
                clients=clients,
                groups=groups,
                seconds=seconds,
                interval=interval,
                report=say,
            )
        elif scenario == "feed":
            from xiaodian.benchmarks import feed

            if products < 1000 or options["contacts"] < 1 or options["requests"] < 1:
                raise CommandError(
                    "--products (candidate items) at least 1,000; --contacts and --requests positive"
                )
            result = feed.run(
                items=products,
                contacts=options["contacts"],
                requests=min(options["requests"], 5_000),
                report=say,
            )
        elif scenario == "service":
            from xiaodian.benchmarks import service

            clients, seconds = options["clients"], options["seconds"]
            interval = 20.0 if options["interval"] is None else options["interval"]
            if clients < 2 or clients % 2:
                raise CommandError("--clients is an even number (a buyer and an agent per store)")
            if seconds <= 0 or interval <= 0 or options["offline"] < 0:
                raise CommandError("--seconds and --interval must be positive, --offline not negative")
            result = service.run(
                clients=clients, seconds=seconds, interval=interval, offline=options["offline"], report=say
            )
        elif scenario == "crash":
            from xiaodian.benchmarks import crash

            levels = _levels(concurrency or "8")
            if len(levels) != 1:
                raise CommandError("--concurrency takes one number for the crash benchmark")
            level = levels[0]
            server_kills, worker_kills = _kills(options["kills"])
            iterations = 40 if options["orders"] is None else options["orders"]
            if iterations < 2 * level:
                raise CommandError("--orders must be at least twice --concurrency (the kills land mid-load)")
            result = crash.run(
                orders=iterations,
                concurrency=level,
                server_kills=server_kills,
                worker_kills=worker_kills,
                seed=options["seed"],
                report=say,
            )
        elif scenario == "login-flood":
            from xiaodian.benchmarks import login_flood

            levels = _levels(concurrency or "8")
            if len(levels) != 1 or options["flooders"] < 1:
                raise CommandError("--concurrency takes one number and --flooders is positive (login-flood)")
            result = login_flood.run(
                clients=levels[0], flooders=options["flooders"], duration=duration, report=say
            )
        elif scenario == "checkout":
            from xiaodian.benchmarks import checkout

            result = checkout.run(levels=_levels(concurrency or "1,16,64,256"), duration=duration, report=say)
        else:
            from xiaodian.benchmarks import flash_sale

            if stock < 1:
                raise CommandError("--stock must be positive")
            result = flash_sale.run(stock=stock, levels=_levels(concurrency or "64,128,256,512"), report=say)
        result["database"] = database
        if json:
            self.stdout.write(_json(result))
        else:
            self.stdout.write(_table(result))
        if result.get("passed") is False and scenario == "feed":
            raise CommandError(f"the first page's p99 is over {result['target_p99_ms']} ms (see the result)")
        if result.get("passed") is False:
            raise CommandError("messages were lost, doubled or refused (see the result)")
        if result.get("ok") is False:
            raise CommandError("an invariant did not hold after the crashes (see the result)")

    def _mark(self, guard) -> None:
        if not guard.is_marked():
            guard.refuse_a_database_in_use()  # before migrating: a database in use is left as it is
        call_command("migrate", interactive=False, verbosity=0)
        mark = guard.mark_database()
        self.stderr.write(
            f"{guard.describe()}: a benchmark database since {mark.marked_at:%Y-%m-%d %H:%M:%S %Z}"
        )


def _json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


def _line(row: dict) -> str:
    return "  " + "  ".join(f"{k}={v}" for k, v in row.items() if k != "errors" or v)


def _table(result: dict) -> str:
    if result["scenario"] == "search":
        return _search_table(result)
    if result["scenario"] == "search-quality":
        return _search_quality_table(result)
    if result["scenario"] == "score":
        return _score_table(result)
    if result["scenario"] == "service":
        return _service_table(result)
    if result["scenario"] == "ledger":
        return _ledger_table(result)
    if result["scenario"] == "alliance":
        return _alliance_table(result)
    if result["scenario"] == "social":
        return _social_table(result)
    rows = result.get("levels", [])
    if not rows:
        return _json(result)
    keys = [k for k in rows[0] if k != "errors"]
    widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in keys}
    lines = [f"{result['scenario']} on {result.get('database', '?')}"]
    if "floor" in result:
        lines.append(
            f"floor (GET /api/v1/health): {result['floor']['per_second']} req/s, "
            f"p50 {result['floor']['p50_ms']} ms, p99 {result['floor']['p99_ms']} ms"
        )
    if "db_ceiling" in result:
        ceiling = result["db_ceiling"]
        lines.append(
            f"database ceiling ({ceiling['connections']} connections, {ceiling['statements']}): "
            f"{ceiling['per_second']} tx/s, p50 {ceiling['p50_ms']} ms, p99 {ceiling['p99_ms']} ms"
        )
    lines.append("  ".join(k.ljust(widths[k]) for k in keys))
    lines += ["  ".join(str(r[k]).ljust(widths[k]) for k in keys) for r in rows]
    return "\n".join(lines) + "\n"


def _search_table(result: dict) -> str:
    index = result["index_build"]
    rows = result["rows"]
    lines = [
        f"search on {result['database_version']}: {rows['product_documents']} products and "
        f"{rows['store_documents']} stores indexed",
        f"index build: {index['seconds']} s" if index else "index build: reused (not timed)",
        f"{'kind':<14} {'tab':<9} {'queries':>7} {'hits':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}",
    ]
    lines += [
        f"{r['kind']:<14} {r['tab']:<9} {r['queries']:>7} {r['with_hits']:>5} "
        f"{r['p50_ms']:>8} {r['p99_ms']:>8} {r['max_ms']:>8}"
        for r in result["kinds"]
    ]
    return "\n".join(lines) + "\n"


def _search_quality_table(result: dict) -> str:
    lines = [
        f"search quality on {result['database_version']}: the demo and "
        f"{result['catalog']['stores']} stores / {result['catalog']['products']} products of the bench",
        "| kind | queries | recall@10 | MRR | nDCG@10 | no hits |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in result["kinds"]:
        lines.append(
            f"| {r['kind']} | {r['queries']} | {r.get('recall@10', '')} | {r.get('mrr', '')} | "
            f"{r.get('ndcg@10', '')} | {r.get('empty', '')} |"
        )
    o, goals = result["overall"], result["goals"]
    lines.append(
        f"| **all but no_hit** | {o['queries']} | {o['recall@10']} | {o['mrr']} | {o['ndcg@10']} | |"
    )
    lines.append(
        f"goals: names + name/product recall@10 {goals['names_recall@10']} (≥ 0.95: {goals['names_met']}), "
        f"overall ≥ 0.9: {goals['overall_met']}, no-hit queries find nothing: {goals['no_hit_met']}"
    )
    return "\n".join(lines) + "\n"


def _score_table(result: dict) -> str:
    seed, rows, timed, targets = result["seed"], result["rows"], result["recompute"], result["targets"]
    lines = [
        f"score on {result['database_version']}, {result['machine']['cpus']} cores: {rows['stores']} stores, "
        f"{rows['orders']} orders, {rows['aftersales']} after-sales, {rows['disputes']} disputes, "
        f"{rows['reviews']} reviews, {rows['service_sessions']} service sessions",
        "seed: reused" if seed["reused"] else f"seed: {seed['seconds']} s {seed['phases']}",
    ]
    if timed is None:
        lines.append("recompute: not run (--seed-only)")
    else:
        lines += [
            f"recompute ({timed['process']}): {timed['seconds']} s {timed['steps_s']} "
            f"(target {targets['recompute_s']} s: {'met' if targets['recompute_met'] else 'not met'})",
            f"peak RSS: {timed['peak_rss_mb']} MB (before the recompute {timed['rss_before_mb']} MB; "
            f"target {targets['peak_rss_mb']} MB: {'met' if targets['memory_met'] else 'not met'})",
            f"stores scored: {timed['stores_scored']}, without a score: {timed['stores_without_score']}",
        ]
        if timed.get("backend"):
            lines.append(f"server backend: {timed['backend']}")
    if result.get("server_settings"):
        lines.append(f"server settings: {result['server_settings']}")
    return "\n".join(lines) + "\n"


def _service_table(result: dict) -> str:
    m, latency, cpu = result["messages"], result["latency"], result["cpu"]
    lines = [
        f"service on {result['database_version']}, {result['machine']['cpus']} cores, "
        f"{result['server']['channel_layer']}: {result['clients']} clients for {result['seconds']} s, "
        f"a message every {result['interval_s']} s each: {'passed' if result['passed'] else 'FAILED'}",
        f"messages: {m['written']} written, {m['confirmed']} confirmed ({result['confirmed_per_second']}/s), "
        f"{m['unconfirmed']} unconfirmed, {m['delivered_live']} delivered live, "
        f"{m['delivered_by_catch_up_sync']} by sync after a reconnect",
        f"lost {result['lost']}, duplicated {result['duplicated']}, out of order {result['out_of_order']}, "
        f"final sync mismatches {result['final_sync_mismatch']}, errors {result['errors'] or 0}, "
        f"sockets closed by the server {result['closed_by_server'] or 0}",
        f"delivery latency: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, "
        f"p99 {latency['p99_ms']} ms, max {latency['max_ms']} ms",
        f"cpu: server {cpu['server_cores']} cores, machine busy {cpu['machine_busy_cores']} cores, "
        f"client loop lag p99 {cpu['client_loop_lag_ms']['p99']} ms",
    ]
    return "\n".join(lines) + "\n"


def _ledger_table(result: dict) -> str:
    posting, settlement, books, targets = (
        result["posting"],
        result["settlement"],
        result["books"],
        result["targets"],
    )
    scale, seed = result["scale"], result["seed"]
    met = {True: "met", False: "NOT met", None: "the goal is set at 1,000,000 orders"}
    lines = [
        f"ledger on {result['database_version']}, {result['machine']['cpus']} cores: "
        f"{scale['orders']} orders of {scale['stores']} stores",
        "seed: reused" if seed["reused"] else f"seed: {seed['seconds']} s {seed['loaded']}",
        f"payments posted: {posting['journals']} journals, {posting['entries']} entries in "
        f"{posting['seconds']} s = {posting['journals_per_s']} journals/s "
        f"({posting['chunk']} orders a transaction, {posting['statements_per_chunk']} statements each)",
        f"after-sale periods ended (input): {settlement['lines_ended']} lines in {settlement['lines_ended_s']} s",
        f"settlement run: {settlement['orders']} orders in {settlement['seconds']} s = "
        f"{settlement['orders_per_s']} orders/s ({settlement['chunk']} a transaction, "
        f"{settlement['statements_per_chunk']} statements each; target {targets['settle_s']} s: "
        f"{met[targets['settle_met']]})",
        f"settlement memory: peak RSS {settlement['peak_rss_mb']} MB, "
        f"{settlement['peak_rss_growth_mb']} MB above the {settlement['rss_before_mb']} MB before the run",
    ]
    for when, read in result["balance_read"].items():
        if read:
            lines.append(
                f"balance read {when.replace('_', ' ')}: {read['queries']} query, {read['ms']} ms "
                f"(the store with the most entries: {read['store_entries']}, "
                f"{read['pending_orders']} orders pending)"
            )
    lines.append(
        f"books: {books['drifted_balances']} drifted balances, all accounts sum to "
        f"{books['total_of_all_accounts']}, {books['open_journals']} open journals "
        f"({'add up' if targets['books_add_up'] else 'DO NOT add up'})"
    )
    return "\n".join(lines) + "\n"


def _alliance_table(result: dict) -> str:
    library, targets = result["library"], result["targets"]
    scale, seed = result["scale"], result["seed"]
    met = {True: "met", False: "NOT met", None: "the goal is set at full scale"}
    lines = [
        f"alliance on {result['database_version']}, {result['machine']['cpus']} cores: "
        f"{scale['products']} products, {scale['plans']} plans, {scale['commissions']} commission orders",
        "seed: reused" if seed["reused"] else f"seed: {seed['seconds']} s {seed['loaded']}",
        f"library: {library['requests']} requests, p50 {library['p50_ms']} ms, p95 {library['p95_ms']} ms, "
        f"p99 {library['p99_ms']} ms, max {library['max_ms']} ms ({library['queries_one_request']} queries a "
        f"request, {library['plans_found_mean']} plans found on average; target p99 "
        f"{targets['library_p99_ms']} ms: {met[targets['library_met']]})",
    ]
    for shape, row in library["by_filter"].items():
        lines.append(
            f"  {shape}: p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms ({row['requests']} requests)"
        )
    if "settlement" not in result:  # --library-only
        return "\n".join(lines) + "\n"
    posting, settlement, books = result["posting"], result["settlement"], result["books"]
    lines += [
        f"payments posted: {posting['journals']} journals with {posting['commission_orders']} commission "
        f"orders in {posting['seconds']} s = {posting['journals_per_s']} journals/s",
        f"after-sale periods ended (input): {settlement['lines_ended']} lines in {settlement['lines_ended_s']} s",
        f"commission settlement: {settlement['commission_orders']} in {settlement['seconds']} s = "
        f"{settlement['per_s']}/s ({settlement['chunk']} a transaction, {settlement['journals']} journals, "
        f"{settlement['workers']} at once, {settlement['statements_per_chunk']} statements a chunk; target {targets['settle_s']} s: "
        f"{met[targets['settle_met']]})",
        f"settled once: {'yes' if targets['settled_once'] else 'NO'} ({settlement['left_unsettled']} left, "
        f"{settlement['second_run_settled']} settled by a second run)",
        f"settlement memory: peak RSS {settlement['peak_rss_mb']} MB, "
        f"{settlement['peak_rss_growth_mb']} MB above the {settlement['rss_before_mb']} MB before the run",
        f"books: {books['drifted_balances']} drifted balances, all accounts sum to "
        f"{books['total_of_all_accounts']}, {books['open_journals']} open journals "
        f"({'add up' if targets['books_add_up'] else 'DO NOT add up'})",
    ]
    return "\n".join(lines) + "\n"


def _social_table(result: dict) -> str:
    lines = [f"social on {result['database_version']}, {result['machine']['cpus']} cores"]
    contacts = result.get("contacts")
    if contacts:
        met = {True: "met", False: "NOT met", None: "the goal is set at 10,000 contacts"}
        seed = contacts["seed"]
        lines.append(
            f"contacts: a user with {contacts['contacts']}; seed "
            + ("reused" if seed["reused"] else f"{seed['seconds']} s")
        )
        for name in ("floor", "list", "search", "delete", "request", "accept", "recommended"):
            row = contacts[name]
            lines.append(
                f"  {name}: {row['requests']} requests, p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
                f"p99 {row['p99_ms']} ms, max {row['max_ms']} ms"
            )
        lines.append(
            f"  statements: search {contacts['statements']['search']}, accept {contacts['statements']['accept']}; "
            f"target p99 {contacts['targets']['p99_ms']} ms: {met[contacts['targets']['met']]}"
        )
        lines.append(f"  checks: {contacts['checks']}")
    sockets = result.get("sockets")
    if sockets:
        m, latency = sockets["messages"], sockets["latency"]
        lines += [
            f"chat websockets: {sockets['clients']} clients in {sockets['groups']} groups for {sockets['seconds']} s, "
            f"a message every {sockets['interval_s']} s each ({sockets['server']['channel_layer']}): "
            + ("passed" if sockets["passed"] else "FAILED"),
            f"  messages: {m['written']} written, {m['confirmed']} confirmed, {m['in_database']} in the database, "
            f"{m['deliveries']} deliveries",
            f"  lost {sockets['lost']}, duplicated {sockets['duplicated']}, sequence gaps {sockets['sequence_gaps']}, "
            f"final sync mismatch {sockets['final_sync_mismatch']}, errors {sockets['errors'] or 'none'}",
            f"  delivery: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, p99 {latency['p99_ms']} ms, "
            f"max {latency['max_ms']} ms",
        ]
    return "\n".join(lines) + "\n"
