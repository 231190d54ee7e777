"""The data-collection tables in the browser and the Excel round trip: roles, saving, refusals, queries."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.domain.datatables import save_table
from evaluations.interfaces import excel
from evaluations.models import DataTable, EvaluationState, TeamRole
from evaluations.queries.datatables import evaluation_tables
from evaluations.views.datatables import _group_spans, read_rows, table_figures
from evaluations.views.helpers import XLSX
from rubrics.builtin import BUILTIN_DIR
from rubrics.models import EvaluationKind
from tests.factories import EvaluationFactory, EvaluationIndicatorFactory, ProjectFactory, TeamMemberFactory

SEEDS = {"project": "project_luohu_2023.json", "department": "department_luozhuang_2022.json"}
PROJECTS = [
    {"source": "区级资金", "name": "社会救助经费", "budget": "50000", "paid": "40000"},
    {"source": "上级资金", "name": "公益性公墓建设资金", "budget": "6840000", "paid": "0"},
]


def seed_tables(kind: str) -> dict[str, list[dict]]:
    document = json.loads((BUILTIN_DIR / SEEDS[kind]).read_text(encoding="utf-8"))
    return {spec.key: document["tables"].get(spec.key, []) for spec in tables_for_kind(kind)}


def fill_from_seed(evaluation) -> None:
    for key, rows in seed_tables(evaluation.kind).items():
        save_table(evaluation=evaluation, key=key, rows=rows, recompute=False)


def stored(evaluation, key):
    spec = spec_for(key)
    return [spec.dump_row(row) for row in evaluation_tables(evaluation)[key]]


def version(evaluation, key) -> int:
    table = DataTable.objects.filter(evaluation=evaluation, key=key).first()
    return table.version if table else 1


def form_data(key: str, rows: list[dict], version: int) -> dict:
    """POST data as the browser sends it: c-<column> once per row, in row order."""
    spec = spec_for(key)
    data = {"version": str(version)}
    for column in spec.columns:
        data[f"c-{column.key}"] = [str(row.get(column.key, "") or "") for row in rows]
    return data


def url(name, evaluation, key=None):
    args = [evaluation.pk] if key is None else [evaluation.pk, key]
    return reverse(name, args=args)


def upload(client, target: str, data: bytes, name="基础数据.xlsx"):
    return client.post(target, {"file": SimpleUploadedFile(name, data)})


def book_of(response):
    return load_workbook(io.BytesIO(response.content))


def to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.fixture
def project_a(world):
    """A project evaluation on side A: same unit, bureau and team as world["a"]."""
    department = world["a"]
    evaluation = EvaluationFactory(
        kind=EvaluationKind.PROJECT,
        title="甲区困难群体救助项目支出绩效评价",
        project=ProjectFactory(unit=department.evaluated_unit),
        evaluated_unit=department.evaluated_unit,
        commissioning_bureau=department.commissioning_bureau,
        evaluating_firm=department.evaluating_firm,
    )
    TeamMemberFactory(evaluation=evaluation, user=world["evaluator_a"], role=TeamRole.MANAGER)
    TeamMemberFactory(evaluation=evaluation, user=world["reviewer_a"], role=TeamRole.REVIEW_1)
    return evaluation


# --- who may see ----------------------------------------------------------------------------------------


VIEWERS = ["evaluator_a", "reviewer_a", "unit_a", "bureau_a", "admin"]
OUTSIDERS = ["evaluator_b", "unit_b", "bureau_b", "nobody"]


@pytest.mark.parametrize("persona", VIEWERS)
def test_everyone_who_sees_the_evaluation_sees_its_tables(client, world, persona):
    client.force_login(world[persona])
    evaluation = world["a"]
    save_table(evaluation=evaluation, key="dept_projects", rows=PROJECTS)
    response = client.get(url("evaluation-tables", evaluation))
    assert response.status_code == 200
    assert "基础表4" in response.content.decode() and "部门年度专项项目完成情况表" in response.content.decode()
    for path in (
        url("evaluation-table", evaluation, "dept_projects"),
        url("evaluation-table-excel", evaluation, "dept_projects"),
        url("evaluation-workbook", evaluation),
    ):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_others_get_404_everywhere(client, world, persona):
    client.force_login(world[persona])
    evaluation = world["a"]
    data = form_data("dept_projects", PROJECTS, 1)
    assert client.get(url("evaluation-tables", evaluation)).status_code == 404
    assert client.get(url("evaluation-table", evaluation, "dept_projects")).status_code == 404
    assert client.post(url("evaluation-table", evaluation, "dept_projects"), data).status_code == 404
    assert client.get(url("evaluation-table-excel", evaluation, "dept_projects")).status_code == 404
    assert client.get(url("evaluation-workbook", evaluation)).status_code == 404
    assert upload(client, url("evaluation-workbook", evaluation), b"x").status_code == 404
    assert client.post(url("evaluation-table-preview", evaluation, "dept_projects"), data).status_code == 404
    assert not DataTable.objects.filter(evaluation=evaluation).exists()


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(url("evaluation-tables", world["a"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_table_of_the_other_kind_or_unknown_is_404(client, world):
    client.force_login(world["evaluator_a"])
    assert client.get(url("evaluation-table", world["a"], "funds_use")).status_code == 404
    assert client.get(url("evaluation-table", world["a"], "no_such_table")).status_code == 404


# --- who may save -------------------------------------------------------------------------------------


def test_the_evaluator_saves_and_the_score_is_recomputed(client, world):
    evaluation = world["a"]
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        name="专项项目支付进度",
        weight=Decimal(10),
        rule_kind="ratio",
        rule_params={"cap": 1},
        inputs={"target": "100"},
        bindings={"actual": "project_payment_rate"},
    )
    client.force_login(world["evaluator_a"])
    rows = [{"source": "区级资金", "name": "社会救助经费", "budget": "1,000.00", "paid": "800"}]
    response = client.post(url("evaluation-table", evaluation, "dept_projects"), form_data("dept_projects", rows, 1))
    assert response.status_code == 302
    assert response["Location"] == url("evaluation-table", evaluation, "dept_projects")
    assert stored(evaluation, "dept_projects")[0]["budget"] == "1000.00"
    evaluation.refresh_from_db()
    assert evaluation.total_score == Decimal("8.00")
    page = client.get(response["Location"])
    assert "基础表4 部门年度专项项目完成情况表已保存（版本 2），总分重新计算为 8.00 分（差）。" in page_messages(page)
    content = page.content.decode()
    assert "专项项目支付进度率" in content and "80.00%" in content
    assert "用于指标：专项项目支付进度（得分 8.00）" in content


def test_the_unit_of_the_evaluation_fills_its_own_tables_without_seeing_scores(client, world):
    evaluation = world["a"]
    evaluation.total_score, evaluation.grade = Decimal("91.87"), "优"
    evaluation.save()
    client.force_login(world["unit_a"])
    response = client.post(
        url("evaluation-table", evaluation, "dept_projects"), form_data("dept_projects", PROJECTS, 1), follow=True
    )
    assert response.status_code == 200
    assert len(stored(evaluation, "dept_projects")) == 2
    assert DataTable.objects.get(evaluation=evaluation, key="dept_projects").updated_by == world["unit_a"]
    assert page_messages(response) == ["基础表4 部门年度专项项目完成情况表已保存（版本 2）。"]
    for path in (url("evaluation-tables", evaluation), url("evaluation-table", evaluation, "dept_projects")):
        content = client.get(path).content.decode()
        assert "总分" not in content and "91.87" not in content


def test_the_unit_cannot_edit_once_the_evaluation_left_data_collection(client, world):
    evaluation = world["a"]
    evaluation.state = EvaluationState.SCORING
    evaluation.save()
    client.force_login(world["unit_a"])
    response = client.post(
        url("evaluation-table", evaluation, "dept_projects"), form_data("dept_projects", PROJECTS, 1)
    )
    assert response.status_code == 403
    assert "填写 / 修改" not in client.get(url("evaluation-table", evaluation, "dept_projects")).content.decode()


@pytest.mark.parametrize("persona", ["bureau_a", "reviewer_a"])
def test_bureau_and_reviewers_view_but_cannot_save(client, world, persona):
    evaluation = world["a"]
    save_table(evaluation=evaluation, key="dept_projects", rows=PROJECTS)
    client.force_login(world[persona])
    page = client.get(url("evaluation-table", evaluation, "dept_projects") + "?edit=1")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="table-form"' not in content and "社会救助经费" in content
    target = url("evaluation-table", evaluation, "dept_projects")
    assert client.post(target, form_data("dept_projects", [], 2)).status_code == 403
    workbook = excel.build_workbook([spec_for("dept_projects")], {})
    assert upload(client, url("evaluation-table-excel", evaluation, "dept_projects"), workbook).status_code == 403
    assert upload(client, url("evaluation-workbook", evaluation), workbook).status_code == 403
    assert client.post(url("evaluation-table-preview", evaluation, "dept_projects"), {}).status_code == 403
    assert len(stored(evaluation, "dept_projects")) == 2


def test_the_evaluator_cannot_edit_a_submitted_evaluation(client, world):
    evaluation = world["a"]
    evaluation.state = EvaluationState.SUBMITTED
    evaluation.save()
    client.force_login(world["evaluator_a"])
    target = url("evaluation-table", evaluation, "dept_projects")
    assert client.post(target, form_data("dept_projects", PROJECTS, 1)).status_code == 403


# --- bad input and concurrent saves ----------------------------------------------------------------------


def test_a_bad_cell_is_refused_with_the_input_kept_and_nothing_changed(client, world):
    evaluation = world["a"]
    save_table(evaluation=evaluation, key="dept_projects", rows=PROJECTS)
    before = stored(evaluation, "dept_projects")
    client.force_login(world["evaluator_a"])
    rows = [
        {"source": "区级资金", "name": "社会救助经费", "budget": "50000", "paid": "0"},
        {"source": "区级资金", "name": "公益性公墓建设资金", "budget": "六百万", "paid": "0"},
        {"source": "区级资金", "name": "", "budget": "1", "paid": "0"},
    ]
    response = client.post(url("evaluation-table", evaluation, "dept_projects"), form_data("dept_projects", rows, 2))
    assert response.status_code == 200
    content = response.content.decode()
    assert "第2行 预算数（元）：「六百万」不是数字" in content
    assert "第3行 项目名称：必须填写" in content
    assert 'value="六百万"' in content and "公益性公墓建设资金" in content
    assert content.count("is-invalid") == 2
    assert stored(evaluation, "dept_projects") == before
    assert version(evaluation, "dept_projects") == 2


def test_a_second_save_from_the_same_version_is_refused_and_names_the_version(client, world):
    evaluation = world["a"]
    client.force_login(world["evaluator_a"])
    target = url("evaluation-table", evaluation, "dept_projects")
    first = client.post(target, form_data("dept_projects", PROJECTS[:1], 1))
    assert first.status_code == 302
    mine = [{"source": "其他资金", "name": "我的修改", "budget": "7", "paid": "7"}]
    second = client.post(target, form_data("dept_projects", mine, 1))
    assert second.status_code == 200
    content = second.content.decode()
    assert "已被" in content and "（版本 2），您打开的是版本 1" in content and world["evaluator_a"].full_name in content
    assert "我的修改" in content  # the user's input stays on the page to copy
    assert 'id="current-content"' in content and "社会救助经费" in content
    assert [row["name"] for row in stored(evaluation, "dept_projects")] == ["社会救助经费"]
    assert version(evaluation, "dept_projects") == 2


def test_a_long_table_posted_as_packed_rows_is_saved_whole(client, world):
    """tables.js sends the rows as one JSON field, so 300 rows × 6 columns stay under Django's field limit."""
    client.force_login(world["evaluator_a"])
    rows = [{"source": "区级资金", "name": f"项目{n}", "budget": "1,000", "paid": n} for n in range(300)]
    data = {"version": "1", "rows": json.dumps(rows)}
    response = client.post(url("evaluation-table", world["a"], "dept_projects"), data)
    assert response.status_code == 302
    saved = stored(world["a"], "dept_projects")
    assert len(saved) == 300 and saved[299]["paid"] == "299.00" and saved[0]["budget"] == "1000.00"


def test_unreadable_packed_rows_are_refused(client, world):
    client.force_login(world["evaluator_a"])
    target = url("evaluation-table", world["a"], "dept_projects")
    for packed in ("[{", '{"a": 1}', "[1, 2]"):
        response = client.post(target, {"version": "1", "rows": packed})
        assert response.status_code == 200 and "表格数据无法读取" in response.content.decode()
    assert not DataTable.objects.filter(evaluation=world["a"]).exists()


def test_a_form_without_version_is_refused(client, world):
    client.force_login(world["evaluator_a"])
    data = form_data("dept_projects", PROJECTS, 1)
    del data["version"]
    response = client.post(url("evaluation-table", world["a"], "dept_projects"), data)
    assert response.status_code == 200 and "表单缺少版本号" in response.content.decode()
    assert not DataTable.objects.filter(evaluation=world["a"]).exists()


def test_a_one_row_table_is_a_vertical_form_and_saves(client, world, project_a):
    client.force_login(world["evaluator_a"])
    target = url("evaluation-table", project_a, "project_funds")
    page = client.get(target).content.decode()
    assert "edit-vertical" in page and "年初预算（万元）" in page  # empty: opens ready to fill
    row = {
        "initial_budget": "433.53",
        "adjusted_budget": "294.39",
        "funds_received": "294.39",
        "actual_expenditure": "293.53",
    }
    assert client.post(target, form_data("project_funds", [row], 1)).status_code == 302
    content = client.get(target).content.decode()
    assert "vertical-form" in content and "433.53" in content
    assert "预算执行率" in content and "99.71%" in content  # 293.53 ÷ 294.39


def test_the_preview_computes_figures_and_bad_cells_without_saving(client, world, project_a):
    client.force_login(world["evaluator_a"])
    row = {"initial_budget": "100", "adjusted_budget": "80", "funds_received": "60", "actual_expenditure": "x"}
    response = client.post(
        url("evaluation-table-preview", project_a, "project_funds"), form_data("project_funds", [row], 1)
    )
    assert response.status_code == 200
    data = response.json()
    figures = {figure["key"]: figure for figure in data["figures"]}
    assert figures["funds_arrival_rate"]["display"] == "75.00%"
    assert figures["budget_adjustment_rate"]["display"] == "20.00%"
    assert data["errors"] == [{"row": 1, "column": "actual_expenditure", "message": "「x」不是数字"}]
    assert not DataTable.objects.filter(evaluation=project_a).exists()


# --- the read view --------------------------------------------------------------------------------------


def test_table_1_1_merges_its_categories_as_the_seed_prints_them(world, project_a):
    fill_from_seed(project_a)
    spec = spec_for("funds_use")
    rows = evaluation_tables(project_a)["funds_use"]
    spans = _group_spans(spec, rows)
    assert spans[(0, "category")] == (7, 1)  # 慰问工作 over 7 rows
    assert spans[(0, "subcategory")] == (5, 1)  # 节日慰问
    assert spans[(5, "subcategory")] == (2, 1)  # 临时慰问
    assert spans[(7, "category")] == (2, 2)  # 最低生活保障工作, no sub-type: spans both columns
    assert spans[(7, "subcategory")] is None
    shown = read_rows(spec, rows)
    assert [cell.text for cell in shown[0].cells] == ["慰问工作", "节日慰问", "春节慰问金", "94.19"]
    assert shown[0].share == "32.09%" and shown[7].share == "10.50%"


def test_table_1_1_page_shows_totals_shares_and_rowspans(client, world, project_a):
    fill_from_seed(project_a)
    client.force_login(world["reviewer_a"])
    content = client.get(url("evaluation-table", project_a, "funds_use")).content.decode()
    assert "实际支付金额（万元）" in content and "单位：万元" in content
    assert 'rowspan="7"' in content and 'rowspan="2" colspan="2"' in content
    assert "293.53" in content and "100.00%" in content and "54.25%" in content


def test_figures_that_depend_on_a_table_are_listed_with_it():
    tables = {key: [spec_for(key).parse_row(row)[0] for row in rows] for key, rows in seed_tables("department").items()}
    keys = {figure.key for figure in table_figures("department", tables, "dept_budget_summary")}
    assert {"budget_adjustment_rate", "carryover_rate", "budget_progress_rate"} <= keys
    assert "staffing_control_rate" not in keys
    keys = {figure.key for figure in table_figures("department", tables, "dept_three_public")}
    assert keys == {"three_public_cost_change", "three_public_cost_control"}


def test_a_department_table_page_lists_its_totals(client, world):
    evaluation = world["a"]
    fill_from_seed(evaluation)
    client.force_login(world["evaluator_a"])
    content = client.get(url("evaluation-table", evaluation, "dept_projects")).content.decode()
    assert "预算数（元）" in content and "51,781,001.20" in content and "35,405,679.91" in content
    assert "专项项目支付进度率" in content


# --- Excel round trip -------------------------------------------------------------------------------------


def test_a_table_downloads_as_xlsx_named_after_the_evaluation(client, world):
    evaluation = world["a"]
    save_table(evaluation=evaluation, key="dept_projects", rows=PROJECTS)
    client.force_login(world["unit_a"])
    response = client.get(url("evaluation-table-excel", evaluation, "dept_projects"))
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = book_of(response)["基础表4 部门年度专项项目完成情况表"]
    assert [sheet.cell(row=4, column=c).value for c in (1, 2, 4)] == ["区级资金", "社会救助经费", 50000]


@pytest.mark.parametrize("kind", ["project", "department"])
def test_the_workbook_round_trips_unchanged_and_with_an_edit(client, world, project_a, kind):
    evaluation = project_a if kind == "project" else world["a"]
    fill_from_seed(evaluation)
    before = {key: stored(evaluation, key) for key in evaluation_tables(evaluation)}
    versions = {key: version(evaluation, key) for key in before}
    client.force_login(world["evaluator_a"])
    target = url("evaluation-workbook", evaluation)
    downloaded = client.get(target)
    book = book_of(downloaded)
    assert len(book.sheetnames) == len(tables_for_kind(kind)) + 2  # + 填表说明 and the hidden versions

    same = upload(client, target, downloaded.content)
    assert same.status_code == 302
    assert page_messages(client.get(same["Location"])) == ["上传的文件与当前数据相同，没有需要保存的修改。"]
    assert {key: stored(evaluation, key) for key in before} == before
    assert {key: version(evaluation, key) for key in before} == versions

    key, cell, value = ("funds_use", "D4", 100) if kind == "project" else ("dept_projects", "D5", "1,234.50")
    spec = spec_for(key)
    book[excel.sheet_name(spec)][cell] = value
    edited = upload(client, target, to_bytes(book))
    assert edited.status_code == 302
    after = stored(evaluation, key)
    column = "amount" if kind == "project" else "budget"
    index = 0 if kind == "project" else 1
    assert Decimal(after[index][column]) == Decimal("100" if kind == "project" else "1234.50")
    assert version(evaluation, key) == versions[key] + 1
    assert all(version(evaluation, other) == versions[other] for other in before if other != key)
    message = page_messages(client.get(edited["Location"]))[0]
    assert message.startswith(f"已从 Excel 导入：{spec.code}")


@pytest.mark.parametrize("kind", ["project", "department"])
def test_a_single_table_round_trips(client, world, project_a, kind):
    evaluation = project_a if kind == "project" else world["a"]
    fill_from_seed(evaluation)
    key = "sub_item_budgets" if kind == "project" else "dept_three_public"
    before = stored(evaluation, key)
    client.force_login(world["unit_a"])
    target = url("evaluation-table-excel", evaluation, key)
    downloaded = client.get(target)
    assert upload(client, target, downloaded.content).status_code == 302
    assert stored(evaluation, key) == before and version(evaluation, key) == 2
    book = book_of(downloaded)
    sheet = book[excel.sheet_name(spec_for(key))]
    sheet.append(["新增子项", 1, 2] if kind == "project" else ["公务接待费", 0, 0, 0.5, 0.3])
    response = upload(client, target, to_bytes(book))
    assert response.status_code == 302 and response["Location"] == url("evaluation-table", evaluation, key)
    assert len(stored(evaluation, key)) == len(before) + 1 and version(evaluation, key) == 3


def test_the_template_of_an_empty_evaluation_uploads_as_nothing(client, world, project_a):
    client.force_login(world["evaluator_a"])
    target = url("evaluation-workbook", project_a)
    response = upload(client, target, client.get(target).content)
    assert response.status_code == 302
    assert all(rows == [] for rows in evaluation_tables(project_a).values())


def _bad_cell(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[excel.sheet_name(spec_for("dept_projects"))]["D7"] = "六百万"
    book[excel.sheet_name(spec_for("dept_three_public"))]["B4"] = 99  # a good change in another sheet
    return to_bytes(book)


def _renamed_sheet(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[excel.sheet_name(spec_for("dept_projects"))].title = "Sheet1"
    return to_bytes(book)


def _renamed_column(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[excel.sheet_name(spec_for("dept_projects"))]["D3"] = "预算金额（元）"
    return to_bytes(book)


def _extra_column(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[excel.sheet_name(spec_for("dept_projects"))]["G3"] = "审核意见"
    return to_bytes(book)


def _missing_column(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[excel.sheet_name(spec_for("dept_projects"))].delete_cols(6)
    return to_bytes(book)


def _other_kind(data: bytes) -> bytes:
    return excel.build_workbook(tables_for_kind("project"), {}, meta=excel.WorkbookMeta(kind="project"))


REFUSALS = [
    ("a bad cell", _bad_cell, "工作表「基础表4 部门年度专项项目完成情况表」第7行 D列 预算数（元）：「六百万」不是数字"),
    ("not an xlsx: a PDF", lambda data: b"%PDF-1.4 fake", "上传的是 PDF 文件"),
    ("a text file renamed .xlsx", lambda data: "序号,名称\n1,a\n".encode(), "不是 Excel 工作簿"),
    ("an empty file", lambda data: b"", "上传的文件是空的"),
    ("a renamed sheet", _renamed_sheet, "找不到工作表「基础表4 部门年度专项项目完成情况表」"),
    ("a renamed column", _renamed_column, "D列标题「预算金额（元）」应为「预算数（元）」"),
    ("an extra column", _extra_column, "G列「审核意见」不是本表的列"),
    ("a missing column", _missing_column, "缺少列「备注」"),
    ("a file of the other kind", _other_kind, "此文件是「项目支出绩效评价」的基础数据表"),
]


@pytest.mark.parametrize(("case", "spoil", "message"), REFUSALS, ids=[case for case, _, _ in REFUSALS])
def test_a_bad_workbook_is_refused_whole_with_a_clear_message(client, world, case, spoil, message):
    evaluation = world["a"]
    fill_from_seed(evaluation)
    before = {key: stored(evaluation, key) for key in evaluation_tables(evaluation)}
    client.force_login(world["evaluator_a"])
    target = url("evaluation-workbook", evaluation)
    response = upload(client, target, spoil(client.get(target).content))
    assert response.status_code == 200
    content = response.content.decode()
    assert "文件未导入" in content and message in content, case
    assert "Traceback" not in content
    assert {key: stored(evaluation, key) for key in before} == before
    assert all(version(evaluation, key) == 2 for key in before)


@pytest.mark.parametrize(("case", "spoil", "message"), REFUSALS, ids=[case for case, _, _ in REFUSALS])
def test_a_bad_single_table_upload_is_refused_on_its_page(client, world, case, spoil, message):
    evaluation = world["a"]
    fill_from_seed(evaluation)
    before = stored(evaluation, "dept_projects")
    client.force_login(world["unit_a"])
    target = url("evaluation-table-excel", evaluation, "dept_projects")
    data = spoil(client.get(url("evaluation-workbook", evaluation)).content)
    response = upload(client, target, data)
    assert response.status_code == 200
    content = response.content.decode()
    if "三公" not in message:
        assert message in content, case
    assert "文件未导入" in content and 'id="upload-form"' in content
    assert stored(evaluation, "dept_projects") == before


def test_no_file_is_refused(client, world):
    client.force_login(world["evaluator_a"])
    response = client.post(url("evaluation-workbook", world["a"]), {})
    assert response.status_code == 200 and "请选择要上传的 Excel 文件" in response.content.decode()


def test_too_large_a_file_is_refused_before_reading_it(client, world):
    client.force_login(world["evaluator_a"])
    big = b"PK\x03\x04" + b"\0" * excel.MAX_UPLOAD_BYTES
    response = upload(client, url("evaluation-workbook", world["a"]), big)
    assert response.status_code == 200 and "超过 5 MB 的上限" in response.content.decode()


def test_a_workbook_downloaded_before_someone_else_saved_is_refused_whole(client, world):
    evaluation = world["a"]
    fill_from_seed(evaluation)
    client.force_login(world["evaluator_a"])
    target = url("evaluation-workbook", evaluation)
    book = book_of(client.get(target))
    save_table(
        evaluation=evaluation, key="dept_projects", rows=PROJECTS, user=world["unit_a"], expected_version=2
    )  # saved online after the download
    book[excel.sheet_name(spec_for("dept_projects"))]["D4"] = 1
    book[excel.sheet_name(spec_for("dept_three_public"))]["B4"] = 99
    three_before = stored(evaluation, "dept_three_public")
    response = upload(client, target, to_bytes(book))
    content = response.content.decode()
    assert response.status_code == 200
    assert "在您下载文件后已被" in content and "现为版本 3" in content and "您的文件下载自版本 2" in content
    assert [row["name"] for row in stored(evaluation, "dept_projects")] == [row["name"] for row in PROJECTS]
    assert stored(evaluation, "dept_three_public") == three_before


def test_a_workbook_of_another_evaluation_of_the_same_kind_is_accepted(client, world, project_a):
    client.force_login(world["evaluator_a"])
    other = world["a"]
    fill_from_seed(other)
    data = client.get(url("evaluation-workbook", other)).content
    twin = EvaluationFactory(
        kind=EvaluationKind.DEPARTMENT,
        evaluated_unit=other.evaluated_unit,
        commissioning_bureau=other.commissioning_bureau,
        evaluating_firm=other.evaluating_firm,
    )
    TeamMemberFactory(evaluation=twin, user=world["evaluator_a"], role=TeamRole.MANAGER)
    assert upload(client, url("evaluation-workbook", twin), data).status_code == 302
    assert stored(twin, "dept_projects") == stored(other, "dept_projects")


# --- queries ---------------------------------------------------------------------------------------------


def _rows(count: int) -> list[dict]:
    return [{"source": "区级资金", "name": f"项目{n}", "budget": str(1000 + n), "paid": str(n)} for n in range(count)]


def _query_counts(client, django_assert_max_num_queries, evaluation, user, path) -> list[int]:
    """Queries of one page with 1 and with 30 rows in the table (each under the envelope)."""
    counts = []
    client.force_login(user)
    for count in (1, 30):
        save_table(evaluation=evaluation, key="dept_projects", rows=_rows(count), user=user)
        with django_assert_max_num_queries(15) as captured:
            assert client.get(path).status_code == 200
        counts.append(len(captured))
    return counts


@pytest.mark.parametrize("persona", ["evaluator_a", "unit_a"])
def test_the_tables_list_runs_a_constant_number_of_queries(client, world, django_assert_max_num_queries, persona):
    evaluation = world["a"]
    path = url("evaluation-tables", evaluation)
    one, thirty = _query_counts(client, django_assert_max_num_queries, evaluation, world[persona], path)
    assert one == thirty


@pytest.mark.parametrize("suffix", ["", "?edit=1"])
def test_a_table_page_runs_a_constant_number_of_queries(client, world, django_assert_max_num_queries, suffix):
    evaluation = world["a"]
    path = url("evaluation-table", evaluation, "dept_projects") + suffix
    one, thirty = _query_counts(client, django_assert_max_num_queries, evaluation, world["evaluator_a"], path)
    assert one == thirty
