"""A perf-eval/1 document using every rule form of DESIGN §4.1 (tests/data/every_rule_form.json): ``score`` agrees
with hand computation; import then export keeps every rule, input and the not-applicable policy; a bad value in
any new form is refused by ``score`` (exit 1, a line per error) and by import (nothing saved). And the built-in
national 自评表 template scores as 财预〔2020〕10号 第十六条 says."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from evaluations.domain.creation import create_evaluation
from evaluations.domain.datatables import save_table
from evaluations.domain.importing import DocumentImportError, import_document
from evaluations.domain.scoring_inputs import save_scoring
from evaluations.interchange.export import export_document
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.models.roles import Role
from evaluations.queries.consistency import check_evaluation
from evaluations.queries.tree import indicator_tree
from rubrics.models import EvaluationKind, IndicatorTemplate
from tests.factories import OrganisationFactory, ProjectFactory, UserFactory

DOCUMENT = Path(__file__).resolve().parent / "data" / "every_rule_form.json"

# The wording of each leaf, computed by hand:
HAND = {
    "预算执行率": "6.00",  # 每低于5%扣2分: 93 → gap 7 → 2 started steps → 10 − 2 × 2
    "资金到位率": "5.50",  # ≤80%不得分, else 0.5 per point: 91 → 10 − 0.5 × 9
    "预算控制率": "3.00",  # lower is better: 12.5 in 10–20%（含）→ 3
    "结转结余": "4.70",  # either of: 变动率 3% → 5 − 0.1 × 3
    "实际完成率": "20.00",  # ratio capped at 1 (140 of 100), over the 130% limit: a problem, not a deduction
    "社会效益": "15.00",  # graded: 中 (60–<80), share 75% → 20 × 75%
    "资金使用合规性": "6.00",  # ① 6 × (1 − 2/3) = 2, ② 4
    "服务质量": "8.50",  # coefficient 85% × 10
}
# 楼堂馆所控制 (10) is not applicable: 68.70 over 90 → 76.33 (rescale); 78.70 (full).


def load() -> dict:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def run(command: str, *args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, doc: dict) -> str:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_score_agrees_with_hand_computation(tmp_path):
    code, out, err = run("score", str(DOCUMENT), "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    scores = {row["path"][-1]: row["score"] for row in result["indicators"]}
    for name, score in HAND.items():
        assert Decimal(str(scores[name])) == Decimal(score), name
    assert scores["楼堂馆所控制"] is None
    assert result["total"] == 76.33 and result["grade"] == "中"
    assert [p["where"] for p in result["problems"]] == ["履职效能 / 实际完成率"]

    full = load()
    full["evaluation"]["na_policy"] = "full"
    code, out, _ = run("score", write(tmp_path, full), "--json")
    assert code == 0 and json.loads(out)["total"] == 78.70


BAD = [
    ("预算执行率", ["rule", "step"], 0, "每档幅度"),
    ("预算控制率", ["rule", "bands"], [[10, 4], [0, 5]], "分档"),
    ("社会效益", ["inputs", "share"], 95, "不在等级"),
    ("结转结余", ["inputs", "option"], 2, "无效"),
    ("服务质量", ["inputs", "coefficient"], 120, "0 到 100"),
    ("资金使用合规性", ["inputs", "faults"], {"0": -1}, "不小于 0"),
]


def _set(doc: dict, name: str, path: list[str], value) -> dict:
    doc = copy.deepcopy(doc)
    for section in doc["indicators"]:
        for leaf in section["children"]:
            if leaf["name"] == name:
                leaf[path[0]][path[1]] = value
    return doc


@pytest.mark.parametrize(("name", "path", "value", "words"), BAD)
def test_score_refuses_bad_values_with_one_line_naming_indicator_and_field(tmp_path, name, path, value, words):
    code, out, err = run("score", write(tmp_path, _set(load(), name, path, value)))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and name in lines[0] and words in lines[0], lines


@pytest.fixture
def importer(db):
    return UserFactory(username="rule-forms", organisation=OrganisationFactory(name="导入人所在单位"))


@pytest.mark.parametrize(("name", "path", "value", "words"), BAD)
def test_import_refuses_bad_values_and_saves_nothing(importer, name, path, value, words):
    with pytest.raises(DocumentImportError) as info:
        import_document(_set(load(), name, path, value), user=importer)
    assert any(name in error and words in error for error in info.value.errors), info.value.errors
    assert not Evaluation.objects.exists() and not EvaluationIndicator.objects.exists()


def test_import_scores_as_score_does_and_export_round_trips(importer):
    evaluation = import_document(load(), user=importer)
    evaluation.refresh_from_db()
    assert evaluation.na_policy == "rescale" and evaluation.total_score == Decimal("76.33")
    tree = indicator_tree(evaluation)
    scores = {leaf.name: leaf.score for leaf in tree.leaves}
    for name, score in HAND.items():
        assert scores[name] == Decimal(score), name
    assert scores["楼堂馆所控制"] is None and not tree.node(tree.leaves[-1].key).applicable
    problems = check_evaluation(evaluation)
    over = [p for p in problems if "130%" in p.message]
    assert len(over) == 1 and over[0].where == "指标「实际完成率」"

    exported = export_document(evaluation)
    assert exported["evaluation"]["na_policy"] == "rescale"
    leaves = {leaf["name"]: leaf for section in exported["indicators"] for leaf in section["children"]}
    original = {leaf["name"]: leaf for section in load()["indicators"] for leaf in section["children"]}
    for name, leaf in original.items():
        assert leaves[name]["rule"] == leaf["rule"], name
        assert leaves[name]["inputs"] == leaf["inputs"], name
    again = import_document(json.loads(json.dumps(exported, default=str)), user=importer)
    assert again.pk == evaluation.pk and Evaluation.objects.get(pk=again.pk).total_score == Decimal("76.33")


# --- the national 自评表 template ------------------------------------------------------------------------


def test_national_self_evaluation_template_scores_by_article_16(db):
    importer = UserFactory(organisation=OrganisationFactory(name="自评机构", kind="firm"), role=Role.EVALUATOR)
    call_command("load_templates", stdout=StringIO())
    template = IndicatorTemplate.objects.get(name="项目支出绩效自评表（财预〔2020〕10号 附1）")
    roots = {node.name: node.weight for node in template.indicators.filter(parent=None)}
    assert roots == {"预算执行率": 10, "产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert template.na_policy == "rescale"
    qualitative = template.indicators.filter(rule_kind="graded")
    assert qualitative.count() == 4
    assert all(node.rule_params["levels"][0][1:] == [80, 100] for node in qualitative)
    unit = OrganisationFactory(name="自评单位")
    evaluation = create_evaluation(
        user=importer,
        kind=EvaluationKind.PROJECT,
        title="2024 年度某项目绩效自评",
        year=2024,
        template=template,
        evaluated_unit=unit,
        commissioning_bureau=OrganisationFactory(name="自评财政局", kind="bureau"),
        project=ProjectFactory(name="某项目", unit=unit),
    )
    save_table(
        evaluation=evaluation,
        key="project_funds",
        rows=[
            {"initial_budget": "100", "adjusted_budget": "120", "funds_received": "110", "actual_expenditure": "108"}
        ],
    )
    leaves = {leaf.name: leaf for leaf in (n.item for n in indicator_tree(evaluation).leaves)}
    entries = {
        "实际完成率": {"in-actual": "95", "in-target": "100"},  # 20 × 0.95 = 19
        "质量达标率": {"in-actual": "100", "in-target": "98"},  # complete: 15
        "完成及时率": {"in-actual": "140", "in-target": "100"},  # 10, over 130%: a problem
        "成本控制": {"in-actual": "55", "in-target": "50"},  # 5 × 50/55 = 4.545… → 4.55
        "经济效益": {"in-level": "达成年度指标", "in-share": "90"},  # 8 × 90% = 7.2
        "社会效益": {"in-level": "部分达成年度指标并具有一定效果", "in-share": "70"},  # 8 × 70% = 5.6
        "生态效益": {"na-shown": "1", "not_applicable": "1"},  # not applicable
        "可持续影响": {"in-level": "达成年度指标", "in-share": "100"},  # 7
        "服务对象满意度": {"in-actual": "92", "in-target": "90"},  # 10
    }
    for name, data in entries.items():
        leaf = EvaluationIndicator.objects.get(pk=leaves[name].pk)
        save_scoring(evaluation=evaluation, indicator_id=leaf.pk, expected_version=leaf.version, data=data)
    evaluation.refresh_from_db()
    budget = EvaluationIndicator.objects.get(evaluation=evaluation, name="预算执行率")
    assert budget.bindings == {"actual": "annual_budget_execution_rate"}
    assert budget.computed_score == Decimal("9.00")  # 108 ÷ 120 = 90% × 10
    # applicable: 9 + 19 + 15 + 10 + 4.55 + 7.2 + 5.6 + 7 + 10 = 87.35 of 93 → 93.92
    assert evaluation.total_score == Decimal("93.92") and evaluation.grade == "优"
    assert any("130%" in p.message for p in check_evaluation(evaluation))
