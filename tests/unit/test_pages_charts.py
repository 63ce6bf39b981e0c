"""The server-drawn charts (eventlog/pages/charts.py): figures in, escaped SVG out, hidden from screen readers
(the table beside each chart carries the figures)."""

from decimal import Decimal

from eventlog.pages import charts


def test_a_histogram_counts_each_value_once_and_the_top_edge_in_the_last_bin():
    svg, rows = charts.histogram("分布", [0, 9.99, 10, 55, Decimal("100"), 100], 0, 100)
    assert rows[0] == ("0–10", 2) and rows[1] == ("10–20", 1) and rows[5] == ("50–60", 1) and rows[9] == ("90–100", 2)
    assert sum(c for _, c in rows) == 6
    assert svg.startswith('<svg class="chart"') and 'aria-hidden="true"' in svg and "<title>分布</title>" in svg


def test_bars_escape_their_labels_and_scale_to_the_largest_figure():
    svg = charts.bars("名额", [charts.Bar("<b>&渠道</b>", 5), charts.Bar("二", 10, 7.5)])
    assert "<b>" not in svg and "&lt;b&gt;&amp;渠道&lt;/b&gt;" in svg
    span = charts.WIDTH - charts.LABEL - 60
    assert f'width="{span:.1f}"' in svg and f'width="{span / 2:.1f}"' in svg  # 10 fills the span, 5 half of it
    assert svg.count("<line") == 1  # the one second figure


def test_lines_draw_one_polyline_per_series_with_a_legend():
    svg = charts.lines("进度", ["10-01", "10-02", "10-03"], [("收集", [1, 3, 6]), ("评分", [0, 0, 2]), ("审查", [0, 1, 1])])
    assert svg.count("<polyline") == 3 and all(name in svg for name in ("收集", "评分", "审查", "10-01", "10-03"))
    assert charts.lines("空", [], [("收集", [])]).count("<polyline") == 1
