"""The SVG charts, read back with an XML parser: well-formed, labelled, escaped, and drawn to scale."""

import re
import xml.etree.ElementTree as ET

import pytest

from xiaodian.core import charts
from xiaodian.core.charts import Series

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"quoted\""


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)  # raises on anything not well-formed
    assert root.tag == f"{NS}svg"
    return root


def find(root, tag: str) -> list[ET.Element]:
    return list(root.iter(f"{NS}{tag}"))


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in find(root, "text")]


def group(root, cls: str) -> ET.Element:
    return next(g for g in find(root, "g") if cls in g.get("class", "").split())


def line(**kwargs) -> str:
    defaults = {
        "chart_id": "chart-test",
        "title": "订单",
        "labels": ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"],
        "series": [Series("支付订单", [1, 2, 3, 4])],
    }
    return charts.line_chart(**{**defaults, **kwargs})


def bars(**kwargs) -> str:
    defaults = {
        "chart_id": "chart-test",
        "title": "金额",
        "labels": ["2026-03-01", "2026-03-02"],
        "series": [Series("公域", [100, 0], "#111111"), Series("私域", [300, None], "#222222")],
    }
    return charts.stacked_bar_chart(**{**defaults, **kwargs})


# ------------------------------------------------------------------------------ accessibility


@pytest.mark.parametrize("draw", [line, bars])
def test_a_chart_is_an_image_labelled_by_its_title_and_description(draw):
    root = parse(draw(title="每日订单", desc="3 月的订单"))
    assert root.get("role") == "img"
    assert root.get("id") == "chart-test"
    title_id, desc_id = root.get("aria-labelledby").split()
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert by_id[title_id].tag == f"{NS}title" and by_id[title_id].text == "每日订单"
    assert by_id[desc_id].tag == f"{NS}desc" and by_id[desc_id].text == "3 月的订单"
    assert root.get("viewBox").startswith(f"0 0 {charts.WIDTH} ")


@pytest.mark.parametrize("draw", [line, bars])
def test_every_label_is_escaped(draw):
    markup = draw(
        title=HOSTILE,
        desc=HOSTILE,
        labels=[HOSTILE, "b"],
        series=[Series(HOSTILE, [1, 2], '"><script>')],
        y_label=HOSTILE,
    )
    assert "<script>" not in markup
    root = parse(markup)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert root.find(f"{NS}title").text == HOSTILE
    assert HOSTILE in texts(root)  # the legend and axis label, as text
    assert all(e.get("fill") != "><script>" for e in root.iter())


@pytest.mark.parametrize("draw", [line, bars])
def test_each_day_has_a_title_with_its_exact_values(draw):
    root = parse(draw(value_format=lambda v: f"¥{v / 100:.2f}"))
    titles = [t.text for t in group(root, "hits").iter(f"{NS}title")]
    assert len(titles) == len(find(group(root, "hits"), "rect"))
    assert titles[0].startswith("2026-03-01 — ")


def test_a_stacked_bar_title_lists_each_series_and_the_total():
    root = parse(bars(value_format=lambda v: f"¥{v / 100:.2f}"))
    titles = [t.text for t in group(root, "hits").iter(f"{NS}title")]
    assert titles == [
        "2026-03-01 — 公域: ¥1.00; 私域: ¥3.00; 合计: ¥4.00",
        "2026-03-02 — 公域: ¥0.00; 私域: —; 合计: ¥0.00",
    ]


@pytest.mark.parametrize("draw", [line, bars])
def test_the_legend_names_each_series_beside_its_colour(draw):
    series = [Series(f"场景{i}", [i, i, i, i][: 4 if draw is line else 2], f"#00000{i}") for i in range(1, 4)]
    labels = None if draw is line else ["a", "b"]
    root = parse(draw(series=series, **({"labels": labels} if labels else {})))
    legend = group(root, "legend")
    assert [t.text for t in find(legend, "text")] == ["场景1", "场景2", "场景3"]
    assert [r.get("fill") for r in find(legend, "rect")] == ["#000001", "#000002", "#000003"]


def test_a_long_legend_wraps_and_the_chart_grows_to_fit():
    one = parse(line(series=[Series("短", [1, 2, 3, 4])]))
    many = parse(line(series=[Series(f"很长的场景名称第{i}个", [1, 2, 3, 4]) for i in range(12)]))
    height = lambda root: float(root.get("viewBox").split()[3])  # noqa: E731
    assert height(many) > height(one)
    ys = {r.get("y") for r in find(group(many, "legend"), "rect")}
    assert len(ys) > 1
    for r in find(group(many, "legend"), "rect"):
        assert float(r.get("x")) < charts.WIDTH


# ------------------------------------------------------------------------------------- the axes


def test_y_ticks_are_round_numbers_covering_the_data():
    assert charts.nice_ticks(0, 87) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert charts.nice_ticks(0, 0, integer=True) == [0, 1]
    assert charts.nice_ticks(3, 5) == [3, 3.5, 4, 4.5, 5]
    assert charts.nice_ticks(0, 123_456) == [0, 50_000, 100_000, 150_000]


def test_axis_labels_format_money_in_yuan():
    assert charts.fen_axis(150_000) == "¥1,500"
    assert charts.fen_axis(250) == "¥2.5"
    assert charts.plain_number(3.5) == "3.5" and charts.plain_number(4.0) == "4"


def test_the_y_axis_is_labelled_with_its_ticks_in_the_given_format():
    root = parse(
        line(series=[Series("a", [0, 5_000, 10_000, 20_000])], axis_format=charts.fen_axis, y_label="金额")
    )
    axis = group(root, "y-axis")
    assert [t.text for t in find(axis, "text")] == ["¥0", "¥50", "¥100", "¥150", "¥200", "金额"]


def test_many_days_show_at_most_eight_x_labels():
    days = [f"2026-01-{d:02d}" for d in range(1, 32)] + [f"2026-02-{d:02d}" for d in range(1, 29)]
    root = parse(line(labels=days, axis_labels=[d[5:] for d in days], series=[Series("a", [1] * len(days))]))
    shown = [t.text for t in find(group(root, "x-axis"), "text")]
    assert 2 <= len(shown) <= charts.MAX_X_LABELS
    assert shown[0] == "01-01"
    assert len(find(group(root, "hits"), "rect")) == len(days)  # every day still has its title


# ---------------------------------------------------------------------------------- the lines


def points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML]([\d.]+),([\d.]+)", d)]


def test_a_line_goes_through_its_values_to_scale():
    root = parse(line(series=[Series("a", [0, 50, 100, 100])], y_max=100))
    (path,) = find(group(root, "series"), "path")
    ys = [y for _x, y in points(path.get("d"))]
    bottom, top = ys[0], ys[2]
    assert bottom > top
    assert ys[1] == pytest.approx((bottom + top) / 2)
    xs = [x for x, _y in points(path.get("d"))]
    assert xs == sorted(xs) and xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])


def test_none_leaves_a_gap_and_a_lone_value_is_a_dot():
    labels = [f"d{i}" for i in range(80)]  # more than MARKERS_UP_TO: dots only where needed
    values = [None] * 80
    values[3] = 4.0  # alone
    values[10:13] = [3.5, 4.0, 4.5]  # a run
    values[20:22] = [4.2, 4.4]  # another run
    root = parse(line(labels=labels, series=[Series("评分", values)], y_min=3, y_max=5))
    series = group(root, "series")
    paths = find(series, "path")
    assert [len(points(p.get("d"))) for p in paths] == [3, 2]
    assert len(find(series, "circle")) == 1


def test_a_short_line_marks_every_point():
    root = parse(line(series=[Series("a", [1, None, 3, 4])]))
    series = group(root, "series")
    assert len(find(series, "circle")) == 3
    assert len(find(series, "path")) == 1


def test_values_outside_a_fixed_range_stay_inside_the_plot():
    root = parse(line(series=[Series("a", [1, 2, 6, 4])], y_min=3, y_max=5))
    ys = [float(c.get("cy")) for c in find(group(root, "series"), "circle")]
    grid = [float(g.get("y1")) for g in find(group(root, "y-axis"), "line")]
    assert min(grid) <= min(ys) and max(ys) <= max(grid)


def test_a_chart_with_no_values_says_so():
    root = parse(line(series=[Series("a", [None] * 4)], empty_text="暂无评分"))
    assert "暂无评分" in texts(root)
    root = parse(bars(series=[Series("a", [0, None])]))
    assert "暂无数据" in texts(root)
    root = parse(bars(series=[]))
    assert "暂无数据" in texts(root)


# ----------------------------------------------------------------------------------- the bars


def test_bars_stack_in_order_and_to_scale():
    root = parse(bars())
    rects = find(group(root, "bars"), "rect")
    assert [r.get("fill") for r in rects] == ["#111111", "#222222"]  # day 2 has nothing to draw
    public, private = rects
    assert float(private.get("height")) == pytest.approx(3 * float(public.get("height")))
    # private sits on top of public: its bottom is public's top
    assert float(private.get("y")) + float(private.get("height")) == pytest.approx(float(public.get("y")))
    assert public.get("x") == private.get("x")


def test_the_stack_top_reaches_the_total_on_the_y_scale():
    root = parse(bars(series=[Series("a", [200, 100]), Series("b", [200, 0])]))
    top_of_stack = min(float(r.get("y")) for r in find(group(root, "bars"), "rect"))
    ticks = {t.text: float(t.get("y")) for t in find(group(root, "y-axis"), "text")}
    assert top_of_stack == pytest.approx(ticks["400"])


def test_a_year_of_bars_fits_the_width():
    labels = [str(i) for i in range(366)]
    root = parse(bars(labels=labels, series=[Series("a", [1] * 366)]))
    rects = find(group(root, "bars"), "rect")
    assert len(rects) == 366
    assert max(float(r.get("x")) + float(r.get("width")) for r in rects) <= charts.WIDTH


# ----------------------------------------------------------------------------------- misuse


def test_series_must_have_a_value_per_label():
    with pytest.raises(ValueError, match="values"):
        line(series=[Series("a", [1, 2])])


def test_the_chart_id_must_be_a_plain_slug():
    with pytest.raises(ValueError, match="chart id"):
        line(chart_id='x" onload="alert(1)')
