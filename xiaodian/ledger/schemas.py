import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from xiaodian.core.pagination import JsonInt, SafeDate

from .rules import STORE_KINDS, AccountKind

StoreKind = AccountKind  # the filter names one of STORE_KINDS; others match nothing


class BalanceOut(Schema):
    store_id: int
    available_fen: int
    pending_fen: int
    owed_fen: int = Field(
        description="what the store owes the platform: refunds after settlement beyond available"
    )
    pending_orders: int = Field(description="paid orders whose money is still pending")
    withdrawing_fen: int = Field(0, description="withdrawn, the transfer not finished yet")
    deposit_fen: int = Field(0, description="category deposits the platform holds for the store")


class EntryOut(Schema):
    id: int
    journal_id: int
    source_type: str = Field(description="payment, refund or settlement")
    source_key: str = Field(description="the order id, or the refund number")
    order_id: int | None
    account: str = Field(description="pending, available or owed")
    amount_fen: int = Field(description="positive: the account grew")
    created_at: datetime


class EntryFilter(Schema):
    account: AccountKind | None = Field(None, description=f"one of {', '.join(STORE_KINDS)}")
    since: SafeDate | None = Field(None, description="first day (Asia/Shanghai), included")
    until: SafeDate | None = Field(None, description="last day, included")


class MoneyOut(Schema):
    order_id: int
    store_id: int
    paid_fen: int
    fee_fen: int = Field(description="the technical service fee charged at payment")
    refunded_fen: int
    fee_returned_fen: int = Field(description="the fee's share given back with refunds")
    net_fen: int = Field(description="paid − refunded − (fee − fee returned): what the store keeps")
    pending_fen: int
    settled: bool
    settled_at: datetime | None
    settled_fen: int
    settles: str = Field(
        description="settled, after_period (when every line's after-sale period ends), refunded, unpaid"
    )
    period_ends_at: datetime | None = Field(description="after receipt: when the after-sale period ends")
    fee_rates_ppm: list[int]


class WithdrawalIn(Schema):
    amount_fen: JsonInt = Field(description="at least 100 (¥1), at most 199999; from available")


class WithdrawalOut(Schema):
    id: int
    store_id: int
    amount_fen: int
    out_bill_no: str = Field(description="the transfer bill's number (payments)")
    state: str = Field(description="requested, processing, succeeded or failed (the money went back)")
    fail_reason: str
    requested_at: datetime
    finished_at: datetime | None


# -- bills ------------------------------------------------------------------------------------------


def _written_as_a_date(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


# A bill's day in the path: YYYY-MM-DD, a real date (any: a day beyond the ledger's reach is a bill
# without movements).
BillDate = Annotated[date, BeforeValidator(_written_as_a_date)]


class BillParams(Schema):
    format: Literal["json", "csv"] = Field("json", description="`csv`: the bill as a text/csv file")


class BillFilter(Schema):
    since: SafeDate | None = Field(None, description="first day (Asia/Shanghai), included")
    until: SafeDate | None = Field(None, description="last day, included")


class BillAccountOut(Schema):
    account: str = Field(description="pending, available, owed or withdrawing")
    opening_fen: int = Field(description="the balance at the start of the day")
    in_fen: int = Field(description="the day's entries that grew the account")
    out_fen: int = Field(description="the day's entries that shrank it (≤ 0)")
    closing_fen: int = Field(description="opening + in + out: the next day's opening")


class BillDayOut(Schema):
    date: date
    accounts: list[BillAccountOut]
    in_fen: int = Field(
        description="money into the store's accounts (by source type; not moves between them)"
    )
    out_fen: int = Field(description="money out of them (≤ 0)")
    movements: int


class MovementOut(Schema):
    entry_id: int
    created_at: datetime
    account: str
    source_type: str
    source_key: str
    order_id: int | None
    amount_fen: int = Field(description="positive: the account grew")
    balance_fen: int = Field(description="the account's balance after this entry")


class SourceTotalOut(Schema):
    source_type: str
    in_fen: int
    out_fen: int
    net_fen: int = Field(description="0 for a move between the store's own accounts (settlement)")
    movements: int


class BillOut(BillDayOut):
    store_id: int
    totals: list[SourceTotalOut] = Field(description="by source type")
    entries: list[MovementOut] = Field(description="every entry of the day, in time order")
