"""Saving data-collection tables: every cell parsed and checked, all or nothing.

A save names the version it started from; a save over a newer version is refused so
two people never silently overwrite each other. Saving recomputes the scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.datatables.spec import TableSpec
from evaluations.models import DataTable, Evaluation, TableRow


@dataclass(frozen=True)
class CellProblem:
    row: int  # 1-based, as users count rows
    column: str  # the column's header
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.message}"


class TableInputError(ValueError):
    def __init__(self, spec: TableSpec, problems: list[CellProblem]):
        self.spec, self.problems = spec, problems
        super().__init__("；".join(f"{spec.code} {problem}" for problem in problems))


class StaleTableError(ValueError):
    """Someone saved the table after this user opened it."""

    def __init__(self, table: DataTable, expected: int):
        self.table, self.expected = table, expected
        when = timezone.localtime(table.updated_at).strftime("%Y-%m-%d %H:%M")
        who = table.updated_by or "他人"
        super().__init__(
            f"{table} 已被 {who} 于 {when} 修改（版本 {table.version}），您打开的是版本 {expected}。"
            "为避免覆盖，本次保存未生效，请刷新后重新填写。"
        )


def parse_rows(spec: TableSpec, raw_rows: list[dict]) -> list[dict]:
    """Parse every row; raise TableInputError listing every bad cell. Blank rows are skipped."""
    rows, problems = [], []
    for number, raw in enumerate(raw_rows, start=1):
        if all(value is None or str(value).strip() == "" for value in raw.values()):
            continue
        unknown = set(raw) - {column.key for column in spec.columns}
        if unknown:
            problems.append(CellProblem(number, "、".join(sorted(unknown)), "不是本表的列"))
        values, errors = spec.parse_row(raw)
        problems.extend(CellProblem(number, spec.column(key).header, message) for key, message in errors.items())
        rows.append(values)
    if spec.single_row and len(rows) > 1:
        problems.append(CellProblem(2, "整行", f"{spec.title}只有一行"))
    if problems:
        raise TableInputError(spec, problems)
    return rows


def get_table(evaluation: Evaluation, key: str) -> DataTable:
    spec = spec_for(key)
    if evaluation.kind not in spec.kinds:
        raise KeyError(key)
    table, _ = DataTable.objects.get_or_create(evaluation=evaluation, key=key)
    return table


@transaction.atomic
def save_table(
    *,
    evaluation: Evaluation,
    key: str,
    rows: list[dict],
    user=None,
    expected_version: int | None = None,
    recompute: bool = True,
) -> DataTable:
    """Replace a table's rows after checking every cell and the version the user started from."""
    from evaluations.domain.freezing import assert_editable

    assert_editable(evaluation)  # rows are bulk-written, which bypasses the model guard
    spec = spec_for(key)
    parsed = parse_rows(spec, rows)
    table = get_table(evaluation, key)
    table = DataTable.objects.select_for_update().get(pk=table.pk)
    if expected_version is not None and table.version != expected_version:
        raise StaleTableError(table, expected_version)
    dumped = [spec.dump_row(values) for values in parsed]
    table.rows.all().delete()
    TableRow.objects.bulk_create(TableRow(table=table, order=index, values=row) for index, row in enumerate(dumped, 1))
    table.version += 1
    table.updated_by = user
    table.snapshot = dumped  # recorded by the table's history: every saved version of the table
    table._history_user = user  # who, also outside a request (commands, imports)
    table.save()
    if recompute:
        from evaluations.domain.scoring import recompute_scores

        recompute_scores(evaluation)
    return table


def evaluation_tables(evaluation: Evaluation) -> dict[str, list[dict]]:
    """Every table of the evaluation as parsed rows (Decimal, date …), in two queries."""
    stored: dict[str, list[dict]] = {spec.key: [] for spec in tables_for_kind(evaluation.kind)}
    rows = TableRow.objects.filter(table__evaluation=evaluation).select_related("table").order_by("order", "pk")
    for row in rows:
        key = row.table.key
        if key in stored:
            stored[key].append(spec_for(key).load_row(row.values))
    return stored


@transaction.atomic
def save_uploaded_tables(
    *, evaluation: Evaluation, rows_by_key: dict[str, list[dict]], versions: dict[str, int], user
) -> list[TableSpec]:
    """Save every uploaded table whose rows differ from the stored ones, in one transaction, then
    recompute the scores once. A table changed online since the file was downloaded (versions from the
    file) refuses the whole upload (StaleTableError); nothing is saved then."""
    stored = evaluation_tables(evaluation)
    changed = []
    for key, raw_rows in rows_by_key.items():
        spec = spec_for(key)
        rows = parse_rows(spec, raw_rows)
        if [spec.dump_row(row) for row in rows] == [spec.dump_row(row) for row in stored.get(key) or []]:
            continue
        save_table(
            evaluation=evaluation,
            key=key,
            rows=raw_rows,
            user=user,
            expected_version=versions.get(key),
            recompute=False,
        )
        changed.append(spec)
    if changed:
        from evaluations.domain.scoring import recompute_scores

        recompute_scores(evaluation)
    return changed
