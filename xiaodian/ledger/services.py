"""Every write to the ledger. Each posting is one transaction: the journal (unique by its source,
so a second run of the same event posts nothing), its entries, the accounts' running balances
(locked in primary-key order, then one UPDATE each) and the order's money rows.

The event handlers (`post_paid_orders`, `post_line_refund`, `settle_line`, and the withdrawals'
`submit_withdrawal`, `withdrawal_paid`, `withdrawal_returned`) are connected in
`LedgerConfig.ready()` and run by the worker at least once; each is idempotent."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.money import allocate
from xiaodian.orders.models import Order, OrderLine
from xiaodian.payments import services as payments
from xiaodian.stores.access import has_perm
from xiaodian.stores.models import Category, Store, StoreDeposit

from . import events, rules
from .models import Account, Entry, FeeSchedule, Journal, LineMoney, OrderMoney, Withdrawal, WithdrawalState
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
    """`order_paid`: per order, clearing → the store's pending (paid − fee) and fee income (fee)."""
    fees = FeeRates()
    for order_id in order_ids:
        post_payment(order_id=order_id, fees=fees)


def post_payment(*, order_id: int, fees: FeeRates | None = None) -> OrderMoney | None:
    order = Order.objects.filter(pk=order_id, paid_at__isnull=False).first()
    if order is None or order.paid_at is None:
        return None
    fees = fees or FeeRates()
    lines = list(OrderLine.objects.filter(order_id=order_id).select_related("product").order_by("pk"))
    shares = allocate(order.total_fen, [line.total_fen for line in lines])
    with transaction.atomic():
        journal = _open_journal(
            source_type=Source.PAYMENT, source_key=str(order_id), store_id=order.store_id, order_id=order_id
        )
        if journal is None:
            return OrderMoney.objects.filter(order_id=order_id).first()
        line_rows = []
        for line, paid in zip(lines, shares, strict=True):
            rate = fees.rate(line.product.category_id)
            line_rows.append(
                LineMoney(
                    line_id=line.pk,
                    category_id=line.product.category_id,
                    paid_fen=paid,
                    fee_rate_ppm=rate,
                    fee_fen=rules.fee_of(paid, rate),
                )
            )
        fee = sum(row.fee_fen for row in line_rows)
        money = OrderMoney.objects.create(
            order_id=order_id,
            store_id=order.store_id,
            paid_fen=order.total_fen,
            fee_fen=fee,
            pending_fen=order.total_fen - fee,
            fee_version=fees.version,
            paid_at=order.paid_at,
        )
        for row in line_rows:
            row.order = money
        LineMoney.objects.bulk_create(line_rows)
        store = order.store_id
        legs = [
            Leg(account(AccountKind.CLEARING), -order.total_fen),
            Leg(account(AccountKind.PENDING, store), order.total_fen - fee),
            Leg(account(AccountKind.FEE_INCOME), fee),
        ]
        _locked(leg.account for leg in legs)
        _post_entries(journal, legs)
    return money


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
        from_store = amount_fen - fee_back
        store = money.store_id
        legs = [
            Leg(account(AccountKind.REFUNDS_OUT), amount_fen),
            Leg(account(AccountKind.FEE_INCOME), -fee_back),
        ]
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


def settle_line(*, order_id: int, line_id: int) -> None:
    """`aftersale_period_ended`: the line's window closed. When every line of the order has, the
    order settles: what pending still holds of it moves to available (less what the store owes)."""
    with transaction.atomic():
        money = OrderMoney.objects.select_for_update().filter(order_id=order_id).first()
        if money is None:
            raise LookupError(f"order {order_id} has no payment posted yet")
        LineMoney.objects.filter(order=money, line_id=line_id, period_ended_at__isnull=True).update(
            period_ended_at=clock.now()
        )
        if money.settled_at is not None or money.lines.filter(period_ended_at__isnull=True).exists():
            return
        amount = money.pending_fen
        if amount:
            journal = _open_journal(
                source_type=Source.SETTLEMENT,
                source_key=str(order_id),
                store_id=money.store_id,
                order_id=order_id,
            )
            if journal is None:  # cannot be: settled_at is set with it
                return
            pending = account(AccountKind.PENDING, money.store_id)
            available = account(AccountKind.AVAILABLE, money.store_id)
            owed = account(AccountKind.OWED, money.store_id)
            debt = -min(0, _locked([pending, available, owed])[owed.pk].balance_fen)
            repay = min(debt, amount)
            _post_entries(journal, [Leg(pending, -amount), Leg(owed, repay), Leg(available, amount - repay)])
        OrderMoney.objects.filter(pk=money.pk).update(
            settled_at=clock.now(), settled_fen=amount, pending_fen=0
        )


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
