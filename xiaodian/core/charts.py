"""Charts drawn on the server as SVG (no JavaScript): a line chart and a stacked bar chart.

Pure functions from numbers to markup. Every piece of text that reaches the markup (title,
description, series and axis labels) is escaped here, so the caller marks the result safe at the
template boundary and nothing else. Each chart carries a `<title>` and `<desc>` the SVG is
labelled by (role="img"), a legend, a labelled y axis, x labels, and per day a `<title>` with the
exact values, which browsers show on hover and screen readers can read.

Values may be None: a gap in a line (the score on a day with none), nothing in a bar."""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.translation import gettext as _

Number = int | float | Decimal
Formatter = Callable[[float], str]

# Distinct on white and from their neighbours; scene n takes colour n - 1 (dashboard.py), so the
# scenes a store sells through most (live room, short video, search, chats) never share a hue.
PALETTE = (
    "#8c8c8c",  # grey
    "#f5222d",  # red
    "#fa8c16",  # orange
    "#d4b106",  # gold
    "#a0d911",  # lime
    "#13c2c2",  # cyan
    "#1677ff",  # blue
    "#722ed1",  # purple
    "#07c160",  # green
    "#eb2f96",  # magenta
    "#2f54eb",  # indigo
    "#874d00",  # brown
    "#9254de",  # violet
)

WIDTH = 360  # a phone's column: text drawn at FONT_SIZE shows at about that size there
PLOT_HEIGHT = 180
MARGIN_LEFT = 64  # room for the y labels
MARGIN_RIGHT = 12
MARGIN_BOTTOM = 26  # room for the x labels
FONT_SIZE = 12
LEGEND_ROW = 18
Y_LABEL_ROW = 16  # the y axis's label, above the plot
MAX_X_LABELS = 6
MARKERS_UP_TO = 62  # points: draw a marker on each when there are at most this many
_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Number | None]
    color: str = PALETTE[0]


def plain_number(value: float) -> str:
    """1234.0 -> "1,234"; 3.5 -> "3.5"."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def fen_axis(value: float) -> str:
    """An amount in fen as a short yuan label: 150000 -> "¥1,500"; 250 -> "¥2.5"."""
    return "¥" + plain_number(value / 100)


def _esc(text) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    """A coordinate, short: 12.0 -> "12", 12.3456 -> "12.35"."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def nice_ticks(lo: float, hi: float, *, count: int = 5, integer: bool = False) -> list[float]:
    """Round tick values covering lo..hi: steps of 1, 2 or 5 × 10^k, about `count` ticks."""
    if hi <= lo:
        hi = lo + 1
    rough = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    if integer:
        step = max(1, math.ceil(step))
    first = math.floor(lo / step) * step
    last = math.ceil(hi / step - 1e-9) * step
    n = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(n + 1)]


def _text_width(text: str) -> float:
    """An estimate of a label's width at FONT_SIZE: CJK characters are square, others narrower."""
    return sum(FONT_SIZE if ord(c) >= 0x2E80 else FONT_SIZE * 0.6 for c in text)


def _legend(series: Sequence[Series]) -> tuple[list[str], float]:
    """The legend's markup (swatch + label per series, wrapped into rows) and its height."""
    parts = ['<g class="legend">']
    x, row = MARGIN_LEFT, 0
    for s in series:
        item = 14 + _text_width(s.label) + 14
        if x + item > WIDTH - MARGIN_RIGHT and x > MARGIN_LEFT:
            x, row = MARGIN_LEFT, row + 1
        y = 6 + row * LEGEND_ROW
        parts.append(
            f'<rect x="{_num(x)}" y="{y}" width="10" height="10" rx="2" fill="{_esc(s.color)}"/>'
            f'<text x="{_num(x + 14)}" y="{y + 9}">{_esc(s.label)}</text>'
        )
        x += item
    parts.append("</g>")
    return parts, 8 + (row + 1) * LEGEND_ROW if series else 8


class _Frame:
    """The plot area under the legend: scales for x bands and y values, axes and labels."""

    def __init__(self, *, n: int, legend_height: float, y_label: str, y_ticks: list[float]):
        self.n = max(n, 1)
        self.top = legend_height + (Y_LABEL_ROW if y_label else 0) + 6  # room for the top tick's label
        self.left = MARGIN_LEFT
        self.width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
        self.height = PLOT_HEIGHT
        self.bottom = self.top + PLOT_HEIGHT
        self.ticks = y_ticks
        self.lo, self.hi = y_ticks[0], y_ticks[-1]

    @property
    def band(self) -> float:
        return self.width / self.n

    def x(self, i: int) -> float:
        """The centre of the i-th band."""
        return self.left + (i + 0.5) * self.band

    def y(self, value: float) -> float:
        value = min(max(float(value), self.lo), self.hi)
        return self.bottom - (value - self.lo) / (self.hi - self.lo) * self.height

    def axes(self, axis_labels: Sequence[str], axis_format: Formatter, y_label: str) -> list[str]:
        parts = ['<g class="axis y-axis">']
        for tick in self.ticks:
            y = _num(self.y(tick))
            parts.append(
                f'<line class="grid" x1="{self.left}" y1="{y}" x2="{_num(self.left + self.width)}" y2="{y}"/>'
                f'<text x="{self.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                f"{_esc(axis_format(tick))}</text>"
            )
        if y_label:
            parts.append(f'<text class="axis-label" x="4" y="{_num(self.top - 10)}">{_esc(y_label)}</text>')
        parts.append('</g><g class="axis x-axis">')
        parts.append(
            f'<line x1="{self.left}" y1="{_num(self.bottom)}" x2="{_num(self.left + self.width)}" '
            f'y2="{_num(self.bottom)}"/>'
        )
        step = max(1, math.ceil(len(axis_labels) / MAX_X_LABELS))
        for i in range(0, len(axis_labels), step):
            parts.append(
                f'<text x="{_num(self.x(i))}" y="{_num(self.bottom + 16)}" text-anchor="middle">'
                f"{_esc(axis_labels[i])}</text>"
            )
        parts.append("</g>")
        return parts

    def hit_areas(self, titles: Sequence[str]) -> list[str]:
        """One transparent band per label whose `<title>` holds that label's exact values."""
        parts = ['<g class="hits">']
        for i, title in enumerate(titles):
            parts.append(
                f'<rect x="{_num(self.left + i * self.band)}" y="{_num(self.top)}" '
                f'width="{_num(self.band)}" height="{self.height}" fill="transparent">'
                f"<title>{_esc(title)}</title></rect>"
            )
        parts.append("</g>")
        return parts


def _open(chart_id: str, title: str, desc: str, height: float, kind: str) -> list[str]:
    if not _ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r}: lower-case letters, digits and dashes")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart {kind}" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" role="img" font-size="{FONT_SIZE}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
    ]


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(labels)} labels")


def _titles(
    labels: Sequence[str], series: Sequence[Series], value_format: Formatter, total: bool
) -> list[str]:
    titles = []
    for i, label in enumerate(labels):
        shown = [(s.label, s.values[i]) for s in series]
        parts = [f"{name}: {'—' if v is None else value_format(v)}" for name, v in shown]
        if total:
            parts.append(_("合计") + ": " + value_format(sum(v for _n, v in shown if v is not None)))
        titles.append(f"{label} — " + "; ".join(parts))
    return titles


def _empty(frame: _Frame, text: str) -> str:
    return (
        f'<text class="empty" x="{_num(frame.left + frame.width / 2)}" '
        f'y="{_num(frame.top + frame.height / 2)}" text-anchor="middle">{_esc(text)}</text>'
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    axis_labels: Sequence[str] | None = None,
    desc: str = "",
    y_label: str = "",
    y_min: float | None = 0,
    y_max: float | None = None,
    integer: bool = False,
    axis_format: Formatter = plain_number,
    value_format: Formatter = plain_number,
    empty_text: str | None = None,
) -> str:
    """Series as lines over the labels (one value per label each); None leaves a gap, and a point
    with gaps on both sides is drawn as a dot. `y_min`/`y_max` fix the y range (else it fits)."""
    _check(labels, series)
    present = [float(v) for s in series for v in s.values if v is not None]
    lo = y_min if y_min is not None else min(present, default=0)
    hi = y_max if y_max is not None else max(present, default=0)
    legend, legend_height = _legend(series)
    ticks = nice_ticks(lo, hi, integer=integer)
    frame = _Frame(n=len(labels), legend_height=legend_height, y_label=y_label, y_ticks=ticks)
    parts = _open(chart_id, title, desc, frame.bottom + MARGIN_BOTTOM, "line-chart")
    parts += legend
    parts += frame.axes(axis_labels or labels, axis_format, y_label)
    markers = len(labels) <= MARKERS_UP_TO
    for s in series:
        parts.append(f'<g class="series" data-label="{_esc(s.label)}">')
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((frame.x(i), frame.y(value)))
        for run in runs:
            if len(run) > 1:
                path = " ".join(
                    f"{'M' if j == 0 else 'L'}{_num(x)},{_num(y)}" for j, (x, y) in enumerate(run)
                )
                parts.append(f'<path d="{path}" fill="none" stroke="{_esc(s.color)}" stroke-width="2"/>')
            if markers or len(run) == 1:
                parts += [
                    f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="{_esc(s.color)}"/>' for x, y in run
                ]
        parts.append("</g>")
    if not present:
        parts.append(_empty(frame, empty_text if empty_text is not None else _("暂无数据")))
    parts += frame.hit_areas(_titles(labels, series, value_format, total=False))
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    axis_labels: Sequence[str] | None = None,
    desc: str = "",
    y_label: str = "",
    integer: bool = True,
    axis_format: Formatter = plain_number,
    value_format: Formatter = plain_number,
    empty_text: str | None = None,
) -> str:
    """One bar per label, its series stacked bottom-up in the order given; None and negative
    values add nothing. Each label's `<title>` lists every series and the total."""
    _check(labels, series)
    totals = [sum(max(float(s.values[i] or 0), 0) for s in series) for i in range(len(labels))]
    legend, legend_height = _legend(series)
    ticks = nice_ticks(0, max(totals, default=0), integer=integer)
    frame = _Frame(n=len(labels), legend_height=legend_height, y_label=y_label, y_ticks=ticks)
    parts = _open(chart_id, title, desc, frame.bottom + MARGIN_BOTTOM, "bar-chart")
    parts += legend
    parts += frame.axes(axis_labels or labels, axis_format, y_label)
    bar = max(frame.band * 0.7, 0.5)
    parts.append('<g class="bars">')
    for i in range(len(labels)):
        base = 0.0
        for s in series:
            value = max(float(s.values[i] or 0), 0)
            if not value:
                continue
            y_top, y_bottom = frame.y(base + value), frame.y(base)
            parts.append(
                f'<rect x="{_num(frame.x(i) - bar / 2)}" y="{_num(y_top)}" width="{_num(bar)}" '
                f'height="{_num(max(y_bottom - y_top, 0))}" fill="{_esc(s.color)}"/>'
            )
            base += value
    parts.append("</g>")
    if not any(totals):
        parts.append(_empty(frame, empty_text if empty_text is not None else _("暂无数据")))
    parts += frame.hit_areas(_titles(labels, series, value_format, total=True))
    parts.append("</svg>")
    return "".join(parts)
