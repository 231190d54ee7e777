"""An evaluation as one perf-eval/1 document: export, import, round trips and every refusal."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from evaluations.domain.datatables import save_table
from evaluations.domain.importing import DocumentImportError, import_document
from evaluations.interchange.export import export_document
from evaluations.interchange.scoring import score_document
from evaluations.models import (
    DataTable,
    Evaluation,
    EvaluationIndicator,
    EvaluationState,
    Experience,
    Finding,
    NarrativeSection,
    Organisation,
    OrganisationKind,
    Project,
    Recommendation,
    TableRow,
    TeamMember,
)
from evaluations.queries.consistency import check_evaluation
from evaluations.queries.tree import indicator_tree
from rubrics.document import parse_document
from tests.factories import OrganisationFactory, UserFactory

BUILTIN = Path(__file__).resolve().parent.parent / "rubrics" / "builtin"
MODELS = (
    Organisation,
    Project,
    Evaluation,
    EvaluationIndicator,
    DataTable,
    TableRow,
    NarrativeSection,
    TeamMember,
    Finding,
    Recommendation,
    Experience,
)


def leaf(name, weight, rule, inputs, **extra):
    return {"name": name, "weight": weight, "rule": rule, "inputs": inputs, **extra}


def document() -> dict:
    """A project evaluation using every part of the document: 4 levels, bindings, tables, team, findings."""
    return {
        "format": "perf-eval/1",
        "evaluation": {
            "kind": "project",
            "title": "2023 年度困难群体救助项目支出绩效评价",
            "year": 2023,
            "agency": "导入测试区民政局",
            "project": "困难群体救助",
            "grades": [[90, "优"], [80, "良"], [60, "中"], [0, "差"]],
            "commissioning_bureau": "导入测试区财政局",
            "evaluating_firm": "导入测试评价机构",
            "period": ["2023-01-01", "2023-12-31"],
            "report_date": "2023-10-08",
            "template": None,
        },
        "indicators": [
            {
                "name": "决策",
                "weight": 20,
                "children": [
                    {
                        "name": "项目立项",
                        "weight": 20,
                        "children": [
                            leaf(
                                "立项依据充分性",
                                10,
                                {"kind": "checklist", "items": ["符合规划", "符合职责"], "gate": None},
                                {"met": [0, 1]},
                                explanation="项目立项是否符合法律法规。",
                                standard="①符合规划 5 分；②符合职责 5 分。",
                                benchmark="充分",
                                evidence="立项文件",
                                evidence_obtained="立项批复；部门三定方案",
                                research=["2023-07-02", "2023-07-20"],
                            ),
                            leaf("立项程序规范性", 10, {"kind": "binary"}, {"met": True}, score=8),
                        ],
                    }
                ],
            },
            {
                "name": "过程",
                "weight": 30,
                "children": [
                    {
                        "name": "资金管理",
                        "weight": 30,
                        "children": [
                            leaf(
                                "预算执行率",
                                15,
                                {"kind": "ratio", "cap": 1},
                                {"target": 100},
                                bind={"actual": "budget_execution_rate"},
                                unit="%",
                            ),
                            leaf(
                                "资金到位率",
                                15,
                                {"kind": "threshold_deduct", "threshold": 98, "per_point": 0.5, "rounding": "ceil"},
                                {},
                                bind={"actual": "funds_arrival_rate"},
                            ),
                        ],
                    }
                ],
            },
            {
                "name": "产出",
                "weight": 30,
                "children": [
                    {
                        "name": "产出数量",
                        "weight": 30,
                        "children": [
                            {
                                "name": "实际完成率",
                                "weight": 20,
                                "children": [
                                    leaf("2023年", 20, {"kind": "ratio"}, {"actual": 96.8, "target": 100}),
                                ],
                            },
                            leaf(
                                "完成及时性",
                                10,
                                {"kind": "manual"},
                                {"score": 9.5, "reason": "个别批次延迟一天"},
                                score=9,
                                reason="复核后调整",
                            ),
                        ],
                    }
                ],
            },
            {
                "name": "效益",
                "weight": 20,
                "children": [
                    {
                        "name": "满意度",
                        "weight": 20,
                        "children": [
                            leaf(
                                "困难群众满意度",
                                20,
                                {"kind": "satisfaction"},
                                {"survey": False, "complaint_rate": 1},
                                actual_display="99%",
                                analysis="未开展满意度调查，投诉率 1%。",
                                custom=True,
                            )
                        ],
                    }
                ],
            },
        ],
        "tables": {
            "project_funds": [
                {
                    "initial_budget": "433.53",
                    "adjusted_budget": "294.39",
                    "funds_received": "294.39",
                    "actual_expenditure": "293.53",
                    "funding_source": "区级一般公共预算",
                }
            ],
            "funds_use": [
                {"category": "慰问工作", "subcategory": "节日慰问", "item": "春节慰问金", "amount": "94.19"},
                {"category": "慰问工作", "subcategory": "节日慰问", "item": "中秋节慰问金", "amount": 159.25},
            ],
        },
        "narrative": {"background": "为保障困难群体基本生活……", "purpose": "评价资金使用绩效。"},
        "team": [
            {
                "name": "王桂龙",
                "group": "项目工作组",
                "qualification": "注册造价师",
                "role": "manager",
                "duty": "项目经理",
                "user": "import-evaluator",
            },
            {"name": "孙琴", "group": "", "qualification": "", "role": "review_2", "duty": "二级复核", "user": None},
        ],
        "findings": [
            {"title": "部分批次发放不及时", "text": "……", "indicators": [["产出", "产出数量", "实际完成率", "2023年"]]},
            {"title": "资金分配不够合理", "text": "", "indicators": []},
        ],
        "recommendations": [
            {"title": "加强发放时限管理", "text": "……", "finding": 0},
            {"title": "完善档案", "text": "", "finding": None},
        ],
        "experiences": [{"title": "建立动态管理机制", "text": "……"}],
    }


@pytest.fixture
def evaluator(db):
    # Not in the firm of the document, so the organisations the import creates can be deleted freely.
    return UserFactory(username="import-evaluator", organisation=OrganisationFactory(name="账号所属单位"))


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def refused(doc) -> list[str]:
    with pytest.raises(DocumentImportError) as info:
        import_document(doc)
    return info.value.errors


def through_json(doc: dict) -> dict:
    """What the import command reads: the document as JSON text, fractions parsed as Decimal."""
    return parse_document(json.dumps(doc, ensure_ascii=False))


# --- import and export ------------------------------------------------------------------------------


def test_import_stores_every_part(evaluator):
    evaluation = import_document(through_json(document()), user=evaluator)
    assert (evaluation.kind, evaluation.year, evaluation.project.name) == ("project", 2023, "困难群体救助")
    assert evaluation.commissioning_bureau.kind == OrganisationKind.BUREAU
    assert evaluation.evaluating_firm.kind == OrganisationKind.FIRM
    assert str(evaluation.report_date) == "2023-10-08" and evaluation.created_by == evaluator
    leaf_ = evaluation.indicators.get(name="立项依据充分性")
    assert (leaf_.benchmark, leaf_.evidence_required, leaf_.order) == ("充分", "立项文件", 1)
    assert (leaf_.evidence_obtained, str(leaf_.research_start), str(leaf_.research_end)) == (
        "立项批复；部门三定方案",
        "2023-07-02",
        "2023-07-20",
    )
    assert leaf_.parent.name == "项目立项" and leaf_.parent.parent.name == "决策"
    year = evaluation.indicators.get(name="2023年")
    assert year.parent.parent.parent.name == "产出"  # the fourth level
    bound = evaluation.indicators.get(name="预算执行率")
    assert bound.bindings == {"actual": "budget_execution_rate"}
    assert bound.computed_score == Decimal("14.96")  # 293.53 / 294.39 from the table, not typed
    satisfied = evaluation.indicators.get(name="困难群众满意度")
    assert (satisfied.is_custom, satisfied.actual_display, satisfied.computed_score) == (True, "99%", Decimal(19))
    assert evaluation.data_tables.get(key="funds_use").rows.count() == 2
    assert evaluation.narrative.get(key="purpose").text == "<p>评价资金使用绩效。</p>"  # plain text → paragraphs
    assert list(evaluation.team.values_list("name", "user__username")) == [
        ("王桂龙", "import-evaluator"),
        ("孙琴", None),
    ]
    finding = evaluation.findings.get(order=1)
    assert [i.name for i in finding.indicators.all()] == ["2023年"]
    assert evaluation.recommendations.get(order=1).finding == finding
    assert evaluation.recommendations.get(order=2).finding is None
    assert evaluation.experiences.count() == 1


def test_an_awarded_score_without_reason_is_stored_and_counts(evaluator):
    evaluation = import_document(document())
    indicator = evaluation.indicators.get(name="立项程序规范性")
    assert (indicator.awarded_score, indicator.override_reason, indicator.computed_score) == (Decimal(8), "", 10)
    # 10 + 8 + 14.96 + 15 + 19.36 + 9 + 19 (satisfaction: 20 - 1 for no survey)
    assert evaluation.total_score == Decimal("95.32") and evaluation.grade == "优"


def test_the_export_is_a_document_the_score_command_accepts(evaluator):
    evaluation = import_document(document())
    exported = export_document(evaluation)
    result = score_document(through_json(exported))
    assert result["total"] == evaluation.total_score
    assert [p["where"] for p in result["problems"]] == ["决策 / 项目立项 / 立项程序规范性"]  # 8 vs 10, no reason


def test_export_omits_empty_optional_strings_and_keeps_tree_order(evaluator):
    exported = export_document(import_document(document()))
    first = exported["indicators"][0]["children"][0]["children"]
    assert [node["name"] for node in first] == ["立项依据充分性", "立项程序规范性"]
    assert set(first[1]) == {"name", "weight", "rule", "inputs", "score"}
    assert first[0]["evidence_obtained"] == "立项批复；部门三定方案"
    assert first[0]["research"] == ["2023-07-02", "2023-07-20"]
    assert first[0]["rule"] == {"kind": "checklist", "items": ["符合规划", "符合职责"], "gate": None}
    timely = exported["indicators"][2]["children"][0]["children"][1]
    assert (timely["score"], timely["reason"]) == (9, "复核后调整")
    assert exported["tables"]["funds_use"][1]["amount"] == "159.250000"
    assert list(exported["narrative"]) == ["background", "purpose"]
    assert exported["recommendations"][0]["finding"] == 0


def test_round_trip_in_the_same_database(evaluator):
    first = export_document(import_document(through_json(document())))
    again = import_document(through_json(first))
    assert export_document(again) == first
    assert Evaluation.objects.count() == 1
    assert export_document(import_document(first)) == first  # a dict straight from export_document, too


def test_round_trip_across_a_fresh_database(evaluator):
    evaluation = import_document(document())
    first = json.dumps(export_document(evaluation), ensure_ascii=False)
    evaluation.delete()
    Project.objects.all().delete()
    Organisation.objects.exclude(name="账号所属单位").delete()
    assert Evaluation.objects.count() == EvaluationIndicator.objects.count() == Organisation.objects.count() - 1 == 0
    imported = import_document(parse_document(first))
    assert json.dumps(export_document(imported), ensure_ascii=False) == first


def test_round_trip_of_an_evaluation_edited_in_the_database(evaluator):
    evaluation = import_document(document())
    save_table(
        evaluation=evaluation,
        key="disbursements",
        rows=[
            {
                "category": "节日慰问金",
                "item": "春节慰问金",
                "recipient": "市属福利机构",
                "paid_on": "2023年1月20日",
                "deadline": "2023-01-21",
                "recipients": "7",
                "standard": "6",
                "amount": "36",
            }
        ],
    )
    node = evaluation.indicators.get(name="2023年")
    node.analysis, node.inputs = "完成 96.8%。", {"actual": "97.5", "target": 100}
    node.save()
    first = export_document(evaluation)
    assert first["tables"]["disbursements"][0]["paid_on"] == "2023-01-20"
    assert export_document(import_document(through_json(first))) == first


def test_reimport_replaces_in_place_rather_than_duplicating(evaluator):
    evaluation = import_document(document())
    kept = evaluation.indicators.get(name="预算执行率").pk
    doc = document()
    doc["indicators"][3]["children"][0]["children"][0]["name"] = "服务对象满意度"
    doc["team"] = doc["team"][:1]
    doc["narrative"] = {"background": "新的背景"}
    del doc["tables"]["funds_use"]
    doc["findings"], doc["recommendations"], doc["experiences"] = [], [], []
    again = import_document(doc)
    assert again.pk == evaluation.pk and Evaluation.objects.count() == 1
    names = set(again.indicators.values_list("name", flat=True))
    assert "服务对象满意度" in names and "困难群众满意度" not in names
    assert again.indicators.get(name="预算执行率").pk == kept  # unchanged indicators keep their rows
    assert list(again.team.values_list("name", flat=True)) == ["王桂龙"]
    assert list(again.narrative.values_list("key", "text")) == [("background", "<p>新的背景</p>")]
    assert list(again.data_tables.values_list("key", flat=True)) == ["project_funds"]
    assert Finding.objects.count() == Recommendation.objects.count() == Experience.objects.count() == 0
    assert Organisation.objects.count() == 4 and Project.objects.count() == 1


def test_a_minimal_document_imports_with_defaults(db):
    doc = {
        "format": "perf-eval/1",
        "evaluation": {
            "kind": "department",
            "title": "部门整体评价",
            "year": 2022,
            "agency": "某局",
            "commissioner": "某区财政局",  # the built-in documents' names for the bureau and the firm
            "evaluator": "某评价机构",
        },
        "indicators": [{"name": "履职", "children": [leaf("完成率", 100, {"kind": "binary"}, {})]}],
    }
    evaluation = import_document(doc)
    assert (str(evaluation.period_start), str(evaluation.period_end)) == ("2022-01-01", "2022-12-31")
    assert evaluation.commissioning_bureau.name == "某区财政局" and evaluation.project is None
    assert evaluation.indicators.get(name="履职").weight == 100  # an inner weight may be left to its children
    assert evaluation.total_score is None  # no input yet: stored, reported as unscored


@pytest.mark.parametrize("name", ["project_luohu_2023.json", "department_luozhuang_2022.json"])
def test_the_seed_documents_import_score_as_their_document_and_round_trip(db, name):
    for username in ("evaluator", "reviewer", "reviewer1", "reviewer3"):  # the demo accounts their teams name
        UserFactory(username=username, organisation=OrganisationFactory())
    doc = parse_document((BUILTIN / name).read_text(encoding="utf-8"))
    evaluation = import_document(doc)
    # Bound inputs are recomputed from the imported tables; the total must still be the document's own.
    assert evaluation.total_score == score_document(doc)["total"]
    first = export_document(evaluation)
    assert export_document(import_document(through_json(first))) == first


# --- refusals: one clear line per problem, nothing written ------------------------------------------


def test_a_document_that_is_not_an_evaluation(db):
    assert refused([]) == ["文档必须是 JSON 对象（{…}）"]
    assert refused({"format": "perf-eval/2"}) == ["format 应为“perf-eval/1”，现为 “perf-eval/2”"]
    errors = refused({"format": "perf-eval/1", "evaluation": [], "indicators": {}, "team": "张三"})
    assert errors[:3] == [
        "evaluation（评价信息）必须是对象，现为 []",
        "indicators 必须是指标列表，现为 {}",
        "team（评价小组）必须是对象的列表，现为 “张三”",
    ]
    # What the importer would need besides: each missing header fact, with the option that supplies it.
    assert "文档未写明被评价单位（evaluation.agency），请在文档中写明，或导入时用 --unit 指定" in errors
    assert any(e.startswith("文档未写明委托单位（evaluation.commissioning_bureau）") for e in errors)


def test_every_header_problem_is_listed(evaluator):
    doc = document()
    doc["evaluation"].update(
        kind="program", year="2023", agency="", period=["2023-12-31", "2023-01-01"], report_date="二〇二三年十月"
    )
    errors = refused(doc)
    assert "evaluation.kind（评价类型）必须是 project、department 之一，现为 “program”" in errors
    assert "evaluation.year（评价年度）必须是四位整数年份，现为 “2023”" in errors
    assert "文档未写明被评价单位（evaluation.agency），请在文档中写明，或导入时用 --unit 指定" in errors
    assert "evaluation.period（评价期间）：起始日 2023-12-31 晚于截止日 2023-01-01" in errors
    assert any("report_date" in e and "二〇二三年十月" in e for e in errors)


def test_unknown_rule_kind(evaluator):
    doc = document()
    doc["indicators"][0]["children"][0]["children"][1]["rule"] = {"kind": "lottery"}
    (error,) = refused(doc)
    assert error.startswith("决策 / 项目立项 / 立项程序规范性：未知的评分规则类型 kind “lottery”（可选：ratio、")


def test_bad_rule_parameters(evaluator):
    doc = document()
    doc["indicators"][1]["children"][0]["children"][1]["rule"]["per_point"] = "半分"
    (error,) = refused(doc)
    assert error.startswith("过程 / 资金管理 / 资金到位率：评分规则 threshold_deduct：参数 per_point")


def test_weights_that_do_not_add_up_import_and_are_reported_by_the_check(evaluator):
    # DESIGN §10: weights that do not add up are a problem to report, not an error; score accepts such a
    # document, so the import does too, and the consistency check names it.
    doc = document()
    doc["indicators"][0]["children"][0]["children"][0]["weight"] = 12
    messages = [p.message for p in check_evaluation(import_document(doc))]
    assert "指标「项目立项」权重 20 分，其下级指标权重合计 22 分，二者应相等。" in messages
    doc = document()
    doc["indicators"][0]["weight"] = doc["indicators"][0]["children"][0]["weight"] = 25
    doc["indicators"][0]["children"][0]["children"][0]["weight"] = 15
    doc["evaluation"]["title"] += "（二）"
    messages = [p.message for p in check_evaluation(import_document(doc))]
    assert "一级指标权重合计 105 分，应为 100 分。" in messages


def test_indicators_nest_to_any_depth(evaluator):
    doc = document()
    year = doc["indicators"][2]["children"][0]["children"][0]["children"][0]
    doc["indicators"][2]["children"][0]["children"][0]["children"][0] = {
        "name": "2023年",
        "weight": 20,
        "children": [{**year, "name": "上半年"}],
    }
    evaluation = import_document(doc)
    half = evaluation.indicators.get(name="上半年")
    assert indicator_tree(evaluation).node(half.pk).level == 5
    assert export_document(evaluation)["indicators"][2]["children"][0]["children"][0]["children"][0]["children"]


def test_field_research_keys_round_trip_and_bad_ones_are_refused(evaluator):
    doc = document()
    other = doc["indicators"][0]["children"][0]["children"][1]
    other["research"] = ["2023-07-05", None]  # only the start known
    evaluation = import_document(doc)
    node = evaluation.indicators.get(name="立项程序规范性")
    assert (node.evidence_obtained, str(node.research_start), node.research_end) == ("", "2023-07-05", None)
    exported = export_document(evaluation)
    assert exported["indicators"][0]["children"][0]["children"][1]["research"] == ["2023-07-05", None]
    assert export_document(import_document(through_json(exported))) == exported
    for research, message in (
        ("2023-07-02", "research（现场调研时间）必须是 [开始, 结束] 两个日期，现为 “2023-07-02”"),
        (["2023-07-20", "2023-07-02"], "research（现场调研时间）开始日 2023-07-20 晚于结束日 2023-07-02"),
        (["2023年7月2日", None], "research（现场调研时间）开始：日期应写作 2023-10-01 这样的 ISO 格式"),
    ):
        doc = document()
        doc["indicators"][0]["children"][0]["children"][1]["research"] = research
        (error,) = refused(doc)
        assert error.startswith("决策 / 项目立项 / 立项程序规范性：" + message)
    doc = document()
    doc["indicators"][0]["children"][0]["children"][1]["evidence_obtained"] = ["清单"]
    (error,) = refused(doc)
    assert "evidence_obtained" in error


def test_a_bad_table_cell_names_table_row_column_and_why(evaluator):
    doc = document()
    doc["tables"]["funds_use"][1]["amount"] = "六百万"
    assert refused(doc) == ["表1-1 项目资金使用情况表 第2行 实际支付金额（万元）：「六百万」不是数字"]


def test_unknown_table_and_narrative_keys(evaluator):
    doc = document()
    doc["tables"]["dept_staffing"] = []  # a department table in a project evaluation
    doc["narrative"]["dept_overview"] = "……"
    errors = refused(doc)
    assert len(errors) == 2
    assert errors[0].startswith("tables：未知的表格 “dept_staffing”（本类评价可用：project_funds、funds_use")
    assert errors[1].startswith("narrative：未知的报告章节 “dept_overview”（本类评价可用：preamble、background")


def test_bad_inputs_team_and_findings(evaluator):
    doc = document()
    doc["indicators"][2]["children"][0]["children"][0]["children"][0]["inputs"]["actual"] = "九成"
    doc["team"][1]["user"] = "nobody"
    doc["team"].append({"name": "王桂龙", "role": "boss"})
    doc["findings"][0]["indicators"] = [["产出", "不存在的指标"]]
    doc["recommendations"][0]["finding"] = 5
    errors = refused(doc)
    assert errors == [
        "产出 / 产出数量 / 实际完成率 / 2023年：输入 actual（实际值）必须是数字，现为 “九成”",
        "team 第 3 人：姓名「王桂龙」重复（同一评价中按姓名区分成员）",
        "team 第 3 人：角色 role 必须是 manager、lead、member、review_1、review_2、review_3 之一，现为 “boss”",
        "findings 第 1 项：关联指标 "
        + json.dumps(["产出", "不存在的指标"], ensure_ascii=False)
        + " 不在指标体系中（应写作指标名称路径，如 [一级, 二级, 三级]）",
        "recommendations 第 1 项：finding 应为 findings 中的序号（从 0 起数）或 null，现为 5",
    ]


def test_an_account_this_system_does_not_have_is_left_unlinked_and_said(evaluator):
    doc = document()
    doc["team"][1]["user"] = "nobody"
    evaluation = import_document(doc)
    member = evaluation.team.get(name="孙琴")
    assert member.user is None and member.role == doc["team"][1]["role"]
    assert evaluation.import_notes == [
        "team 第 2 人（孙琴）：本系统没有账号 “nobody”，该成员已导入但未关联账号，可在“评价小组”中关联"
    ]


def test_organisation_of_the_wrong_kind(evaluator):
    OrganisationFactory(name="导入测试区财政局", kind=OrganisationKind.UNIT)
    assert refused(document()) == ["委托单位「导入测试区财政局」已登记为被评价单位/部门，不能作为委托单位"]


def test_a_refused_import_changes_nothing(evaluator):
    evaluation = import_document(document())
    before, exported = counts(), export_document(evaluation)
    doc = document()
    doc["indicators"][0]["children"][0]["children"][0]["name"] = "改名"  # would change the tree …
    doc["team"] = []  # … the team …
    doc["tables"]["funds_use"][0]["amount"] = "六百万"  # … but one cell is bad
    refused(doc)
    doc = document()
    doc["evaluation"]["title"] = "另一项评价"  # would create a new evaluation and its rows
    doc["indicators"][0]["weight"] = 21.005  # more than 2 decimals: refused
    refused(doc)
    assert counts() == before
    assert export_document(evaluation) == exported


def test_an_approved_evaluation_is_not_replaced(evaluator):
    evaluation = import_document(document())
    Evaluation.objects.filter(pk=evaluation.pk).update(state=EvaluationState.APPROVED)
    assert refused(document()) == [
        "评价「2023 年度困难群体救助项目支出绩效评价」当前状态为“已批准”，不能再通过导入修改"
    ]


# --- the commands ---------------------------------------------------------------------------------


def run(command: str, *args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_import_command_prints_id_total_and_grade(evaluator, tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document(), ensure_ascii=False), encoding="utf-8")
    code, out, err = run("import_evaluation", str(path))
    evaluation = Evaluation.objects.get()
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"评价编号：{evaluation.pk}", "总分：95.32 分    评价等级：优"]


def test_import_command_refuses_with_one_line_per_error(evaluator, tmp_path):
    doc = document()
    doc["tables"]["funds_use"][1]["amount"] = "六百万"
    doc["narrative"]["nonsense"] = ""
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = counts()
    code, out, err = run("import_evaluation", str(path))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert len(lines) == 2 and "Traceback" not in err
    assert lines[0] == "表1-1 项目资金使用情况表 第2行 实际支付金额（万元）：「六百万」不是数字"
    assert lines[1].startswith("narrative：未知的报告章节 “nonsense”")
    assert counts() == before


def test_import_command_refuses_files_that_are_not_json(db, tmp_path):
    path = tmp_path / "doc.json"
    path.write_text("{not json", encoding="utf-8")
    code, out, err = run("import_evaluation", str(path))
    assert (code, out) == (1, "") and err.startswith("文件不是有效的 JSON：第 1 行")
    code, _, err = run("import_evaluation", str(tmp_path / "missing.json"))
    assert (code, err.strip()) == (1, f"找不到文件：{tmp_path / 'missing.json'}")


def test_export_command(evaluator, tmp_path):
    evaluation = import_document(document())
    code, out, err = run("export_evaluation", str(evaluation.pk))
    assert (code, err) == (0, "")
    assert json.loads(out) == export_document(evaluation) and "困难群体救助" in out  # ensure_ascii=False
    target = tmp_path / "out.json"
    code, out, _ = run("export_evaluation", str(evaluation.pk), "--output", str(target))
    assert code == 0 and json.loads(target.read_text(encoding="utf-8")) == export_document(evaluation)
    code, out, err = run("export_evaluation", "999999")
    assert (code, out, err.strip()) == (1, "", "找不到编号为 999999 的评价")


def test_export_then_import_commands_round_trip(evaluator, tmp_path):
    evaluation = import_document(document())
    first = tmp_path / "first.json"
    assert run("export_evaluation", str(evaluation.pk), "-o", str(first))[0] == 0
    assert run("import_evaluation", str(first))[0] == 0
    second = tmp_path / "second.json"
    assert run("export_evaluation", str(evaluation.pk), "-o", str(second))[0] == 0
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")


def test_documents_are_not_mutated_by_import(evaluator):
    doc = document()
    original = copy.deepcopy(doc)
    import_document(doc)
    assert doc == original
