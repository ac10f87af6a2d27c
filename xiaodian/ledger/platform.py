"""The operator's view of the platform's money: every account kind's total (the clearing account,
fee income, refunds and withdrawals out, and what all stores hold), and the technical service fee
by day and by category over a range of Shanghai days.

The fee charged is the lines' (`LineMoney.fee_fen`, on the day their order was paid, under their
category's top-level category); the fee given back is the fee income's negative entries, on the
day of the refund (a refund's journal is the order's, not the line's category, so what went back
is shown per day, and per category in all from the lines)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncDate

from xiaodian.core.clock import SHANGHAI
from xiaodian.stores.models import Category

from .models import Account, Entry, LineMoney
from .rules import AccountKind


@dataclass(frozen=True)
class Totals:
    """Each account kind's total over the platform, in fen (positive: the kind holds money)."""

    clearing_fen: int  # what came in through the gateway (minus the clearing account)
    fee_income: int
    refunds_out: int
    withdrawals_out: int
    pending: int
    available: int
    withdrawing: int
    deposit: int
    owed: int  # ≤ 0

    @property
    def held_for_stores_fen(self) -> int:
        """What the platform holds for stores: pending, available, withdrawing and deposits, less owed."""
        return self.pending + self.available + self.withdrawing + self.deposit + self.owed


def totals() -> Totals:
    """One query: the balances of every account, summed by kind."""
    rows = Account.objects.values_list("kind").annotate(total=Sum("balance_fen")).order_by()
    held = {kind: total or 0 for kind, total in rows}
    return Totals(
        clearing_fen=-held.get(AccountKind.CLEARING, 0),
        **{kind: held.get(kind, 0) for kind in _KINDS},
    )


_KINDS = (
    AccountKind.FEE_INCOME,
    AccountKind.REFUNDS_OUT,
    AccountKind.WITHDRAWALS_OUT,
    AccountKind.PENDING,
    AccountKind.AVAILABLE,
    AccountKind.WITHDRAWING,
    AccountKind.DEPOSIT,
    AccountKind.OWED,
)


@dataclass(frozen=True)
class CategoryFees:
    category_id: int
    name: str
    charged_fen: int
    returned_fen: int

    @property
    def net_fen(self) -> int:
        return self.charged_fen - self.returned_fen


@dataclass(frozen=True)
class Fees:
    days: list[date]
    categories: list[CategoryFees]  # top-level categories, most charged first
    charged: dict[int, list[int]]  # top-level category → fee charged per day (as `days`)
    returned: list[int]  # fee given back per day

    @property
    def charged_fen(self) -> int:
        return sum(c.charged_fen for c in self.categories)

    @property
    def returned_fen(self) -> int:
        return sum(self.returned)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, SHANGHAI), datetime.combine(
        end + timedelta(days=1), time.min, SHANGHAI
    )


def _roots() -> tuple[dict[int, int], dict[int, str]]:
    """Each category's top-level ancestor, and the names."""
    parents, names = {}, {}
    for pk, parent, name in Category.objects.values_list("pk", "parent_id", "name"):
        parents[pk], names[pk] = parent, name
    root = {}
    for pk in parents:
        node, seen = pk, 0
        while parents.get(node) is not None and seen < 20:
            node, seen = parents[node], seen + 1
        root[pk] = node
    return root, names


def fees(start: date, end: date) -> Fees:
    """The technical service fee charged per top-level category and day, and given back per day,
    from `start` to `end` (Shanghai days, both included)."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    lo, hi = _bounds(start, end)
    root, names = _roots()
    charged: dict[int, list[int]] = defaultdict(lambda: [0] * len(days))
    returned_by_root: dict[int, int] = defaultdict(int)
    lines = (
        LineMoney.objects.filter(order__paid_at__gte=lo, order__paid_at__lt=hi)
        .annotate(day=TruncDate("order__paid_at", tzinfo=SHANGHAI))
        .values_list("day", "category_id")
        .annotate(fee=Sum("fee_fen"), back=Sum("fee_returned_fen"))
        .order_by()
    )
    for day, category_id, fee, back in lines:
        top = root.get(category_id, category_id)
        if day in index:
            charged[top][index[day]] += fee or 0
        returned_by_root[top] += back or 0
    back_per_day = [0] * len(days)
    returns = (
        Entry.objects.filter(
            account__kind=AccountKind.FEE_INCOME, amount_fen__lt=0, created_at__gte=lo, created_at__lt=hi
        )
        .annotate(day=TruncDate("created_at", tzinfo=SHANGHAI))
        .values_list("day")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    )
    for day, total in returns:
        if day in index:
            back_per_day[index[day]] = -(total or 0)
    categories = sorted(
        (
            CategoryFees(pk, names.get(pk, str(pk)), sum(per_day), returned_by_root.get(pk, 0))
            for pk, per_day in charged.items()
        ),
        key=lambda c: (-c.charged_fen, c.category_id),
    )
    return Fees(days=days, categories=categories, charged=dict(charged), returned=back_per_day)
