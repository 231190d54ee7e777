"""Column widths from content: no column narrower than its longest short term, slack taken from wide columns.

The table builders give each column a share of the width; with a profile's font size a share can be too narrow
for a label ("项目决/策", "六一儿童节慰/问金") while an amount column has room to spare. Before layout each column
gets at least the width of its longest term (a whole cell up to TERM_EM characters; in longer text, the longest
run between punctuation, capped at TERM_EM), and columns with more than they need give up the difference.
"""

from __future__ import annotations

import re

from reports.pagination import grid
from reports.typography import GONGWEN

TERM_EM = 8  # a label up to this many characters (六一儿童节慰问金) stays on one line when the table can afford it
SHORT_TERM_EM = 4  # terms up to this long (项目决策, 产出数量) get their room before longer ones
PT_MM = 25.4 / 72
PADDING_MM = 2.8  # cell padding and borders
# (table width mm, font pt) for portrait and landscape (annex, "small") tables in each profile
GEOMETRY = {
    GONGWEN: {False: (156, 12.0), True: (225, 10.5)},
    "report": {False: (160, 10.5), True: (257, 9.0)},
}
BREAKS = re.compile(r"[\s，。；：、（）()《》“”,;:/\n]+")


def em(text: str) -> float:
    """Width in em: CJK, full-width and circled numbers (①) 1, others about half."""
    return sum(1 if ord(ch) > 0x2E7F or 0x2460 <= ord(ch) <= 0x24FF else 0.55 for ch in text)


def term_em(text: str) -> float:
    text = (text or "").strip()
    if em(text) <= TERM_EM:
        return em(text)
    return min(max((em(part) for part in BREAKS.split(text) if part), default=0), TERM_EM)


def fit_columns(table: dict, profile: str) -> None:
    """Widen columns narrower than their longest term, taking the room from columns with slack (in place).

    Short terms first (level labels like 项目产出 must never break), then the longer ones with what is left.
    """
    columns = table.get("columns") or []
    if not columns or table.get("style") == "rich" or table.get("size") == "small":
        return  # a section's own table keeps the writer's widths; annex tables (landscape) are set by their builders
    table_mm, font_pt = GEOMETRY.get(profile, GEOMETRY["report"])[table.get("size") == "small"]
    terms = [0.0] * len(columns)
    for body in [table.get("head") or [], *table["bodies"]]:  # header cells need their room too
        for row in grid(body):
            for col, cell in row:
                if cell.get("colspan", 1) == 1 and col < len(columns):
                    terms[col] = max(terms[col], term_em(cell.get("text", "")))
    for cap in (SHORT_TERM_EM, TERM_EM):
        need = [(min(term, cap) * font_pt * PT_MM + PADDING_MM) / table_mm * 100 for term in terms]
        _give_room(columns, need)


def _give_room(columns: list[dict], need: list[float]) -> None:
    widths = [column["width"] for column in columns]
    short = sum(max(n - w, 0) for n, w in zip(need, widths, strict=True))
    slack = sum(max(w - n, 0) for n, w in zip(need, widths, strict=True))
    if short <= 0 or slack <= 0:
        return
    take = min(short, slack) / slack
    give = min(short, slack) / short
    for column, n, w in zip(columns, need, widths, strict=True):
        column["width"] = round(w + (n - w) * give if n > w else w - (w - n) * take, 2)
