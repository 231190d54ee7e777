"""Pagination of report tables: row heights estimated from text, merged label cells kept whole per page.

Merged cells: leading group columns (categories, indicator levels) are merged with rowspan, one body (<tbody>)
per group. A merged cell split across two pages would keep its label only on the first (WeasyPrint), so the
renderer cuts bodies where the pages actually fall and repeats the labels with （续） (reports/pagination.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from reports.content import Cell, Column

# Geometry used to estimate row heights (must agree with static/reports/report.css).
PORTRAIT_WIDTH_MM = 160
LANDSCAPE_WIDTH_MM = 257
PT_MM = 0.3528
BODY_TABLE_PT, SMALL_TABLE_PT = 10.5, 9
# Lines a body may take. The PDF renderer cuts bodies where the pages fall (reports/pagination.py), so a group
# stays one body with its labels merged once; a finite limit would repeat labels on the same page.
PORTRAIT_LINES = LANDSCAPE_LINES = math.inf
SCORE_TABLE_WHOLE_ROWS = 36  # rows of single-line cells that fit on one portrait page with the header


def text_em(text: str) -> float:
    """Width of a text in em: CJK and full-width characters 1, others about half."""
    return sum(1 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def estimate_lines(texts: Sequence[str], widths: Sequence[float], *, wide: bool, small: bool) -> float:
    """Estimated height of a row in lines, from its cells' texts and their column widths (percent)."""
    table_mm = LANDSCAPE_WIDTH_MM if wide else PORTRAIT_WIDTH_MM
    size_mm = (SMALL_TABLE_PT if small else BODY_TABLE_PT) * PT_MM
    lines = 1.0
    for text, width in zip(texts, widths, strict=False):
        capacity = max((table_mm * width / 100 - 2.5) / size_mm, 1)
        cell = sum(max(math.ceil(text_em(part) / capacity), 1) for part in (text or "").split("\n"))
        lines = max(lines, cell)
    return lines + 0.35


# --- merged tree tables -----------------------------------------------------------------------------


@dataclass
class TreeRow:
    labels: list[str]  # merged label columns, outermost first (may be shorter than the table's label columns)
    cells: list[Cell]  # the row's own cells; the first one widens over label columns the row lacks
    lines: float = 1.0
    subtotal: bool = False
    prefix: list[Cell] = field(default_factory=list)  # cells before the label columns (序号)


def _runs(rows: list[TreeRow], level: int) -> list[list[TreeRow]]:
    runs: list[list[TreeRow]] = []
    for row in rows:
        key = tuple(row.labels[: level + 1])
        if runs and tuple(runs[-1][0].labels[: level + 1]) == key:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _chunk(rows: list[TreeRow], limit: float) -> list[list[TreeRow]]:
    chunks: list[list[TreeRow]] = [[]]
    used = 0.0
    for row in rows:
        if chunks[-1] and used + row.lines > limit and not row.subtotal:
            chunks.append([])
            used = 0.0
        chunks[-1].append(row)
        used += row.lines
    return chunks


def _pack(rows: list[TreeRow], level: int, levels: int, limit: float) -> list[list[TreeRow]]:
    bodies: list[list[TreeRow]] = []
    for run in _runs(rows, level):
        height = sum(row.lines for row in run)
        deeper = level + 1 < levels and any(len(row.labels) > level + 1 for row in run)
        if height <= limit:
            bodies.append(run)
        elif deeper:
            bodies.extend(_pack(run, level + 1, levels, limit))
        else:
            bodies.extend(_chunk(run, limit))
    # A lone subtotal row joins the body before it (same group), so it is not printed on its own.
    merged: list[list[TreeRow]] = []
    for body in bodies:
        if merged and all(row.subtotal for row in body) and merged[-1][0].labels[:1] == body[0].labels[:1]:
            merged[-1].extend(body)
        else:
            merged.append(body)
    return merged


def tree_bodies(
    rows: list[TreeRow], levels: int, limit: float, *, widen_labels: bool = False
) -> list[list[list[Cell]]]:
    """Bodies of cells: label columns merged with rowspan inside each body, labels repeated per body.

    A row with fewer labels than the table has label columns widens its first own cell over the
    missing ones, or, with widen_labels, its last label (when every row merged with it lacks them too).
    """
    bodies = []
    for body in _pack(rows, 0, levels, limit) if levels else [rows]:
        out: list[list[Cell]] = [[Cell(**vars(cell)) for cell in row.prefix] for row in body]
        widened: set[int] = set()
        for level in range(levels):
            index = 0
            while index < len(body):
                row = body[index]
                if len(row.labels) <= level:
                    index += 1
                    continue
                prefix = row.labels[: level + 1]
                span = 1
                while index + span < len(body) and body[index + span].labels[: level + 1] == prefix:
                    span += 1
                cell = Cell(row.labels[level], rowspan=span, role="level")
                run = body[index : index + span]
                if widen_labels and all(len(r.labels) == level + 1 for r in run) and level + 1 < levels:
                    cell.colspan += levels - level - 1
                    widened.update(range(index, index + span))
                out[index].append(cell)
                index += span
        for position, row in enumerate(body):
            cells = [Cell(**vars(cell)) for cell in row.cells]
            missing = levels - min(len(row.labels), levels)
            if cells and missing and position not in widened:
                cells[0].colspan += missing
            out[position].extend(cells)
        bodies.append(out)
    return bodies


def widths_filling(label_width: float, levels: int, rest: Sequence[float]) -> list[Column]:
    """Label columns of label_width each, then the given widths scaled to fill 100 %."""
    remaining = 100 - label_width * levels
    scale = remaining / sum(rest)
    return [Column(label_width) for _ in range(levels)] + [Column(round(width * scale, 2)) for width in rest]
