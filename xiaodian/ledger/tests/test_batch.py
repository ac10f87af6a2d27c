"""The batch postings (services.post_payments, settle_orders, settle_due): idempotent by source
chunk by chunk, right across stores, a constant number of queries per chunk, and the balance read
one query however many entries there are."""

import random

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from xiaodian.core import clock
from xiaodian.ledger import selectors, services
from xiaodian.ledger.models import Account, Entry, Journal, LineMoney, OrderMoney
from xiaodian.ledger.rules import AccountKind
from xiaodian.orders.tests.conftest import succeed

from .test_postings import assert_books_add_up, refund, withdraw_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def unposted(place, make_sku, store):
    """make(n, stores=[...]): n checkouts, each a paid order per store given (line A 2 × ¥10.00 and
    line B 1 × ¥5.01 at each), whose `order_paid` handlers have not run: the batch posts them."""
    skus = {}

    def make(n, stores=None):
        ids = []
        for _ in range(n):
            lines = []
            for shop in stores or [store]:
                if shop.pk not in skus:
                    skus[shop.pk] = (
                        make_sku(shop, price_fen=1000, stock=10_000),
                        make_sku(shop, price_fen=501, stock=10_000, category="男装"),
                    )
                a, b = skus[shop.pk]
                lines += [(a, 2), (b, 1)]
            checkout = place(*lines)
            succeed(checkout)
            ids += sorted(checkout.orders.values_list("pk", flat=True))
        return ids

    return make


NET = 2501 - 50  # paid − fee (2% of 2000 = 40, of 501 = 10.02 → 10)


def end_periods(order_ids):
    """Every line's after-sale period over (what `aftersale_period_ended` marks, line by line)."""
    for money in OrderMoney.objects.filter(order_id__in=order_ids):
        for line_id in money.lines.values_list("line_id", flat=True):
            LineMoney.objects.filter(line_id=line_id).update(period_ended_at=money.paid_at)


def test_post_payments_is_idempotent(unposted, store):
    ids = unposted(3)
    assert services.post_payments(order_ids=ids) == 3
    assert services.post_payments(order_ids=ids) == 0  # the same chunk again posts nothing
    assert Journal.objects.filter(source_type="payment").count() == 3
    assert Entry.objects.filter(journal__source_type="payment").count() == 9
    assert selectors.balance(store).pending_fen == 3 * NET
    assert LineMoney.objects.count() == 6
    assert_books_add_up()


def test_a_chunk_where_some_orders_were_posted_posts_the_others(unposted, store):
    ids = unposted(5)
    services.post_payment(order_id=ids[1])
    services.post_paid_orders(order_ids=ids[3:])
    assert services.post_payments(order_ids=ids, chunk=10) == 2  # ids[0] and ids[2]
    assert sorted(Journal.objects.filter(source_type="payment").values_list("order_id", flat=True)) == ids
    assert selectors.balance(store).pending_fen == 5 * NET
    assert OrderMoney.objects.count() == 5
    assert_books_add_up()


def test_unpaid_and_unknown_orders_are_skipped(unposted, place, make_sku, store):
    ids = unposted(1)
    unpaid = place(make_sku(store), 1).orders.get().pk
    assert services.post_payments(order_ids=[*ids, unpaid, 10**9]) == 1
    assert not OrderMoney.objects.filter(order_id=unpaid).exists()
    assert_books_add_up()


def test_a_mixed_chunk_across_stores_credits_each_store(
    unposted, store, other_store, make_store, make_user, make_subject
):
    owner = make_user("third_merchant")
    third = make_store(owner, make_subject(owner), name="第三家店")
    ids = unposted(3, stores=[store, other_store, third])
    assert len(ids) == 9
    assert services.post_payments(order_ids=ids, chunk=4) == 9  # chunks cut across stores
    for shop in (store, other_store, third):
        b = selectors.balance(shop)
        assert (b.pending_fen, b.pending_orders) == (3 * NET, 3)
    assert Account.objects.get(kind=AccountKind.FEE_INCOME).balance_fen == 9 * 50
    end_periods(ids)
    assert services.settle_due(chunk=4) == 9
    for shop in (store, other_store, third):
        b = selectors.balance(shop)
        assert (b.pending_fen, b.available_fen, b.pending_orders) == (0, 3 * NET, 0)
    assert_books_add_up()


def test_settle_orders_is_idempotent(unposted, store):
    ids = unposted(3)
    services.post_payments(order_ids=ids)
    end_periods(ids)
    assert services.settle_orders(order_ids=ids) == 3
    assert services.settle_orders(order_ids=ids) == 0
    assert services.settle_due() == 0
    (journal,) = Journal.objects.filter(source_type="settlement")  # one per store and chunk
    assert (journal.source_key, journal.store_id, journal.order_id) == (
        f"orders:{ids[0]}-{ids[-1]}:3",
        store.pk,
        None,
    )
    assert sorted(journal.entries.values_list("account__kind", "amount_fen")) == [
        ("available", 3 * NET),
        ("pending", -3 * NET),
    ]
    b = selectors.balance(store)
    assert (b.pending_fen, b.available_fen) == (0, 3 * NET)
    assert list(OrderMoney.objects.values_list("settled_fen", flat=True)) == [NET] * 3
    assert_books_add_up()


def test_only_orders_whose_every_line_has_ended_settle(unposted, store):
    ids = unposted(3)
    services.post_payments(order_ids=ids)
    end_periods(ids[:2])
    first = LineMoney.objects.filter(order__order_id=ids[2]).order_by("line_id").first()
    LineMoney.objects.filter(pk=first.pk).update(period_ended_at=first.order.paid_at)  # one line of two
    assert services.settle_due() == 2
    b = selectors.balance(store)
    assert (b.pending_fen, b.available_fen, b.pending_orders) == (NET, 2 * NET, 1)
    assert not OrderMoney.objects.get(order_id=ids[2]).settled_at


def test_a_chunk_pays_what_the_store_owes_back_first_order_by_order(unposted, store):
    """Owed 1,960 fen: the chunk's one journal repays it first and makes available the rest (as
    `settle_line` would, one order after the other: the first repays it all, the second none)."""
    first, *rest = unposted(3)
    services.post_payments(order_ids=[first])
    end_periods([first])
    services.settle_orders(order_ids=[first])
    withdraw_everything(store)
    refund(LineMoney.objects.filter(order__order_id=first).order_by("line_id").first(), 2000, "AS1")
    assert selectors.balance(store).owed_fen == 2000 - 40
    services.post_payments(order_ids=rest)
    end_periods(rest)
    assert services.settle_orders(order_ids=rest) == 2
    b = selectors.balance(store)
    assert (b.available_fen, b.owed_fen) == (2 * NET - 1960, 0)
    (journal,) = Journal.objects.filter(source_key=services.settlement_key(rest))
    assert sorted(journal.entries.values_list("account__kind", "amount_fen")) == [
        ("available", 2 * NET - 1960),
        ("owed", 1960),
        ("pending", -2 * NET),
    ]
    assert_books_add_up()


def test_a_debt_larger_than_an_order_is_repaid_across_the_chunk(unposted, store):
    first, second, *rest = unposted(4)
    services.post_payments(order_ids=[first, second])
    end_periods([first, second])
    services.settle_orders(order_ids=[first, second])
    withdraw_everything(store)
    for order in (first, second):
        for line in LineMoney.objects.filter(order__order_id=order):
            refund(line, line.paid_fen, f"AS{line.pk}")
    assert selectors.balance(store).owed_fen == 2 * NET
    services.post_payments(order_ids=rest)
    end_periods(rest)
    services.settle_due()
    b = selectors.balance(store)
    assert (b.available_fen, b.owed_fen) == (0, 0)
    assert_books_add_up()


def test_a_fully_refunded_order_settles_without_a_journal(unposted, store):
    (order,) = unposted(1)
    services.post_payments(order_ids=[order])
    for line in LineMoney.objects.filter(order__order_id=order):
        refund(line, line.paid_fen, f"AS{line.pk}")
    end_periods([order])
    assert services.settle_due() == 1
    assert not Journal.objects.filter(source_type="settlement").exists()
    assert OrderMoney.objects.get(order_id=order).settled_at is not None
    assert_books_add_up()


def queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


# One chunk, whatever the number of its orders: read orders and lines, insert journals, read the
# accounts (and make the missing: two more), insert money rows, lines, entries, lock, one balance
# UPDATE, seal; plus the savepoint's statements.
PAYMENT_CHUNK_QUERIES = 16
SETTLEMENT_CHUNK_QUERIES = 14


def test_a_payment_chunk_costs_the_same_queries_for_2_orders_as_for_12(
    unposted, store, other_store, django_assert_max_num_queries
):
    few, many = unposted(1, stores=[store, other_store]), unposted(6, stores=[store, other_store])
    with django_assert_max_num_queries(PAYMENT_CHUNK_QUERIES):
        services.post_payments(order_ids=few)
    with django_assert_max_num_queries(PAYMENT_CHUNK_QUERIES):
        services.post_payments(order_ids=many)
    more, one = unposted(6, stores=[store, other_store]), unposted(1, stores=[store, other_store])
    assert queries(lambda: services.post_payments(order_ids=more)) == queries(
        lambda: services.post_payments(order_ids=one)
    )
    assert_books_add_up()


def test_a_settlement_chunk_costs_the_same_queries_for_2_orders_as_for_12(
    unposted, store, other_store, django_assert_max_num_queries
):
    few, many = unposted(1, stores=[store, other_store]), unposted(6, stores=[store, other_store])
    services.post_payments(order_ids=few + many)
    end_periods(few + many)
    with django_assert_max_num_queries(SETTLEMENT_CHUNK_QUERIES):
        assert services.settle_orders(order_ids=few) == 2
    with django_assert_max_num_queries(SETTLEMENT_CHUNK_QUERIES + 2):  # + the run's bounds and window
        assert services.settle_due() == 12
    assert_books_add_up()


def test_the_balance_is_one_query_at_many_entries(unposted, store, django_assert_num_queries):
    ids = unposted(30)
    services.post_payments(order_ids=ids, chunk=7)
    end_periods(ids[:20])
    services.settle_due(chunk=6)
    # one settlement journal of two entries: a store's orders are never split across chunks
    assert Entry.objects.filter(account__store=store).count() == 30 + 2
    with django_assert_num_queries(1):
        b = selectors.balance(store)
    assert (b.pending_fen, b.available_fen, b.pending_orders) == (10 * NET, 20 * NET, 10)
    assert_books_add_up()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_the_accounts_are_locked_in_primary_key_order(unposted, store, other_store):
    ids = unposted(2, stores=[other_store, store])
    with CaptureQueriesContext(connection) as captured:
        services.post_payments(order_ids=ids)
    locks = [q["sql"] for q in captured if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1 and locks[0].endswith("ORDER BY 1 ASC FOR UPDATE")  # 1: the id


# -- the batch settles as the orders one by one would ----------------------------------------------


def _state():
    """Every account's balance, every order's money, and the settlement entries' sum per account."""
    return (
        sorted(Account.objects.values_list("kind", "store_id", "user_id", "balance_fen")),
        sorted(
            OrderMoney.objects.values_list(
                "order_id", "pending_fen", "settled_fen", "refunded_fen", "fee_returned_fen"
            )
        ),
        sorted(OrderMoney.objects.filter(settled_at__isnull=False).values_list("order_id", flat=True)),
        sorted(
            Entry.objects.filter(journal__source_type="settlement")
            .values("account__kind", "account__store")
            .annotate(t=Sum("amount_fen"))
            .values_list("account__kind", "account__store", "t")
        ),
    )


def _one_by_one(ids):
    """What the `aftersale_period_ended` events do: each ended line's `settle_line`, in order."""
    for order in sorted(ids):
        for line in LineMoney.objects.filter(order__order_id=order, period_ended_at__isnull=False):
            services.settle_line(order_id=order, line_id=line.line_id)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_batch_settlement_equals_settling_one_by_one(seed, unposted, store, other_store):
    """Two stores, one of them owing the platform; orders refunded not at all, in part or in full;
    some with every line ended, some with one, some with none. `settle_due` (chunks cutting
    across the stores' windows, a journal per store) and `settle_orders` end where settling each
    order by its lines' events does: the same balances, the same orders settled with the same
    amounts, the same sum moved per account; only with fewer journals."""
    rng = random.Random(seed)
    first = unposted(1)
    services.post_payments(order_ids=first)
    end_periods(first)
    services.settle_orders(order_ids=first)
    withdraw_everything(store)
    for line in LineMoney.objects.filter(order__order_id=first[0]):
        refund(line, line.paid_fen // 2, f"OWE{line.pk}")  # the store owes what available lacked
    ids = unposted(7, stores=[store, other_store])
    services.post_payments(order_ids=ids)
    for order in ids:
        lines = list(LineMoney.objects.filter(order__order_id=order).order_by("line_id"))
        for line in lines:
            share = rng.choice([0, 0, 1, line.paid_fen // 3, line.paid_fen])
            if share:
                refund(line, share, f"R{line.pk}")
        ended = rng.choice([lines, lines, lines, lines[:1], []])
        LineMoney.objects.filter(pk__in=[line.pk for line in ended]).update(period_ended_at=clock.now())
    assert selectors.balance(store).owed_fen > 0
    with transaction.atomic():
        _one_by_one(ids)
        one_by_one = _state()
        journals = Journal.objects.filter(source_type="settlement").count()
        transaction.set_rollback(True)
    for settle in (
        lambda: services.settle_due(chunk=rng.choice([1, 3, 8])),
        lambda: services.settle_orders(order_ids=ids, chunk=rng.choice([1, 5, 20])),
    ):
        with transaction.atomic():
            settled = settle()
            assert _state() == one_by_one
            assert settled == len(one_by_one[2]) - 1  # the first order had settled before
            assert Journal.objects.filter(source_type="settlement").count() <= journals
            assert_books_add_up()
            transaction.set_rollback(True)


def test_a_settlement_journal_names_its_orders_and_each_settles_once(unposted, store, other_store):
    """One journal per store and chunk, keyed by its orders' range and count (one order: its id,
    with the order on the journal); its orders are the store's settled in that range at its
    moment; run again, and by the lines' events, nothing more settles."""
    ids = unposted(3, stores=[store, other_store])
    services.post_payments(order_ids=ids)
    end_periods(ids)
    lone = ids[-1]  # other_store's last: settled alone first
    assert services.settle_orders(order_ids=[lone]) == 1
    assert services.settle_due() == 5
    assert services.settle_due() == services.settle_orders(order_ids=ids) == 0
    _one_by_one(ids)
    journals = {j.source_key: j for j in Journal.objects.filter(source_type="settlement")}
    assert len(journals) == 3
    assert journals[str(lone)].order_id == lone
    for shop in (store, other_store):
        mine = sorted(
            OrderMoney.objects.filter(store=shop, settled_at__isnull=False).values_list("order_id", flat=True)
        )
        batch = [o for o in mine if o != lone]
        journal = journals[services.settlement_key(batch)]
        assert (journal.store_id, journal.order_id) == (shop.pk, None)
        named = OrderMoney.objects.filter(
            store=shop, settled_at=journal.created_at, order_id__gte=batch[0], order_id__lte=batch[-1]
        )
        assert sorted(named.values_list("order_id", flat=True)) == batch
        moved = journal.entries.filter(account__kind=AccountKind.AVAILABLE).get().amount_fen
        assert moved == sum(named.values_list("settled_fen", flat=True)) == len(batch) * NET
    assert_books_add_up()
