"""Charts as server-rendered SVG: no JavaScript library, no fonts from outside, Chinese labels.

The SVG inherits the page's font, so the CJK font of the system draws the labels; the same markup
can be embedded in the PDF report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rubrics.numbers import percent, plain

HUNDRED = Decimal(100)
LABEL_WIDTH = 170
BAR_WIDTH = 380
RIGHT_WIDTH = 150
ROW_HEIGHT = 30
TOP = 34
BOTTOM = 26


@dataclass(frozen=True)
class Section:
    name: str
    weight: Decimal
    score: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        """得分率 in percent (score ÷ weight × 100), or None when not scored yet or weighing nothing."""
        if self.score is None or not self.weight:
            return None
        return self.score / self.weight * HUNDRED


def rate_colour(rate: Decimal) -> str:
    """The grade colours of the pages: 优 green, 良 blue, 中 amber, 差 red."""
    if rate >= 90:
        return "#198754"
    if rate >= 80:
        return "#0d6efd"
    if rate >= 60:
        return "#fd7e14"
    return "#dc3545"


def _label(name: str, limit: int = 11) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def score_rate_chart(sections: Iterable[Section], title: str = "各一级指标得分率") -> SafeString:
    """A horizontal bar per level-1 indicator: its 得分率, with score and weight written next to the bar."""
    sections = list(sections)
    if not sections:
        return mark_safe('<p class="text-muted small mb-0">尚未设置指标体系，暂无得分率图。</p>')
    width = LABEL_WIDTH + BAR_WIDTH + RIGHT_WIDTH
    height = TOP + ROW_HEIGHT * len(sections) + BOTTOM
    x0 = LABEL_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" font-family="inherit" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="{x0}" y="16" font-size="12" fill="#6c757d">得分率（得分 ÷ 权重）</text>',
    ]
    axis_bottom = TOP + ROW_HEIGHT * len(sections)
    for tick in (0, 20, 40, 60, 80, 100):
        x = x0 + BAR_WIDTH * tick / 100
        colour = "#adb5bd" if tick in (0, 100) else "#dee2e6"
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{axis_bottom}" stroke="{colour}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{axis_bottom + 16}" text-anchor="middle" font-size="11" '
            f'fill="#6c757d">{tick}%</text>'
        )
    for index, section in enumerate(sections):
        y = TOP + ROW_HEIGHT * index
        middle = y + ROW_HEIGHT / 2 + 4
        parts.append(
            f'<text x="{x0 - 10}" y="{middle:.1f}" text-anchor="end" fill="#212529">'
            f"<title>{escape(section.name)}</title>{escape(_label(section.name))}</text>"
        )
        rate = section.rate
        if rate is None:
            parts.append(
                f'<text x="{x0 + 6}" y="{middle:.1f}" fill="#6c757d">'
                f"{'尚未计分' if section.score is None else '权重为 0'}</text>"
            )
            continue
        shown = min(max(rate, Decimal(0)), HUNDRED)
        bar = BAR_WIDTH * float(shown) / 100
        parts.append(
            f'<rect x="{x0}" y="{y + 6}" width="{bar:.1f}" height="{ROW_HEIGHT - 12}" rx="2" '
            f'fill="{rate_colour(rate)}"><title>{escape(section.name)}：得分 {plain(section.score)} 分 / '
            f"权重 {plain(section.weight)} 分 = {percent(rate)}</title></rect>"
        )
        parts.append(
            f'<text x="{x0 + BAR_WIDTH + 8}" y="{middle:.1f}" fill="#212529">'
            f"{percent(rate)}"
            f'<tspan fill="#6c757d" font-size="11">（{plain(section.score)}/{plain(section.weight)} 分）</tspan></text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


# --- bar charts of the overview: a value per row, written out beside its bar ------------------------------

GRADE_COLOURS = {"优": "#198754", "良": "#0d6efd", "中": "#fd7e14", "差": "#dc3545"}
NEUTRAL = "#6c757d"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal  # the bar's length on the chart's scale
    text: str  # written right of the bar: "92.35%", "3 项"
    note: str = ""  # written after it, muted: "（12 项评价）"
    tooltip: str = ""
    colour: str = NEUTRAL


def count_scale(largest: int) -> tuple[int, list[int]]:
    """A scale for counts with whole-number ticks: 3 → (4, [0, 1, 2, 3, 4]); 37 → (40, [0, 10, 20, 30, 40])."""
    if largest <= 5:
        top = max(largest, 1)
        return top, list(range(top + 1))
    step = 1
    while largest / step > 5:
        for factor in (2, 5, 10):
            if largest / (step * factor) <= 5:
                step *= factor
                break
        else:
            step *= 10
    top = -(-largest // step) * step
    return top, list(range(0, top + 1, step))


def bar_chart(
    bars: Iterable[Bar], *, title: str, caption: str, scale: Decimal, ticks: Iterable, unit: str = ""
) -> SafeString:
    """Horizontal bars on a scale from 0 to ``scale``: the label left, the value written out right of the bar,
    the caption saying what is measured. Every text is escaped."""
    bars = list(bars)
    width = LABEL_WIDTH + BAR_WIDTH + RIGHT_WIDTH
    height = TOP + ROW_HEIGHT * len(bars) + BOTTOM
    x0 = LABEL_WIDTH
    axis_bottom = TOP + ROW_HEIGHT * len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" font-family="inherit" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="{x0}" y="16" font-size="12" fill="#6c757d">{escape(caption)}</text>',
    ]
    ticks = list(ticks)
    for tick in ticks:
        x = x0 + BAR_WIDTH * float(Decimal(tick) / scale) if scale else x0
        colour = "#adb5bd" if tick in (ticks[0], ticks[-1]) else "#dee2e6"
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{axis_bottom}" stroke="{colour}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{axis_bottom + 16}" text-anchor="middle" font-size="11" '
            f'fill="#6c757d">{escape(plain(tick))}{escape(unit)}</text>'
        )
    for index, bar in enumerate(bars):
        y = TOP + ROW_HEIGHT * index
        middle = y + ROW_HEIGHT / 2 + 4
        parts.append(
            f'<text x="{x0 - 10}" y="{middle:.1f}" text-anchor="end" fill="#212529">'
            f"<title>{escape(bar.label)}</title>{escape(_label(bar.label))}</text>"
        )
        shown = min(max(Decimal(bar.value), Decimal(0)), scale) if scale else Decimal(0)
        length = BAR_WIDTH * float(shown / scale) if scale else 0
        parts.append(
            f'<rect x="{x0}" y="{y + 6}" width="{length:.1f}" height="{ROW_HEIGHT - 12}" rx="2" '
            f'fill="{bar.colour}"><title>{escape(bar.tooltip or bar.label + "：" + bar.text)}</title></rect>'
        )
        note = f'<tspan fill="#6c757d" font-size="11">{escape(bar.note)}</tspan>' if bar.note else ""
        parts.append(f'<text x="{x0 + length + 8:.1f}" y="{middle:.1f}" fill="#212529">{escape(bar.text)}{note}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
