"""Server-rendered SVG bar charts for the statistics page: no script, text in the page's font, one <title> per
chart; the page puts the same numbers in a table beside each chart for screen readers (the SVG is aria-hidden
from nothing: it is an img with a label, and the table is the full account)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, LABEL_W, ROW_H, BAR_H = 560, 170, 34, 12
SERIES = (("candidates", "候选", "#9aa7b8"), ("listed", "上榜", "#b40000"))


@dataclass(frozen=True)
class Bar:
    label: str
    candidates: int
    listed: int


def bar_chart(chart_id: str, title: str, bars: tuple[Bar, ...]) -> Markup:
    """Two bars per row (candidates, listed) on one scale; the numbers are written at each bar's end."""
    top = max([1, *(max(b.candidates, b.listed) for b in bars)])
    span = WIDTH - LABEL_W - 50
    height = 30 + ROW_H * len(bars)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{chart_id}-title">{escape(title)}</title>']
    for i, (_, name, colour) in enumerate(SERIES):  # the legend
        x = LABEL_W + i * 90
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="15" font-size="13">{name}</text>')
    for row, b in enumerate(bars):
        y = 26 + row * ROW_H
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H + 4}" font-size="13" text-anchor="end">'
                     f'{escape(b.label)}</text>')
        for k, (field, _, colour) in enumerate(SERIES):
            value = getattr(b, field)
            w = round(span * value / top, 1)
            by = y + k * (BAR_H + 2)
            parts.append(f'<rect x="{LABEL_W}" y="{by}" width="{w}" height="{BAR_H}" fill="{colour}"/>'
                         f'<text x="{LABEL_W + w + 4}" y="{by + BAR_H - 1}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
