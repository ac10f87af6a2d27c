"""The operators' exposure charts (core.charts): concentration per day."""

from django.utils.translation import gettext as _

from xiaodian.core import charts
from xiaodian.core.charts import PALETTE, Series

from .models import DailyExposure


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def concentration_chart(days: list[DailyExposure], labels: list[str], axis: list[str]) -> str:
    """Gini, top-1% share, small-store share and incentive share per day (0–100%)."""
    by_day = {d.day.isoformat(): d for d in days}

    def values(attr: str) -> list[float | None]:
        return [getattr(by_day[k], attr) if k in by_day else None for k in labels]

    return charts.line_chart(
        chart_id="chart-exposure",
        title=_("曝光集中度"),
        desc=_(
            "每天发现页曝光的基尼系数、头部 1% 店铺的曝光占比、新店和小店的曝光占比、私域激励店铺的曝光占比。"
        ),
        labels=labels,
        axis_labels=axis,
        series=[
            Series(_("基尼系数"), values("gini"), PALETTE[1]),
            Series(_("头部 1% 店铺占比"), values("top_share"), PALETTE[2]),
            Series(_("新店小店占比"), values("small_share"), PALETTE[8]),
            Series(_("私域激励店铺占比"), values("boost_share"), PALETTE[6]),
        ],
        y_min=0,
        y_max=1,
        axis_format=_percent,
        value_format=_percent,
        empty_text=_("这段时间没有曝光记录"),
    )


def impressions_chart(days: list[DailyExposure], labels: list[str], axis: list[str]) -> str:
    by_day = {d.day.isoformat(): d for d in days}
    return charts.line_chart(
        chart_id="chart-impressions",
        title=_("每日曝光"),
        desc=_("每天发现页展示的内容条数和被展示过的店铺数。"),
        labels=labels,
        axis_labels=axis,
        series=[
            Series(
                _("曝光条数"), [by_day[k].impressions if k in by_day else None for k in labels], PALETTE[6]
            ),
            Series(_("被曝光店铺"), [by_day[k].stores if k in by_day else None for k in labels], PALETTE[8]),
        ],
        integer=True,
        empty_text=_("这段时间没有曝光记录"),
    )
