"""import_evaluation with many documents: each all or nothing, bulk writes with history, the old path's results."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.demo import SEED_DOCUMENTS
from evaluations.domain import importing
from evaluations.domain.importing import import_document
from evaluations.models import (
    DataTable,
    Evaluation,
    EvaluationIndicator,
    Experience,
    Finding,
    LevelOneScore,
    NarrativeSection,
    Organisation,
    OrganisationKind,
    Project,
    Recommendation,
    TableRow,
    TeamMember,
)
from rubrics.tree import IndicatorTree
from tests.factories import OrganisationFactory, UserFactory
from tests.test_import_export import document

# Not beside the documents in tests/data: tests/test_one_source_of_truth.py reads every *.json there as one.
EXPECTED = Path(__file__).resolve().parent / "data" / "expected" / "import_seed_documents.json"
HISTORY_KEPT = (
    Evaluation,
    EvaluationIndicator,
    DataTable,
    NarrativeSection,
    TeamMember,
    Finding,
    Recommendation,
    Experience,
)
ROWS = (*HISTORY_KEPT, TableRow, LevelOneScore, Organisation, Project)


@pytest.fixture
def evaluator(db):
    """The account the test document's team names (as in tests/test_import_export.py)."""
    return UserFactory(username="import-evaluator", organisation=OrganisationFactory(name="账号所属单位"))


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_evaluation", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def titled(title: str, doc: dict | None = None) -> dict:
    doc = copy.deepcopy(doc or document())
    doc["evaluation"]["title"] = title
    return doc


def write(folder: Path, name: str, doc: dict | str) -> Path:
    path = folder / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROWS}


def history_counts() -> dict[str, int]:
    return {model.__name__: model.history.count() for model in HISTORY_KEPT}


# --- many documents --------------------------------------------------------------------------------------


def test_many_files_and_a_directory(evaluator, tmp_path):
    first = write(tmp_path, "a.json", titled("评价甲"))
    second = write(tmp_path, "b.json", titled("评价乙"))
    code, out, err = run(str(first), str(second))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 3 and lines[-1].startswith("导入完成：成功 2 份，失败 0 份，用时 ")
    one = Evaluation.objects.get(title="评价甲")
    assert lines[0] == f"{first}：评价编号 {one.pk}，总分 95.32 分，评价等级 优"
    assert lines[1].startswith(f"{second}：评价编号 ")

    write(tmp_path, "c.json", titled("评价丙"))
    (tmp_path / "notes.txt").write_text("not a document", encoding="utf-8")
    code, out, err = run(str(tmp_path))  # every *.json, in name order; a and b replace themselves
    assert (code, err) == (0, "")
    assert [line.split("：")[0] for line in out.splitlines()[:3]] == [
        str(tmp_path / n) for n in ("a.json", "b.json", "c.json")
    ]
    assert out.splitlines()[-1].startswith("导入完成：成功 3 份，失败 0 份")
    assert sorted(Evaluation.objects.values_list("title", flat=True)) == ["评价丙", "评价乙", "评价甲"]
    assert Organisation.objects.filter(name="导入测试区民政局").count() == 1  # looked up, not duplicated


def test_quiet_run_prints_errors_and_summary_only(evaluator, tmp_path):
    write(tmp_path, "a.json", titled("评价甲"))
    code, out, err = run(str(tmp_path), "--verbosity", "0")
    assert (code, err) == (0, "") and out.startswith("导入完成：成功 1 份") and len(out.splitlines()) == 1


def test_an_empty_directory_fails(db, tmp_path):
    code, _, err = run(str(tmp_path))
    assert code == 1 and err.strip() == f"没有找到要导入的文档（.json 文件）：{tmp_path}"


def test_options_apply_to_every_file(db, tmp_path):
    for name in ("a", "b"):
        doc = titled(f"评价{name}")
        for key in ("agency", "commissioning_bureau", "evaluating_firm"):
            del doc["evaluation"][key]
        doc["team"] = []
        write(tmp_path, f"{name}.json", doc)
    code, _, err = run(str(tmp_path), "--unit", "选项区民政局", "--bureau", "选项区财政局", "--firm", "选项评价机构")
    assert (code, err) == (0, "")
    assert set(Evaluation.objects.values_list("evaluated_unit__name", "commissioning_bureau__name")) == {
        ("选项区民政局", "选项区财政局")
    }
    assert Evaluation.objects.count() == 2


def test_one_bad_document_among_good_ones(evaluator, tmp_path):
    OrganisationFactory(name="已登记的财政局", kind=OrganisationKind.BUREAU)
    good = [write(tmp_path, "1-good.json", titled("好的评价一")), write(tmp_path, "5-good.json", titled("好的评价二"))]
    write(tmp_path, "2-json.json", '{"format": "perf-eval/1", "evaluation": ')
    rule = titled("规则有误的评价")
    rule["evaluation"]["commissioning_bureau"] = "坏文档区财政局"  # would be created, were the document valid
    rule["indicators"][0]["children"][0]["children"][0]["rule"] = {"kind": "checklist", "items": []}
    write(tmp_path, "3-rule.json", rule)
    unit = titled("单位有误的评价")
    unit["evaluation"]["agency"] = "已登记的财政局"  # registered as a bureau: not a unit
    write(tmp_path, "4-unit.json", unit)
    missing = titled("未写明单位的评价")
    del missing["evaluation"]["agency"]
    write(tmp_path, "6-nounit.json", missing)
    before = counts()

    code, out, err = run(str(tmp_path))

    assert code == 1 and "Traceback" not in err
    errors = err.splitlines()
    assert errors[0].startswith(f"{tmp_path / '2-json.json'}：文件不是有效的 JSON：")
    assert errors[1].startswith(f"{tmp_path / '3-rule.json'}：决策 / 项目立项 / 立项依据充分性：")
    assert errors[2] == f"{tmp_path / '4-unit.json'}：被评价单位「已登记的财政局」已登记为财政局，不能作为被评价单位"
    assert errors[3] == f"{tmp_path / '6-nounit.json'}：" + (
        "文档未写明被评价单位（evaluation.agency），请在文档中写明，或导入时用 --unit 指定"
    )
    assert len(errors) == 4
    assert out.splitlines()[-1].startswith("导入完成：成功 2 份，失败 4 份")
    assert [line.split("：")[0] for line in out.splitlines()[:2]] == [str(path) for path in good]
    assert sorted(Evaluation.objects.values_list("title", flat=True)) == ["好的评价一", "好的评价二"]
    after = counts()
    assert after["Evaluation"] == before["Evaluation"] + 2
    assert not Organisation.objects.filter(name="坏文档区财政局").exists()


def test_a_document_failing_while_written_changes_nothing_and_is_forgotten(evaluator, tmp_path, monkeypatch):
    """A failure after the document's organisations and project were created: its transaction takes them back,
    and the lookups shared by the run forget them, so the next document creates them anew."""
    write_items = importing._write_items

    def fail_once(evaluation, parsed, indicators, replacing):
        if evaluation.title == "写入时失败":
            raise RuntimeError("磁盘已满")
        write_items(evaluation, parsed, indicators, replacing)

    monkeypatch.setattr(importing, "_write_items", fail_once)
    failing, later = titled("写入时失败"), titled("之后的评价")
    for doc in (failing, later):
        doc["evaluation"]["agency"] = "新单位"
        doc["evaluation"]["project"] = "新项目"
    write(tmp_path, "1.json", failing)
    write(tmp_path, "2.json", later)
    code, _, err = run(str(tmp_path))
    assert code == 1
    assert err.splitlines() == [f"{tmp_path / '1.json'}：无法导入：程序内部错误（RuntimeError：磁盘已满）"]
    evaluation = Evaluation.objects.get()
    assert evaluation.title == "之后的评价" and evaluation.evaluated_unit.name == "新单位"
    assert evaluation.project.name == "新项目" and evaluation.project.unit == evaluation.evaluated_unit
    assert Organisation.objects.filter(name="新单位").count() == Project.objects.filter(name="新项目").count() == 1


def test_one_file_prints_as_before(evaluator, tmp_path):
    code, out, err = run(str(write(tmp_path, "doc.json", document())))
    evaluation = Evaluation.objects.get()
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"评价编号：{evaluation.pk}", "总分：95.32 分    评价等级：优"]


# --- the same results as the import before bulk writes -----------------------------------------------------


def outcome(evaluation: Evaluation) -> dict:
    """What tests/data/expected/import_seed_documents.json holds (written by the row-by-row import, before bulk)."""
    rows = list(evaluation.indicators.all())
    return {
        "total_score": str(evaluation.total_score),
        "grade": evaluation.grade,
        "indicators": [
            [
                "/".join(node.path),
                str(node.item.weight),
                str(node.item.computed_score),
                str(node.item.awarded_score),
                node.item.score_explanation,
                node.item.inputs,
            ]
            for node in IndicatorTree(rows, score=lambda row: None).nodes
        ],
        "level_one": sorted(
            [row.indicator.name, str(row.score), str(row.weight), str(row.rate)]
            for row in evaluation.level_one_scores.select_related("indicator")
        ),
        "tables": {
            t.key: [row.values for row in t.rows.order_by("order")] for t in evaluation.data_tables.order_by("key")
        },
    }


def test_both_demo_documents_import_exactly_as_before(db, tmp_path):
    for key, path in SEED_DOCUMENTS.items():
        write(tmp_path, f"{key}.json", path.read_text(encoding="utf-8"))
    code, _, err = run(str(tmp_path))
    assert (code, err) == (0, "")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for key, path in SEED_DOCUMENTS.items():
        title = json.loads(path.read_text(encoding="utf-8"))["evaluation"]["title"]
        assert outcome(Evaluation.objects.get(title=title)) == expected[key], key
    assert (expected["project"]["total_score"], expected["department"]["total_score"]) == ("97.75", "91.87")


# --- history -------------------------------------------------------------------------------------------------


def test_every_imported_row_has_its_history_record(evaluator, tmp_path):
    """The row-by-row import wrote history for the same models (then a "~" after the "+" for the evaluation, the
    scored leaves and every table; none for recommendations and experiences): now one "+" per row, its final
    values, all marked as the one user action."""
    code, _, _ = run(str(write(tmp_path, "doc.json", document())))
    assert code == 0
    evaluation = Evaluation.objects.get()
    marks = set()
    for model in HISTORY_KEPT:
        rows = list(model.objects.all())
        assert rows, model.__name__
        for row in rows:
            records = list(row.history.all())
            assert [record.history_type for record in records] == ["+"], (model.__name__, row.pk)
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "updated_at"]
            assert {f: getattr(records[0], f) for f in fields} == {f: getattr(row, f) for f in fields}
            marks.add(records[0].history_change_reason)
    assert len(marks) == 1 and marks.pop().startswith("action:")  # one user action: the import of one document
    assert evaluation.history.get().total_score == evaluation.total_score


def test_reimport_replaces_writing_only_what_changed(evaluator, tmp_path):
    path = write(tmp_path, "doc.json", document())
    assert run(str(path))[0] == 0
    evaluation = Evaluation.objects.get()
    table = evaluation.data_tables.get(key="funds_use")
    records = history_counts()
    assert run(str(path))[0] == 0  # the same document again: nothing to write
    assert history_counts() == records and evaluation.data_tables.get(key="funds_use").version == table.version

    doc = document()
    doc["tables"]["project_funds"][0]["actual_expenditure"] = "264.95"  # moves the bound 预算执行率, the total
    doc["tables"]["funds_use"][1]["amount"] = 150
    doc["narrative"]["background"] = "新的背景"
    doc["team"] = doc["team"][:1]
    doc["findings"][1]["title"] = "资金分配需要调整"
    doc["findings"][1]["indicators"] = [["产出", "产出数量", "实际完成率", "2023年"]]
    assert run(str(write(tmp_path, "doc.json", doc)))[0] == 0

    again = Evaluation.objects.get()
    assert again.pk == evaluation.pk and again.total_score != evaluation.total_score
    assert again.data_tables.get(key="funds_use").version == table.version + 1
    assert again.indicators.get(name="预算执行率").inputs == {"target": 100, "actual": "2649500/29439"}  # exact
    assert [r.values["amount"] for r in TableRow.objects.filter(table__key="funds_use").order_by("order")][1] == (
        "150.000000"
    )
    assert list(again.team.values_list("name", flat=True)) == ["王桂龙"]
    assert again.findings.get(order=2).indicators.count() == 1
    moved = {name: count - records[name] for name, count in history_counts().items() if count != records[name]}
    assert moved == {
        "Evaluation": 1,  # total and grade
        "EvaluationIndicator": 1,  # the bound leaf
        "DataTable": 2,
        "NarrativeSection": 1,
        "TeamMember": 1,  # 孙琴 removed
        "Finding": 1,
    }
    assert EvaluationIndicator.history.filter(history_type="~").get().name == "预算执行率"
    assert TeamMember.history.filter(history_type="-").get().name == "孙琴"


# --- queries ---------------------------------------------------------------------------------------------------


def doubled(doc: dict) -> dict:
    """The document with twice the indicators, table rows, team members, findings and recommendations."""
    doc = copy.deepcopy(doc)

    def renamed(node: dict) -> dict:
        node = {**node, "name": node["name"] + "（二）"}
        if "children" in node:
            node["children"] = [renamed(child) for child in node["children"]]
        return node

    doc["indicators"] += [renamed(node) for node in doc["indicators"]]  # weights no longer add up: still imports
    doc["tables"] = {key: rows + rows for key, rows in doc["tables"].items() if key != "project_funds"}
    doc["team"] += [{**member, "name": member["name"] + "二", "user": None} for member in doc["team"]]
    doc["findings"] += doc["findings"]
    doc["recommendations"] += doc["recommendations"]
    doc["experiences"] += doc["experiences"]
    return doc


def queries(doc: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        import_document(copy.deepcopy(doc))
    return len(captured)


def test_queries_do_not_grow_with_the_rows(evaluator):
    small, large = titled("小的评价"), doubled(titled("大的评价"))
    small["tables"].pop("project_funds")
    # A warm start for both: the organisations, project and template exist already.
    import_document(titled("预热"))
    fresh = (queries(small), queries(large))
    assert fresh[0] == fresh[1] <= 32, fresh  # 4 levels of indicators: 8 of them
    again = (queries(small), queries(large))  # replacing with the same document: read, compare, write nothing
    assert again[0] == again[1] <= 32, again
    assert EvaluationIndicator.objects.filter(evaluation__title="大的评价").count() == 32
