"""Every write to the ledger. Each posting is one transaction: the journal (unique by its source,
so a second run of the same event posts nothing), its entries, the accounts' running balances
(locked in primary-key order, then one UPDATE each) and the order's money rows.

The event handlers (`post_paid_orders`, `post_line_refund`, `settle_line`, and the withdrawals'
`submit_withdrawal`, `withdrawal_paid`, `withdrawal_returned`) are connected in
`LedgerConfig.ready()` and run by the worker at least once; each is idempotent."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time

from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Count, F, Max, Q
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.orders import amounts as order_amounts
from xiaodian.orders.models import Order, OrderLine
from xiaodian.payments import services as payments
from xiaodian.stores.access import has_perm
from xiaodian.stores.models import Category, Store, StoreDeposit

from . import bulk, events, extensions, rules
from .models import (
    Account,
    Entry,
    FeeSchedule,
    Journal,
    LineCommission,
    LineMoney,
    OrderMoney,
    Withdrawal,
    WithdrawalState,
)
from .rules import AccountKind, Source

# -- accounts and journals ------------------------------------------------------------------------


def account(kind: str, store_id: int | None = None, *, user_id: int | None = None) -> Account:
    """The platform's account of `kind` (no store, no user), the store's, or a promoter's (a
    user's); made on first use."""
    rows = Account.objects.filter(kind=kind, store__isnull=store_id is None, user__isnull=user_id is None)
    if store_id is not None:
        rows = rows.filter(store_id=store_id)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    found = rows.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind, store_id=store_id, user_id=user_id)
    except IntegrityError:  # made by another posting meanwhile
        return rows.get()


@dataclass(frozen=True)
class Leg:
    account: Account
    amount_fen: int


def _open_journal(
    *, source_type: str, source_key: str, store_id: int | None, order_id: int | None, memo: str = ""
) -> Journal | None:
    """The journal of a source, inserted open; None when the source was posted before."""
    try:
        with transaction.atomic():
            return Journal.objects.create(
                source_type=source_type,
                source_key=source_key,
                store_id=store_id,
                order_id=order_id,
                memo=memo[:120],
                created_at=clock.now(),
            )
    except IntegrityError:
        return None


def _locked(accounts: Iterable[Account]) -> dict[int, Account]:
    """The accounts' rows locked in primary-key order (no deadlocks), with fresh balances."""
    ids = sorted({a.pk for a in accounts})
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _post_entries(journal: Journal, legs: list[Leg]) -> None:
    """Write the legs and move the balances, then seal the journal (the database checks the sum)."""
    legs = [leg for leg in legs if leg.amount_fen]
    if sum(leg.amount_fen for leg in legs) != 0:
        raise ValueError(f"journal {journal} does not balance: {legs}")
    by_account: dict[int, int] = {}
    for leg in legs:
        by_account[leg.account.pk] = by_account.get(leg.account.pk, 0) + leg.amount_fen
    for pk in sorted(by_account):
        change = by_account[pk]
        rows = Account.objects.filter(pk=pk)
        if change < 0:  # never below zero where the database forbids it: refuse in our words first
            rows = rows.exclude(kind=AccountKind.AVAILABLE, balance_fen__lt=-change)
        if not rows.update(balance_fen=F("balance_fen") + change):
            raise DomainError("balance_insufficient")
    Entry.objects.bulk_create(
        Entry(journal=journal, account=leg.account, amount_fen=leg.amount_fen, created_at=journal.created_at)
        for leg in legs
    )
    Journal.objects.filter(pk=journal.pk).update(sealed=True)


# -- fees -----------------------------------------------------------------------------------------


def create_fee_schedule(
    *, default_ppm: int, rates: dict[int, int] | None = None, note: str = "", by: User | None = None
) -> FeeSchedule:
    """A change to the technical service fee rates: the next version. Orders paid before keep the
    rate they were charged."""
    clean = check_fee_rates(default_ppm=default_ppm, rates=rates or {})
    for _attempt in range(3):
        version = (FeeSchedule.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        try:
            with transaction.atomic():
                return FeeSchedule.objects.create(
                    version=version,
                    default_ppm=default_ppm,
                    rates=clean,
                    note=note[:200],
                    created_by=by,
                    created_at=clock.now(),
                )
        except IntegrityError:  # another version was saved at the same moment
            continue
    raise DomainError("fee_schedule_busy")


def _is_rate(ppm) -> bool:
    return isinstance(ppm, int) and not isinstance(ppm, bool) and 0 <= ppm <= rules.MAX_FEE_PPM


def check_fee_rates(*, default_ppm, rates: dict) -> dict[str, int]:
    """The rates as stored ({category id as text: ppm}), or DomainError naming what is wrong."""
    if not _is_rate(default_ppm):
        raise DomainError("fee_rate_invalid", field="default_ppm")
    clean: dict[str, int] = {}
    for category_id, ppm in rates.items():
        if not _is_rate(ppm) or not str(category_id).isdigit():
            raise DomainError("fee_rate_invalid", field="rates")
        clean[str(int(category_id))] = ppm
    if clean and Category.objects.filter(pk__in=[int(k) for k in clean]).count() != len(clean):
        raise DomainError("not_found", _("没有这个类目。"), field="rates")
    return clean


class FeeRates:
    """The newest schedule's rate for each category: its own, else its nearest ancestor's, else the
    default (rules.DEFAULT_FEE_PPM when no schedule was ever saved)."""

    def __init__(self) -> None:
        schedule = FeeSchedule.objects.order_by("-version").first()
        self.version = schedule.version if schedule else None
        self.default = schedule.default_ppm if schedule else rules.DEFAULT_FEE_PPM
        self.rates = {int(k): v for k, v in (schedule.rates if schedule else {}).items()}
        self.parents = dict(Category.objects.values_list("pk", "parent_id")) if self.rates else {}

    def rate(self, category_id: int) -> int:
        node: int | None = category_id
        seen = 0
        while node is not None and seen < 20:
            if node in self.rates:
                return self.rates[node]
            node, seen = self.parents.get(node), seen + 1
        return self.default


# -- postings from the order's events -------------------------------------------------------------


def post_paid_orders(*, order_ids: list[int]) -> None:
    """`order_paid`: per order, clearing → the store's pending (paid − fee) and fee income (fee);
    the orders are posted in chunks (`post_payments`)."""
    post_payments(order_ids=order_ids)


def post_payment(*, order_id: int, fees: FeeRates | None = None) -> OrderMoney | None:
    """One order's payment (`post_payments` of one id); its money rows, None when it is unpaid."""
    post_payments(order_ids=[order_id], fees=fees)
    return OrderMoney.objects.filter(order_id=order_id).first()


def post_line_refund(*, line_id: int, amount_fen: int, quantity: int, out_refund_no: str) -> None:
    """`line_refunded`: the buyer got `amount_fen` back. The line's fee goes back in proportion
    (`rules.fee_share`); the rest comes out of the store's pending, or after settlement out of its
    available, and what available lacks is owed (the `owed` account goes negative and the next
    settlements pay it back first)."""
    with transaction.atomic():
        line = LineMoney.objects.select_for_update().filter(line_id=line_id).first()
        if line is None:  # the payment's posting has not run yet: the worker runs this again later
            raise LookupError(f"line {line_id} has no payment posted yet")
        money = OrderMoney.objects.select_for_update().get(pk=line.order_id)
        journal = _open_journal(
            source_type=Source.REFUND,
            source_key=out_refund_no,
            store_id=money.store_id,
            order_id=money.order_id,
            memo=f"line {line_id} × {quantity}",
        )
        if journal is None:
            return
        refunded = line.refunded_fen + amount_fen
        fee_back = rules.fee_share(line.fee_fen, line.paid_fen, refunded) - line.fee_returned_fen
        legs = [
            Leg(account(AccountKind.REFUNDS_OUT), amount_fen),
            Leg(account(AccountKind.FEE_INCOME), -fee_back),
        ]
        claims_back = _claims_back(line, refunded, legs)
        from_store = amount_fen - fee_back - claims_back
        store = money.store_id
        if money.settled_at is None:
            legs.append(Leg(account(AccountKind.PENDING, store), -from_store))
            pending_change = -from_store
        else:
            available = account(AccountKind.AVAILABLE, store)
            owed = account(AccountKind.OWED, store)
            held = _locked([leg.account for leg in legs] + [available, owed])[available.pk].balance_fen
            take = max(0, min(held, from_store))
            legs += [Leg(available, -take), Leg(owed, -(from_store - take))]
            pending_change = 0
        _locked(leg.account for leg in legs)
        _post_entries(journal, legs)
        LineMoney.objects.filter(pk=line.pk).update(
            refunded_fen=F("refunded_fen") + amount_fen, fee_returned_fen=F("fee_returned_fen") + fee_back
        )
        OrderMoney.objects.filter(pk=money.pk).update(
            refunded_fen=F("refunded_fen") + amount_fen,
            fee_returned_fen=F("fee_returned_fen") + fee_back,
            pending_fen=F("pending_fen") + pending_change,
        )


def _claims_back(line: LineMoney, refunded_fen: int, legs: list[Leg]) -> int:
    """A refund lowers each promoter's claim on the line in proportion (a full refund cancels it,
    `rules.commission_held`): before the claim settled from the promoter's pending, after it as a
    claw-back from available (what available lacks, the promoter owes). Adds the legs; answers
    what went back in all (the store gets it back)."""
    total = 0
    for claim in LineCommission.objects.select_for_update().filter(line=line).order_by("pk"):
        back = claim.held_fen - rules.commission_held(claim.amount_fen, line.paid_fen, refunded_fen)
        if back <= 0:
            continue
        if claim.settled_at is None:
            legs.append(Leg(account(AccountKind.PROMOTER_PENDING, user_id=claim.promoter_id), -back))
        else:
            available = account(AccountKind.PROMOTER_AVAILABLE, user_id=claim.promoter_id)
            owed = account(AccountKind.PROMOTER_OWED, user_id=claim.promoter_id)
            held = _locked([available, owed])[available.pk].balance_fen
            take = max(0, min(held, back))
            legs += [Leg(available, -take), Leg(owed, -(back - take))]
        LineCommission.objects.filter(pk=claim.pk).update(returned_fen=F("returned_fen") + back)
        total += back
    return total


def settle_claims(*, line_id: int) -> int:
    """The line's after-sale period ended: each promoter's claim on it still held moves from their
    pending to their available (less what they owe from earlier claw-backs), one journal per claim
    (its reference), once. Answers the claims settled."""
    settled = 0
    now = clock.now()
    with transaction.atomic():
        for claim in LineCommission.objects.select_for_update().filter(
            line__line_id=line_id, settled_at=None
        ):
            LineCommission.objects.filter(pk=claim.pk).update(settled_at=now, settled_fen=claim.held_fen)
            settled += 1
            if not claim.held_fen:
                continue  # cancelled by refunds: nothing to move
            journal = _open_journal(
                source_type=Source.COMMISSION_SETTLED,
                source_key=claim.reference,
                store_id=None,
                order_id=None,
                memo=f"line {line_id}",
            )
            if journal is None:
                continue
            user = claim.promoter_id
            pending = account(AccountKind.PROMOTER_PENDING, user_id=user)
            available = account(AccountKind.PROMOTER_AVAILABLE, user_id=user)
            owed = account(AccountKind.PROMOTER_OWED, user_id=user)
            debt = -min(0, _locked([pending, available, owed])[owed.pk].balance_fen)
            repay = min(debt, claim.held_fen)
            _post_entries(
                journal,
                [Leg(pending, -claim.held_fen), Leg(owed, repay), Leg(available, claim.held_fen - repay)],
            )
    return settled


CLAIMS_CHUNK = 20_000
# Chunks settled at once, each on its own database connection (PostgreSQL, outside a transaction):
# their promoters, hence their accounts and claims, are disjoint, so they never wait on each other.
CLAIMS_WORKERS = 2


def settle_claims_due(
    *,
    chunk: int = CLAIMS_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
    workers: int = CLAIMS_WORKERS,
) -> int:
    """The commission settlement run: every claim not settled whose line's after-sale period has
    ended, by promoters: each transaction takes the claims of a range of promoters (about `chunk`
    claims; a promoter's claims are never split) and posts ONE journal (`commission_settled`, key
    `claims:<first claim id>-<last claim id>`) with, per promoter, pending −what settles, owed +what
    repays their debt and available +the rest, instead of a journal and three entries per claim.
    Each claim settles once: the chunk marks it (`settled_at`, `settled_fen`) in the statement that
    selects it, and `settle_claims` (the line's event) skips a marked claim as this skips one it
    marked. Balances end as `settle_claims` claim by claim leaves them. Answers the claims settled
    (cancelled ones too: marked, nothing moved). `on_chunk(n)` after each chunk. On PostgreSQL,
    outside a transaction, `workers` chunks run at once on connections of their own."""
    counts = (
        LineCommission.objects.filter(settled_at__isnull=True)
        .values("promoter_id")
        .annotate(n=Count("pk"))
        .order_by("promoter_id")
        .values_list("promoter_id", "n")
    )
    return _run_windows(_windows(counts, chunk), _settle_window, on_chunk=on_chunk, workers=workers)


Window = tuple[int, int | None, int]  # owners low ≤ id < high (None: no bound), and their rows


def _windows(counts: Iterable[tuple[int, int]], chunk: int) -> list[Window]:
    """Owner-id ranges of about `chunk` rows each from (owner id, rows) in id order; an owner's
    rows are never split (an owner with more than `chunk` is a window of its own)."""
    windows: list[Window] = []
    low: int | None = None
    size = 0
    for owner, n in counts:
        if low is None:
            low = owner
        size += n
        if size >= chunk:
            windows.append((low, owner + 1, size))
            low, size = None, 0
    if low is not None:
        windows.append((low, None, size))
    return windows


def _run_windows(
    windows: list[Window],
    settle: Callable[[Window], int],
    *,
    on_chunk: Callable[[int], None] | None,
    workers: int,
) -> int:
    """`settle` each window, each its own transaction; on PostgreSQL, outside a transaction,
    `workers` at once, each on its thread's own connection (the windows' owners are disjoint,
    hence their accounts and rows: they never wait on each other). Answers the sum."""
    settled = 0
    if (
        workers > 1
        and len(windows) > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    ):

        def apart(window: Window) -> int:
            try:
                return settle(window)
            finally:
                connections.close_all()  # the thread's own connection

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done, (_low, _high, size) in zip(pool.map(apart, windows), windows, strict=True):
                settled += done
                if on_chunk is not None:
                    on_chunk(size)
        return settled
    for window in windows:
        settled += settle(window)
        if on_chunk is not None:
            on_chunk(window[2])
    return settled


def _range(column: str, window: Window) -> tuple[str, list]:
    low, high, _size = window
    if high is None:
        return f"{column} >= %s", [low]
    return f"{column} >= %s AND {column} < %s", [low, high]


def _settle_window(window: Window) -> int:
    return _settle_claims_chunk(*_range("c.promoter_id", window))


def settle_line_claims(*, line_ids: Iterable[int], chunk: int = CLAIMS_CHUNK) -> int:
    """`settle_claims_due` for the claims on these order lines (ids of orders' lines) whose
    after-sale period has ended: the batch path of `settle_claims`. Answers the claims settled."""
    ids = sorted(set(line_ids))
    settled = 0
    for part in _chunks(ids, chunk):
        inner = bulk.ids(list(part))
        settled += _settle_claims_chunk(
            f"c.line_id IN (SELECT m.id FROM ledger_linemoney m WHERE m.line_id IN ({inner.sql}))",
            list(inner.params),
        )
    return settled


def end_periods(*, line_ids: Iterable[int], chunk: int = CLAIMS_CHUNK) -> int:
    """Record that the lines' after-sale periods ended (those not recorded yet; one UPDATE per
    chunk), settling nothing: the first step of `settle_lines`, after which `settle_claims_due`
    and `settle_due` find their claims and orders due. Answers the lines marked."""
    ids = sorted(set(line_ids))
    now = clock.now()
    return sum(
        LineMoney.objects.filter(line_id__in=bulk.ids(list(part)), period_ended_at__isnull=True).update(
            period_ended_at=now
        )
        for part in _chunks(ids, chunk)
    )


def settle_lines(*, line_ids: Iterable[int], chunk: int = CLAIMS_CHUNK) -> int:
    """The batch path of `settle_line` for many lines whose after-sale periods ended (lines whose
    payment is posted; others are left for their own event): their periods marked ended (one
    UPDATE per chunk), their claims settled (`settle_line_claims`, a journal per chunk), then the
    orders whose lines have all ended (`settle_orders`). Answers the claims settled."""
    ids = sorted(set(line_ids))
    end_periods(line_ids=ids, chunk=chunk)
    settled = settle_line_claims(line_ids=ids, chunk=chunk)
    orders = LineMoney.objects.filter(line_id__in=bulk.ids(ids)).values_list("order__order_id", flat=True)
    settle_orders(order_ids=list(orders))
    return settled


def _settle_claims_chunk(which: str, params: list) -> int:
    """Settle the due claims matching `which` (SQL on the claim `c`) in one transaction: one UPDATE
    marks them and answers them (it takes their row locks; a refund that holds one first is
    waited for, and the claim is marked with what that refund left), then one journal."""
    now = clock.now()
    table = LineCommission._meta.db_table
    alias = f"{table} AS c" if connection.vendor == "postgresql" else table
    if connection.vendor != "postgresql":
        which = which.replace("c.", f"{table}.")
    sql = (
        f"UPDATE {alias} SET settled_at = %s, settled_fen = amount_fen - returned_fen "
        f"WHERE settled_at IS NULL AND ({which}) AND EXISTS (SELECT 1 FROM ledger_linemoney m "
        f"WHERE m.id = {'c' if connection.vendor == 'postgresql' else table}.line_id "
        "AND m.period_ended_at IS NOT NULL) RETURNING id, promoter_id, settled_fen"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), *params])
            due = sorted(cursor.fetchall())
        moving = [(pk, user, amount) for pk, user, amount in due if amount]
        if moving:
            key = f"claims:{moving[0][0]}-{moving[-1][0]}"  # two chunks never share their first claim
            ours = _open_journals(Source.COMMISSION_SETTLED, [(key, None, None)], now)
            if key not in ours:  # pragma: no cover - its claims were marked settled by now
                raise LookupError(f"commission settlement {key} was posted before")
            users = {user for _pk, user, _held in moving}
            pending = _promoter_accounts(AccountKind.PROMOTER_PENDING, users)
            available = _promoter_accounts(AccountKind.PROMOTER_AVAILABLE, users)
            owed = _promoter_accounts(AccountKind.PROMOTER_OWED, users)
            held = _lock_balances([*pending.values(), *available.values(), *owed.values()])
            debt = {user: -min(0, held[owed[user]]) for user in users}
            change: dict[int, int] = defaultdict(int)
            for _pk, user, amount in moving:
                repay = min(debt[user], amount)
                debt[user] -= repay
                change[pending[user]] -= amount
                change[owed[user]] += repay
                change[available[user]] += amount - repay
            _post_legs({ours[key]: list(change.items())}, now)
    return len(due)


def settle_line(*, order_id: int, line_id: int) -> None:
    """`aftersale_period_ended`: the line's window closed. When every line of the order has, the
    order settles (`settle_orders` of one id): what pending still holds of it moves to available,
    less what the store owes. The line is marked before the order's row is locked, as a refund
    locks them (no deadlocks); the order's lines are read after that lock, so of two lines ending
    at once in two transactions the second to take the lock sees the first and settles."""
    with transaction.atomic():
        if not OrderMoney.objects.filter(order_id=order_id).exists():
            raise LookupError(f"order {order_id} has no payment posted yet")
        LineMoney.objects.filter(
            order__order_id=order_id, line_id=line_id, period_ended_at__isnull=True
        ).update(period_ended_at=clock.now())
        settle_claims(line_id=line_id)
        _settle_orders_where("m.order_id = %s", [order_id])


# -- batch postings: many orders per transaction ---------------------------------------------------
#
# A chunk is one transaction of a constant number of statements whatever its size (bulk.py): its
# journals inserted open (those whose source was posted before are skipped: ON CONFLICT DO NOTHING,
# and only the rows inserted come back), then their entries, the order's money rows, ONE balance
# change per account (the chunk's sum; the rows locked first in primary-key order, as `_locked`),
# and one UPDATE sealing the journals, where the database checks each sums to zero.

PAYMENT_CHUNK = 2_000
SETTLEMENT_CHUNK = 20_000


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _account_ids(pairs: set[tuple[str, int | None]]) -> dict[tuple[str, int | None], int]:
    """The ids of the accounts (kind, store or None), made where missing: one query, three when some
    are new, for any number of accounts."""
    pairs = {(str(kind), store) for kind, store in pairs}
    stores = {store for _kind, store in pairs if store is not None}

    def read() -> dict[tuple[str, int | None], int]:
        rows = Account.objects.filter(kind__in={kind for kind, _store in pairs}).filter(
            Q(store__isnull=True, user__isnull=True) | Q(store_id__in=bulk.ids(sorted(stores)))
        )
        return {(k, s): pk for pk, k, s in rows.values_list("pk", "kind", "store_id") if (k, s) in pairs}

    found = read()
    if len(found) < len(pairs):
        Account.objects.bulk_create(
            [Account(kind=kind, store_id=store) for kind, store in pairs - found.keys()],
            ignore_conflicts=True,
        )
        found = read()
    return found


def _lock_balances(account_ids: Iterable[int]) -> dict[int, int]:
    """The accounts' balances, their rows locked in primary-key order (no deadlocks)."""
    rows = (
        Account.objects.select_for_update().filter(pk__in=bulk.ids(sorted(set(account_ids)))).order_by("pk")
    )
    return dict(rows.values_list("pk", "balance_fen"))


def _open_journals(
    source_type: str, rows: list[tuple[str, int | None, int | None]], created_at: datetime
) -> dict[str, int]:
    """The chunk's journals (source key, store, order), inserted open in one statement in the order
    given; a source posted before is skipped. {source key: journal id} of those inserted here."""
    inserted = bulk.insert(
        "ledger_journal",
        (("source_key", "text"), ("store_id", "int"), ("order_id", "int")),
        rows,
        constants={"source_type": source_type, "memo": "", "created_at": created_at, "sealed": False},
        conflict="source_type, source_key",
        returning=("source_key", "id"),
    )
    return dict(inserted)


def _post_legs(legs: dict[int, list[tuple[int, int]]], created_at: datetime) -> None:
    """The chunk's entries {journal id: [(account id, amount)]}: one INSERT, one balance UPDATE of
    every account's sum (rows locked in primary-key order first), one UPDATE sealing the journals."""
    rows: list[tuple[int, int, int]] = []
    change: dict[int, int] = defaultdict(int)
    for journal_id, its in legs.items():
        if sum(amount for _account, amount in its) != 0:
            raise ValueError(f"journal {journal_id} does not balance: {its}")
        for account_id, amount in its:
            if amount:
                rows.append((journal_id, account_id, amount))
                change[account_id] += amount
    bulk.insert(
        "ledger_entry",
        (("journal_id", "int"), ("account_id", "int"), ("amount_fen", "int")),
        rows,
        constants={"created_at": created_at},
    )
    _lock_balances(change)
    moved = {pk: amount for pk, amount in change.items() if amount}
    if bulk.add(Account._meta.db_table, "balance_fen", moved) != len(moved):
        raise LookupError("an account of the chunk is missing")
    Journal.objects.filter(pk__in=bulk.ids(list(legs))).update(sealed=True)


def _claims(order_ids: Sequence[int]) -> dict[int, list[extensions.CommissionClaim]]:
    """{line id: claims} from every registered provider (extensions.commissions): a line claimed
    twice for the same promoter and kind keeps the first; ratios outside 0–90% are not claims."""
    found: dict[int, list[extensions.CommissionClaim]] = defaultdict(list)
    seen: set[tuple[int, int, str]] = set()
    for provider in extensions.commissions:
        for claim in provider(list(order_ids)):
            key = (claim.line_id, claim.promoter_id, claim.kind)
            if key in seen or not 0 < claim.ratio_ppm <= rules.MAX_CLAIMS_PPM:
                continue
            seen.add(key)
            found[claim.line_id].append(claim)
    return found


def _promoter_accounts(kind: str, user_ids: set[int]) -> dict[int, int]:
    """{user: account id} of the promoters' accounts of `kind`, made where missing."""
    if not user_ids:
        return {}

    def read() -> dict[int, int]:
        rows = Account.objects.filter(kind=kind, user_id__in=bulk.ids(sorted(user_ids)))
        return dict(rows.values_list("user_id", "pk"))

    found = read()
    if len(found) < len(user_ids):
        Account.objects.bulk_create(
            [Account(kind=kind, user_id=user) for user in user_ids - found.keys()], ignore_conflicts=True
        )
        found = read()
    return found


def post_payments(
    *, order_ids: Iterable[int], fees: FeeRates | None = None, chunk: int = PAYMENT_CHUNK
) -> int:
    """The payments of many orders, `chunk` orders per transaction in order-id order: per order,
    clearing → the store's pending (paid − fee) and fee income (the lines' fees at their
    category's rate). Unpaid orders and orders posted before are skipped. Answers the journals
    posted."""
    fees = fees or FeeRates()
    ids = sorted(set(order_ids))
    return sum(_post_payment_chunk(part, fees) for part in _chunks(ids, chunk))


def _post_payment_chunk(order_ids: Sequence[int], fees: FeeRates) -> int:
    orders = {
        pk: (store, total, paid_at, gross)
        for pk, store, total, paid_at, gross in Order.objects.filter(
            pk__in=bulk.ids(order_ids), paid_at__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "store_id", "total_fen", "paid_at", F("goods_fen") + F("shipping_fen"))
    }
    if not orders:
        return 0
    lines: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for pk, order_id, category, price, quantity, discount in (
        OrderLine.objects.filter(order_id__in=bulk.ids(list(orders)))
        .order_by("pk")
        .values_list("pk", "order_id", "product__category_id", "unit_price_fen", "quantity", "discount_fen")
    ):
        lines[order_id].append((pk, category, price * quantity, discount))
    now = clock.now()
    with transaction.atomic():
        ours = _open_journals(
            Source.PAYMENT, [(str(pk), store, pk) for pk, (store, *_rest) in sorted(orders.items())], now
        )
        posted = [pk for pk in sorted(orders) if str(pk) in ours]
        if not posted:
            return 0
        accounts = _account_ids(
            {(AccountKind.CLEARING, None), (AccountKind.FEE_INCOME, None)}
            | {(AccountKind.PENDING, orders[pk][0]) for pk in posted}
        )
        claims = _claims(posted)
        promoters = _promoter_accounts(
            AccountKind.PROMOTER_PENDING, {c.promoter_id for its in claims.values() for c in its}
        )
        claim_rows = []
        clearing, fee_income = (
            accounts[(AccountKind.CLEARING, None)],
            accounts[(AccountKind.FEE_INCOME, None)],
        )
        money_rows, line_rows, legs = [], [], {}
        for pk in posted:
            store, total, paid_at, gross = orders[pk]
            its = lines[pk]
            fee = 0
            paid_out: list[tuple[int, int]] = []  # (promoter's pending, amount)
            for (line_id, category, _total, _discount), paid in zip(
                its, order_amounts.paid_shares(gross, [(t, d) for _l, _c, t, d in its]), strict=True
            ):
                rate = fees.rate(category)
                line_fee = rules.fee_of(paid, rate)
                line_rows.append((pk, line_id, category, paid, rate, line_fee))
                fee += line_fee
                room = paid - line_fee  # claims never take more than the store keeps of the line
                for claim in claims.get(line_id, ()):
                    amount = min(rules.commission_of(paid, claim.ratio_ppm), room)
                    room -= amount
                    claim_rows.append((line_id, claim, amount))
                    paid_out.append((promoters[claim.promoter_id], amount))
            claimed = sum(amount for _account, amount in paid_out)
            money_rows.append((pk, store, total, fee, total - fee - claimed, fees.version, paid_at))
            legs[ours[str(pk)]] = [
                (clearing, -total),
                (accounts[(AccountKind.PENDING, store)], total - fee - claimed),
                (fee_income, fee),
                *paid_out,
            ]
        money_ids = dict(
            bulk.insert(
                OrderMoney._meta.db_table,
                (
                    ("order_id", "int"),
                    ("store_id", "int"),
                    ("paid_fen", "int"),
                    ("fee_fen", "int"),
                    ("pending_fen", "int"),
                    ("fee_version", "int"),
                    ("paid_at", "time"),
                ),
                money_rows,
                constants={"refunded_fen": 0, "fee_returned_fen": 0, "settled_fen": 0},
                returning=("order_id", "id"),
            )
        )
        line_ids = dict(
            bulk.insert(
                LineMoney._meta.db_table,
                (
                    ("order_id", "int"),
                    ("line_id", "int"),
                    ("category_id", "int"),
                    ("paid_fen", "int"),
                    ("fee_rate_ppm", "int"),
                    ("fee_fen", "int"),
                ),
                [(money_ids[order], *rest) for order, *rest in line_rows],
                constants={"refunded_fen": 0, "fee_returned_fen": 0},
                returning=("line_id", "id") if claim_rows else (),
            )
        )
        LineCommission.objects.bulk_create(
            LineCommission(
                line_id=line_ids[line_id],
                promoter_id=claim.promoter_id,
                kind=claim.kind,
                reference=claim.reference,
                ratio_ppm=claim.ratio_ppm,
                amount_fen=amount,
            )
            for line_id, claim, amount in claim_rows
        )
        _post_legs(legs, now)
    return len(posted)


def settle_orders(*, order_ids: Iterable[int], chunk: int = SETTLEMENT_CHUNK) -> int:
    """Settle those of the orders whose every line's after-sale period has ended and that have not
    settled, `chunk` per transaction (`_settle_orders_where`): what pending holds of each moves to
    available, less what its store owes (the `owed` account is paid back first). Answers the
    orders settled."""
    ids = sorted(set(order_ids))
    settled = 0
    for part in _chunks(ids, chunk):
        inner = bulk.ids(list(part))
        settled += _settle_orders_where(f"m.order_id IN ({inner.sql})", list(inner.params))
    return settled


# Store windows settled at once on PostgreSQL, each on a connection of its own (as CLAIMS_WORKERS).
SETTLEMENT_WORKERS = 2


def settle_due(
    *,
    chunk: int = SETTLEMENT_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
    workers: int = SETTLEMENT_WORKERS,
) -> int:
    """The settlement run: every order not settled whose lines' after-sale periods have all
    ended, by stores: each transaction takes the unsettled orders of a range of stores (about
    `chunk` orders; a store's are never split) and settles the due ones (`_settle_orders_where`:
    one UPDATE marks them, one journal per store). `on_chunk(n)` after each window (a progress
    bar's). On PostgreSQL, outside a transaction, `workers` windows run at once on connections of
    their own: their stores, hence their accounts and orders, are disjoint. Answers the orders
    settled."""
    counts = (
        OrderMoney.objects.filter(settled_at__isnull=True)
        .values("store_id")
        .annotate(n=Count("pk"))
        .order_by("store_id")
        .values_list("store_id", "n")
    )
    return _run_windows(_windows(counts, chunk), _settle_store_window, on_chunk=on_chunk, workers=workers)


def _settle_store_window(window: Window) -> int:
    return _settle_orders_where(*_range("m.store_id", window))


def settlement_key(order_ids: Sequence[int]) -> str:
    """A settlement journal's source key: the order's id when it settles one order (as every
    settlement journal was keyed before the batch), else `orders:<first>-<last>:<count>` (the
    store's orders it settled lie in that id range and have its `created_at` as `settled_at`).
    Each order settles once, so no two journals share their first order."""
    if len(order_ids) == 1:
        return str(order_ids[0])
    return f"orders:{min(order_ids)}-{max(order_ids)}:{len(order_ids)}"


def _settle_orders_where(which: str, params: list) -> int:
    """Settle the due orders matching `which` (SQL on the order's money row `m`) in one
    transaction: one UPDATE marks them (`settled_at`, `settled_fen` = what pending held, pending 0)
    and answers them; it takes their row locks, so a refund holding one first is waited for and
    the order settles with what that refund left, and a concurrent settlement that marked it
    first leaves it out (its `settled_at IS NULL` is checked again on the locked row). Then ONE
    `settlement` journal per store (`settlement_key`): pending −the orders' sum, owed +what repays
    the store's debt, available +the rest, which is where settling the orders one by one leaves
    the balances. A fully refunded order is marked with nothing to move."""
    now = clock.now()
    table = OrderMoney._meta.db_table
    pg = connection.vendor == "postgresql"
    row = "m" if pg else table
    if not pg:
        which = which.replace("m.", f"{table}.")
    due_rows = (
        f"settled_at IS NULL AND ({which}) AND NOT EXISTS (SELECT 1 FROM ledger_linemoney l "
        f"WHERE l.order_id = {row}.id AND l.period_ended_at IS NULL)"
    )
    if pg:
        # the rows' locks in id order first, so two runs over the same orders queue, never deadlock
        sql = (
            f"WITH picked AS (SELECT m.id FROM {table} AS m WHERE {due_rows} ORDER BY m.id FOR UPDATE) "
            f"UPDATE {table} AS u SET settled_at = %s, settled_fen = u.pending_fen, pending_fen = 0 "
            "FROM picked WHERE u.id = picked.id RETURNING u.order_id, u.store_id, u.settled_fen"
        )
    else:
        sql = (
            f"UPDATE {table} SET settled_at = %s, settled_fen = pending_fen, pending_fen = 0 "
            f"WHERE {due_rows} RETURNING order_id, store_id, settled_fen"
        )
    with transaction.atomic():
        with connection.cursor() as cursor:
            stamp = connection.ops.adapt_datetimefield_value(now)
            cursor.execute(sql, [*params, stamp] if pg else [stamp, *params])
            due = sorted(cursor.fetchall())
        by_store: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for order, store, amount in due:
            if amount:
                by_store[store].append((order, amount))
        if not by_store:
            return len(due)
        keys = {store: settlement_key([order for order, _amount in its]) for store, its in by_store.items()}
        ours = _open_journals(
            Source.SETTLEMENT,
            [
                (keys[store], store, its[0][0] if len(its) == 1 else None)
                for store, its in sorted(by_store.items())
            ],
            now,
        )
        if len(ours) != len(keys):  # pragma: no cover - their orders were unsettled until now
            raise LookupError(f"a settlement of {sorted(set(keys.values()) - ours.keys())} was posted before")
        kinds = (AccountKind.PENDING, AccountKind.AVAILABLE, AccountKind.OWED)
        accounts = _account_ids({(kind, store) for store in by_store for kind in kinds})
        held = _lock_balances(accounts.values())
        legs = {}
        for store, its in by_store.items():
            total = sum(amount for _order, amount in its)
            owed = accounts[(AccountKind.OWED, store)]
            repay = min(-min(0, held[owed]), total)  # the debt first, as order after order would
            legs[ours[keys[store]]] = [
                (accounts[(AccountKind.PENDING, store)], -total),
                (owed, repay),
                (accounts[(AccountKind.AVAILABLE, store)], total - repay),
            ]
        _post_legs(legs, now)
    return len(due)


# -- withdrawals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owner:
    """Whose withdrawal: a store's (its available and withdrawing) or a promoter's (theirs)."""

    store_id: int | None = None
    user_id: int | None = None

    @property
    def kinds(self) -> tuple[str, str]:
        if self.store_id is not None:
            return AccountKind.AVAILABLE, AccountKind.WITHDRAWING
        return AccountKind.PROMOTER_AVAILABLE, AccountKind.PROMOTER_WITHDRAWING

    def account(self, kind: str) -> Account:
        return account(kind, self.store_id, user_id=self.user_id)

    def withdrawals(self):
        if self.store_id is not None:
            return Withdrawal.objects.filter(store_id=self.store_id)
        return Withdrawal.objects.filter(promoter_id=self.user_id)


def request_withdrawal(*, store: Store, amount_fen: int, by: User) -> Withdrawal:
    """The store's owner, an admin or its finance staff take `amount_fen` out of available: in
    one transaction the money moves available → the store's withdrawing account, the Withdrawal
    is recorded and `withdrawal_requested` written (its handler submits the transfer after the
    commit; the worker does if this process dies first). The daily count is taken under the lock
    of the store's available account, so concurrent requests cannot make one too many."""
    if not has_perm(by, store.pk, Perm.FINANCE):
        raise DomainError("permission_denied")
    return _request_withdrawal(_Owner(store_id=store.pk), amount_fen=amount_fen, by=by)


def request_promoter_withdrawal(*, promoter: User, amount_fen: int) -> Withdrawal:
    """A promoter takes settled commission out of their available, as a store does (the same
    limits; the transfer goes to the promoter's own WeChat balance)."""
    return _request_withdrawal(_Owner(user_id=promoter.pk), amount_fen=amount_fen, by=promoter)


def _request_withdrawal(owner: _Owner, *, amount_fen: int, by: User) -> Withdrawal:
    if type(amount_fen) is not int or not rules.WITHDRAWAL_MIN_FEN <= amount_fen <= rules.WITHDRAWAL_MAX_FEN:
        raise DomainError("withdrawal_amount_invalid", field="amount_fen")
    available_kind, withdrawing_kind = owner.kinds
    available = owner.account(available_kind)
    withdrawing = owner.account(withdrawing_kind)
    with transaction.atomic():
        held = _locked([available, withdrawing])[available.pk].balance_fen
        day_start = datetime.combine(clock.today(), time.min, tzinfo=clock.SHANGHAI)
        if owner.withdrawals().filter(requested_at__gte=day_start).count() >= rules.WITHDRAWALS_PER_DAY:
            raise DomainError("withdrawal_limit_reached")
        if held < amount_fen:
            raise DomainError("balance_insufficient", field="amount_fen")
        withdrawal = Withdrawal.objects.create(
            store_id=owner.store_id,
            promoter_id=owner.user_id,
            amount_fen=amount_fen,
            out_bill_no=f"WD{uuid.uuid4().hex[:24]}",
            requested_by=by,
            requested_at=clock.now(),
        )
        journal = _open_journal(
            source_type=Source.WITHDRAWAL,
            source_key=withdrawal.out_bill_no,
            store_id=owner.store_id,
            order_id=None,
            memo=f"withdrawal {withdrawal.pk}",
        )
        assert journal is not None  # a fresh number
        _post_entries(journal, [Leg(available, -amount_fen), Leg(withdrawing, amount_fen)])
        events.withdrawal_requested.emit(withdrawal_id=withdrawal.pk)
    withdrawal.refresh_from_db()
    return withdrawal


def submit_withdrawal(*, withdrawal_id: int) -> None:
    """`withdrawal_requested`: hand the withdrawal to payments as a transfer (idempotent by its
    out_bill_no: run again, it answers the same transfer). Its outcome comes back through
    `transfer_succeeded` / `transfer_failed`. A run that died after marking it processing is
    retried and submits it then (the same number: never two transfers)."""
    withdrawal = Withdrawal.objects.filter(pk=withdrawal_id).first()
    if withdrawal is None or withdrawal.state not in (WithdrawalState.REQUESTED, WithdrawalState.PROCESSING):
        return  # finished: its transfer's outcome was posted
    Withdrawal.objects.filter(pk=withdrawal.pk, state=WithdrawalState.REQUESTED).update(
        state=WithdrawalState.PROCESSING, submitted_at=clock.now()
    )
    if withdrawal.store_id is not None:
        payee, remark = rules.withdrawal_payee(withdrawal.store_id), "店铺提现"
    else:
        assert withdrawal.promoter_id is not None  # a database check: one owner or the other
        payee, remark = rules.promoter_payee(withdrawal.promoter_id), "佣金提现"
    payments.transfer_money(
        out_bill_no=withdrawal.out_bill_no,
        amount_fen=withdrawal.amount_fen,
        payee_openid=payee,
        remark=remark,
    )


def _finish_withdrawal(out_bill_no: str, *, paid: bool, reason: str = "") -> None:
    with transaction.atomic():
        withdrawal = Withdrawal.objects.select_for_update().filter(out_bill_no=out_bill_no).first()
        if withdrawal is None:  # another payer's transfer
            return
        journal = _open_journal(
            source_type=Source.WITHDRAWAL_PAID if paid else Source.WITHDRAWAL_RETURNED,
            source_key=out_bill_no,
            store_id=withdrawal.store_id,
            order_id=None,
            memo=reason,
        )
        if journal is None:  # posted before
            return
        owner = _Owner(store_id=withdrawal.store_id, user_id=withdrawal.promoter_id)
        available_kind, withdrawing_kind = owner.kinds
        withdrawing = owner.account(withdrawing_kind)
        to = account(AccountKind.WITHDRAWALS_OUT) if paid else owner.account(available_kind)
        _locked([withdrawing, to])
        _post_entries(journal, [Leg(withdrawing, -withdrawal.amount_fen), Leg(to, withdrawal.amount_fen)])
        Withdrawal.objects.filter(pk=withdrawal.pk).update(
            state=WithdrawalState.SUCCEEDED if paid else WithdrawalState.FAILED,
            finished_at=clock.now(),
            fail_reason=reason[:200],
        )


def withdrawal_paid(*, out_bill_no: str, amount_fen: int, transfer_bill_no: str) -> None:
    """`transfer_succeeded`: the withdrawal reached the owner: withdrawing → withdrawals_out."""
    _finish_withdrawal(out_bill_no, paid=True)


def withdrawal_returned(*, out_bill_no: str, amount_fen: int, reason: str) -> None:
    """`transfer_failed`: the money goes back: withdrawing → available, the reason kept."""
    _finish_withdrawal(out_bill_no, paid=False, reason=reason)


# -- deposits -------------------------------------------------------------------------------------


def _post_deposit(deposit_id: int, *, paid: bool) -> None:
    """A deposit's money as the ledger holds it: paid, clearing → the store's deposit account;
    refunded, the deposit account → refunds out (the gateway's refund paid it back)."""
    deposit = StoreDeposit.objects.filter(pk=deposit_id).first()
    if deposit is None:  # dropped unpaid: nothing was held
        return
    if (paid and deposit.paid_at is None) or (not paid and deposit.refunded_at is None):
        raise LookupError(f"deposit {deposit_id} is not {'paid' if paid else 'refunded'}")
    with transaction.atomic():
        journal = _open_journal(
            source_type=Source.DEPOSIT if paid else Source.DEPOSIT_REFUND,
            source_key=str(deposit_id),
            store_id=deposit.store_id,
            order_id=None,
            memo=f"category {deposit.category_id}",
        )
        if journal is None:  # posted before
            return
        held = account(AccountKind.DEPOSIT, deposit.store_id)
        other = account(AccountKind.CLEARING if paid else AccountKind.REFUNDS_OUT)
        legs = [Leg(held, deposit.amount_fen), Leg(other, -deposit.amount_fen)]
        if not paid:
            legs = [Leg(leg.account, -leg.amount_fen) for leg in legs]
        _locked([held, other])
        _post_entries(journal, legs)


def post_deposit_paid(*, deposit_id: int) -> None:
    """`deposit_paid`: the store's deposit is held by the platform (the deposit account)."""
    _post_deposit(deposit_id, paid=True)


def post_deposit_refunded(*, deposit_id: int) -> None:
    """`deposit_refunded`: the store's deposit went back to it through the gateway."""
    _post_deposit(deposit_id, paid=False)
