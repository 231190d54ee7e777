"""Issue 14, findings 2 and 3: an Excel upload costs what the template's columns and the row limit allow, and a
long table costs its own page only (no cost growing with the square of its rows)."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.datatables import spec_for
from evaluations.datatables.rows import MAX_ROWS, TableInputError, parse_rows
from evaluations.domain.datatables import save_table
from evaluations.interfaces import excel
from evaluations.models import DataTable
from evaluations.queries.datatables import evaluation_tables
from tests.test_tables_views import form_data, url

SPEC = spec_for("dept_projects")


def _rows(count: int) -> list[dict]:
    return [{"source": "区级资金", "name": f"项目{n}", "budget": str(1000 + n), "paid": str(n)} for n in range(count)]


def _rewrite_sheet(data: bytes, change) -> bytes:
    """The workbook with the table sheet's XML passed through ``change``."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and b"<sheetData>" in content and b"dimension" in content:
                content = change(content)
            out.writestr(info.filename, content)
    return target.getvalue()


def test_a_sheet_declaring_every_column_costs_only_the_templates_columns():
    data = excel.build_workbook([SPEC], {"dept_projects": _rows(2)}, example=False)

    def inflate(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD5000"/>', xml)
        empty_rows = b"".join(b'<row r="%d"/>' % number for number in range(10, 70))
        return xml.replace(b"</sheetData>", empty_rows + b"</sheetData>")

    attack = _rewrite_sheet(data, inflate)
    assert len(attack) < 20_000
    tracemalloc.start()
    try:
        content = excel.read_workbook(attack, [SPEC])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(content["dept_projects"]) == 2
    assert peak < 15 * 1024 * 1024  # padded to 16,384 columns the 60 empty rows alone take ~100 MB


def test_a_zip_bomb_under_the_upload_limit_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (25 * 1024 * 1024) + b"</worksheet>")
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(excel.WorkbookError, match="解压后过大"):
        excel.read_workbook(buffer.getvalue(), [SPEC])


def test_a_table_beyond_the_row_limit_is_refused_and_the_limit_is_said(client, world):
    with pytest.raises(TableInputError, match=f"最多 {MAX_ROWS} 行"):
        parse_rows(SPEC, _rows(MAX_ROWS + 1))
    assert len(parse_rows(SPEC, _rows(MAX_ROWS) + [{"name": ""}] * 20)) == MAX_ROWS  # blank rows do not count
    client.force_login(world["evaluator_a"])
    response = client.post(
        url("evaluation-table", world["a"], "dept_projects"), form_data("dept_projects", _rows(MAX_ROWS + 1), 1)
    )
    assert f"最多 {MAX_ROWS} 行" in response.content.decode()
    assert not DataTable.objects.filter(evaluation=world["a"], key="dept_projects").exclude(version=1).exists()
    assert f"每张表最多 {MAX_ROWS} 行" in client.get(url("evaluation-tables", world["a"])).content.decode()


def test_reading_the_tables_does_not_decode_each_tables_snapshot_per_row(world):
    save_table(evaluation=world["a"], key="dept_projects", rows=_rows(50))
    with CaptureQueriesContext(connection) as queries:
        tables = evaluation_tables(world["a"])
    assert len(tables["dept_projects"]) == 50
    assert len(queries) == 1
    assert "snapshot" not in queries[0]["sql"]


def test_the_live_preview_refuses_a_table_beyond_the_row_limit(client, world):
    client.force_login(world["evaluator_a"])
    response = client.post(
        url("evaluation-table-preview", world["a"], "dept_projects"), form_data("dept_projects", _rows(MAX_ROWS + 1), 1)
    )
    assert response.status_code == 400
    assert f"每张表最多 {MAX_ROWS} 行" in response.json()["message"]
