"""Issue 14, findings 6, 7, 8 and 12: control characters never stored, exported text never a live formula, every
write path checks the version, and deep JSON or overlong texts answer a Chinese message instead of a 500."""

from __future__ import annotations

import io
import json

from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.datatables import spec_for
from evaluations.domain.datatables import save_table
from evaluations.interfaces import excel
from evaluations.middleware import MAX_FIELD_CHARS, InputHygieneMiddleware
from evaluations.models import DataTable, NarrativeSection, TableRow, TeamMember
from evaluations.narrative_html import clean_section_html
from reports.archive import _csv
from rubrics.document import DocumentError, parse_json
from tests.test_tables_views import stored, upload, url

ROW = {"source": "区级资金", "name": "社会救助经费", "budget": "50000", "paid": "40000"}


# --- finding 6: control characters --------------------------------------------------------------------


def test_a_stored_control_character_does_not_break_the_tables_excel(client, world):
    evaluation = world["a"]
    save_table(evaluation=evaluation, key="dept_projects", rows=[ROW])
    TableRow.objects.filter(table__evaluation=evaluation).update(
        values={**spec_for("dept_projects").dump_row({}), "source": "区级\x07资金\x1b", "name": "救助", "budget": "1"}
    )
    client.force_login(world["evaluator_a"])
    response = client.get(url("evaluation-table-excel", evaluation, "dept_projects"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))[excel.sheet_name(spec_for("dept_projects"))]
    assert "区级资金" in [cell.value for row in sheet.iter_rows() for cell in row]


def test_form_input_arrives_without_control_characters():
    seen = {}

    def view(request):
        seen.update(post=request.POST.getlist("text"), get=request.GET.get("q"))
        return HttpResponse()

    request = RequestFactory().post("/?q=a%00b%1bc", {"text": ["甲\x00乙\x1b丙", "行一\n行二\t"]})
    InputHygieneMiddleware(view)(request)
    assert seen == {"post": ["甲乙丙", "行一\n行二\t"], "get": "abc"}


def test_a_table_cell_json_document_and_rich_text_drop_control_characters(client, world):
    client.force_login(world["evaluator_a"])
    packed = json.dumps([{**ROW, "name": "社会\u0000救助\u001b经费"}])
    response = client.post(url("evaluation-table", world["a"], "dept_projects"), {"version": "1", "rows": packed})
    assert response.status_code == 302
    assert stored(world["a"], "dept_projects")[0]["name"] == "社会救助经费"
    assert parse_json('{"title": "甲\\u0000乙\\u001b"}') == {"title": "甲乙"}
    assert clean_section_html("<p>甲\x00乙\x1b丙</p>") == "<p>甲乙丙</p>"


# --- finding 7: formula injection ---------------------------------------------------------------------


def test_text_beginning_with_a_formula_sign_is_exported_as_text():
    rows = {"dept_projects": [{**ROW, "name": '=HYPERLINK("http://x","点我")', "budget": 1, "paid": 1}]}
    data = excel.build_workbook([spec_for("dept_projects")], rows)
    sheet = load_workbook(io.BytesIO(data))[excel.sheet_name(spec_for("dept_projects"))]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    formula = cells['=HYPERLINK("http://x","点我")']
    assert formula.data_type == "s" and formula.quotePrefix
    assert excel.read_workbook(data, [spec_for("dept_projects")])["dept_projects"][0]["name"].startswith("=HYPER")


def test_the_archive_csv_quotes_formula_signs():
    text = _csv([["意见", "=1+1", "+SUM(A1)", "-2", "@cmd", "正常", 3]]).decode("utf-8-sig")
    assert text.strip() == "意见,'=1+1,'+SUM(A1),'-2,'@cmd,正常,3"


# --- finding 8: lost updates --------------------------------------------------------------------------


def _upload_without_current_version(client, world, meta):
    evaluation = world["a"]
    save_table(evaluation=evaluation, key="dept_projects", rows=[ROW])
    save_table(evaluation=evaluation, key="dept_projects", rows=[{**ROW, "paid": "45000"}])  # a newer edit
    data = excel.build_workbook(
        [spec_for("dept_projects")], {"dept_projects": [{**ROW, "paid": "1"}]}, example=False, meta=meta
    )
    client.force_login(world["evaluator_a"])
    response = upload(client, url("evaluation-table-excel", evaluation, "dept_projects"), data)
    assert response.status_code == 200
    assert "整个文件未导入" in response.content.decode()
    assert stored(evaluation, "dept_projects")[0]["paid"] == "45000.00"
    assert DataTable.objects.get(evaluation=evaluation, key="dept_projects").version == 3


def test_an_excel_upload_without_its_system_sheet_is_refused(client, world):
    _upload_without_current_version(client, world, None)


def test_an_excel_upload_of_another_evaluation_is_refused(client, world):
    meta = excel.WorkbookMeta(kind="department", evaluation_id=world["b"].pk, versions={"dept_projects": 3})
    _upload_without_current_version(client, world, meta)


def test_a_team_edit_without_its_snapshot_is_refused(client, world):
    member = TeamMember.objects.get(evaluation=world["a"], user=world["reviewer_a"])
    client.force_login(world["evaluator_a"])
    response = client.post(
        reverse("evaluation-team", args=[world["a"].pk]),
        {"member": member.pk, "name": "覆盖者", "role": member.role, "user": member.user_id, "order": member.order},
    )
    assert "修改前的内容" in response.content.decode()
    member.refresh_from_db()
    assert member.name != "覆盖者"


# --- finding 12: shapes and sizes ---------------------------------------------------------------------


def test_deeply_nested_posted_rows_answer_a_message(client, world):
    client.force_login(world["evaluator_a"])
    for depth in (100, 200_000):
        packed = "[" * depth + "]" * depth
        response = client.post(url("evaluation-table", world["a"], "dept_projects"), {"version": "1", "rows": packed})
        assert response.status_code == 200
        assert "表格数据无法读取" in response.content.decode()


def test_a_deeply_nested_document_is_a_document_error():
    for depth in (100, 200_000):
        try:
            parse_json('{"a": ' + "[" * depth + "]" * depth + "}")
        except DocumentError as error:
            assert "嵌套" in str(error)
        else:
            raise AssertionError("nested document accepted")


def test_a_megabyte_of_text_is_refused_and_nothing_is_saved(client, world):
    client.force_login(world["evaluator_a"])
    text = "很长的正文。" * (MAX_FIELD_CHARS // 6 + 10)
    response = client.post(reverse("evaluation-narrative-section", args=[world["a"].pk, "purpose"]), {"text": text})
    assert response.status_code == 400
    assert "提交的内容过长" in response.content.decode()
    assert not NarrativeSection.objects.filter(evaluation=world["a"], key="purpose").exists()
