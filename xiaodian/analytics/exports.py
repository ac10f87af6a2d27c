"""The report as CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads the Chinese
headers), a header row in the reader's language, then one row per day. Amounts are yuan with two
decimals (exact, from integer fen); the scenes' columns are always all of them, in code order."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xiaodian.core.money import plain_yuan
from xiaodian.core.scenes import Scene
from xiaodian.core.spreadsheet import csv_attachment

from .selectors import Report, Row

yuan = plain_yuan  # 1234 -> "12.34": a spreadsheet reads it as a number


def header() -> list[str]:
    columns = [
        pgettext("column", "日期"),
        _("支付金额（元）"),
        _("支付订单数"),
        _("创建订单数"),
        _("退款金额（元）"),
        _("退款订单数"),
        _("公域支付金额（元）"),
        _("公域支付订单数"),
        _("私域支付金额（元）"),
        _("私域支付订单数"),
    ]
    for scene in Scene:
        columns.append(_("%(scene)s支付金额（元）") % {"scene": scene.label})
        columns.append(_("%(scene)s支付订单数") % {"scene": scene.label})
    return columns


def row(day: Row) -> list[str | int]:
    values: list[str | int] = [
        day.date.isoformat(),
        yuan(day.gmv_fen),
        day.orders,
        day.created_orders,
        yuan(day.refund_fen),
        day.refunded_orders,
        yuan(day.public.gmv_fen),
        day.public.orders,
        yuan(day.private.gmv_fen),
        day.private.orders,
    ]
    for scene in Scene:
        figures = day.by_scene[scene]
        values += [yuan(figures.gmv_fen), figures.orders]
    return values


def filename(report: Report) -> str:
    return f"store-{report.store_id}-{report.start.isoformat()}-{report.end.isoformat()}.csv"


def csv_response(report: Report) -> HttpResponse:
    return csv_attachment([header(), *(row(day) for day in report.days)], filename(report))
