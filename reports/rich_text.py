"""A report section's rich text (evaluations.narrative_html) as report blocks, laid out with the report's styles.

Paragraphs keep their bold, italic and line breaks; sub-headings (h3/h4) become headings one and two levels
below the section's own and are numbered in the report's hierarchy (1.（1）①) unless the evaluator numbered them;
lists stay lists; tables become report tables (merged cells kept, header rows repeated on every page), titled by
the short line written just above them ("罗庄区民政局内设机构职责分工表") and with its "单位：万元". A figure bound to
the data prints its value now (``figures``: key → text, evaluations.queries.bound_figures), or a visible
数据已删除 marker when its figure no longer exists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from evaluations.narrative_html import MISSING_FIGURE, Element, lines_of, parse
from reports.content import Cell, Column, ListBlock, Paragraph, Run, Table
from reports.layout import BODY_TABLE_PT, PORTRAIT_WIDTH_MM, PT_MM, estimate_lines, text_em
from reports.numbering import heading_number

SUBHEAD = re.compile(r"^(（[一二三四五六七八九十\d]{1,3}）|\(\d{1,2}\)|\d{1,2}\s*[.、．]|[①-⑳])\s*\S")
SENTENCE_END = ("。", "；", "，", "：", ":", ";")
UNIT_NOTE = re.compile(r"^单位[:：]\s*\S{1,8}$")
NUMERIC = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?\s*(%|‰|万元|元|人|个|户|次|件)?$")
CAPTION_MAX = 40  # characters: a longer line above a table is text, not its title
WHOLE_LINES = 20  # a narrative table estimated at most this many lines high is kept on one page
MIN_COLUMN_EM = 6  # a column is at least as wide as its longest line, up to this many characters
CELL_PADDING_PERCENT = 3.0  # padding, borders and rounding: 4.8 mm of a 160 mm wide table


Figures = Mapping[str, str]


def _runs(children: list, figures: Figures, *, bold: bool = False, italic: bool = False) -> list[Run]:
    runs: list[Run] = []
    for child in children:
        if isinstance(child, str):
            runs.append(Run(child, bold, italic))
        elif child.tag == "br":
            runs.append(Run("", br=True))
        elif child.figure:
            value = figures.get(child.figure)
            runs.append(Run(MISSING_FIGURE if value is None else value, bold, italic, missing=value is None))
        else:
            strong, emphasis = bold or child.tag == "strong", italic or child.tag == "em"
            runs += _runs(child.children, figures, bold=strong, italic=emphasis)
    return runs


def _text(runs: list[Run]) -> str:
    return "".join("\n" if run.br else run.text for run in runs)


def _paragraph(element: Element, figures: Figures, *, in_list: bool = False) -> Paragraph:
    runs = _runs(element.children, figures)
    text = _text(runs)
    if any(run.bold or run.italic or run.br or run.missing for run in runs):
        return Paragraph(text, runs=runs, style="item" if in_list else "")
    line = text.strip()
    # Text written before sections had sub-headings numbers its own ("① 内控管理"): kept as it was printed.
    subhead = not in_list and len(line) <= 30 and not line.endswith(SENTENCE_END) and SUBHEAD.match(line)
    return Paragraph(text, style="item" if in_list else "subhead" if subhead else "")


class _Headings:
    """h3/h4 of one section as the next two levels of the report's headings, numbered by position."""

    def __init__(self, level: int, figures: Figures):
        self.level = level
        self.figures = figures
        self.counts = [0, 0]

    def paragraph(self, element: Element) -> Paragraph:
        depth = 1 if element.tag == "h3" else 2
        self.counts[depth - 1] += 1
        if depth == 1:
            self.counts[1] = 0
        text = " ".join(_text(_runs(element.children, self.figures)).split())
        if self.level < 1:  # the preamble, before the first chapter: headings without numbers
            return Paragraph(text, style="heading", level=2 + depth)
        level = self.level + depth
        number = "" if SUBHEAD.match(text) else heading_number(level, self.counts[depth - 1])
        return Paragraph(number + text, style="heading", level=min(level, 6))


def _list(element: Element, figures: Figures) -> ListBlock:
    items = []
    for item in element.children:
        if not isinstance(item, Element):
            continue
        blocks: list = []
        for child in item.children:
            if not isinstance(child, Element):
                continue
            if child.tag in ("ul", "ol"):
                blocks.append(_list(child, figures))
            elif child.tag == "table":
                blocks.append(_table(child, figures))
            else:
                blocks.append(_paragraph(child, figures, in_list=True))
        items.append(blocks)
    return ListBlock(element.tag == "ol", items)


def _rows(element: Element) -> list[tuple[list[Element], bool]]:
    """(cells, is a header row) of every row, in order."""
    rows = []
    for group in element.children:
        if not isinstance(group, Element):
            continue
        for row in group.children:
            if isinstance(row, Element):
                cells = [cell for cell in row.children if isinstance(cell, Element)]
                rows.append((cells, group.tag == "thead" or all(cell.tag == "th" for cell in cells)))
    return rows


def _grid(rows: list[list[Element]]) -> tuple[int, list[list[int]]]:
    """The number of columns and each cell's first column, following merged cells."""
    taken: set[tuple[int, int]] = set()
    starts: list[list[int]] = []
    columns = 0
    for index, cells in enumerate(rows):
        column, row_starts = 0, []
        for cell in cells:
            while (index, column) in taken:
                column += 1
            row_starts.append(column)
            for down in range(cell.span("rowspan")):
                for across in range(cell.span("colspan")):
                    taken.add((index + down, column + across))
            column += cell.span("colspan")
            columns = max(columns, column)
        starts.append(row_starts)
    return columns, starts


def _widths(texts: list[list[str]]) -> list[float]:
    """Column widths in percent: by the square root of how much a column holds, so long text gets room, but
    never narrower than its longest label up to MIN_COLUMN_EM characters (no "社会/救助/工作")."""
    weights = [math.sqrt(sum(text_em(text) for text in column)) or 1.0 for column in texts]
    em_percent = BODY_TABLE_PT * PT_MM / PORTRAIT_WIDTH_MM * 100
    floors = [
        min(max((text_em(line) for text in column for line in text.split("\n")), default=1), MIN_COLUMN_EM) * em_percent
        + CELL_PADDING_PERCENT
        for column in texts
    ]
    if sum(floors) >= 100:
        return [round(floor / sum(floors) * 100, 2) for floor in floors]
    fixed: set[int] = set()
    while True:  # columns whose share falls below their floor get the floor; the rest share what is left
        free = 100 - sum(floors[index] for index in fixed)
        total = sum(weight for index, weight in enumerate(weights) if index not in fixed)
        shares = [floors[i] if i in fixed else weights[i] / total * free for i in range(len(weights))]
        short = {i for i, share in enumerate(shares) if i not in fixed and share < floors[i]}
        if not short:
            return [round(share, 2) for share in shares]
        fixed |= short


def _table(element: Element, figures: Figures, title: str = "", unit_note: str = "") -> Table:
    rows = _rows(element)
    cells = [row for row, _ in rows]
    columns, starts = _grid(cells)
    head = 0
    while head < len(rows) and rows[head][1]:
        head += 1
    if head == len(rows):  # only header cells: print them as the body
        head = 0
    reach = max((index + cell.span("rowspan") for index in range(head) for cell in cells[index]), default=0)
    head = min(max(head, reach), len(rows))  # a header cell merged downwards keeps its rows in the header

    texts = [["\n".join(lines_of(cell.children, figures)) for cell in row] for row in cells]
    by_column: list[list[str]] = [[] for _ in range(columns)]
    for row_texts, row_starts, row in zip(texts, starts, cells, strict=True):
        for text, start, cell in zip(row_texts, row_starts, row, strict=True):
            if cell.span("colspan") == 1:
                by_column[start].append(text)
    widths = _widths(by_column)

    def report_cell(cell: Element, text: str, in_head: bool) -> Cell:
        align = "num" if NUMERIC.match(text.strip()) else ""
        role = "rowhead" if cell.tag == "th" and not in_head else ""
        return Cell(text, rowspan=cell.span("rowspan"), colspan=cell.span("colspan"), align=align, role=role)

    out = [
        [report_cell(cell, text, index < head) for cell, text in zip(row, row_texts, strict=True)]
        for index, (row, row_texts) in enumerate(zip(cells, texts, strict=True))
    ]
    lines = 0.0
    for index, row in enumerate(cells[head:], start=head):
        spans = [sum(widths[s : s + c.span("colspan")]) for s, c in zip(starts[index], row, strict=True)]
        lines += estimate_lines(texts[index], spans, wide=False, small=False)
    table = Table(
        "narrative",
        title,
        [Column(width) for width in widths],
        out[:head],
        [out[head:]],
        unit_note=unit_note,
        style="rich",
    )
    table.whole = lines <= WHOLE_LINES  # by height, not rows: a few rows of long text may fill pages
    return table


def _caption(block) -> bool:
    if not isinstance(block, Paragraph) or block.style == "heading" or any(run.br for run in block.runs):
        return False
    line = block.text.strip()
    return 0 < len(line) <= CAPTION_MAX and not line.endswith(SENTENCE_END) and not SUBHEAD.match(line)


def _take_line(blocks: list, *, unit: bool) -> str:
    """The short line just above a table, taken off as its unit note ("单位：万元") or its title."""
    if blocks and _caption(blocks[-1]) and bool(UNIT_NOTE.match(blocks[-1].text.strip())) == unit:
        return blocks.pop().text.strip()
    return ""


def section_blocks(text: str | None, level: int, figures: Figures | None = None) -> list:
    """The blocks of a section at ``level`` (1 一、 … 4 （1）; 0 before the first chapter), its bound figures
    read from ``figures``."""
    figures = figures or {}
    blocks: list = []
    headings = _Headings(level, figures)
    for element in parse(text):
        if element.tag in ("h3", "h4"):
            blocks.append(headings.paragraph(element))
        elif element.tag in ("ul", "ol"):
            blocks.append(_list(element, figures))
        elif element.tag == "table":
            unit = _take_line(blocks, unit=True)
            blocks.append(_table(element, figures, _take_line(blocks, unit=False), unit))
        else:
            blocks.append(_paragraph(element, figures))
    return blocks


__all__ = ["SENTENCE_END", "SUBHEAD", "section_blocks"]
