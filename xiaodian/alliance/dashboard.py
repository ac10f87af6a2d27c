"""The alliance's charts (core/charts.py, SVG on the server): a promoter's commission per day and
the operators' promoted sales per day. Markup comes back as plain strings (charts.py escapes
every label); the views mark it safe."""

from collections.abc import Sequence
from datetime import date

from django.utils.translation import gettext as _

from xiaodian.core import charts
from xiaodian.core.charts import Series
from xiaodian.core.money import format_fen

from .reports import DailyEarnings, Overview

EARNED_COLOR = "#fa8c16"
SETTLED_COLOR = "#07c160"
CLAWED_BACK_COLOR = "#f5222d"
PAID_COLOR = "#1677ff"
COMMISSION_COLOR = "#fa8c16"
SERVICE_COLOR = "#722ed1"


def _fen(value: float) -> str:
    return format_fen(int(value))


def _labels(days: Sequence[date]) -> tuple[list[str], list[str]]:
    """Tooltip labels (2026-03-01) and axis labels (03-01)."""
    return [d.isoformat() for d in days], [f"{d:%m-%d}" for d in days]


def _money_per_day(
    *, chart_id: str, title: str, desc: str, window, series: list[Series], y_label: str
) -> str:
    """Amounts in fen per day of the window, one line a series (whole fen on the y axis: an empty
    window once labelled ¥0.01 three times)."""
    labels, axis = _labels(window.dates)
    desc = desc % {"start": window.start.isoformat(), "end": window.end.isoformat()}
    return charts.line_chart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        labels=labels,
        axis_labels=axis,
        series=series,
        y_label=y_label,
        axis_format=charts.fen_axis,
        value_format=_fen,
        integer=True,
    )


def earnings_chart(report: DailyEarnings) -> str:
    """Commission earned, settled and clawed back per day of the window."""
    return _money_per_day(
        chart_id="chart-earnings",
        title=_("每日佣金"),
        desc=_("%(start)s 至 %(end)s 每天产生的佣金（订单支付时）、结算到可提现的佣金和因退款追回的佣金。"),
        window=report.window,
        series=[
            Series(_("产生"), report.earned, EARNED_COLOR),
            Series(_("已结算"), report.settled, SETTLED_COLOR),
            Series(_("追回"), report.clawed_back, CLAWED_BACK_COLOR),
        ],
        y_label=_("佣金"),
    )


def overview_chart(view: Overview) -> str:
    """The promoted sales' paid amount (GMV), commission and service fees per day."""
    return _money_per_day(
        chart_id="chart-alliance",
        title=_("优选联盟每日成交"),
        desc=_("%(start)s 至 %(end)s 每天支付的推广订单金额，及其佣金和机构服务费（扣除退款后）。"),
        window=view.window,
        series=[
            Series(_("推广成交额"), view.paid, PAID_COLOR),
            Series(_("佣金"), view.commission, COMMISSION_COLOR),
            Series(_("机构服务费"), view.service, SERVICE_COLOR),
        ],
        y_label=_("金额"),
    )
