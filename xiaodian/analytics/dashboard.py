"""The data page's charts, from a report and the score history: which series, colours, labels and
formats each chart has. Markup comes back as plain strings (core/charts.py escapes); the view marks it
safe."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xiaodian.core import charts
from xiaodian.core.charts import PALETTE, Series
from xiaodian.core.money import format_fen
from xiaodian.core.scenes import PRIVATE_DOMAIN, Scene

from .selectors import SCENES, Report

PUBLIC_COLOR = "#1677ff"
PRIVATE_COLOR = "#07c160"
CREATED_COLOR = "#fa8c16"
SCORE_COLOR = "#722ed1"
SCENE_COLORS = {scene: PALETTE[(scene - 1) % len(PALETTE)] for scene in SCENES}


def _fen(value: float) -> str:
    return format_fen(int(value))


def _day_labels(days: Sequence[date]) -> tuple[list[str], list[str]]:
    """Tooltip labels (2026-03-01) and axis labels (03-01)."""
    return [d.isoformat() for d in days], [f"{d:%m-%d}" for d in days]


def scene_rows(report: Report) -> list[dict]:
    """The range's scenes with paid orders: label, domain and figures, for the table."""
    return [
        {
            "scene": s,
            "label": Scene(s).label,
            "private": s in PRIVATE_DOMAIN,
            "figures": report.totals.by_scene[s],
        }
        for s in report.active_scenes
    ]


def _gmv_chart(report: Report, chart_id: str, title: str, desc: str, series: list[Series]) -> str:
    """A stacked bar chart of paid amounts per day; `desc` carries %(start)s and %(end)s."""
    labels, axis = _day_labels([d.date for d in report.days])
    return charts.stacked_bar_chart(
        chart_id=chart_id,
        title=title,
        desc=desc % {"start": report.start.isoformat(), "end": report.end.isoformat()},
        labels=labels,
        axis_labels=axis,
        series=series,
        y_label=_("支付金额"),
        axis_format=charts.fen_axis,
        value_format=_fen,
    )


def gmv_by_scene(report: Report) -> str:
    series = [
        Series(str(Scene(s).label), [d.by_scene[s].gmv_fen for d in report.days], SCENE_COLORS[s])
        for s in report.active_scenes
    ]
    return _gmv_chart(
        report,
        "chart-gmv-scene",
        _("每日支付金额（按场景）"),
        _("%(start)s 至 %(end)s 每天的支付金额，按下单场景堆叠。"),
        series,
    )


def gmv_by_domain(report: Report) -> str:
    series = [
        Series(_("公域"), [d.public.gmv_fen for d in report.days], PUBLIC_COLOR),
        Series(_("私域"), [d.private.gmv_fen for d in report.days], PRIVATE_COLOR),
    ]
    return _gmv_chart(
        report,
        "chart-gmv-domain",
        _("每日支付金额（公域与私域）"),
        _("%(start)s 至 %(end)s 每天的支付金额，分公域与私域。"),
        series,
    )


def orders_per_day(report: Report) -> str:
    labels, axis = _day_labels([d.date for d in report.days])
    series = [
        Series(_("支付订单"), [d.orders for d in report.days], PUBLIC_COLOR),
        Series(_("私域支付订单"), [d.private.orders for d in report.days], PRIVATE_COLOR),
        Series(_("创建订单"), [d.created_orders for d in report.days], CREATED_COLOR),
    ]
    return charts.line_chart(
        chart_id="chart-orders",
        title=_("每日订单数"),
        desc=_("%(start)s 至 %(end)s 每天创建的订单、支付的订单和其中私域的支付订单。")
        % {"start": report.start.isoformat(), "end": report.end.isoformat()},
        labels=labels,
        axis_labels=axis,
        series=series,
        y_label=_("订单数"),
        integer=True,
    )


def score_history(history: Sequence[tuple[date, Decimal | None]], *, days: int, until: date) -> str:
    """The score per day over the `days` ending `until`; days without a score are gaps."""
    axis_days = [until - timedelta(days=days - 1 - i) for i in range(days)]
    by_day = dict(history)
    labels, axis = _day_labels(axis_days)
    return charts.line_chart(
        chart_id="chart-score",
        title=_("店铺评分走势"),
        desc=_("近 %(days)s 天每天的店铺评分（3.0–5.0）；没有评分的日子留空。") % {"days": days},
        labels=labels,
        axis_labels=axis,
        series=[Series(pgettext("heading", "店铺评分"), [by_day.get(d) for d in axis_days], SCORE_COLOR)],
        y_label=_("评分"),
        y_min=3,
        y_max=5,
        value_format=lambda v: f"{v:.2f}",
        empty_text=_("暂无评分"),
    )


FEE_CATEGORIES_SHOWN = 6  # the rest are stacked as one "other" series


def fees_by_category(fees) -> str:
    """The platform's technical service fee charged per day, stacked by top-level category (the
    largest few, the rest as one), for operators (ledger.platform.Fees)."""
    labels, axis = _day_labels(fees.days)
    shown = fees.categories[:FEE_CATEGORIES_SHOWN]
    series = [
        Series(c.name, fees.charged[c.category_id], PALETTE[(i + 1) % len(PALETTE)])
        for i, c in enumerate(shown)
    ]
    rest = [c.category_id for c in fees.categories[FEE_CATEGORIES_SHOWN:]]
    if rest:
        other = [sum(fees.charged[pk][i] for pk in rest) for i in range(len(fees.days))]
        series.append(Series(_("其他类目"), other, PALETTE[0]))
    return charts.stacked_bar_chart(
        chart_id="chart-fees",
        title=_("每日技术服务费（按一级类目）"),
        desc=_("%(start)s 至 %(end)s 每天收取的技术服务费，按商品的一级类目堆叠。")
        % {"start": fees.days[0].isoformat(), "end": fees.days[-1].isoformat()},
        labels=labels,
        axis_labels=axis,
        series=series,
        y_label=_("技术服务费"),
        axis_format=charts.fen_axis,
        value_format=_fen,
    )
