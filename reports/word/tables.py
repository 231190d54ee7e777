"""Word tables from rows of cells with rowspan and colspan (the report's tables and the narrative's HTML tables).

Cells are placed on a grid as HTML does (a cell takes the next free column; spans are bounded by their row group,
like <thead>/<tbody>). A colspan becomes w:gridSpan; a rowspan becomes w:vMerge "restart" on the first row and
an empty continuing cell on each row below. Every row has w:cantSplit (never split across pages), header rows
w:tblHeader (repeated on every page), and every cell its width (LibreOffice ignores a table's own width).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table, _Cell

from reports.word.ooxml import element
from reports.word.style import MM_TWIPS, WordStyle


@dataclass
class GridCell:
    fill: Callable[[_Cell], None]  # writes the cell's content; the cell already holds one empty paragraph
    rowspan: int = 1
    colspan: int = 1
    shade: str = ""  # background, RRGGBB


@dataclass
class GridRow:
    cells: list[GridCell]
    header: bool = False
    keep_with_next: bool = False  # Word keeps the row on the page of the next row


@dataclass
class _Slot:
    cell: GridCell
    origin: bool  # the cell's first row (continuing rows of a rowspan are not origins)
    last_row: bool = False


@dataclass
class Placed:
    rows: list[GridRow]
    slots: list[dict[int, _Slot]] = field(default_factory=list)  # per row: first grid column → slot
    columns: int = 0


def place(groups: Sequence[Sequence[GridRow]]) -> Placed:
    """Grid positions of every cell; a rowspan never reaches past its group (HTML's <thead>/<tbody> rule)."""
    placed = Placed(rows=[row for group in groups for row in group])
    for group in groups:
        taken: dict[tuple[int, int], bool] = {}
        first = len(placed.slots)
        placed.slots.extend({} for _ in group)
        for offset, row in enumerate(group):
            column = 0
            for cell in row.cells:
                while taken.get((offset, column)):
                    column += 1
                rowspan = max(1, min(cell.rowspan, len(group) - offset))
                colspan = max(1, cell.colspan)
                for down in range(rowspan):
                    for across in range(colspan):
                        taken[(offset + down, column + across)] = True
                    placed.slots[first + offset + down][column] = _Slot(
                        GridCell(cell.fill, rowspan, colspan, cell.shade), down == 0, down == rowspan - 1
                    )
                column += colspan
                placed.columns = max(placed.columns, column)
    return placed


def column_widths(total: int, columns: int, percents: Sequence[float] = ()) -> list[int]:
    """Column widths in twips: the given percentages (scaled to the total), else equal; they add up exactly
    (the twips left by rounding down go to the columns that lost most)."""
    shares = list(percents) if len(percents) == columns and sum(percents) > 0 else [1.0] * columns
    exact = [total * share / sum(shares) for share in shares]
    widths = [int(width) for width in exact]
    by_loss = sorted(range(columns), key=lambda index: exact[index] - widths[index], reverse=True)
    for index in by_loss[: total - sum(widths)]:
        widths[index] += 1
    return widths


def _table_properties(tbl, total: int, style: WordStyle, small: bool) -> None:
    tblPr = tbl.tblPr
    for child in list(tblPr):
        tblPr.remove(child)
    tblPr.append(element("w:tblW", w=str(total), type="dxa"))
    tblPr.append(element("w:tblInd", w="0", type="dxa"))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(
            element(f"w:{side}", val="single", sz=str(style.border_eighths), space="0", color=style.border_color)
        )
    tblPr.append(borders)
    tblPr.append(element("w:tblLayout", type="fixed"))
    vertical, horizontal = style.small_cell_margins_mm if small else style.cell_margins_mm
    margins = OxmlElement("w:tblCellMar")
    for side, size in (("top", vertical), ("left", horizontal), ("bottom", vertical), ("right", horizontal)):
        margins.append(element(f"w:{side}", w=str(round(size * MM_TWIPS)), type="dxa"))
    tblPr.append(margins)
    tblPr.append(element("w:tblLook", val="04A0", firstRow="1", lastRow="0", firstColumn="0", lastColumn="0"))


def _grid(tbl, widths: list[int]) -> None:
    grid = tbl.tblGrid
    for child in list(grid):
        grid.remove(child)
    for width in widths:
        grid.append(element("w:gridCol", w=str(width)))


def _cell(slot: _Slot, width: int, text_style: str) -> OxmlElement:
    tc = OxmlElement("w:tc")
    tcPr = OxmlElement("w:tcPr")
    tcPr.append(element("w:tcW", w=str(width), type="dxa"))
    if slot.cell.colspan > 1:
        tcPr.append(element("w:gridSpan", val=str(slot.cell.colspan)))
    if slot.cell.rowspan > 1:
        tcPr.append(element("w:vMerge", val="restart") if slot.origin else OxmlElement("w:vMerge"))
    if slot.cell.shade:
        tcPr.append(element("w:shd", val="clear", color="auto", fill=slot.cell.shade))
    tcPr.append(element("w:vAlign", val="center"))
    tc.append(tcPr)
    p = OxmlElement("w:p")
    if text_style:  # the empty paragraph of a continuing merged cell must not make the row taller
        pPr = OxmlElement("w:pPr")
        pPr.append(element("w:pStyle", val=text_style))
        p.append(pPr)
    tc.append(p)
    return tc


def write_table(
    container,
    groups: Sequence[Sequence[GridRow]],
    *,
    total: int,
    style: WordStyle,
    percents: Sequence[float] = (),
    small: bool = False,
    text_style: str = "",
) -> Table:
    """Append a table to a python-docx container (the document or a cell) and return it.

    total is the table's width in twips; percents the column widths (equal when they do not fit the grid);
    text_style the paragraph style id of cells left empty (continuing merged cells).
    """
    placed = place(groups)
    columns = max(placed.columns, 1)
    widths = column_widths(total, columns, percents)
    table = container.add_table(0, columns)
    tbl = table._tbl
    _table_properties(tbl, total, style, small)
    _grid(tbl, widths)
    for row, slots in zip(placed.rows, placed.slots, strict=True):
        tr = OxmlElement("w:tr")
        trPr = OxmlElement("w:trPr")
        trPr.append(OxmlElement("w:cantSplit"))
        if row.header:
            trPr.append(OxmlElement("w:tblHeader"))
        tr.append(trPr)
        tbl.append(tr)
        column = 0
        while column < columns:
            slot = slots.get(column)
            if slot is None:  # a row with fewer cells than the grid: an empty cell keeps the grid whole
                slot = _Slot(GridCell(lambda cell: None), True)
            span = slot.cell.colspan
            tc = _cell(slot, sum(widths[column : column + span]), text_style)
            tr.append(tc)
            if slot.origin:
                slot.cell.fill(_Cell(tc, table))
            column += span
        if row.keep_with_next:
            for paragraph in tr.iter(qn("w:p")):
                paragraph.get_or_add_pPr().keepNext_val = True
    return table
