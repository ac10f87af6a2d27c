from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from xiaodian.core import clock
from xiaodian.ledger import rules, selectors, services
from xiaodian.ledger.models import Account, Entry, Journal, LineMoney, OrderMoney
from xiaodian.ledger.rules import AccountKind

pytestmark = pytest.mark.django_db


def balances(store):
    return selectors.balance(store)


def assert_books_add_up():
    assert selectors.unbalanced_journals() == []
    assert selectors.drifted_balances() == []
    assert selectors.total_of_all_accounts() == 0
    assert selectors.negative_available() == []


def test_a_paid_order_credits_pending_less_the_fee(paid, store):
    order = paid()  # 3 × ¥10.00 + 1 × ¥5.01 = ¥35.01
    money = OrderMoney.objects.get(order_id=order.pk)
    assert money.paid_fen == 3501
    # 2% of 3000 = 60, 2% of 501 = 10.02 → 10
    assert money.fee_fen == 70
    assert balances(store).pending_fen == 3501 - 70
    assert Account.objects.get(kind=AccountKind.FEE_INCOME).balance_fen == 70
    assert Account.objects.get(kind=AccountKind.CLEARING).balance_fen == -3501
    assert_books_add_up()


def test_post_paid_orders_is_idempotent(paid, store):
    order = paid()
    services.post_paid_orders(order_ids=[order.pk])
    services.post_paid_orders(order_ids=[order.pk])
    assert Journal.objects.filter(source_type="payment").count() == 1
    assert balances(store).pending_fen == 3501 - 70
    assert_books_add_up()


def refund(line, amount, key, quantity=1):
    services.post_line_refund(line_id=line.line_id, amount_fen=amount, quantity=quantity, out_refund_no=key)


def test_post_line_refund_is_idempotent(paid, store):
    """Run twice, posted once; and the fee's share of the refund goes back."""
    order = paid()
    line = LineMoney.objects.get(line_id=order.lines.first().pk)  # 3000 paid, fee 60
    refund(line, 1000, "AS1")
    refund(line, 1000, "AS1")
    assert Journal.objects.filter(source_type="refund").count() == 1
    money = OrderMoney.objects.get(order_id=order.pk)
    assert (money.refunded_fen, money.fee_returned_fen) == (1000, 20)
    assert balances(store).pending_fen == 3431 - 980
    assert Account.objects.get(kind=AccountKind.REFUNDS_OUT).balance_fen == 1000
    assert_books_add_up()


def test_refunding_a_line_in_parts_gives_back_exactly_its_fee(paid, store):
    order = paid()
    line = LineMoney.objects.get(line_id=order.lines.last().pk)  # 501 paid, fee 10
    for i, amount in enumerate((167, 167, 167)):
        refund(line, amount, f"AS{i}")
    line.refresh_from_db()
    assert (line.refunded_fen, line.fee_returned_fen) == (501, 10)
    assert_books_add_up()


def test_fee_rounding_is_half_up_to_the_fen():
    assert rules.fee_of(25, 20_000) == 1  # 0.5 → 1
    assert rules.fee_of(24, 20_000) == 0  # 0.48 → 0
    assert rules.fee_of(501, 20_000) == 10  # 10.02 → 10
    assert rules.fee_of(575, 20_000) == 12  # 11.5 → 12
    assert rules.fee_share(10, 501, 167) == 3  # 3.33 → 3
    assert rules.fee_share(10, 501, 501) == 10


def test_settle_line_is_idempotent(paid, store):
    order = paid()
    for _ in range(2):
        for line in order.lines.all():
            services.settle_line(order_id=order.pk, line_id=line.pk)
    assert Journal.objects.filter(source_type="settlement").count() == 1
    assert balances(store).available_fen == 3431
    assert_books_add_up()


def test_settlement_moves_pending_to_available_when_every_line_has_ended(paid, store):
    order = paid()
    first, second = order.lines.all()
    services.settle_line(order_id=order.pk, line_id=first.pk)
    assert balances(store).available_fen == 0
    services.settle_line(order_id=order.pk, line_id=second.pk)
    services.settle_line(order_id=order.pk, line_id=second.pk)  # idempotent
    b = balances(store)
    assert (b.pending_fen, b.available_fen) == (0, 3431)
    assert Journal.objects.filter(source_type="settlement").count() == 1
    assert selectors.money_of(order.pk, store.pk).settles == "settled"
    assert_books_add_up()


def test_a_refund_after_settlement_debits_available_and_what_lacks_is_owed(paid, store, make_sku):
    order = paid()
    for line in order.lines.all():
        services.settle_line(order_id=order.pk, line_id=line.pk)
    line = LineMoney.objects.get(line_id=order.lines.first().pk)
    refund(line, 3000, "AS9")  # all of line A: 3000 − fee 60 from the store
    b = balances(store)
    assert (b.available_fen, b.owed_fen) == (3431 - 2940, 0)
    # Now an order's worth more than available goes back: available to 0, the rest owed.
    other = LineMoney.objects.get(line_id=order.lines.last().pk)
    refund(other, 501, "AS10")  # 501 − 10 = 491 from the store; it holds 491
    assert balances(store).available_fen == 0
    assert_books_add_up()


def withdraw_everything(store):
    """Stands in for a withdrawal (not built yet): available → withdrawals out."""
    with transaction.atomic():
        available = services.account(AccountKind.AVAILABLE, store.pk)
        held = Account.objects.get(pk=available.pk).balance_fen
        journal = services._open_journal(
            source_type="settlement", source_key="w", store_id=store.pk, order_id=None
        )
        services._post_entries(
            journal,
            [
                services.Leg(available, -held),
                services.Leg(services.account(AccountKind.WITHDRAWALS_OUT), held),
            ],
        )


def test_what_is_owed_is_paid_back_first_when_the_next_order_settles(paid, store):
    first = paid()
    for line in first.lines.all():
        services.settle_line(order_id=first.pk, line_id=line.pk)
    withdraw_everything(store)
    refund(LineMoney.objects.get(line_id=first.lines.first().pk), 3000, "AS1")
    b = balances(store)
    assert (b.available_fen, b.owed_fen) == (0, 2940)
    second = paid()  # nets 3431
    for line in second.lines.all():
        services.settle_line(order_id=second.pk, line_id=line.pk)
    b = balances(store)
    assert (b.available_fen, b.owed_fen) == (3431 - 2940, 0)
    assert_books_add_up()


def test_no_open_journal_survives_a_posting(paid):
    order = paid()
    refund(LineMoney.objects.get(line_id=order.lines.first().pk), 100, "AS1")
    assert not Journal.objects.filter(sealed=False).exists()


def test_fee_rates_are_versioned_per_category(paid, store, make_sku, categories):
    sku = make_sku(store, price_fen=10_000, stock=5)
    category = sku.product.category_id
    services.create_fee_schedule(default_ppm=20_000, rates={category: 60_000}, note="6% here")
    order = paid((sku, 1))
    money = OrderMoney.objects.get(order_id=order.pk)
    assert money.fee_fen == 600 and money.fee_version == 1
    services.create_fee_schedule(default_ppm=10_000)
    order2 = paid((sku, 1))
    assert OrderMoney.objects.get(order_id=order2.pk).fee_fen == 100
    assert OrderMoney.objects.get(order_id=order.pk).fee_fen == 600  # charged under v1


@pytest.mark.parametrize("ppm", [-1, 200_001, True, "2"])
def test_a_fee_rate_out_of_range_is_refused(ppm):
    from xiaodian.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        services.create_fee_schedule(default_ppm=ppm)
    assert refused.value.code == "fee_rate_invalid"


# -- the database's rules -----------------------------------------------------------------------


def _journal():
    return Journal.objects.create(source_type="payment", source_key="x", created_at=clock.now())


def test_entries_cannot_be_updated_or_deleted(paid):
    paid()
    entry = Entry.objects.first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(amount_fen=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_entry WHERE id = %s", [entry.pk])
    assert Entry.objects.filter(pk=entry.pk, amount_fen=entry.amount_fen).exists()


def test_a_journal_that_does_not_sum_to_zero_cannot_be_sealed():
    clearing = services.account(AccountKind.CLEARING)
    with transaction.atomic():
        journal = _journal()
        Entry.objects.create(journal=journal, account=clearing, amount_fen=5, created_at=clock.now())
        with pytest.raises(Exception, match="sum to zero"), transaction.atomic():
            Journal.objects.filter(pk=journal.pk).update(sealed=True)
        transaction.set_rollback(True)  # (PostgreSQL would refuse to commit it open)


def test_a_sealed_journal_takes_no_entries_and_never_changes(paid):
    paid()
    journal = Journal.objects.get()
    clearing = services.account(AccountKind.CLEARING)
    with pytest.raises(Exception, match="open journal"), transaction.atomic():
        Entry.objects.create(journal=journal, account=clearing, amount_fen=5, created_at=clock.now())
    with pytest.raises(Exception, match="never changes"), transaction.atomic():
        Journal.objects.filter(pk=journal.pk).update(memo="edited")
    with pytest.raises(Exception, match="never deleted"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_journal WHERE id = %s", [journal.pk])


def test_a_journal_is_inserted_open():
    with pytest.raises(Exception, match="inserted open"), transaction.atomic():
        Journal.objects.create(source_type="payment", source_key="y", created_at=clock.now(), sealed=True)


def test_available_never_goes_below_zero_in_the_database(store):
    available = services.account(AccountKind.AVAILABLE, store.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=available.pk).update(balance_fen=-1)


def test_the_same_source_posts_once():
    _journal_one = Journal.objects.create(source_type="refund", source_key="AS1", created_at=clock.now())
    Journal.objects.filter(pk=_journal_one.pk).update(sealed=True)  # (PostgreSQL commits none open)
    with pytest.raises(IntegrityError), transaction.atomic():
        Journal.objects.create(source_type="refund", source_key="AS1", created_at=clock.now())


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_refuses_to_commit_an_open_journal(transactional_db):
    with pytest.raises(Exception, match="left open"), transaction.atomic():
        _journal()
    assert not Journal.objects.exists()


def test_the_clock_dates_the_entries(paid):
    moment = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with clock.travel_to(moment):
        paid()
    assert set(Entry.objects.values_list("created_at", flat=True)) == {moment}


@pytest.mark.django_db(transaction=True)
def test_flush_may_wipe_the_whole_ledger(paid):
    """Transactional tests (and `xiaodian flush`) empty every table; the append-only triggers let
    a whole wipe through (ledger/guard.py), and only that: this test's teardown is that wipe."""
    from django.core.management import call_command

    paid()
    assert Entry.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not Entry.objects.exists() and not Journal.objects.exists()


def test_an_operator_saves_fee_rates_as_a_new_version_in_the_admin(make_user, categories, client):
    from xiaodian.ledger.models import FeeSchedule

    category = next(iter(categories.values()))
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    r = client.post(
        "/admin/ledger/feeschedule/add/",
        {"default_ppm": 20_000, "rates": f'{{"{category.pk}": 30000}}', "note": "3% for one"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert FeeSchedule.objects.get().rates == {str(category.pk): 30_000}
    refused = client.post("/admin/ledger/feeschedule/add/", {"default_ppm": 20_000, "rates": '{"1": -5}'})
    assert refused.status_code == 200 and FeeSchedule.objects.count() == 1
    assert services.FeeRates().rate(category.pk) == 30_000
