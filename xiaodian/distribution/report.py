"""`xiaodian simulate`'s outputs: the JSON summary and the HTML report with its charts (core/charts.py,
SVG drawn on the server; docs/distribution.md "The simulator")."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaodian.core import charts
from xiaodian.core.charts import PALETTE, Series

from .simulator import Config, Outcome

POLICY_LABELS = {
    "default": gettext_lazy("默认策略"),
    "no_cap": gettext_lazy("不设单店上限"),
    "no_incentive": gettext_lazy("无私域激励"),
    "no_explore": gettext_lazy("无探索流量"),
    "linear_reach": gettext_lazy("触达随粉丝线性增长"),
}
COLORS = (PALETTE[6], PALETTE[1], PALETTE[8], PALETTE[2], PALETTE[7])


def summary(config: Config, outcomes: list[Outcome]) -> dict:
    """The JSON summary: the run's parameters and, per policy, its figures and its days."""
    return {
        "config": {**asdict(config), "policies": list(config.policies)},
        "policies": [o.as_dict() for o in outcomes],
    }


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _yuan(fen: float) -> str:
    return f"¥{fen / 100:,.0f}"


def _rows(outcomes: list[Outcome]) -> list[dict]:
    """The summary table: one row per figure, one cell per policy."""
    figures = [
        (_("成交额（GMV）"), lambda o: _yuan(o.gmv_fen)),
        (_("订单数"), lambda o: f"{o.orders:,}"),
        (_("曝光次数"), lambda o: f"{o.exposures:,}"),
        (_("曝光基尼系数"), lambda o: f"{o.gini:.3f}"),
        (_("头部 1% 店铺曝光占比"), lambda o: _percent(o.top1_share)),
        (_("中小及新店曝光占比"), lambda o: _percent(o.small_share)),
        (_("私域订单占比"), lambda o: _percent(o.private_share)),
        (_("私域激励店铺曝光占比"), lambda o: _percent(o.boosted_share)),
        (_("新店存活率"), lambda o: f"{_percent(o.new_store_survival)}（{o.new_stores}）"),
    ]
    return [{"label": label, "values": [value(o) for o in outcomes]} for label, value in figures]


def _daily(outcomes: list[Outcome], field: str) -> list[Series]:
    return [
        Series(
            label=str(POLICY_LABELS.get(o.policy, o.policy)),
            values=[getattr(d, field) for d in o.days],
            color=COLORS[i % len(COLORS)],
        )
        for i, o in enumerate(outcomes)
    ]


def _charts(config: Config, outcomes: list[Outcome]) -> list[tuple[str, str]]:
    """(title, SVG) per chart."""
    days = [str(d + 1) for d in range(config.days)]
    share = {"axis_format": _percent, "value_format": _percent}
    per_day = [
        (
            "sim-gini",
            _("每日曝光基尼系数"),
            _("每天各店铺曝光次数的基尼系数：0 为完全平均，越接近 1 越集中。"),
            "gini",
            {},
        ),
        (
            "sim-top1",
            _("每日头部 1% 店铺曝光占比"),
            _("每天曝光最多的 1% 店铺拿到的曝光占全部曝光的比例。"),
            "top1_share",
            share,
        ),
        (
            "sim-small",
            _("每日中小及新店曝光占比"),
            _("每天给中小店铺和开店 30 天内新店的曝光占比。"),
            "small_share",
            share,
        ),
        (
            "sim-private",
            _("每日私域订单占比"),
            _("每天的订单中来自私域（群聊、朋友圈、分享）的比例。"),
            "private_share",
            share,
        ),
        (
            "sim-boosted",
            _("每日私域激励店铺曝光占比"),
            _("每天给获得私域激励的店铺的曝光占比。"),
            "boosted_share",
            share,
        ),
        (
            "sim-gmv",
            _("每日成交额"),
            _("每天所有订单的成交额。"),
            "gmv_fen",
            {"axis_format": charts.fen_axis, "value_format": lambda v: _yuan(v)},
        ),
    ]
    out = []
    for chart_id, title, desc, field, options in per_day:
        out.append(
            (
                title,
                charts.line_chart(
                    chart_id=chart_id,
                    title=title,
                    desc=desc,
                    labels=days,
                    series=_daily(outcomes, field),
                    **options,
                ),
            )
        )
    points = [f"{i * 5}%" for i in range(21)]
    lorenz_title = _("曝光洛伦兹曲线")
    out.append(
        (
            lorenz_title,
            charts.line_chart(
                chart_id="sim-lorenz",
                title=lorenz_title,
                desc=_(
                    "横轴为按曝光从少到多排列的店铺累计比例，纵轴为它们拿到的曝光累计比例；越贴近对角线越平均。"
                ),
                labels=points,
                series=[
                    Series(
                        label=str(POLICY_LABELS.get(o.policy, o.policy)),
                        values=o.lorenz,
                        color=COLORS[i % len(COLORS)],
                    )
                    for i, o in enumerate(outcomes)
                ],
                y_max=1.0,
                axis_format=_percent,
                value_format=_percent,
            ),
        )
    )
    return out


def render_html(config: Config, outcomes: list[Outcome]) -> str:
    """The report: parameters, the figures side by side, what each means, and the charts."""
    return render_to_string(
        "distribution/simulation_report.html",
        {
            "config": config,
            "active": _percent(config.active),
            "users": f"{config.users:,}",
            "stores": f"{config.stores:,}",
            "policies": [str(POLICY_LABELS.get(o.policy, o.policy)) for o in outcomes],
            "rows": _rows(outcomes),
            "charts": _charts(config, outcomes),
            # a file opened anywhere: the site's own stylesheet goes inside it
            "site_css": Path(finders.find("web/site.css")).read_text(encoding="utf-8"),
        },
    )
