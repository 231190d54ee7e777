"""The one way a value is written into an exported spreadsheet cell (tables workbook, score sheet, archive).

Text is cleaned of control characters (openpyxl refuses \x00–\x1f, so one stored character would make the
download answer 500) and text beginning with "=" is stored as text with Excel's quote prefix, never as a live
formula: a cell typed "=HYPERLINK(…)" or "=1+1" opens as the characters typed. Text beginning with + - @ is
already stored as text in .xlsx; CSV files prefix such cells (rubrics.text.csv_cell).
"""

from __future__ import annotations

from rubrics.text import clean_text


def put(sheet, row: int, column: int, value: object):
    """Write ``value`` into the cell at (row, column) and return the cell."""
    if isinstance(value, str):
        value = clean_text(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
