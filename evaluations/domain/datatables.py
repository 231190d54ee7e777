"""Saving data-collection tables: every cell parsed and checked, all or nothing.

A save names the version it started from; a save over a newer version is refused so
two people never silently overwrite each other. Saving recomputes the scores.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from evaluations.datatables import spec_for
from evaluations.datatables.rows import parse_rows
from evaluations.datatables.spec import TableSpec
from evaluations.domain.freezing import assert_editable
from evaluations.domain.scoring import recompute_scores
from evaluations.models import DataTable, Evaluation, TableRow
from evaluations.queries.datatables import evaluation_tables


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


class UnversionedUploadError(ValueError):
    """An uploaded file that does not say which version of a table it was downloaded from."""

    def __init__(self, spec: TableSpec):
        self.spec = spec
        super().__init__(
            f"文件中的「{spec.code} {spec.title}」没有记录下载时的版本（隐藏的「系统信息」工作表缺失、被改动，或文件"
            "来自另一个评价），无法确认下载后这张表是否已被他人修改。为避免覆盖，整个文件未导入；请从本评价的"
            "“基础数据”页重新下载表格，填入修改后再上传。"
        )


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
        recompute_scores(evaluation)
    return table


@transaction.atomic
def save_uploaded_tables(
    *, evaluation: Evaluation, rows_by_key: dict[str, list[dict]], versions: dict[str, int], user
) -> list[TableSpec]:
    """Save every uploaded table whose rows differ from the stored ones, in one transaction, then
    recompute the scores once. A table changed online since the file was downloaded (versions from the
    file) refuses the whole upload (StaleTableError), and so does a table with rows that the file gives no version
    for (UnversionedUploadError: no 系统信息 sheet, or one of another evaluation); nothing is saved then."""
    stored = evaluation_tables(evaluation)
    changed = []
    for key, raw_rows in rows_by_key.items():
        spec = spec_for(key)
        rows = parse_rows(spec, raw_rows)
        if [spec.dump_row(row) for row in rows] == [spec.dump_row(row) for row in stored.get(key) or []]:
            continue
        expected = versions.get(key)
        if expected is None:
            if stored.get(key):  # rows the file may never have seen: refuse rather than overwrite them
                raise UnversionedUploadError(spec)
            # An empty table (a file of another evaluation copied into a new one): nothing to overwrite, but a
            # save by someone else from now on still wins.
            expected = DataTable.objects.filter(evaluation=evaluation, key=key).values_list("version", flat=True)
            expected = next(iter(expected), 1)
        save_table(
            evaluation=evaluation,
            key=key,
            rows=raw_rows,
            user=user,
            expected_version=expected,
            recompute=False,
        )
        changed.append(spec)
    if changed:
        recompute_scores(evaluation)
    return changed
