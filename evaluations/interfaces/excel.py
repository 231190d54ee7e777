"""The Excel round trip of the data-collection tables: pure functions over TableSpecs and openpyxl.

`build_workbook` writes one sheet per table (title, unit note, Chinese headers with units, the stored
rows or an example row, number formats, drop-down lists, frozen header); a table of one row (a form of
key figures) is written vertically, one item per line. `read_workbook` reads such a file back and
checks everything (the file itself, sheets, columns and every cell with the same `Column.parse` the
browser form uses); it raises WorkbookError listing ALL problems, so an upload is refused whole.

No database access here: the web layer saves what `read_workbook` returns.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from evaluations.datatables import TABLES
from evaluations.datatables.rows import MAX_ROWS
from evaluations.datatables.spec import DATE, INTEGER, MONEY, NUMBER, NUMERIC_KINDS, PERCENT, TEXT, Column, TableSpec
from evaluations.interfaces.spreadsheet import put

FORMAT = "perf-eval-tables/1"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A full workbook of every table at MAX_ROWS inflates to a few MB; a file inflating beyond this is a zip bomb
# or not a table workbook, refused before openpyxl parses anything.
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024
# Columns read beyond a table's own: the example mark and a few stray cells to name in messages. openpyxl's
# read-only mode pads every row to the sheet's declared dimension (A1:XFD5000 is 82 million cells), so only
# the template's columns are read: at most (MAX_ROWS + 20) × (columns + EXTRA_COLUMNS) cells per sheet.
EXTRA_COLUMNS = 10
MAX_DATA_ROWS = MAX_ROWS
EXAMPLE_MARK = "示例，上传前请删除"
META_SHEET = "系统信息（请勿修改）"
GUIDE_SHEET = "填表说明"
HEADER_ROW = 3  # row 1 title, row 2 notes, row 3 headers; the reader also finds a moved header row
SINGLE_HEADERS = ("项目", "数值", "填写示例与说明")
TOTAL_LABELS = {"合计", "总计", "小计", "总合计"}  # a summary row typed into the sheet, not data
KIND_LABELS = {"project": "项目支出绩效评价", "department": "部门整体绩效评价"}

_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_SPACES = re.compile(r"\s+")

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
NOTE_FONT = Font(color="666666", size=9)
EXAMPLE_FONT = Font(italic=True, color="808080")
MARK_FONT = Font(bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

NUMBER_FORMATS = {
    "元": "#,##0.00",
    "万元": "#,##0.00####",  # 2 decimals at least, up to the yuan-and-cent precision 万元 is kept in
}


class WorkbookError(ValueError):
    """The upload cannot be used; `problems` lists every reason, one Chinese sentence each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass(frozen=True)
class WorkbookMeta:
    """What a downloaded workbook remembers: where it came from and the table versions it holds."""

    kind: str = ""
    evaluation_id: int | None = None
    evaluation_title: str = ""
    versions: dict[str, int] = field(default_factory=dict)


class WorkbookContent(dict):
    """read_workbook's result: {table key: [raw rows]} plus the workbook's meta (empty if none)."""

    meta: WorkbookMeta

    def __init__(self, rows: dict[str, list[dict]], meta: WorkbookMeta):
        super().__init__(rows)
        self.meta = meta


# --- names ---------------------------------------------------------------------------------------------


def _base_sheet_name(spec: TableSpec) -> str:
    name = spec.title if spec.code == spec.title else f"{spec.code} {spec.title}"
    return _INVALID_SHEET_CHARS.sub("", name).strip()[:31]


def _all_sheet_names() -> dict[str, str]:
    """Sheet name per table key, unique over every table (Excel compares names case-insensitively)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key, spec in TABLES.items():
        name, number = _base_sheet_name(spec), 2
        while name.lower() in taken:
            suffix = f"（{number}）"
            name, number = _base_sheet_name(spec)[: 31 - len(suffix)] + suffix, number + 1
        taken.add(name.lower())
        names[key] = name
    return names


SHEET_NAMES = _all_sheet_names()


def sheet_name(spec: TableSpec) -> str:
    return SHEET_NAMES[spec.key]


def _normal(text: object) -> str:
    """Header text compared loosely: no spaces or line breaks, half-width brackets as full-width."""
    return _SPACES.sub("", str(text or "")).replace("(", "（").replace(")", "）")


# --- writing -------------------------------------------------------------------------------------------


def _width(value: object) -> int:
    text = str(value) if value is not None else ""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _number_format(column: Column) -> str | None:
    if column.kind == MONEY:
        return NUMBER_FORMATS.get(column.unit, "#,##0.00")
    if column.kind == INTEGER:
        return "0"
    if column.kind == DATE:
        return "yyyy-mm-dd"
    if column.kind in (NUMBER, PERCENT):
        return "0.00##"
    return None


def _cell_value(column: Column, value: object) -> object:
    """A parsed value as written into a cell (Decimal, int and date stay typed; Excel stores numbers)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)  # Excel keeps numbers as doubles (15 significant digits: ample for money)
    return value


def _example_value(column: Column) -> object:
    if not column.example:
        return None
    try:
        return _cell_value(column, column.parse(column.example))
    except ValueError:
        return column.example


def _header_comment(column: Column) -> Comment | None:
    parts = []
    if column.required:
        parts.append("必填。")
    if column.choices:
        parts.append(f"从下拉列表选择：{'、'.join(column.choices)}。")
    if column.kind == DATE:
        parts.append("日期，如 2023-01-20。")
    elif column.kind in NUMERIC_KINDS:
        parts.append(f"填写数字{f'，单位{column.unit}' if column.unit else ''}。")
    if column.help:
        parts.append(column.help)
    if not parts:
        return None
    comment = Comment("".join(parts), "填表说明")
    comment.width, comment.height = 240, 90
    return comment


def _choice_validation(column: Column) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(column.choices) + '"',
        allow_blank=not column.required,
        showErrorMessage=True,
        errorTitle="输入值无效",
        error=f"请从下拉列表中选择：{'、'.join(column.choices)}",
        promptTitle=column.label,
        prompt=f"可选：{'、'.join(column.choices)}",
    )
    validation.showInputMessage = True
    return validation


def _write_title(sheet, spec: TableSpec, last_column: int) -> None:
    put(sheet, 1, 1, f"{spec.code} {spec.title}" if spec.code != spec.title else spec.title)
    sheet.cell(row=1, column=1).font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_column)
    sheet.row_dimensions[1].height = 24
    numeric = any(column.kind in NUMERIC_KINDS for column in spec.columns)
    note = "红色标题为必填项" + ("；数值请直接填写数字，不要带单位" if numeric else "") + "。"
    put(sheet, 2, 1, note).font = NOTE_FONT
    if spec.unit_note:
        unit = put(sheet, 2, last_column, spec.unit_note)
        unit.alignment = Alignment(horizontal="right")


def _write_header(sheet, row: int, column_number: int, text: str, column: Column | None = None) -> None:
    cell = put(sheet, row, column_number, text)
    cell.font = REQUIRED_FONT if column is not None and column.required else HEADER_FONT
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if column is not None:
        cell.comment = _header_comment(column)


def _write_list_sheet(sheet, spec: TableSpec, rows: list[dict], example: bool) -> None:
    columns = spec.columns
    _write_title(sheet, spec, len(columns))
    widths = [max(_width(column.header), _width(column.example), 8) for column in columns]
    for index, column in enumerate(columns, 1):
        _write_header(sheet, HEADER_ROW, index, column.header, column)
    sheet.row_dimensions[HEADER_ROW].height = 30
    data = [{column.key: _cell_value(column, values.get(column.key)) for column in columns} for values in rows]
    if not rows and example:
        data = [{column.key: _example_value(column) for column in columns}]
    for offset, values in enumerate(data, 1):
        row_number = HEADER_ROW + offset
        for index, column in enumerate(columns, 1):
            value = values[column.key]
            cell = put(sheet, row_number, index, value)
            cell.border = BORDER
            number_format = _number_format(column)
            if number_format:
                cell.number_format = number_format
            if column.kind == TEXT and _width(value) > 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            widths[index - 1] = max(widths[index - 1], min(_width(cell.value), 50))
            if not rows:
                cell.font = EXAMPLE_FONT
        if not rows:
            mark = put(sheet, row_number, len(columns) + 1, EXAMPLE_MARK)
            mark.font = MARK_FONT
            sheet.column_dimensions[get_column_letter(len(columns) + 1)].width = _width(EXAMPLE_MARK) + 2
    last_row = HEADER_ROW + max(len(data), 1) + 500
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(widths[index - 1], 50) + 2
        if column.choices:
            validation = _choice_validation(column)
            validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _write_single_sheet(sheet, spec: TableSpec, rows: list[dict]) -> None:
    """A table of one row as a vertical form: 项目 | 数值 | 填写示例与说明."""
    _write_title(sheet, spec, len(SINGLE_HEADERS))
    for index, text in enumerate(SINGLE_HEADERS, 1):
        _write_header(sheet, HEADER_ROW, index, text)
    values = rows[0] if rows else {}
    widths = [_width(SINGLE_HEADERS[0]), 16, _width(SINGLE_HEADERS[2])]
    for offset, column in enumerate(spec.columns, 1):
        row_number = HEADER_ROW + offset
        label = put(sheet, row_number, 1, column.header)
        label.font = REQUIRED_FONT if column.required else Font()
        label.border = BORDER
        value = put(sheet, row_number, 2, _cell_value(column, values.get(column.key)))
        value.border = BORDER
        number_format = _number_format(column)
        if number_format:
            value.number_format = number_format
        if column.choices:
            validation = _choice_validation(column)
            validation.add(value.coordinate)
            sheet.add_data_validation(validation)
        hint = "；".join(part for part in (f"示例：{column.example}" if column.example else "", column.help) if part)
        if column.required:
            hint = "必填" + (f"；{hint}" if hint else "")
        note = put(sheet, row_number, 3, hint or None)
        note.font = NOTE_FONT
        note.border = BORDER
        for index, text in enumerate((column.header, value.value, hint)):
            widths[index] = max(widths[index], _width(text))
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 60) + 2
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)


def _write_guide(sheet, specs: Sequence[TableSpec], meta: WorkbookMeta | None) -> None:
    lines = [
        ("基础数据采集表", TITLE_FONT),
        (f"评价：{meta.evaluation_title}" if meta and meta.evaluation_title else "", None),
        (f"评价类型：{KIND_LABELS.get(meta.kind, meta.kind)}" if meta and meta.kind else "", None),
        ("", None),
        ("填写要求", HEADER_FONT),
        ("1. 每张表一个工作表，请勿修改工作表名称、表头（第 3 行）和列的名称；可以增加或删除数据行。", None),
        ("2. 红色列标题为必填项；金额、人数等请填写数字，不要带单位；日期写作 2023-01-20。", None),
        (f"3. 标有“{EXAMPLE_MARK}”的行是填写示例，上传时会被忽略；请删除后再填写您的数据。", None),
        ("4. 上传时整份文件一起校验：只要有一个单元格有误，整个文件都不会导入，并逐条列出工作表、行、列和原因。", None),
        ("5. 上传会以文件内容替换系统中对应表格的全部数据行。", None),
        ("", None),
        ("本文件包含的表格", HEADER_FONT),
    ]
    lines += [(f"· {sheet_name(spec)}{'：' + spec.description if spec.description else ''}", None) for spec in specs]
    for number, (text, font) in enumerate(lines, 1):
        cell = put(sheet, number, 1, text or None)
        if font is not None:
            cell.font = font
    sheet.column_dimensions["A"].width = 120


def _write_meta(sheet, meta: WorkbookMeta) -> None:
    sheet.append(["format", FORMAT])
    sheet.append(["kind", meta.kind])
    sheet.append(["evaluation", meta.evaluation_id])
    for key, version in sorted(meta.versions.items()):
        sheet.append([f"version:{key}", version])
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


def build_workbook(
    specs: Iterable[TableSpec],
    rows_by_key: dict[str, list[dict]],
    example: bool = False,
    *,
    meta: WorkbookMeta | None = None,
) -> bytes:
    """The .xlsx bytes of these tables, one sheet each, holding rows_by_key (parsed values).

    With example=True a table without rows gets one example row marked EXAMPLE_MARK (ignored on upload).
    """
    specs = list(specs)
    workbook = Workbook()
    _write_guide(workbook.active, specs, meta)
    workbook.active.title = GUIDE_SHEET
    for spec in specs:
        sheet = workbook.create_sheet(sheet_name(spec))
        rows = rows_by_key.get(spec.key) or []
        if spec.single_row:
            _write_single_sheet(sheet, spec, rows)
        else:
            _write_list_sheet(sheet, spec, rows, example)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if len(specs) == 1:
        workbook.active = 1  # a single table opens on its own sheet
    for sheet in workbook.worksheets:  # else Excel opens with two tabs selected (grouped editing)
        sheet.sheet_view.tabSelected = sheet is workbook.active
    if meta is not None:
        _write_meta(workbook.create_sheet(META_SHEET), meta)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------------------


def _check_file(data: bytes) -> list[str]:
    """Why these bytes are not an .xlsx we may open, or []."""
    if not data:
        return ["上传的文件是空的（0 字节）。"]
    if len(data) > MAX_UPLOAD_BYTES:
        return [f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB 的上限。"]
    if data.startswith(b"%PDF"):
        return ["上传的是 PDF 文件，不是 Excel 工作簿；请上传从本系统下载并填写的 .xlsx 文件。"]
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return ["上传的是旧版 Excel（.xls）或加密的工作簿；请在 Excel 中“另存为” .xlsx 格式（不设密码）后再上传。"]
    if not data.startswith(b"PK\x03\x04"):
        return ["上传的文件不是 Excel 工作簿（.xlsx）；可能是改了扩展名的其他文件。"]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return ["上传的文件已损坏，无法作为 Excel 工作簿（.xlsx）打开。"]
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return ["上传的是 Word 文档，不是 Excel 工作簿（.xlsx）。"]
        return ["上传的文件不是 Excel 工作簿（.xlsx）。"]
    if size > MAX_UNZIPPED_BYTES:
        return ["工作簿解压后过大，不像是基础数据表；请只保留本系统下载的工作表后再上传。"]
    return []


def _read_meta(workbook) -> WorkbookMeta:
    if META_SHEET not in workbook.sheetnames:
        return WorkbookMeta()
    values: dict[str, object] = {}
    for row in workbook[META_SHEET].iter_rows(min_row=1, max_row=200, max_col=2, values_only=True):
        if row and isinstance(row[0], str):
            values[row[0]] = row[1] if len(row) > 1 else None
    if values.get("format") != FORMAT:
        return WorkbookMeta()
    versions = {}
    for name, value in values.items():
        if name.startswith("version:") and isinstance(value, int):
            versions[name.removeprefix("version:")] = value
    evaluation = values.get("evaluation")
    return WorkbookMeta(
        kind=str(values.get("kind") or ""),
        evaluation_id=evaluation if isinstance(evaluation, int) else None,
        versions=versions,
    )


def _text(value: object) -> str:
    """A cell shown as text: 15.0 → 15, a date → 2023-01-20."""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return format(Decimal(format(value, ".15g")), "f")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def _raw(column: Column, value: object, number_format: str = "General") -> object:
    """A cell's value as Column.parse expects it (typed where Excel typed it, else text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column.kind == TEXT:
        return _text(value)
    if column.kind == DATE:
        if isinstance(value, int | float) and not isinstance(value, bool) and 20000 <= value <= 80000:
            return from_excel(value).date()  # a date serial in a cell not formatted as a date
        if isinstance(value, dt.datetime | dt.date):
            return value
        return _text(value)
    if isinstance(value, float):
        number = Decimal(format(value, ".15g"))  # Excel keeps 15 significant digits
        if column.kind == PERCENT and "%" in (number_format or ""):
            number *= 100
        return number
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return _text(value)
    return value if isinstance(value, str) else _text(value)


def _rows(sheet, width: int) -> list[list]:
    """The sheet's cells (value, number format) up to MAX_DATA_ROWS + a header and ``width`` columns, trailing
    blanks dropped."""
    rows: list[list] = []
    for row in sheet.iter_rows(max_row=MAX_DATA_ROWS + 20, max_col=width):
        rows.append([(cell.value, getattr(cell, "number_format", "General")) for cell in row])
    while rows and all(value is None or (isinstance(value, str) and not value.strip()) for value, _ in rows[-1]):
        rows.pop()
    return rows


def _find_header(rows: list[list], expected: set[str]) -> int | None:
    """Index of the header row: the first of the first 10 rows with at least two known headers."""
    for index, row in enumerate(rows[:10]):
        if sum(1 for value, _ in row if _normal(value) in expected) >= min(2, len(expected)):
            return index
    return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_UNIT_SUFFIX = re.compile(r"^(.*)（([^（）]*)）$")


@dataclass(frozen=True)
class _Labels:
    """How a sheet's labels are named in messages: column headers of a list, item names of a vertical form."""

    sheet: str
    noun: str  # 列 / 项目
    place: Callable[[int], str]  # position → "D列" / "第5行 A列"
    duplicate: Callable[[int, int], str]  # first, second position → "（A列和D列）"
    label_word: str = ""  # "标题": "D列标题「…」应为「…」"


def _match_labels(spec: TableSpec, labels: list[tuple[int, object]], how: _Labels) -> tuple[dict, list[str]]:
    """Match header texts (or item names) to columns: (position → Column, problems).

    A header in another unit, a renamed header in place of a missing one (when nothing was added or
    removed), a duplicate, an unknown and a missing header each get their own message.
    """
    by_header = {_normal(column.header): column for column in spec.columns}
    by_label = {_normal(column.label): column for column in spec.columns}
    mapping: dict[int, Column] = {}
    unknown: dict[int, str] = {}
    seen: dict[str, int] = {}
    problems: list[str] = []
    head = f"工作表「{how.sheet}」"
    for position, value in labels:
        text, shown = _normal(value), str(value).strip()
        column = by_header.get(text)
        if column is None:
            suffix = _UNIT_SUFFIX.match(text)
            wrong = by_label.get(text) or (by_label.get(suffix.group(1)) if suffix else None)
            if wrong is not None and wrong.key not in seen:
                reason = f"单位应为{wrong.unit}" if wrong.unit else "不带单位"
                problems.append(
                    f"{head}{how.place(position)}{how.label_word}「{shown}」应为「{wrong.header}」（{reason}）。"
                )
                seen[wrong.key] = position
            else:
                unknown[position] = shown
            continue
        if column.key in seen:
            where = how.duplicate(seen[column.key], position)
            problems.append(f"{head}{how.noun}「{column.header}」出现了两次{where}。")
            continue
        seen[column.key] = position
        mapping[position] = column
    missing = [column for column in spec.columns if column.key not in seen]
    if len(labels) == len(spec.columns):  # nothing added or removed: an unknown name took a missing one's place
        for index, (position, _) in enumerate(labels):
            if position in unknown and spec.columns[index] in missing:
                name = "列名" if how.noun == "列" else "项目名称"
                expected = spec.columns[index].header
                shown = unknown.pop(position)
                where = f"{head}{how.place(position)}{how.label_word}"
                problems.append(f"{where}「{shown}」应为「{expected}」（请勿修改{name}）。")
                missing.remove(spec.columns[index])
    for position, text in unknown.items():
        fix = "，请删除该列" if how.noun == "列" else ""
        problems.append(f"{head}{how.place(position)}「{text}」不是本表的{how.noun}{fix}。")
    for column in missing:
        problems.append(f"{head}缺少{how.noun}「{column.header}」{'' if how.noun == '列' else '所在的行'}。")
    return mapping, problems


def _letter(position: int) -> str:
    return get_column_letter(position + 1)


def _read_list_sheet(name: str, spec: TableSpec, rows: list[list]) -> tuple[list[dict], list[str]]:
    expected = {_normal(column.header) for column in spec.columns} | {_normal(column.label) for column in spec.columns}
    header_index = _find_header(rows, expected)
    if header_index is None:
        headers = "、".join(column.header for column in spec.columns)
        return [], [f"工作表「{name}」找不到表头行（第 {HEADER_ROW} 行应依次为：{headers}）。"]
    header_row = header_index + 1
    how = _Labels(
        name,
        "列",
        lambda position: f"{_letter(position)}列",
        lambda first, second: f"（{_letter(first)}列和{_letter(second)}列）",
        "标题",
    )
    labels = [(position, value) for position, (value, _) in enumerate(rows[header_index]) if not _blank(value)]
    mapping, problems = _match_labels(spec, labels, how)
    if problems:
        return [], problems
    data_rows = rows[header_index + 1 :]
    if len(data_rows) > MAX_DATA_ROWS:
        return [], [f"工作表「{name}」超过 {MAX_DATA_ROWS} 行，请拆分后分别上传。"]
    parsed_rows: list[dict] = []
    for offset, row in enumerate(data_rows, 1):
        number = header_row + offset
        extras = [(position, value) for position, (value, _) in enumerate(row) if position not in mapping]
        if any(_normal(value) == _normal(EXAMPLE_MARK) for _, value in extras if not _blank(value)):
            continue  # the example row of a downloaded template
        raw = {}
        for position, column in mapping.items():
            value, number_format = row[position] if position < len(row) else (None, "General")
            raw[column.key] = _raw(column, value, number_format)
        stray = [(position, value) for position, value in extras if not _blank(value)]
        if all(value is None for value in raw.values()) and not stray:
            continue
        for position, value in stray:
            letter = get_column_letter(position + 1)
            problems.append(
                f"工作表「{name}」第{number}行 {letter}列：「{_text(value)}」所在的列没有列标题，"
                "内容无法导入（请移到对应的列或删除）。"
            )
        texts = [_normal(value) for value in raw.values() if isinstance(value, str) and value.strip()]
        if texts and texts[0] in TOTAL_LABELS:
            problems.append(f"工作表「{name}」第{number}行是「{texts[0]}」行：合计由系统自动计算，请删除此行。")
            continue
        _, errors = spec.parse_row(raw)
        for key, message in errors.items():
            position = next(position for position, column in mapping.items() if column.key == key)
            column = spec.column(key)
            problems.append(
                f"工作表「{name}」第{number}行 {get_column_letter(position + 1)}列 {column.header}：{message}"
            )
        parsed_rows.append(raw)
    return parsed_rows, problems


def _read_single_sheet(name: str, spec: TableSpec, rows: list[list]) -> tuple[list[dict], list[str]]:
    header_index = _find_header(rows, {_normal(text) for text in SINGLE_HEADERS[:2]})
    if header_index is None:
        return [], [f"工作表「{name}」找不到表头行（第 {HEADER_ROW} 行应为：{'、'.join(SINGLE_HEADERS)}）。"]
    problems: list[str] = []
    labels: list[tuple[int, object]] = []
    cells: dict[int, tuple[object, str]] = {}
    for number, row in enumerate(rows[header_index + 1 :], header_index + 2):
        label = row[0][0] if row else None
        value, number_format = row[1] if len(row) > 1 else (None, "General")
        if _blank(label):
            if not _blank(value):
                problems.append(f"工作表「{name}」第{number}行：B列有数值「{_text(value)}」，但 A 列没有项目名称。")
            continue
        labels.append((number, label))
        cells[number] = (value, number_format)
    how = _Labels(
        name,
        "项目",
        lambda number: f"第{number}行 A列",
        lambda first, second: f"（第{first}行和第{second}行）",
    )
    mapping, label_problems = _match_labels(spec, labels, how)
    problems += label_problems
    found = {column.key: number for number, column in mapping.items()}
    raw = {column.key: _raw(column, *cells[number]) for number, column in mapping.items()}
    if problems:
        return [], problems
    if all(value is None for value in raw.values()):
        return [], []
    _, errors = spec.parse_row(raw)
    for key, message in errors.items():
        column = spec.column(key)
        problems.append(f"工作表「{name}」第{found[key]}行 B列 {column.header}：{message}")
    return [raw], problems


def _expected_kind(specs: Sequence[TableSpec]) -> str:
    kinds = frozenset.intersection(*(spec.kinds for spec in specs)) if specs else frozenset()
    return next(iter(kinds)) if len(kinds) == 1 else ""


def read_workbook(data: bytes, specs: Iterable[TableSpec]) -> WorkbookContent:
    """Read and check an uploaded workbook: {table key: [raw rows]} for every spec, or WorkbookError.

    Every problem is collected (file, sheets, columns, each bad cell with sheet, row, column and why)
    before raising, so the user fixes the file in one go. Blank rows and example rows are skipped.
    """
    specs = list(specs)
    problems = _check_file(data)
    if problems:
        raise WorkbookError(problems)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error for a broken file; the user only needs to know that
        raise WorkbookError(["无法读取该文件：它不是有效的 Excel 工作簿（.xlsx），或已损坏。"]) from None
    try:
        return _read_loaded(workbook, specs)
    finally:
        workbook.close()


def _read_loaded(workbook, specs: list[TableSpec]) -> WorkbookContent:
    meta = _read_meta(workbook)
    kind = _expected_kind(specs)
    sheets = [name for name in workbook.sheetnames if name not in (META_SHEET, GUIDE_SHEET)]
    found_own = [spec for spec in specs if sheet_name(spec) in workbook.sheetnames]
    other = [spec for spec in TABLES.values() if kind and kind not in spec.kinds and sheet_name(spec) in sheets]
    other_kind = meta.kind if meta.kind and kind and meta.kind != kind else ""
    if not other_kind and other and not found_own:
        other_kind = next(iter(other[0].kinds))
    if other_kind:
        raise WorkbookError(
            [
                f"此文件是「{KIND_LABELS.get(other_kind, other_kind)}」的基础数据表，"
                f"本评价是「{KIND_LABELS.get(kind, kind)}」，不能导入；请从本评价的“基础数据”页下载模板后填写。"
            ]
        )
    problems: list[str] = []
    result: dict[str, list[dict]] = {}
    for spec in specs:
        name = sheet_name(spec)
        if name not in workbook.sheetnames:
            present = "、".join(f"「{sheet}」" for sheet in sheets) or "（无）"
            problems.append(f"找不到工作表「{name}」（请勿修改工作表名称）；文件中的工作表：{present}。")
            continue
        width = len(SINGLE_HEADERS) if spec.single_row else len(spec.columns)
        rows = _rows(workbook[name], width + EXTRA_COLUMNS)
        reader = _read_single_sheet if spec.single_row else _read_list_sheet
        parsed, sheet_problems = reader(name, spec, rows)
        problems += sheet_problems
        result[spec.key] = parsed
    if problems:
        raise WorkbookError(problems)
    return WorkbookContent(result, meta)
