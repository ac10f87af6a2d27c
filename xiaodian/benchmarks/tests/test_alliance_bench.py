"""`bench alliance` at a tiny scale (2 stores of 50 products, 12 plans, 200 commission orders) in
the test database (SQLite or PostgreSQL, as the suite runs): the seed follows the plan rules, the
library requests answer ranked pages, every commission order is posted with its payment and
settled once by the batch run, the books add up, the seed is reused, and the command's JSON and
table."""

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from xiaodian.alliance import selectors
from xiaodian.alliance.models import AttributedLine, Plan, PlanPromoter, PromotionLink
from xiaodian.alliance.rules import PlanKind
from xiaodian.benchmarks import alliance
from xiaodian.ledger import selectors as ledger
from xiaodian.ledger.models import Journal, LineCommission
from xiaodian.orders.models import OrderLine

PRODUCTS, PLANS, COMMISSIONS, REQUESTS = 100, 12, 200, 25


@pytest.fixture
def result(benchmark_database):
    return alliance.run(products=PRODUCTS, plans=PLANS, commissions=COMMISSIONS, requests=REQUESTS)


def test_the_seed_follows_the_plan_rules(result):
    loaded = result["seed"]["loaded"]
    assert result["seed"]["reused"] is False
    assert (loaded["stores"], loaded["products"], loaded["plans"]) == (2, PRODUCTS, PLANS)
    assert alliance.bench_stores().count() == 2
    now = selectors.clock.now()
    live = Plan.objects.filter(selectors.live_q(now))
    by_product = live.values("product_id").annotate(
        n_open=Count("pk", filter=selectors.Q(kind=PlanKind.OPEN)),
        n_exclusive=Count("pk", filter=selectors.Q(kind=PlanKind.EXCLUSIVE)),
        n_targeted=Count("pk", filter=selectors.Q(kind=PlanKind.TARGETED)),
    )
    for row in by_product:  # DOMAIN.md: one open or one exclusive, never both; targeted beside open
        assert row["n_open"] + row["n_exclusive"] == 1
        assert not row["n_targeted"] or row["n_open"] == 1
    listed = Plan.objects.exclude(kind=PlanKind.OPEN)
    assert all(1 <= PlanPromoter.objects.filter(plan=p).count() <= 5 for p in listed)
    # every promoted line: its link's plan and promoter, the plan's product, the plan's ratio
    for attributed in AttributedLine.objects.select_related("line", "link", "plan"):
        assert attributed.link.plan_id == attributed.plan_id == attributed.link.plan.pk
        assert attributed.line.product_id == attributed.plan.product_id
        assert attributed.commission_ratio_ppm == attributed.plan.commission_ratio_ppm
        assert attributed.line.promoter_id == attributed.promoter.user_id
    assert PromotionLink.objects.count() == loaded["links"]


def test_the_library_is_timed_and_ranked(result):
    library = result["library"]
    assert library["requests"] == REQUESTS and library["p99_ms"] >= library["p50_ms"] > 0
    assert set(library["by_filter"]) == {"none", "category", "ratio", "price", "several"}
    assert library["queries_one_request"] <= 4 and library["rerank"]["plans"] > 0
    assert result["targets"]["library_met"] is None  # the goal is set at full scale
    sold = Plan.objects.filter(sales_30d__gt=0)
    assert sold.exists()  # the rerank counted the promoted orders paid in the last 30 days
    promoter = selectors.promoter_of(AttributedLine.objects.first().promoter.user)
    ranks = [p.rank for p in selectors.library(promoter)]
    assert ranks and ranks == sorted(ranks, reverse=True)


def test_every_commission_order_is_posted_and_settled_once(result):
    posting, settlement = result["posting"], result["settlement"]
    claims = LineCommission.objects.count()
    assert COMMISSIONS * 0.9 <= claims <= COMMISSIONS * 1.1
    assert posting["commission_orders"] == posting["unsettled"] == settlement["commission_orders"] == claims
    assert posting["journals"] == posting["orders"] == result["seed"]["loaded"]["orders"]
    assert settlement["left_unsettled"] == settlement["second_run_settled"] == 0
    assert settlement["settled_fen"] == settlement["held_fen"] > 0
    assert 1 <= settlement["journals"] == Journal.objects.filter(source_type="commission_settled").count()
    assert settlement["journals"] < claims  # a journal per chunk, not per claim
    assert OrderLine.objects.filter(promoter__isnull=False).count() == AttributedLine.objects.count()
    assert result["targets"]["settled_once"] and result["targets"]["books_add_up"]
    assert result["targets"]["settle_met"] is None  # the goal is set at a million
    assert ledger.unbalanced_journals() == [] and ledger.drifted_balances() == []


def test_a_second_run_reuses_the_seed(result):
    again = alliance.run(products=PRODUCTS, plans=PLANS, commissions=COMMISSIONS, requests=5)
    assert again["seed"]["reused"] is True
    assert again["settlement"]["commission_orders"] == result["settlement"]["commission_orders"]
    assert again["targets"]["books_add_up"] and again["targets"]["settled_once"]


def test_the_command_prints_json_and_a_table(benchmark_database):
    args = ["bench", "alliance", "--products", "60", "--plans", "6", "--commissions", "40", "--requests", "5"]
    out = io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue())
    assert result["scenario"] == "alliance"
    assert result["scale"] == {"products": 60, "plans": 6, "commissions": 40, "requests": 5}
    table = io.StringIO()
    call_command(*args, stdout=table, stderr=io.StringIO())
    text = table.getvalue()
    assert "library: 5 requests" in text and "commission settlement:" in text
    assert "settled once: yes" in text and "books: 0 drifted balances" in text


def test_library_only_times_the_library_and_leaves_the_ledger_alone(benchmark_database):
    args = ["bench", "alliance", "--products", "60", "--plans", "6", "--commissions", "40", "--requests", "5"]
    call_command(*args, "--library-only", stdout=io.StringIO(), stderr=io.StringIO())  # seeds
    out = io.StringIO()
    call_command(*args, "--library-only", "--json", stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue())
    assert result["seed"]["reused"] is True
    assert result["library"]["requests"] == 5 and "settlement" not in result
    assert result["targets"]["settle_met"] is None
    assert not Journal.objects.exists() and not LineCommission.objects.exists()
    table = io.StringIO()
    call_command(*args, "--library-only", stdout=table, stderr=io.StringIO())
    assert "library: 5 requests" in table.getvalue() and "commission settlement" not in table.getvalue()
