"""Reads of the ledger: balances (one query), entries, an order's money breakdown, and the checks
that prove the books add up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet, Sum

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.aftersales import rules as aftersale_rules
from xiaodian.core.clock import SHANGHAI
from xiaodian.core.errors import DomainError
from xiaodian.orders.models import Order
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store

from .models import Account, Entry, Journal, OrderMoney, Withdrawal
from .rules import AccountKind


@dataclass(frozen=True)
class Balance:
    store_id: int
    available_fen: int
    pending_fen: int
    owed_fen: int  # what the store owes the platform (refunds after settlement beyond available), ≥ 0
    pending_orders: int
    withdrawing_fen: int = 0  # withdrawals whose transfer has not finished
    deposit_fen: int = 0  # category deposits the platform holds for the store


def balance(store: Store) -> Balance:
    """The store's balances from the running balances: one query, whatever the number of entries;
    plus how many orders its pending holds."""
    held = dict(Account.objects.filter(store=store).values_list("kind", "balance_fen"))
    return Balance(
        store_id=store.pk,
        available_fen=held.get(AccountKind.AVAILABLE, 0),
        pending_fen=held.get(AccountKind.PENDING, 0),
        owed_fen=-held.get(AccountKind.OWED, 0),
        pending_orders=OrderMoney.objects.filter(
            store=store, settled_at__isnull=True, pending_fen__gt=0
        ).count(),
        withdrawing_fen=held.get(AccountKind.WITHDRAWING, 0),
        deposit_fen=held.get(AccountKind.DEPOSIT, 0),
    )


def entries(
    store: Store, *, kind: str | None = None, since: date | None = None, until: date | None = None
) -> QuerySet[Entry]:
    """The store's entries, newest first; `kind` keeps one account, `since`/`until` Shanghai days."""
    rows = Entry.objects.filter(account__store=store).select_related("account", "journal")
    if kind:
        rows = rows.filter(account__kind=kind)
    if since:
        rows = rows.filter(created_at__gte=datetime.combine(since, time.min, SHANGHAI))
    if until:
        rows = rows.filter(created_at__lt=datetime.combine(until + timedelta(days=1), time.min, SHANGHAI))
    return rows.order_by("-id")


def pending_orders(store: Store) -> QuerySet[OrderMoney]:
    """The store's orders whose money is still pending, oldest first."""
    return OrderMoney.objects.filter(store=store, settled_at__isnull=True, pending_fen__gt=0).order_by(
        "paid_at"
    )


@dataclass(frozen=True)
class Money:
    order_id: int
    store_id: int
    paid_fen: int
    fee_fen: int
    refunded_fen: int
    fee_returned_fen: int
    net_fen: int  # what the store keeps of the order: paid − refunds − (fee − fee given back)
    pending_fen: int
    settled: bool
    settled_at: datetime | None
    settled_fen: int
    settles: str  # "settled", "after_period" (when every line's after-sale period ends), "refunded", "unpaid"
    period_ends_at: datetime | None
    fee_rates_ppm: list[int]


def order_money(user: User, order_id: int) -> Money:
    """An order's money breakdown, for the store's finance staff and owner (others: 404/403)."""
    store_id = Order.objects.filter(pk=order_id).values_list("store_id", flat=True).first()
    if store_id is None:
        raise DomainError("not_found")
    store_for(user, store_id, Perm.FINANCE)
    return money_of(order_id, store_id)


def money_of(order_id: int, store_id: int) -> Money:
    money = OrderMoney.objects.filter(order_id=order_id).prefetch_related("lines").first()
    if money is None:
        return Money(order_id, store_id, 0, 0, 0, 0, 0, 0, False, None, 0, "unpaid", None, [])
    received = Order.objects.filter(pk=order_id).values_list("received_at", flat=True).first()
    if money.settled_at is not None:
        settles = "settled"
    elif money.refunded_fen >= money.paid_fen:
        settles = "refunded"
    else:
        settles = "after_period"
    return Money(
        order_id=order_id,
        store_id=money.store_id,
        paid_fen=money.paid_fen,
        fee_fen=money.fee_fen,
        refunded_fen=money.refunded_fen,
        fee_returned_fen=money.fee_returned_fen,
        net_fen=money.paid_fen - money.refunded_fen - (money.fee_fen - money.fee_returned_fen),
        pending_fen=money.pending_fen,
        settled=money.settled_at is not None,
        settled_at=money.settled_at,
        settled_fen=money.settled_fen,
        settles=settles,
        period_ends_at=received + aftersale_rules.AFTERSALE_PERIOD
        if received and settles == "after_period"
        else None,
        fee_rates_ppm=sorted({line.fee_rate_ppm for line in money.lines.all()}),
    )


# -- proofs -----------------------------------------------------------------------------------------


def unbalanced_journals() -> list[int]:
    """Journals whose entries do not sum to zero, or left open: none, ever."""
    sums = Journal.objects.annotate(total=Sum("entries__amount_fen"))
    return sorted(
        set(sums.exclude(total=0).exclude(total__isnull=True).values_list("pk", flat=True))
        | set(Journal.objects.filter(sealed=False).values_list("pk", flat=True))
    )


def drifted_balances() -> list[tuple[int, int, int]]:
    """(account, running balance, sum of entries) wherever the two differ: none, ever."""
    sums = Account.objects.annotate(total=Sum("entries__amount_fen"))
    return [
        (pk, held, total or 0)
        for pk, held, total in sums.values_list("pk", "balance_fen", "total")
        if held != (total or 0)
    ]


def total_of_all_accounts() -> int:
    return Account.objects.aggregate(t=Sum("balance_fen"))["t"] or 0


def negative_available() -> list[int]:
    return list(
        Account.objects.filter(Q(kind=AccountKind.AVAILABLE) & Q(balance_fen__lt=0)).values_list(
            "pk", flat=True
        )
    )


def withdrawals(store: Store) -> QuerySet[Withdrawal]:
    """The store's withdrawals, newest first."""
    return Withdrawal.objects.filter(store=store).order_by("-id")
