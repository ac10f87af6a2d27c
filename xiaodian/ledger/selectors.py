"""Reads of the ledger: balances (one query), entries, an order's money breakdown, and the checks
that prove the books add up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.aftersales import rules as aftersale_rules
from xiaodian.core import clock
from xiaodian.core.clock import SHANGHAI
from xiaodian.core.errors import DomainError
from xiaodian.orders.models import Order
from xiaodian.stores.access import store_for
from xiaodian.stores.models import Store

from .models import Account, Entry, Journal, OrderMoney, Withdrawal
from .rules import STORE_KINDS, AccountKind, Source


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
    """The store's balances from the running balances and how many orders its pending holds: ONE
    query whatever the number of entries (the count rides on the pending account's row, through
    the index on (store, settled_at))."""
    waiting = (
        OrderMoney.objects.filter(store=OuterRef("store"), settled_at__isnull=True, pending_fen__gt=0)
        .order_by()
        .values("store")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = Account.objects.filter(store=store).annotate(
        orders=Case(When(kind=AccountKind.PENDING, then=Subquery(waiting)), default=Value(0))
    )
    held, orders = {}, 0
    for kind, amount, count in rows.values_list("kind", "balance_fen", "orders"):
        held[kind] = amount
        orders += count or 0
    return Balance(
        store_id=store.pk,
        available_fen=held.get(AccountKind.AVAILABLE, 0),
        pending_fen=held.get(AccountKind.PENDING, 0),
        owed_fen=-held.get(AccountKind.OWED, 0),
        pending_orders=orders,
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
    goods_fen: int = 0  # the order's goods (and shipping) before its discount
    discount_fen: int = 0  # coupons and campaigns: paid = goods + shipping − discount


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
    received, goods, discount = (
        Order.objects.filter(pk=order_id)
        .values_list("received_at", F("goods_fen") + F("shipping_fen"), "discount_fen")
        .first()
    ) or (None, 0, 0)
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
        goods_fen=goods,
        discount_fen=discount,
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


def promoter_withdrawals(user: User) -> QuerySet[Withdrawal]:
    """A promoter's withdrawals of commission, newest first."""
    return Withdrawal.objects.filter(promoter=user).order_by("-id")


# -- bills (对账单) ----------------------------------------------------------------------------------
#
# A bill is a Shanghai calendar day of a store's four accounts: each account's balance at the start
# of the day (opening), every entry of the day with the account's balance after it, and the balance
# at the end (closing). Openings come from the running balance, never from summing a store's whole
# history: balance now − what was posted since the moment, or, for a moment nearer the store's first
# entry than now, the sum of what was posted before it. Either side is a range of the (account,
# created_at) index.


_KINDS: tuple[str, ...] = tuple(STORE_KINDS)


@dataclass(frozen=True)
class Movement:
    entry_id: int
    created_at: datetime
    account: str
    source_type: str
    source_key: str
    order_id: int | None
    amount_fen: int  # positive: the account grew
    balance_fen: int  # the account's balance after this entry

    @property
    def account_label(self) -> str:
        return _label(AccountKind, self.account)

    @property
    def source_label(self) -> str:
        return _label(Source, self.source_type)


@dataclass(frozen=True)
class AccountDay:
    account: str
    opening_fen: int
    in_fen: int  # the day's entries that grew the account
    out_fen: int  # the day's entries that shrank it (≤ 0)
    closing_fen: int  # opening + in + out

    @property
    def label(self) -> str:
        return _label(AccountKind, self.account)


@dataclass(frozen=True)
class SourceTotal:
    source_type: str
    in_fen: int  # entries > 0 on the store's accounts
    out_fen: int  # entries < 0 (≤ 0)
    net_fen: int  # what the store's accounts gained by it altogether (0 for a move between them)
    movements: int

    @property
    def label(self) -> str:
        return _label(Source, self.source_type)


@dataclass(frozen=True)
class DayFigures:
    """One day's summary: each store account's opening and closing, and the store's money in and
    out. In and out are by source type: a type whose entries added up to more on the store's
    accounts (payments) is money in, less (refunds, withdrawals paid) money out; moves between the
    store's own accounts (settlement, a withdrawal waiting) add up to nothing and count neither."""

    date: date
    accounts: list[AccountDay]
    in_fen: int
    out_fen: int  # ≤ 0
    movements: int

    def account(self, kind: str) -> AccountDay:
        return next(a for a in self.accounts if a.account == kind)

    @property
    def available(self) -> AccountDay:
        return self.account(AccountKind.AVAILABLE)

    @property
    def pending(self) -> AccountDay:
        return self.account(AccountKind.PENDING)


@dataclass(frozen=True)
class DailyBill(DayFigures):
    store_id: int = 0
    totals: list[SourceTotal] = field(default_factory=list)  # by source type, in Source's order
    entries: list[Movement] = field(default_factory=list)  # in time order


@dataclass(frozen=True)
class BillPage:
    items: list[DayFigures]  # newest first
    count: int  # days with movements in the range


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


# Days whose moments survive time-zone arithmetic both ways; nothing is posted beyond them.
_EARLIEST_DAY, _LATEST_DAY = date(1970, 1, 1), date(9998, 12, 31)


def day_start(day: date) -> datetime:
    """The first moment of a Shanghai calendar day (a day beyond reach: the edge of reach)."""
    return datetime.combine(min(max(day, _EARLIEST_DAY), _LATEST_DAY), time.min, SHANGHAI)


def _day_end(day: date) -> datetime:
    return day_start(day + timedelta(days=1) if day < _LATEST_DAY else _LATEST_DAY)


def balances_at(store: Store, moment: datetime) -> dict[str, int]:
    """Each of the store's accounts' balance just before `moment` (entries dated before it), in two
    queries whatever the number of entries: the accounts with their first entry's date, then, per
    account, the shorter side of the index around `moment`: the running balance less what was
    posted since (read in the same statement, so a posting in between cannot skew it), or the sum
    of what was posted before."""
    first = Entry.objects.filter(account=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
    accounts = list(
        Account.objects.filter(store=store, kind__in=STORE_KINDS).annotate(first_at=Subquery(first))
    )
    now = max(clock.now(), moment)
    recent = [a.pk for a in accounts if a.first_at is not None and moment - a.first_at > now - moment]
    old = [a.pk for a in accounts if a.first_at is not None and a.pk not in recent and a.first_at < moment]
    held = dict.fromkeys(_KINDS, 0)
    kind_of = {a.pk: a.kind for a in accounts}
    if recent:
        since = _entry_sum(account=OuterRef("pk"), created_at__gte=moment)
        rows = Account.objects.filter(pk__in=recent).annotate(since=Coalesce(Subquery(since), 0))
        for kind, balance_fen, posted_since in rows.values_list("kind", "balance_fen", "since"):
            held[kind] = balance_fen - posted_since
    if old:
        before = (
            Entry.objects.filter(account__in=old, created_at__lt=moment)
            .values("account")
            .annotate(t=Sum("amount_fen"))
            .values_list("account", "t")
        )
        for account_id, total in before.order_by():
            held[kind_of[account_id]] = total
    return held


def _entry_sum(**where) -> QuerySet:
    return (
        Entry.objects.filter(**where).order_by().values("account").annotate(t=Sum("amount_fen")).values("t")
    )


def _figures(day: date, opening: dict[str, int], groups: list[tuple[str, str, int, int, int]]) -> DayFigures:
    """A day's figures from its openings and its entries grouped by (account, source type):
    (account, source type, in, out, count)."""
    by_account = {kind: [0, 0] for kind in _KINDS}
    net_by_source: dict[str, int] = {}
    count = 0
    for kind, source_type, gained, lost, n in groups:
        by_account[kind][0] += gained
        by_account[kind][1] += lost
        net_by_source[source_type] = net_by_source.get(source_type, 0) + gained + lost
        count += n
    return DayFigures(
        date=day,
        accounts=[
            AccountDay(kind, opening[kind], gained, lost, opening[kind] + gained + lost)
            for kind, (gained, lost) in by_account.items()
        ],
        in_fen=sum(net for net in net_by_source.values() if net > 0),
        out_fen=sum(net for net in net_by_source.values() if net < 0),
        movements=count,
    )


def daily_bill(store: Store, day: date) -> DailyBill:
    """The store's bill for a Shanghai day: openings, every entry in time order with the account's
    balance after it, closings, and totals by source type. A day without entries (a future one)
    is a bill whose openings are its closings. Three queries (two for the openings)."""
    start, end = day_start(day), _day_end(day)
    opening = balances_at(store, start)
    rows = (
        Entry.objects.filter(
            account__store=store, account__kind__in=STORE_KINDS, created_at__gte=start, created_at__lt=end
        )
        .order_by("created_at", "id")
        .values_list(
            "pk",
            "created_at",
            "account__kind",
            "journal__source_type",
            "journal__source_key",
            "journal__order_id",
            "amount_fen",
        )
    )
    running = dict(opening)
    movements = []
    groups: dict[tuple[str, str], list[int]] = {}
    for entry_id, at, kind, source_type, source_key, order_id, amount in rows:
        running[kind] += amount
        movements.append(
            Movement(entry_id, at, kind, source_type, source_key, order_id, amount, running[kind])
        )
        group = groups.setdefault((kind, source_type), [0, 0, 0])
        group[0 if amount > 0 else 1] += amount
        group[2] += 1
    figures = _figures(day, opening, [(k, s, g[0], g[1], g[2]) for (k, s), g in groups.items()])
    totals: dict[str, list[int]] = {}
    for (_kind, source_type), (gained, lost, n) in groups.items():
        total = totals.setdefault(source_type, [0, 0, 0])
        total[0] += gained
        total[1] += lost
        total[2] += n
    order = {value: i for i, value in enumerate(Source.values)}
    return DailyBill(
        **vars(figures),
        store_id=store.pk,
        totals=[
            SourceTotal(source_type, gained, lost, gained + lost, n)
            for source_type, (gained, lost, n) in sorted(totals.items(), key=lambda t: order.get(t[0], 99))
        ],
        entries=movements,
    )


def bills(
    store: Store, since: date | None = None, until: date | None = None, *, offset: int = 0, limit: int = 20
) -> BillPage:
    """The days with entries on the store's accounts in `since`..`until` (Shanghai days, both
    included), newest first, a page of them, each with its openings, closings and money in and
    out. Three or four queries: the range's days, the page's entries grouped by day, account and
    source type, and the balances at the end of the newest day (walked back from there)."""
    rows = Entry.objects.filter(account__store=store, account__kind__in=STORE_KINDS)
    if since:
        rows = rows.filter(created_at__gte=day_start(since))
    if until:
        rows = rows.filter(created_at__lt=_day_end(until))
    # Every day of the range at once (a few hundred a year): one scan gives the count and the page.
    days = list(
        rows.annotate(day=TruncDate("created_at", tzinfo=SHANGHAI))
        .order_by("-day")
        .values_list("day", flat=True)
        .distinct()
    )
    count, page = len(days), days[offset : offset + limit]
    if not page:
        return BillPage([], count)
    newest, oldest = page[0], page[-1]
    grouped = (
        rows.filter(created_at__gte=day_start(oldest), created_at__lt=_day_end(newest))
        .annotate(day=TruncDate("created_at", tzinfo=SHANGHAI))
        .values("day", "account__kind", "journal__source_type")
        .annotate(
            gained=Coalesce(Sum("amount_fen", filter=Q(amount_fen__gt=0)), 0),
            lost=Coalesce(Sum("amount_fen", filter=Q(amount_fen__lt=0)), 0),
            n=Count("id"),
        )
        .order_by()
    )
    by_day: dict[date, list[tuple[str, str, int, int, int]]] = {}
    for g in grouped:
        by_day.setdefault(g["day"], []).append(
            (g["account__kind"], g["journal__source_type"], g["gained"], g["lost"], g["n"])
        )
    closing = balances_at(store, _day_end(newest))
    items = []
    for day in page:  # newest first: each day's opening is the closing of the day before it
        groups = by_day.get(day, [])
        net = dict.fromkeys(_KINDS, 0)
        for kind, _source, gained, lost, _n in groups:
            net[kind] += gained + lost
        opening = {kind: closing[kind] - net[kind] for kind in _KINDS}
        items.append(_figures(day, opening, groups))
        closing = opening
    return BillPage(items, count)
