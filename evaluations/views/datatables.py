"""The data-collection tables in the browser and the Excel round trip (thin views and their helpers).

GET shows, POST acts through evaluations.domain.datatables.save_table. Reading needs access.get_evaluation_for_user
(another organisation's evaluation → 404); writing needs access.can_edit_tables (→ 403). Unit users
never see scores here (access.can_view_scores).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.datatables.figures import Figure, compute_figures
from evaluations.datatables.rows import MAX_ROWS, TableInputError
from evaluations.datatables.spec import DATE, MONEY, NUMERIC_KINDS, Column, TableSpec, cell_text
from evaluations.domain.datatables import (
    StaleTableError,
    UnversionedUploadError,
    evaluation_tables,
    save_table,
    save_uploaded_tables,
)
from evaluations.interfaces import excel
from evaluations.models import DataTable, Evaluation
from evaluations.queries import access
from evaluations.queries.consistency import table_problems
from evaluations.views.helpers import xlsx_response
from rubrics.numbers import fixed, percent, percent_of, written
from rubrics.text import JsonShapeError, load_json

FIELD_PREFIX = "c-"  # form field of a column: c-<column key>, one value per row, in row order
PACKED_FIELD = "rows"  # the same rows as JSON, sent by tables.js instead of the c-<key> fields


# --- presenting values ---------------------------------------------------------------------------------


def input_text(column: Column, value: object) -> str:
    """A stored value as typed into the form."""
    if value is None:
        return ""
    if column.kind == DATE:
        return value.isoformat()
    if column.kind in NUMERIC_KINDS:
        return written(value, min_places=2 if column.kind == MONEY else 0)
    return str(value)


def display_text(column: Column, value: object) -> str:
    """A stored value as shown when reading (the change log shows cells the same way)."""
    return cell_text(column, value)


def share_text(part: Decimal | None, whole: Decimal | None) -> str:
    return percent(percent_of(part, whole), none="")


def column_total(rows: list[dict], key: str) -> Decimal | None:
    values = [row[key] for row in rows if row.get(key) is not None]
    return sum((Decimal(value) for value in values), Decimal(0)) if values else None


def cell_css(column: Column) -> str:
    return "num" if column.kind in NUMERIC_KINDS else ("date" if column.kind == DATE else "text")


def table_name(spec: TableSpec) -> str:
    return spec.title if spec.code == spec.title else f"{spec.code} {spec.title}"


# --- the read view of a table --------------------------------------------------------------------------


@dataclass
class ReadCell:
    text: str
    css: str
    rowspan: int = 1
    colspan: int = 1
    key: str = ""  # the column a 合计 cell sums ("share" for the 占比 column), for the live totals


@dataclass
class ReadRow:
    number: int
    cells: list[ReadCell]
    share: str = ""


def _group_spans(spec: TableSpec, rows: list[dict]) -> dict[tuple[int, str], tuple[int, int] | None]:
    """Merged group cells: (row index, column key) → (rowspan, colspan), or None where covered.

    Equal leading group values in consecutive rows merge downwards (as the seeds print 表1-1);
    a group whose next group column is empty all along spans that column too.
    """
    groups = list(spec.group_columns)
    spans: dict[tuple[int, str], tuple[int, int] | None] = {}
    for level, key in enumerate(groups):
        index = 0
        while index < len(rows):
            if spans.get((index, key), ()) is None:
                index += 1
                continue
            prefix = [rows[index].get(k) for k in groups[: level + 1]]
            end = index + 1
            while end < len(rows) and [rows[end].get(k) for k in groups[: level + 1]] == prefix:
                end += 1
            colspan = 1
            while level + colspan < len(groups) and all(
                rows[r].get(groups[level + colspan]) in (None, "") for r in range(index, end)
            ):
                for r in range(index, end):
                    spans[(r, groups[level + colspan])] = None
                colspan += 1
            spans[(index, key)] = (end - index, colspan)
            for r in range(index + 1, end):
                spans[(r, key)] = None
            index = end
    return spans


def read_rows(spec: TableSpec, rows: list[dict]) -> list[ReadRow]:
    spans = _group_spans(spec, rows)
    whole = column_total(rows, spec.share_of) if spec.share_of else None
    result = []
    for index, values in enumerate(rows):
        cells = []
        for column in spec.columns:
            span = spans.get((index, column.key), (1, 1))
            if span is None:
                continue
            css = cell_css(column) + (" group" if column.key in spec.group_columns else "")
            cells.append(ReadCell(display_text(column, values.get(column.key)), css, *span))
        share = share_text(values.get(spec.share_of), whole) if spec.share_of else ""
        result.append(ReadRow(index + 1, cells, share))
    return result


def totals_row(spec: TableSpec, rows: list[dict]) -> list[ReadCell] | None:
    """The 合计 row: a label over the leading columns, then each total column's sum (None if no totals)."""
    if not spec.total_columns:
        return None
    first = next(index for index, column in enumerate(spec.columns) if column.total)
    cells = [ReadCell("合计", "total-label", colspan=first + 1)]  # + the 序号 column
    for column in spec.columns[first:]:
        total = column_total(rows, column.key) if column.total else None
        text = display_text(column, total) if total is not None else ""
        cells.append(ReadCell(text, cell_css(column), key=column.key if column.total else ""))
    if spec.share_of:
        cells.append(ReadCell("100.00%" if column_total(rows, spec.share_of) else "", "num", key="share"))
    return cells


# --- the edit form -------------------------------------------------------------------------------------


@dataclass
class EditCell:
    column: Column
    value: str
    error: str = ""
    hint: bool = False  # show the column's example as a placeholder (new, empty rows only)

    @property
    def placeholder(self) -> str:
        return f"如 {self.column.example}" if self.hint and self.column.example else ""

    @property
    def name(self) -> str:
        return FIELD_PREFIX + self.column.key

    @property
    def css(self) -> str:
        return cell_css(self.column)


@dataclass
class EditState:
    rows: list[list[EditCell]]
    problems: list[str] = field(default_factory=list)
    stale: StaleTableError | None = None


class FormDataError(ValueError):
    """The posted rows cannot be read (a tampered or truncated form)."""


def rows_from_post(spec: TableSpec, data) -> list[dict]:
    """The form's rows (raw strings) in order.

    tables.js packs them as JSON in one field `rows` ([{column key: text}], so a long table is not cut
    by Django's limit on the number of fields); without JavaScript every column's field c-<key>
    appears once per row.
    """
    packed = data.get(PACKED_FIELD)
    if packed:
        try:
            items = load_json(packed)
        except (ValueError, JsonShapeError):
            raise FormDataError("表格数据无法读取，请刷新页面后重新填写。") from None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise FormDataError("表格数据无法读取，请刷新页面后重新填写。")
        return [
            {column.key: "" if item.get(column.key) is None else str(item[column.key]) for column in spec.columns}
            for item in items
        ]
    values = {column.key: data.getlist(FIELD_PREFIX + column.key) for column in spec.columns}
    count = max((len(items) for items in values.values()), default=0)
    return [
        {key: items[index] if index < len(items) else "" for key, items in values.items()} for index in range(count)
    ]


def edit_rows_from_values(spec: TableSpec, rows: list[dict]) -> list[list[EditCell]]:
    return [
        [EditCell(column, input_text(column, values.get(column.key))) for column in spec.columns] for values in rows
    ]


def edit_rows_from_post(
    spec: TableSpec, raw_rows: list[dict], errors: dict[tuple[int, str], str]
) -> list[list[EditCell]]:
    return [
        [
            EditCell(column, str(raw.get(column.key) or ""), errors.get((number, column.key), ""))
            for column in spec.columns
        ]
        for number, raw in enumerate(raw_rows, 1)
    ]


def cell_errors(spec: TableSpec, error: TableInputError) -> dict[tuple[int, str], str]:
    by_header = {column.header: column.key for column in spec.columns}
    return {
        (problem.row, by_header[problem.column]): problem.message
        for problem in error.problems
        if problem.column in by_header
    }


# --- figures -------------------------------------------------------------------------------------------


def _probe_rows(spec: TableSpec) -> list[dict]:
    values, _ = spec.parse_row({column.key: column.example for column in spec.columns if column.example})
    return [values]


def table_figures(kind: str, tables: dict[str, list[dict]], key: str) -> list[Figure]:
    """The derived figures that depend on this table: those it is the source of, and those that change
    when its rows are emptied or replaced by the example row."""
    figures = compute_figures(kind, tables)
    spec = spec_for(key)
    probes = [compute_figures(kind, {**tables, key: rows}) for rows in ([], _probe_rows(spec))]
    return [
        figure
        for figure_key, figure in figures.items()
        if figure.table == key or any(probe.get(figure_key) != figure for probe in probes)
    ]


def figure_dicts(figures: list[Figure]) -> list[dict]:
    return [{"key": f.key, "label": f.label, "display": f.display, "formula": f.formula} for f in figures]


def bound_indicators(evaluation: Evaluation) -> dict[str, list]:
    """Indicators whose inputs follow a figure, by figure key (one query)."""
    result: dict[str, list] = defaultdict(list)
    for indicator in evaluation.indicators.exclude(bindings={}).order_by("order", "pk"):
        for figure_key in (indicator.bindings or {}).values():
            result[figure_key].append(indicator)
    return result


# --- access --------------------------------------------------------------------------------------------


def _spec_or_404(evaluation: Evaluation, key: str) -> TableSpec:
    try:
        spec = spec_for(key)
    except KeyError:
        raise Http404("没有这张表。") from None
    if evaluation.kind not in spec.kinds:
        raise Http404("本评价没有这张表。")
    return spec


def _evaluation(request, pk: int) -> Evaluation:
    return access.get_evaluation_for_user(request.user, pk)


def _table_record(evaluation: Evaluation, key: str) -> DataTable | None:
    return DataTable.objects.filter(evaluation=evaluation, key=key).select_related("updated_by").first()


# --- pages ---------------------------------------------------------------------------------------------


def _common(request, evaluation: Evaluation) -> dict:
    return {
        "evaluation": evaluation,
        "show_scores": access.can_view_scores(request.user, evaluation),
        "can_edit": access.can_edit_tables(request.user, evaluation),
        "max_upload_mb": excel.MAX_UPLOAD_BYTES // 1024 // 1024,
        "max_rows": MAX_ROWS,
    }


@login_required
def table_list(request, pk: int):
    evaluation = _evaluation(request, pk)
    return _render_list(request, evaluation)


def _render_list(request, evaluation: Evaluation, upload_problems: list[str] | None = None):
    specs = tables_for_kind(evaluation.kind)
    records = {
        record.key: record for record in DataTable.objects.filter(evaluation=evaluation).select_related("updated_by")
    }
    tables = evaluation_tables(evaluation)
    problems_by_table: dict[str, int] = defaultdict(int)
    for problem in _table_problems(request, evaluation, tables):
        problems_by_table[problem.anchor.removeprefix("table-")] += 1
    entries = [
        {
            "spec": spec,
            "record": records.get(spec.key),
            "row_count": len(tables.get(spec.key) or []),
            "problems": problems_by_table.get(spec.key, 0),
        }
        for spec in specs
    ]
    context = _common(request, evaluation) | {"entries": entries, "upload_problems": upload_problems or []}
    return render(request, "evaluations/tables/list.html", context)


def _table_problems(request, evaluation: Evaluation, tables) -> list:
    if not access.can_view_table_checks(request.user, evaluation):
        return []
    return table_problems(evaluation, tables)


@login_required
def table_detail(request, pk: int, key: str):
    evaluation = _evaluation(request, pk)
    spec = _spec_or_404(evaluation, key)
    if request.method == "POST":
        if not access.can_edit_tables(request.user, evaluation):
            raise PermissionDenied("您不能修改这张表。")
        return _save(request, evaluation, spec)
    edit = request.GET.get("edit") == "1"
    return _render_table(request, evaluation, spec, edit=edit)


def _save(request, evaluation: Evaluation, spec: TableSpec):
    try:
        raw_rows = rows_from_post(spec, request.POST)
    except FormDataError as error:
        state = EditState(edit_rows_from_values(spec, []), [str(error)])
        return _render_table(request, evaluation, spec, edit=True, state=state)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        state = EditState(edit_rows_from_post(spec, raw_rows, {}), ["表单缺少版本号，请刷新页面后重新填写。"])
        return _render_table(request, evaluation, spec, edit=True, state=state)
    try:
        with transaction.atomic():
            table = save_table(
                evaluation=evaluation, key=spec.key, rows=raw_rows, user=request.user, expected_version=version
            )
    except TableInputError as error:
        problems = [str(problem) for problem in error.problems]
        state = EditState(edit_rows_from_post(spec, raw_rows, cell_errors(spec, error)), problems)
        return _render_table(request, evaluation, spec, edit=True, state=state, version=version)
    except StaleTableError as error:
        state = EditState(edit_rows_from_post(spec, raw_rows, {}), stale=error)
        return _render_table(request, evaluation, spec, edit=True, state=state, version=version)
    what = f"{table_name(spec)}已保存（版本 {table.version}）"
    messages.success(request, _saved_message(request, evaluation, what))
    return redirect("evaluation-table", pk=evaluation.pk, key=spec.key)


def _saved_message(request, evaluation: Evaluation, what: str) -> str:
    if not access.can_view_scores(request.user, evaluation):
        return f"{what}。"
    if evaluation.total_score is None:
        return f"{what}；总分暂不能计算（尚有指标缺少计分输入，见评分页）。"
    return f"{what}，总分重新计算为 {fixed(evaluation.total_score)} 分（{evaluation.grade}）。"


def _render_table(
    request,
    evaluation: Evaluation,
    spec: TableSpec,
    *,
    edit: bool = False,
    state: EditState | None = None,
    version: int | None = None,
    upload_problems: list[str] | None = None,
):
    context = _common(request, evaluation)
    record = _table_record(evaluation, spec.key)
    tables = evaluation_tables(evaluation)
    rows = tables.get(spec.key) or []
    edit = (edit or not rows or state is not None) and context["can_edit"]
    if edit and state is None:
        stored = edit_rows_from_values(spec, rows)
        state = EditState(stored or [[EditCell(column, "", hint=True) for column in spec.columns]])
    specs = tables_for_kind(evaluation.kind)
    position = next(index for index, item in enumerate(specs) if item.key == spec.key)
    figures = table_figures(evaluation.kind, tables, spec.key)
    bound = bound_indicators(evaluation) if context["show_scores"] else {}
    anchor = f"table-{spec.key}"
    context |= {
        "spec": spec,
        "specs": specs,
        "previous_spec": specs[position - 1] if position > 0 else None,
        "next_spec": specs[position + 1] if position + 1 < len(specs) else None,
        "record": record,
        "version": version if version is not None else (record.version if record else 1),
        "rows": rows,
        "read_rows": read_rows(spec, rows),
        "columns": [(column, cell_css(column)) for column in spec.columns],
        "single_values": [
            (column, cell_css(column), display_text(column, (rows or [{}])[0].get(column.key)))
            for column in spec.columns
        ],
        "totals": totals_row(spec, rows),
        "edit": edit,
        "state": state,
        "blank_row": [EditCell(column, "", hint=True) for column in spec.columns],
        "group_values": {key: sorted({str(row[key]) for row in rows if row.get(key)}) for key in spec.group_columns},
        "figures": [(figure, figure.display, bound.get(figure.key, [])) for figure in figures],
        "problems": [problem for problem in _table_problems(request, evaluation, tables) if problem.anchor == anchor],
        "upload_problems": upload_problems or [],
        "column_count": len(spec.columns) + 1 + (1 if spec.share_of else 0),
    }
    return render(request, "evaluations/tables/table.html", context)


@login_required
@require_POST
def table_preview(request, pk: int, key: str):
    """What the figures would be with the rows being typed (nothing is saved), and which cells are bad."""
    evaluation = _evaluation(request, pk)
    spec = _spec_or_404(evaluation, key)
    if not access.can_edit_tables(request.user, evaluation):
        raise PermissionDenied("您不能修改这张表。")
    try:
        raw_rows = rows_from_post(spec, request.POST)
    except FormDataError as error:
        return JsonResponse({"figures": [], "errors": [], "message": str(error)}, status=400)
    if sum(1 for raw in raw_rows if any(str(value).strip() for value in raw.values())) > MAX_ROWS:
        message = f"每张表最多 {MAX_ROWS} 行，请删减或合并后再保存。"
        return JsonResponse({"figures": [], "errors": [], "message": message}, status=400)
    parsed, errors = [], []
    for number, raw in enumerate(raw_rows, 1):
        if all(not str(value).strip() for value in raw.values()):
            continue
        values, row_errors = spec.parse_row(raw)
        parsed.append(values)
        errors += [{"row": number, "column": column, "message": message} for column, message in row_errors.items()]
    tables = evaluation_tables(evaluation)
    tables[spec.key] = parsed[:1] if spec.single_row else parsed
    return JsonResponse({"figures": figure_dicts(table_figures(evaluation.kind, tables, spec.key)), "errors": errors})


# --- Excel ---------------------------------------------------------------------------------------------


def _meta(evaluation: Evaluation, specs: list[TableSpec]) -> excel.WorkbookMeta:
    keys = {spec.key for spec in specs}
    versions = dict(DataTable.objects.filter(evaluation=evaluation, key__in=keys).values_list("key", "version"))
    return excel.WorkbookMeta(
        kind=evaluation.kind,
        evaluation_id=evaluation.pk,
        evaluation_title=evaluation.title,
        versions={key: versions.get(key, 1) for key in keys},
    )


@login_required
def table_excel(request, pk: int, key: str):
    evaluation = _evaluation(request, pk)
    spec = _spec_or_404(evaluation, key)
    if request.method == "POST":
        return _upload(request, evaluation, [spec])
    rows = evaluation_tables(evaluation).get(spec.key) or []
    data = excel.build_workbook([spec], {spec.key: rows}, example=True, meta=_meta(evaluation, [spec]))
    return xlsx_response(data, f"{evaluation.title}-{spec.code}{'' if spec.code == spec.title else spec.title}")


@login_required
def workbook(request, pk: int):
    evaluation = _evaluation(request, pk)
    specs = tables_for_kind(evaluation.kind)
    if request.method == "POST":
        return _upload(request, evaluation, specs)
    data = excel.build_workbook(specs, evaluation_tables(evaluation), example=True, meta=_meta(evaluation, specs))
    return xlsx_response(data, f"{evaluation.title}-基础数据采集表")


def _read_file(upload, specs: list[TableSpec]) -> tuple[excel.WorkbookContent | None, list[str]]:
    if upload is None:
        return None, ["请选择要上传的 Excel 文件（.xlsx）。"]
    if upload.size > excel.MAX_UPLOAD_BYTES:
        limit = excel.MAX_UPLOAD_BYTES // 1024 // 1024
        return None, [f"文件「{upload.name}」大小 {upload.size / 1024 / 1024:.1f} MB，超过 {limit} MB 的上限。"]
    try:
        return excel.read_workbook(upload.read(), specs), []
    except excel.WorkbookError as error:
        return None, error.problems


def _stale_upload_message(error: StaleTableError) -> str:
    table = error.table
    when = timezone.localtime(table.updated_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"{table} 在您下载文件后已被 {table.updated_by or '他人'} 于 {when} 修改（现为版本 {table.version}，"
        f"您的文件下载自版本 {error.expected}）。为避免覆盖，整个文件未导入；"
        "请重新下载最新的表格，填入您的修改后再上传。"
    )


def _upload(request, evaluation: Evaluation, specs: list[TableSpec]):
    if not access.can_edit_tables(request.user, evaluation):
        raise PermissionDenied("您不能修改基础数据表。")
    content, problems = _read_file(request.FILES.get("file"), specs)
    changed: list[TableSpec] = []
    if content is not None:
        versions = content.meta.versions if content.meta.evaluation_id == evaluation.pk else {}
        try:
            changed = save_uploaded_tables(
                evaluation=evaluation, rows_by_key=content, versions=versions, user=request.user
            )
        except StaleTableError as error:
            problems = [_stale_upload_message(error)]
        except UnversionedUploadError as error:
            problems = [str(error)]
        except TableInputError as error:
            problems = [f"{error.spec.code} {problem}" for problem in error.problems]
    single = specs[0] if len(specs) == 1 else None
    if problems:
        if single is not None:
            return _render_table(request, evaluation, single, upload_problems=problems)
        return _render_list(request, evaluation, upload_problems=problems)
    if not changed:
        messages.info(request, "上传的文件与当前数据相同，没有需要保存的修改。")
    else:
        names = "、".join(table_name(spec) for spec in changed)
        messages.success(request, _saved_message(request, evaluation, f"已从 Excel 导入：{names}"))
    if single is not None:
        return redirect("evaluation-table", pk=evaluation.pk, key=single.key)
    return redirect(reverse("evaluation-tables", args=[evaluation.pk]))
