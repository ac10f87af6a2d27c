"""A day's bill as CSV for spreadsheets (core.spreadsheet: UTF-8 with a byte-order mark, so Excel
reads the Chinese), in the reader's language. First the store and the day, the accounts (opening,
added, taken, closing), then a blank row, then every movement in time order with the account's
balance after it. Amounts are yuan with two decimals (exact, from integer fen); times are
Shanghai's."""

from collections.abc import Iterator

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xiaodian.core.clock import SHANGHAI
from xiaodian.core.money import plain_yuan
from xiaodian.core.spreadsheet import csv_attachment

from .selectors import DailyBill


def rows(bill: DailyBill) -> Iterator[list]:
    yield [_("店铺"), bill.store_id, pgettext("column", "日期"), bill.date.isoformat()]
    yield [_("账户"), _("期初余额（元）"), _("增加（元）"), _("减少（元）"), _("期末余额（元）")]
    for a in bill.accounts:
        yield [a.label, *(plain_yuan(fen) for fen in (a.opening_fen, a.in_fen, a.out_fen, a.closing_fen))]
    yield []
    yield [
        _("时间"),
        _("账户"),
        _("类型"),
        _("来源单号"),
        _("订单号"),
        _("金额（元）"),
        _("余额（元）"),
        _("分录号"),
    ]
    for m in bill.entries:
        yield [
            m.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            m.account_label,
            m.source_label,
            m.source_key,
            m.order_id or "",
            plain_yuan(m.amount_fen),
            plain_yuan(m.balance_fen),
            m.entry_id,
        ]


def filename(bill: DailyBill) -> str:
    return f"bill-store-{bill.store_id}-{bill.date.isoformat()}.csv"


def csv_response(bill: DailyBill) -> HttpResponse:
    return csv_attachment(rows(bill), filename(bill))
