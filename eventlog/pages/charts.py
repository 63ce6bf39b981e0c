"""Charts drawn on the server as inline SVG: no script, no asset, nothing from the network. Each chart is a
picture for those who look (with its title) and comes with a table of the same figures for those
who read with a screen reader (the template puts it beside the chart); the SVG itself is hidden from them so
the figures are not read twice. Pure: figures in, markup out (escaped), so any service's pages may reuse it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

Number = int | float | Decimal
WIDTH, BAR, GAP, LABEL, PAD = 640, 18, 6, 180, 8
INK, MUTED, ACCENT, SECOND, THIRD = "#1d3557", "#6c757d", "#2a6f97", "#e76f51", "#2a9d8f"
STROKES = ((ACCENT, ""), (SECOND, ' stroke-dasharray="6 4"'), (THIRD, ' stroke-dasharray="2 3"'))


@dataclass(frozen=True)
class Bar:
    label: str
    value: Number
    second: Number | None = None   # a second figure drawn as a mark on the bar (e.g. the panel's mean)


def _fmt(value: Number) -> str:
    if isinstance(value, Decimal):
        value = float(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _svg(title: str, width: int, height: int, body: list[str]) -> Markup:
    # aria-hidden: the table beside it carries the same figures for screen readers.
    return Markup(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
                  f'width="100%" aria-hidden="true" focusable="false" preserveAspectRatio="xMinYMin meet">'
                  f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def bars(title: str, items: Sequence[Bar], scale_max: Number | None = None, unit: str = "") -> Markup:
    """Horizontal bars, one per item, labelled, with the figure at the bar's end; `second` as a thin mark."""
    top = float(scale_max if scale_max is not None else max([float(b.value) for b in items]
                                                              + [float(b.second) for b in items if b.second is not None]
                                                              + [1]))
    top = top or 1.0
    span = WIDTH - LABEL - 60
    body = []
    for i, b in enumerate(items):
        y = PAD + i * (BAR + GAP)
        w = max(float(b.value), 0) / top * span
        body.append(f'<text x="{LABEL - 6}" y="{y + BAR - 5}" text-anchor="end" font-size="12" fill="{INK}">'
                    f'{escape(b.label[:24])}</text>')
        body.append(f'<rect x="{LABEL}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{ACCENT}"/>')
        body.append(f'<text x="{LABEL + w + 4:.1f}" y="{y + BAR - 5}" font-size="12" fill="{INK}">'
                    f'{escape(_fmt(b.value))}{escape(unit)}</text>')
        if b.second is not None:
            x = LABEL + max(float(b.second), 0) / top * span
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + BAR + 2}" stroke="{SECOND}" '
                        'stroke-width="3"/>')
    height = PAD * 2 + max(len(items), 1) * (BAR + GAP)
    return _svg(title, WIDTH, height, body)


def histogram(title: str, values: Sequence[Number], low: Number, high: Number, bins: int = 10) -> tuple[Markup, list[tuple[str, int]]]:
    """The distribution of `values` over [low, high] in `bins` equal bins: the chart and its (range, count)
    rows for the table beside it; the last bin holds its upper edge."""
    low_f, high_f = float(low), float(high)
    width = (high_f - low_f) / bins or 1.0
    counts = [0] * bins
    for v in values:
        i = int((float(v) - low_f) // width)
        counts[min(max(i, 0), bins - 1)] += 1
    rows = [(f"{_fmt(low_f + i * width)}–{_fmt(low_f + (i + 1) * width)}", c) for i, c in enumerate(counts)]
    top = max(counts + [1])
    h, base, col = 160, 180, (WIDTH - 40) / bins
    body = [f'<line x1="20" x2="{WIDTH - 20}" y1="{base}" y2="{base}" stroke="{MUTED}"/>']
    for i, (label, c) in enumerate(rows):
        x, bh = 20 + i * col, c / top * h
        body.append(f'<rect x="{x + 2:.1f}" y="{base - bh:.1f}" width="{col - 4:.1f}" height="{bh:.1f}" fill="{ACCENT}"/>')
        body.append(f'<text x="{x + col / 2:.1f}" y="{base - bh - 3:.1f}" text-anchor="middle" font-size="11" '
                    f'fill="{INK}">{c}</text>')
        body.append(f'<text x="{x + col / 2:.1f}" y="{base + 14}" text-anchor="middle" font-size="10" '
                    f'fill="{MUTED}">{escape(_fmt(low_f + i * width))}</text>')
    return _svg(title, WIDTH, base + 22, body), rows


def lines(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]]) -> Markup:
    """One line per series over the same labels (e.g. days), from zero; solid, dashed, dotted; the legend above."""
    top = max([float(v) for _, vs in series for v in vs] + [1])
    h, base, left, right = 160, 200, 40, WIDTH - 20
    step = (right - left) / max(len(labels) - 1, 1)
    body = [f'<line x1="{left}" x2="{right}" y1="{base}" y2="{base}" stroke="{MUTED}"/>',
            f'<text x="{left - 4}" y="{base - h + 4}" text-anchor="end" font-size="11" fill="{MUTED}">{_fmt(top)}</text>',
            f'<text x="{left - 4}" y="{base}" text-anchor="end" font-size="11" fill="{MUTED}">0</text>']
    for n, (name, values) in enumerate(series):
        points = " ".join(f"{left + i * step:.1f},{base - float(v) / top * h:.1f}" for i, v in enumerate(values))
        colour, dash = STROKES[n % len(STROKES)]
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        x = left + 120 * n
        body.append(f'<line x1="{x}" x2="{x + 24}" y1="10" y2="10" stroke="{colour}" stroke-width="2"{dash}/>'
                    f'<text x="{x + 28}" y="14" font-size="12" fill="{colour}">{escape(name)}</text>')
    for i in sorted({0, len(labels) - 1} if labels else set()):
        body.append(f'<text x="{left + i * step:.1f}" y="{base + 14}" text-anchor="middle" font-size="10" '
                    f'fill="{MUTED}">{escape(labels[i])}</text>')
    return _svg(title, WIDTH, base + 22, body)
