"""Reconciliation: the gateway's records against the ledger's journals, both ways.

The gateway's records are the payments app's (each Payment, Refund and Transfer as WeChat Pay
answered it). Every succeeded checkout payment has a payment journal for each of its paid orders
(an order cancelled as oversold was never the store's: its money went straight back); every
succeeded deposit payment has the deposit's journal; every succeeded refund its journals (an
after-sale refund one, a cancelled gift's one per line, an oversold order's or a late deposit's
none); every finished transfer the withdrawal's outcome. The other way, every journal of those
kinds has its gateway record. A journal's amount is what it moved: the sum of its positive
entries. Records newer than `grace` are left out: their postings may still be on their way (the
handlers run right after the commit, and the worker retries lost runs within minutes).

`repair=True` posts what is missing through the same handlers the events run (each idempotent),
which is also how a ledger added to a platform with history catches up: payments, after-sale and
gift refunds, deposits, and the settlement of lines whose after-sale period has ended."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q, Sum

from xiaodian.aftersales.models import AfterSale, PeriodEnd
from xiaodian.core import clock
from xiaodian.orders import amounts as order_amounts
from xiaodian.orders.models import Order, OrderLine
from xiaodian.payments.models import (
    Payment,
    PaymentStatus,
    Purpose,
    Refund,
    RefundStatus,
    Transfer,
    TransferState,
)
from xiaodian.stores.models import StoreDeposit

from . import selectors, services
from .models import Journal, LineMoney, Withdrawal
from .rules import Source

GRACE = timedelta(minutes=10)
CHUNK = 2_000


@dataclass(frozen=True)
class Difference:
    kind: str  # what disagrees: missing_journal, amount_mismatch, journal_without_record, books
    record: str  # the gateway's number (out_trade_no, out_refund_no, out_bill_no) or the journal's source
    gateway_fen: int
    ledger_fen: int
    note: str = ""


@dataclass
class Report:
    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    differences: list[Difference] = field(default_factory=list)
    repaired: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": dict(self.checked),
            "repaired": dict(self.repaired),
            "differences": [d.__dict__ for d in self.differences],
        }


Progress = Callable[[str, int, int], None]


def _moved(source_types: list[str]) -> dict[tuple[str, str], int]:
    """(source type, key) → what the journal moved (its positive entries)."""
    rows = Journal.objects.filter(source_type__in=source_types).annotate(
        moved=Sum("entries__amount_fen", filter=Q(entries__amount_fen__gt=0))
    )
    return {
        (t, k): moved or 0
        for t, k, moved in rows.values_list("source_type", "source_key", "moved").iterator()
    }


def reconcile(*, grace: timedelta = GRACE, repair: bool = False, progress: Progress | None = None) -> Report:
    report = Report()
    before = clock.now() - grace
    if repair:
        _repair(before, report, progress)
    journals = _moved(
        [
            Source.PAYMENT,
            Source.REFUND,
            Source.DEPOSIT,
            Source.DEPOSIT_REFUND,
            Source.WITHDRAWAL_PAID,
            Source.WITHDRAWAL_RETURNED,
        ]
    )
    matched: set[tuple[str, str]] = set()
    _payments(before, journals, matched, report, progress)
    _refunds(before, journals, matched, report, progress)
    _transfers(before, journals, matched, report)
    recent = _recent_sources(before)
    for key, moved in journals.items():
        if key not in matched and key not in recent:
            report.differences.append(Difference("journal_without_record", ":".join(key), 0, moved))
    _books(report)
    return report


def _recent_sources(before) -> set[tuple[str, str]]:
    """Journals posted within the grace period: their records are checked next time."""
    return set(Journal.objects.filter(created_at__gte=before).values_list("source_type", "source_key"))


def _compare(report: Report, kind: str, record: str, gateway: int, ledger: int, note: str = "") -> None:
    report.checked[kind] += 1
    if gateway != ledger:
        what = "missing_journal" if ledger == 0 else "amount_mismatch"
        report.differences.append(Difference(what, record, gateway, ledger, note or kind))


def _payments(before, journals, matched, report: Report, progress: Progress | None) -> None:
    paid = Payment.objects.filter(status=PaymentStatus.SUCCEEDED, paid_at__lt=before)
    total = paid.count()
    done = 0
    checkouts = paid.filter(purpose=Purpose.CHECKOUT).order_by("pk")
    for chunk in _chunks(checkouts.values_list("out_trade_no", "reference_id")):
        orders = defaultdict(list)
        for checkout, order_id, total_fen, paid_at in Order.objects.filter(
            checkout_id__in=[ref for _, ref in chunk]
        ).values_list("checkout_id", "pk", "total_fen", "paid_at"):
            orders[checkout].append((order_id, total_fen, paid_at))
        for out_trade_no, checkout in chunk:
            expected = ledger = 0
            for order_id, total_fen, paid_at in orders[checkout]:
                if paid_at is None:  # oversold: refunded at once, never the store's
                    continue
                key = (Source.PAYMENT, str(order_id))
                expected += total_fen
                ledger += journals.get(key, 0)
                matched.add(key)
            _compare(report, "payment", out_trade_no, expected, ledger)
        done += len(chunk)
        if progress:
            progress("payments", done, total)
    deposits = paid.filter(purpose=Purpose.DEPOSIT).values_list(
        "out_trade_no", "transaction_id", "reference_id", "amount_fen"
    )
    held = {
        pk: (transaction_id, paid_at)
        for pk, transaction_id, paid_at in StoreDeposit.objects.values_list("pk", "transaction_id", "paid_at")
    }
    for out_trade_no, transaction_id, deposit_id, amount in deposits.iterator():
        key = (Source.DEPOSIT, str(deposit_id))
        paid_as, paid_at = held.get(deposit_id, ("", None))
        # the deposit records the payment that paid it; a late payment of a dropped deposit went back
        mine = paid_at is not None and paid_as in (out_trade_no, transaction_id)
        if mine:
            matched.add(key)
        _compare(report, "deposit", out_trade_no, amount if mine else 0, journals.get(key, 0) if mine else 0)
        done += 1
    if progress:
        progress("payments", done, total)
    _internal_deposits(matched, journals)


def _internal_deposits(matched, journals) -> None:
    """Deposits charged through the internal gateway (no Payment row: nothing to reconcile them
    against) count as matched."""
    through_wechat = set(
        Payment.objects.filter(purpose=Purpose.DEPOSIT).values_list("reference_id", flat=True)
    )
    for source_type, key in list(journals):
        if source_type in (Source.DEPOSIT, Source.DEPOSIT_REFUND) and int(key) not in through_wechat:
            matched.add((source_type, key))


def _refunds(before, journals, matched, report: Report, progress: Progress | None) -> None:
    by_gift: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for source_type, key in journals:
        if source_type == Source.REFUND and key.startswith("GC") and "-" in key:
            by_gift[key.split("-", 1)[0]].append((source_type, key))
    deposits = {pk: refund_id for pk, refund_id in StoreDeposit.objects.values_list("pk", "refund_id")}
    refunds = Refund.objects.filter(status=RefundStatus.SUCCEEDED, succeeded_at__lt=before).select_related(
        "payment"
    )
    total, done = refunds.count(), 0
    for refund in refunds.order_by("pk").iterator(chunk_size=CHUNK):
        number = refund.out_refund_no
        if refund.payment.purpose == Purpose.DEPOSIT:
            deposit_id = refund.payment.reference_id
            key = (Source.DEPOSIT_REFUND, str(deposit_id))
            mine = bool(deposits.get(deposit_id)) and deposits.get(deposit_id) in (refund.refund_id, number)
            if mine:
                matched.add(key)
            _compare(
                report,
                "refund",
                number,
                refund.amount_fen if mine else 0,
                journals.get(key, 0) if mine else 0,
            )
        elif number.startswith("OS"):  # an oversold order's: never posted, never the store's
            report.checked["refund"] += 1
        else:
            keys = by_gift[number] if number.startswith("GC") else [(Source.REFUND, number)]
            matched.update(keys)
            _compare(report, "refund", number, refund.amount_fen, sum(journals.get(k, 0) for k in keys))
        done += 1
        if progress and done % CHUNK == 0:
            progress("refunds", done, total)
    if progress:
        progress("refunds", done, total)


def _transfers(before, journals, matched, report: Report) -> None:
    withdrawals = set(Withdrawal.objects.values_list("out_bill_no", flat=True))
    finished = Transfer.objects.exclude(state=TransferState.PROCESSING).filter(finished_at__lt=before)
    for number, state, amount in finished.values_list("out_bill_no", "state", "amount_fen").iterator():
        source = Source.WITHDRAWAL_PAID if state == TransferState.SUCCEEDED else Source.WITHDRAWAL_RETURNED
        mine = number in withdrawals  # a transfer of another payer is not the ledger's
        key = (source, number)
        if mine:
            matched.add(key)
        _compare(report, "transfer", number, amount if mine else 0, journals.get(key, 0) if mine else 0)


def _books(report: Report) -> None:
    for journal_id in selectors.unbalanced_journals():
        report.differences.append(Difference("books", f"journal {journal_id}", 0, 0, "does not sum to zero"))
    for account_id, held, total in selectors.drifted_balances():
        report.differences.append(
            Difference("books", f"account {account_id}", total, held, "running balance ≠ its entries")
        )
    total = selectors.total_of_all_accounts()
    if total:
        report.differences.append(Difference("books", "all accounts", 0, total, "do not sum to zero"))


def _chunks(rows):
    chunk = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- repair ---------------------------------------------------------------------------------------


def _repair(before, report: Report, progress: Progress | None) -> None:
    """Post what the gateway shows and the ledger lacks, through the events' own handlers."""
    posted = set(Journal.objects.filter(source_type=Source.PAYMENT).values_list("source_key", flat=True))
    missing = [
        pk
        for pk in Order.objects.filter(paid_at__isnull=False, paid_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator()
        if str(pk) not in posted
    ]
    fees = services.FeeRates()
    for i, order_id in enumerate(missing, 1):
        services.post_payment(order_id=order_id, fees=fees)
        if progress and (i % 500 == 0 or i == len(missing)):
            progress("repair payments", i, len(missing))
    report.repaired["payments"] = len(missing)
    _repair_refunds(before, report)
    _repair_deposits(report)
    ended = PeriodEnd.objects.filter(
        line_id__in=LineMoney.objects.filter(period_ended_at__isnull=True).values("line_id")
    ).values_list("order_id", "line_id")
    count = 0
    for order_id, line_id in ended.iterator():
        services.settle_line(order_id=order_id, line_id=line_id)
        count += 1
    report.repaired["period_ends"] = count


def _repair_refunds(before, report: Report) -> None:
    posted = set(Journal.objects.filter(source_type=Source.REFUND).values_list("source_key", flat=True))
    refunds = Refund.objects.filter(
        status=RefundStatus.SUCCEEDED, succeeded_at__lt=before, payment__purpose=Purpose.CHECKOUT
    ).exclude(out_refund_no__startswith="OS")
    count = 0
    for number, amount in refunds.values_list("out_refund_no", "amount_fen").iterator():
        if number.startswith("GC") and number[2:].isdigit():
            lines = list(OrderLine.objects.filter(order_id=int(number[2:])).order_by("pk"))
            shares = order_amounts.line_paid_shares(Order.objects.get(pk=int(number[2:])), lines)
            for line, share in zip(lines, shares, strict=True):
                key = f"{number}-{line.pk}"
                if share and key not in posted:
                    services.post_line_refund(
                        line_id=line.pk, amount_fen=share, quantity=line.quantity, out_refund_no=key
                    )
                    count += 1
            continue
        if number in posted:
            continue
        aftersale = AfterSale.objects.filter(Q(out_refund_no=number) | Q(pk=_aftersale_id(number))).first()
        if aftersale is None:
            continue  # not an after-sale's: reported, left to a person
        top_up = number.endswith("-2")
        services.post_line_refund(
            line_id=aftersale.line_id,
            amount_fen=amount,
            quantity=0 if top_up else aftersale.quantity,
            out_refund_no=number,
        )
        count += 1
    report.repaired["refunds"] = count


def _aftersale_id(number: str) -> int | None:
    """AS12 and AS12-2 (a top-up) are after-sale 12's refunds."""
    digits = number[2:].split("-", 1)[0]
    return int(digits) if number.startswith("AS") and digits.isdigit() else None


def _repair_deposits(report: Report) -> None:
    posted = set(Journal.objects.filter(source_type=Source.DEPOSIT).values_list("source_key", flat=True))
    returned = set(
        Journal.objects.filter(source_type=Source.DEPOSIT_REFUND).values_list("source_key", flat=True)
    )
    count = 0
    for pk, refunded_at in StoreDeposit.objects.filter(paid_at__isnull=False).values_list(
        "pk", "refunded_at"
    ):
        if str(pk) not in posted:
            services.post_deposit_paid(deposit_id=pk)
            count += 1
        if refunded_at is not None and str(pk) not in returned:
            services.post_deposit_refunded(deposit_id=pk)
            count += 1
    report.repaired["deposits"] = count
