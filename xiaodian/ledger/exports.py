"""A day's bill as CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads the Chinese),
in the reader's language. First the accounts (opening, in, out, closing), then a blank row, then
every movement in time order with the account's balance after it. Amounts are yuan with two
decimals (exact, from integer fen); times are Shanghai's."""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xiaodian.core.clock import SHANGHAI
from xiaodian.core.money import plain_yuan

from .selectors import DailyBill

BOM = "\ufeff"


def bill_csv(bill: DailyBill) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("店铺"), bill.store_id, pgettext("column", "日期"), bill.date.isoformat()])
    writer.writerow([_("账户"), _("期初余额（元）"), _("增加（元）"), _("减少（元）"), _("期末余额（元）")])
    for a in bill.accounts:
        writer.writerow(
            [
                a.label,
                plain_yuan(a.opening_fen),
                plain_yuan(a.in_fen),
                plain_yuan(a.out_fen),
                plain_yuan(a.closing_fen),
            ]
        )
    writer.writerow([])
    writer.writerow(
        [
            _("时间"),
            _("账户"),
            _("类型"),
            _("来源单号"),
            _("订单号"),
            _("金额（元）"),
            _("余额（元）"),
            _("分录号"),
        ]
    )
    for m in bill.entries:
        writer.writerow(
            [
                m.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
                m.account_label,
                m.source_label,
                m.source_key,
                m.order_id or "",
                plain_yuan(m.amount_fen),
                plain_yuan(m.balance_fen),
                m.entry_id,
            ]
        )
    return BOM + buffer.getvalue()


def filename(bill: DailyBill) -> str:
    return f"bill-store-{bill.store_id}-{bill.date.isoformat()}.csv"


def csv_response(bill: DailyBill) -> HttpResponse:
    response = HttpResponse(bill_csv(bill).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(bill)}"'
    return response
