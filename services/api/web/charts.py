"""Bar charts drawn on the server as SVG (档案统计 on the page): no script, no
inline style — SVG attributes only — and a viewBox, so a chart scales to the
width it is given, a phone's too. Each chart carries its title, a description
listing every value (for screen readers) and the values as text on its bars."""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup, escape

WIDTH = 400  # the viewBox's width; the page scales it (a phone by about 0.85)
LABEL_WIDTH = 130  # room for the category names, left of the bars
VALUE_ROOM = 48  # room for a value written after the longest bar
ROW = 26
BAR = 18
TOP = 8
AXIS = 44  # below the bars: the scale's ticks and the axis's name
FONT = 13


@dataclass(frozen=True)
class Bar:
    label: str  # the category, as shown (shortened if it is long)
    full_label: str  # the category in full (the bar's own <title>)
    value: int
    shown: str  # the value, formatted for the page's language
    width: float  # in viewBox units


@dataclass(frozen=True)
class Chart:
    title: str
    axis_label: str  # what the bars count
    category_label: str  # what the rows are
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]  # (x, value as shown) along the scale
    svg: Markup | None  # None: nothing to show (the page shows its empty state)

    @property
    def empty(self) -> bool:
        return not self.bars


def nice_ceiling(value: int) -> int:
    """The scale's end: the smallest 1, 2 or 5 × 10ⁿ at or above ``value``
    (at least 1, so an axis of zeros still has a length)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def ticks_for(top: int) -> list[int]:
    """Whole-number ticks from 0 to ``top`` (a nice ceiling), at most six."""
    for parts in (5, 4, 2, 1):
        if top % parts == 0:
            return [top * i // parts for i in range(parts + 1)]
    return [0, top]  # pragma: no cover - 1 divides everything


def text_width(text: str, font: float = FONT) -> float:
    """An estimate, in viewBox units, of ``text``'s width: wide (CJK) characters
    take a full em, others about half of one."""
    return sum(font if unicodedata.east_asian_width(c) in "WF" else font * 0.56 for c in text)


def fit(text: str, width: float, font: float = FONT) -> str:
    """``text`` shortened with an ellipsis so that it fits ``width``."""
    if text_width(text, font) <= width:
        return text
    room = width - text_width("…", font)
    kept = ""
    for char in text:
        if text_width(kept + char, font) > room:
            break
        kept += char
    return kept.rstrip() + "…"


def bar_chart(*, title: str, items: Sequence[tuple[str, int]], axis_label: str,
              category_label: str, number: Callable[[int], str] = str) -> Chart:
    """A horizontal bar chart of (category, count) ``items`` in their order."""
    top = nice_ceiling(max((v for _, v in items), default=0))
    area = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = tuple(Bar(label=fit(name, LABEL_WIDTH - 8), full_label=name, value=value,
                     shown=number(value), width=area * max(value, 0) / top) for name, value in items)
    ticks = tuple((LABEL_WIDTH + area * t / top, number(t)) for t in ticks_for(top))
    chart = Chart(title=title, axis_label=axis_label, category_label=category_label, bars=bars,
                  ticks=ticks, svg=None)
    if not bars:
        return chart
    return replace(chart, svg=_svg(chart))


def _svg(chart: Chart) -> Markup:
    height = TOP + ROW * len(chart.bars) + AXIS
    base = TOP + ROW * len(chart.bars)
    desc = "; ".join(f"{b.full_label}: {b.shown}" for b in chart.bars)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" font-family="sans-serif" '
        f'preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(chart.title)}</title>",
        f"<desc>{escape(chart.category_label)} / {escape(chart.axis_label)}: {escape(desc)}</desc>",
    ]
    for x, _shown in chart.ticks:
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{base}" '
                     f'stroke="#d8d8de" stroke-width="1"/>')
    for row, bar in enumerate(chart.bars):
        y = TOP + row * ROW
        middle = y + BAR / 2 + FONT * 0.35
        parts.append(f'<g class="bar" data-label="{escape(bar.full_label)}" data-value="{bar.value}">'
                     f"<title>{escape(bar.full_label)}: {escape(bar.shown)}</title>"
                     f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end" '
                     f'fill="#1d1d1f">{escape(bar.label)}</text>'
                     f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar.width:.1f}" height="{BAR}" '
                     f'fill="#8b2c1f"/>'
                     f'<text class="value" x="{LABEL_WIDTH + bar.width + 4:.1f}" y="{middle:.1f}" '
                     f'fill="#1d1d1f">{escape(bar.shown)}</text></g>')
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="{base}" x2="{WIDTH - VALUE_ROOM}" y2="{base}" '
                 f'stroke="#5b5b66" stroke-width="1"/>')
    for x, shown in chart.ticks:
        parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" fill="#5b5b66" '
                     f'font-size="{FONT - 2}">{escape(shown)}</text>')
    middle_of_area = LABEL_WIDTH + (WIDTH - LABEL_WIDTH - VALUE_ROOM) / 2
    parts.append(f'<text class="axis" x="{middle_of_area:.1f}" y="{base + 36}" text-anchor="middle" '
                 f'fill="#5b5b66">{escape(chart.axis_label)}</text>')
    parts.append(f'<text class="axis" x="{LABEL_WIDTH - 8}" y="{base + 36}" text-anchor="end" '
                 f'fill="#5b5b66">{escape(chart.category_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
