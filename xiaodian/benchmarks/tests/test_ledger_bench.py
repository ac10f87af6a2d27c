"""`bench ledger` at a tiny scale (12 stores, 300 orders) in the test database (SQLite or
PostgreSQL, as the suite runs): every seeded order posted and settled through the ledger's batch
services, the balance read one query, the books adding up, the seed reused, and the command's
JSON and table."""

import io
import json

import pytest
from django.core.management import call_command

from xiaodian.benchmarks import ledger
from xiaodian.ledger import selectors
from xiaodian.ledger.models import Entry, Journal, OrderMoney
from xiaodian.orders.models import Order, OrderLine

STORES, ORDERS = 12, 300


@pytest.fixture
def result(benchmark_database):
    return ledger.run(stores=STORES, orders=ORDERS)


def test_every_seeded_order_is_posted_and_settled(result):
    assert result["seed"]["reused"] is False
    assert result["seed"]["loaded"]["orders"] == ORDERS
    orders = Order.objects.filter(store__in=ledger.bench_stores())
    assert orders.count() == ORDERS and ledger.bench_stores().count() == STORES
    lines = OrderLine.objects.filter(order__in=orders).count()
    assert ORDERS * 1.15 < lines < ORDERS * 1.5  # about a third with two lines
    assert result["posting"]["journals"] == result["settlement"]["orders"] == ORDERS
    assert Journal.objects.filter(source_type="payment").count() == ORDERS
    # one settlement journal per store (a store's orders are never split across chunks), each
    # pending −, available +
    settlements = Journal.objects.filter(source_type="settlement")
    assert result["settlement"]["journals"] == settlements.count() == STORES
    assert result["settlement"]["second_run_settled"] == 0
    assert result["rows"]["entries"] == Entry.objects.count() == ORDERS * 3 + STORES * 2
    assert result["settlement"]["lines_ended"] == lines
    paid = sum(orders.values_list("total_fen", flat=True))
    assert (
        sum(OrderMoney.objects.values_list("settled_fen", flat=True))
        + sum(OrderMoney.objects.values_list("fee_fen", flat=True))
        == paid
    )
    assert result["posting"]["journals_per_s"] > 0 and result["settlement"]["peak_rss_mb"] > 0


def test_the_balance_read_is_one_query_and_the_books_add_up(result):
    reads = result["balance_read"]
    assert reads["after_posting"]["queries"] == reads["after_settlement"]["queries"] == 1
    assert reads["after_posting"]["pending_orders"] > 0 and reads["after_settlement"]["pending_orders"] == 0
    assert result["targets"]["balance_met"] and result["targets"]["books_add_up"]
    assert result["targets"]["settle_met"] is None  # the goal is set at a million orders
    assert selectors.unbalanced_journals() == [] and selectors.drifted_balances() == []


def test_a_second_run_reuses_the_seed_and_posts_it_all_again(result):
    again = ledger.run(stores=STORES, orders=ORDERS)
    assert again["seed"]["reused"] is True
    assert again["posting"]["journals"] == again["settlement"]["orders"] == ORDERS
    assert Journal.objects.count() == ORDERS + STORES  # the ledger was wiped first
    assert again["targets"]["books_add_up"]


def test_the_command_prints_json_and_a_table(benchmark_database):
    out = io.StringIO()
    call_command(
        "bench", "ledger", "--orders", "40", "--stores", "5", "--json", stdout=out, stderr=io.StringIO()
    )
    result = json.loads(out.getvalue())
    assert result["scenario"] == "ledger" and result["scale"] == {"stores": 5, "orders": 40}
    assert result["settlement"]["orders"] == 40
    table = io.StringIO()
    call_command("bench", "ledger", "--orders", "40", "--stores", "5", stdout=table, stderr=io.StringIO())
    text = table.getvalue()
    assert "settlement run: 40 orders" in text and "balance read after settlement: 1 query" in text
    assert "books: 0 drifted balances" in text
