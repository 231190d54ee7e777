"""One source of truth: exact scores rounded once, one number module, one reader, stored scores that cannot
go stale, and an approval whose final report never fails it (issue 9)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from evaluations.domain.datatables import save_table
from evaluations.domain.errors import EditError
from evaluations.domain.importing import DocumentImportError, ImportDefaults, import_document
from evaluations.domain.indicator_tree import set_weights
from evaluations.domain.scoring import recompute_scores, rescore_after_migrate
from evaluations.domain.workflow import perform
from evaluations.interchange.export import export_document
from evaluations.interchange.reader import read_document
from evaluations.interchange.scoring import score_document
from evaluations.models import Evaluation, EvaluationIndicator, NarrativeSection, OrganisationKind
from evaluations.queries.consistency import ERROR, check_evaluation
from evaluations.queries.tree import indicator_tree
from reports import requests as report_requests
from reports.archive import ArchiveNotReady, build_archive
from reports.models import ReportStatus, ReportVersion
from rubrics.builtin import BUILTIN_DIR
from rubrics.document import DocumentError, parse_document
from rubrics.engine import ENGINE_VERSION, compute_score
from rubrics.models import EvaluationKind
from rubrics.numbers import exact, round_score
from tests.factories import OPINIONS, EvaluationFactory, EvaluationIndicatorFactory, complete_report

D = Decimal
DATA = Path(__file__).parent / "data"


def leaf(name, weight, rule, inputs, **extra) -> dict:
    return {"name": name, "weight": weight, "rule": rule, "inputs": inputs, **extra}


def doc_of(*indicators, header: dict | None = None) -> dict:
    evaluation = {
        "kind": "department",
        "title": "一份测试评价",
        "year": 2023,
        "agency": "测试单位",
        "commissioning_bureau": "测试财政局",
        "evaluating_firm": "测试评价机构",
    }
    return {
        "format": "perf-eval/1",
        "evaluation": header if header is not None else evaluation,
        "indicators": list(indicators),
    }


# --- exact arithmetic, rounded once ----------------------------------------------------------------------


def test_weight_3_with_5_of_24_scores_0_63_everywhere(db):
    # 3 × 5 ÷ 24 = 0.625 exactly: half-up gives 0.63 (the old engine cut the quotient first and gave 0.62).
    assert compute_score("ratio", {}, {"actual": 5, "target": 24}, 3).score == D("0.63")
    rest = leaf("其余", 97, {"kind": "binary"}, {"met": True})
    doc = doc_of(
        {"name": "产出", "children": [leaf("完成率", 3, {"kind": "ratio"}, {"actual": 5, "target": 24}), rest]}
    )
    assert score_document(doc)["indicators"][0]["score"] == D("0.63")
    evaluation = import_document(doc)
    assert evaluation.indicators.get(name="完成率").computed_score == D("0.63")
    assert evaluation.total_score == D("97.63")


def test_a_bound_figure_is_scored_exactly_not_cut_to_six_decimals(db):
    # 预算执行率 = 5 ÷ 24 = 20.8333…%: stored exactly, so 3 × 20.8333…% = 0.625 → 0.63, not 0.62.
    evaluation = EvaluationFactory(kind=EvaluationKind.PROJECT)
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="过程", weight=100)
    bound = EvaluationIndicatorFactory(
        evaluation=evaluation,
        parent=root,
        name="预算执行率",
        weight=3,
        rule_kind="ratio",
        bindings={"actual": "budget_execution_rate"},
        inputs={"target": 100},
    )
    EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="其余", weight=97, rule_kind="binary", inputs={"met": True}
    )
    funds = {"initial_budget": "30", "adjusted_budget": "24", "funds_received": "24", "actual_expenditure": "5"}
    save_table(evaluation=evaluation, key="project_funds", rows=[funds])
    bound.refresh_from_db()
    assert bound.inputs["actual"] == "125/6"  # exact: 5 ÷ 24 × 100 has no finite decimal
    assert bound.computed_score == D("0.63")
    # …and the exported document scores the same without the database.
    assert score_document(export_document(evaluation))["total"] == D("97.63")


def test_one_rounding_of_a_figure_on_the_tables_page_in_the_explanation_and_in_the_check(client, world):
    # 预算执行率 246.9 ÷ 2000 = 12.345 %: half-up everywhere, 12.35 % (half-even would print 12.34 %).
    evaluation = world["a"]
    Evaluation.objects.filter(pk=evaluation.pk).update(kind=EvaluationKind.PROJECT)
    evaluation.refresh_from_db()
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="过程", weight=100)
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        parent=root,
        name="预算执行率",
        weight=100,
        rule_kind="threshold_deduct",
        rule_params={"threshold": 98, "per_point": 1},
        bindings={"actual": "budget_execution_rate"},
    )
    funds = {
        "initial_budget": "2000",
        "adjusted_budget": "2000",
        "funds_received": "2000",
        "actual_expenditure": "246.9",
    }
    save_table(evaluation=evaluation, key="project_funds", rows=[funds])
    node = evaluation.indicators.get(name="预算执行率")
    assert "12.35%" in node.score_explanation and "12.34%" not in node.score_explanation
    client.force_login(world["evaluator_a"])
    page = client.get(reverse("evaluation-table", args=[evaluation.pk, "project_funds"])).content.decode()
    assert "12.35%" in page and "12.34%" not in page
    NarrativeSection.objects.create(evaluation=evaluation, key="conclusion", text="预算执行率为 12.35%。")
    assert not [p for p in check_evaluation(evaluation) if "预算执行率为" in p.message]
    NarrativeSection.objects.filter(evaluation=evaluation).update(text="预算执行率为 12.34%。")
    flagged = [p for p in check_evaluation(evaluation) if "预算执行率为 12.34%" in p.message]
    assert flagged and flagged[0].severity == ERROR


# --- stored scores cannot go stale -------------------------------------------------------------------------


@pytest.fixture
def binary_evaluation(world):
    evaluation = world["a"]
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="决策", weight=100)
    EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="立项规范", weight=100, rule_kind="binary", inputs={"met": True}
    )
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    assert (evaluation.total_score, evaluation.grade) == (D("100.00"), "优")
    return evaluation


def test_an_admin_edit_of_inputs_changes_the_stored_score_and_total(client, world, binary_evaluation):
    node = binary_evaluation.indicators.get(name="立项规范")
    client.force_login(world["admin"])
    url = reverse("admin:evaluations_evaluationindicator_change", args=[node.pk])
    data = {
        "evaluation": binary_evaluation.pk,
        "parent": node.parent_id,
        "name": node.name,
        "weight": "100",
        "order": "0",
        "rule-kind": "binary",
        "inputs": json.dumps({"met": False}),
        "explanation": "",
        "standard": "",
        "benchmark": "",
        "unit": "",
        "actual_display": "",
        "awarded_score": "",
        "override_reason": "",
        "evidence_required": "",
        "analysis": "",
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    node.refresh_from_db()
    binary_evaluation.refresh_from_db()
    assert node.computed_score == D("0.00")
    assert (binary_evaluation.total_score, binary_evaluation.grade) == (D("0.00"), "差")
    assert not [p for p in check_evaluation(binary_evaluation) if "保存的" in p.message]


def test_the_check_reports_a_stored_score_that_differs_from_the_engine(binary_evaluation):
    # A write around the scoring service (here: straight to the database) is caught, never trusted.
    EvaluationIndicator.objects.filter(name="立项规范").update(inputs={"met": False})
    errors = [p.message for p in check_evaluation(binary_evaluation) if p.severity == ERROR]
    assert any("保存的计算得分 100 分与按评分规则重新计算的 0 分不一致" in message for message in errors)
    EvaluationIndicator.objects.filter(name="立项规范").update(computed_score=D(0))
    errors = [p.message for p in check_evaluation(binary_evaluation) if p.severity == ERROR]
    assert any(message.startswith("保存的总分 100 分（优）与各末级指标得分之和 0 分（差）不一致") for message in errors)


# --- strict and clamped (DESIGN §4) ------------------------------------------------------------------------


def test_unknown_parameters_and_awarded_scores_outside_the_weight_are_refused_everywhere(db):
    rest = leaf("其余", 90, {"kind": "binary"}, {"met": True})
    misspelt = doc_of(
        {
            "name": "产出",
            "children": [leaf("完成率", 10, {"kind": "ratio", "capp": 0.8}, {"actual": 9, "target": 10}), rest],
        }
    )
    too_much = doc_of(
        {
            "name": "产出",
            "children": [
                leaf("完成率", 10, {"kind": "ratio"}, {"actual": 9, "target": 10}, score=12, reason="加分"),
                rest,
            ],
        }
    )
    for doc, words in ((misspelt, "capp"), (too_much, "超出 0 到 10 分")):
        with pytest.raises(DocumentError) as scored:
            score_document(doc)
        with pytest.raises(DocumentImportError) as imported:
            import_document(doc)
        assert scored.value.errors == imported.value.errors
        assert words in scored.value.errors[0]
    assert not Evaluation.objects.exists()


def test_a_grade_not_in_the_map_scores_0_unless_a_default_is_set(db):
    grades = {"优秀": 4, "良好": 2}
    assert compute_score("grade_map", {"map": grades}, {"grade": "一般"}, 4).score == 0  # seed 004: 其他不得分
    assert compute_score("grade_map", {"map": grades, "default": 1}, {"grade": "一般"}, 4).score == 1
    rule = {"kind": "grade_map", "map": grades}
    doc = doc_of(
        {
            "name": "效益",
            "children": [leaf("考核", 4, rule, {"grade": "一般"}), leaf("其余", 96, {"kind": "binary"}, {"met": True})],
        }
    )
    assert score_document(doc)["total"] == D("96.00")


def test_a_checklist_worth_more_than_its_weight_is_clamped_and_reported(db):
    items = [{"text": f"要点{i}", "points": D("2.67")} for i in range(3)]  # "各占 1/3 权重分" printed 2.67 × 3 = 8.01
    checklist = leaf("立项依据", 8, {"kind": "checklist", "items": items}, {"met": [0, 1, 2]})
    doc = doc_of({"name": "决策", "children": [checklist, leaf("其余", 92, {"kind": "binary"}, {"met": True})]})
    result = score_document(doc)
    assert result["indicators"][0]["score"] == D("8.00")
    assert any("超过权重 8 分" in problem["message"] for problem in result["problems"])
    evaluation = import_document(doc)
    messages = [p.message for p in check_evaluation(evaluation)]
    assert any("超过权重 8 分" in message for message in messages)


# --- one reader: score and import agree ------------------------------------------------------------------


def _documents() -> list[tuple[str, dict]]:
    """Every document the suite holds, plus hand-made ones: minimal, 5 levels deep, broken in several ways."""
    docs = [(path.name, parse_document(path.read_text(encoding="utf-8"))) for path in sorted(DATA.glob("*.json"))]
    for path in sorted(BUILTIN_DIR.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        if '"format"' in text:
            docs.append((path.name, parse_document(text)))
    deep = leaf("第五级", 100, {"kind": "binary"}, {"met": True})
    for level in range(4, 0, -1):
        deep = {"name": f"第{level}级", "children": [deep]}
    docs.append(("五级指标", doc_of(deep)))
    docs.append(
        ("无评价信息", {"format": "perf-eval/1", "indicators": [leaf("甲", 100, {"kind": "binary"}, {"met": True})]})
    )
    unbalanced = doc_of(
        {"name": "决策", "weight": 100, "children": [leaf("甲", 60, {"kind": "binary"}, {"met": True})]}
    )
    docs.append(("权重不平", unbalanced))
    bad = doc_of({"name": "决策", "children": [leaf("甲", 100.125, {"kind": "binary"}, {"met": True})]})
    docs.append(("权重三位小数", bad))
    return docs


@pytest.mark.parametrize("name, doc", _documents(), ids=[name for name, _ in _documents()])
def test_score_and_import_accept_and_refuse_the_same_documents(db, name, doc):
    """One verdict on validity for score and import; score also needs every leaf scorable (§10), which an
    evaluation in progress is not, so such a document imports with those leaves unscored."""
    header = doc.get("evaluation") or {}
    defaults = ImportDefaults(
        kind=header.get("kind") or "department",
        title=f"按文档导入：{name}",
        year=2023,
        agency="默认单位",
        project="默认项目",
        commissioning_bureau="默认财政局",
        evaluating_firm="默认评价机构",
    )
    try:
        read_document(copy.deepcopy(doc))
    except DocumentError as invalid:
        with pytest.raises(DocumentError) as scored:
            score_document(copy.deepcopy(doc))
        with pytest.raises(DocumentImportError) as imported:
            import_document(copy.deepcopy(doc), defaults=defaults)
        assert scored.value.errors == invalid.errors == imported.value.errors[: len(invalid.errors)]
        return
    evaluation = import_document(copy.deepcopy(doc), defaults=defaults)  # every valid document imports
    try:
        scored = score_document(copy.deepcopy(doc))
    except DocumentError as unscorable:
        assert all("缺少" in error for error in unscorable.errors)  # only leaves still without inputs or rule
        assert evaluation.total_score is None
        return
    assert evaluation.total_score == scored["total"] and evaluation.grade == scored["grade"]
    assert [node.score for node in indicator_tree(evaluation).leaves] == [row["score"] for row in scored["indicators"]]


def test_organisations_a_document_does_not_name_come_from_the_options_or_the_user(db, world):
    doc = doc_of(
        leaf("甲", 100, {"kind": "binary"}, {"met": True}),
        header={"kind": "department", "title": "无机构", "year": 2023, "agency": "某单位"},
    )
    with pytest.raises(DocumentImportError) as refused:
        import_document(doc)
    assert refused.value.errors == [
        "文档未写明委托单位（evaluation.commissioning_bureau），请在文档中写明，"
        "或导入时用 --bureau 或以该单位的账号导入 指定",
        "文档未写明评价机构（evaluation.evaluating_firm），请在文档中写明，或导入时用 --firm 或以该单位的账号导入 指定",
    ]
    # The importing evaluator's firm is the evaluating firm; the bureau comes from the command's option.
    evaluation = import_document(
        doc, user=world["evaluator_a"], defaults=ImportDefaults(commissioning_bureau="甲区财政局")
    )
    assert evaluation.evaluating_firm == world["evaluator_a"].organisation
    assert evaluation.commissioning_bureau.name == "甲区财政局"
    path = Path(__file__).parent / "data"  # the command: options, one line per error, exit 1
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("import_evaluation", str(path / "score_seed003.json"), stdout=out, stderr=err)
    assert exit_code.value.code == 1 and "--bureau" in err.getvalue()
    call_command(
        "import_evaluation",
        str(path / "score_seed003.json"),
        "--bureau",
        "甲区财政局",
        "--firm",
        "评价机构甲",
        stdout=out,
    )
    assert "总分：97.75 分" in out.getvalue()
    assert (
        Evaluation.objects.get(title="2023 年困难群体救助项目绩效评价").commissioning_bureau.kind
        == OrganisationKind.BUREAU
    )


# --- approval, the final report and the archive --------------------------------------------------------------


@pytest.fixture
def submitted(world):
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 1
    evaluation.evaluating_firm.save()
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="决策", weight=100)
    EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="立项规范", weight=100, rule_kind="binary", inputs={"met": True}
    )
    complete_report(evaluation)
    for step, persona in (
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
        ("submit", "evaluator_a"),
    ):
        perform(evaluation, step, user=world[persona], comment=OPINIONS.get(step, ""))
    return world


def test_a_failing_final_render_never_undoes_the_approval_and_is_shown_with_a_retry(
    client, submitted, monkeypatch, django_capture_on_commit_callbacks
):
    world = submitted

    def broken(*args, **kwargs):
        raise RuntimeError("提纲缺少章节")

    monkeypatch.setattr(report_requests, "assemble_report", broken)
    with django_capture_on_commit_callbacks(execute=True):
        perform(world["a"], "approve", user=world["bureau_a"], comment=OPINIONS["approve"])
    world["a"].refresh_from_db()
    assert world["a"].state == "approved"  # the approval stands
    failed = ReportVersion.objects.get(evaluation=world["a"], is_final=True)
    assert failed.status == ReportStatus.FAILED and "提纲缺少章节" in failed.error
    with pytest.raises(ArchiveNotReady, match="最终报告尚未生成完毕"):
        build_archive(world["a"])
    client.force_login(world["bureau_a"])
    page = client.get(reverse("evaluation-reports", args=[world["a"].pk])).content.decode()
    assert "提纲缺少章节" in page and "重新生成最终报告" in page
    refused = client.get(reverse("evaluation-archive", args=[world["a"].pk]), follow=True).content.decode()
    assert "最终报告尚未生成完毕" in refused
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation-report-final", args=[world["a"].pk]))
    final = ReportVersion.objects.get(evaluation=world["a"], is_final=True)
    assert final.status == ReportStatus.DONE and final.sha256
    data, _ = build_archive(world["a"])
    assert data.startswith(b"PK")


def test_after_an_upgrade_open_evaluations_are_rescored_and_approved_ones_keep_their_record(world, binary_evaluation):
    # An evaluation scored by an older engine (scored_with ≠ ENGINE_VERSION), with a score that engine gave.
    open_one = binary_evaluation
    EvaluationIndicator.objects.filter(evaluation=open_one).update(computed_score=D("99.99"))
    Evaluation.objects.filter(pk=open_one.pk).update(scored_with="1", total_score=D("99.99"))
    approved = EvaluationFactory(state="approved", scored_with="1", total_score=D("88.88"), grade="良")
    rescore_after_migrate(sender=None)  # what post_migrate runs after `migrate`
    open_one.refresh_from_db()
    approved.refresh_from_db()
    assert (open_one.total_score, open_one.scored_with) == (D("100.00"), ENGINE_VERSION)
    assert (approved.total_score, approved.scored_with) == (D("88.88"), "1")
    assert not [p for p in check_evaluation(approved) if "保存的" in p.message]


def test_exactness_of_the_tree_read_model_sums_rounded_leaves(db):
    evaluation = EvaluationFactory()
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="产出", weight=100)
    for index in range(3):
        EvaluationIndicatorFactory(
            evaluation=evaluation,
            parent=root,
            name=f"子{index}",
            weight=D("33.33") + (D("0.01") if index == 0 else 0),
            rule_kind="ratio",
            inputs={"actual": 1, "target": 3},
        )
    recompute_scores(evaluation)
    scored = indicator_tree(evaluation)
    leaves = [leaf.score for leaf in scored.leaves]
    assert scored.roots[0].score == sum(leaves) == scored.total
    assert all(score == round_score(exact(score)) for score in leaves)


def test_a_bound_input_follows_the_documents_tables_in_score_and_import_alike(db):
    # inputs say 50 %, but the tables give 预算执行率 = 270 ÷ 300 = 90 %: both score from the tables.
    bound = leaf(
        "预算执行率", 10, {"kind": "ratio"}, {"actual": 50, "target": 100}, bind={"actual": "budget_execution_rate"}
    )
    doc = doc_of({"name": "过程", "children": [bound, leaf("其余", 90, {"kind": "binary"}, {"met": True})]})
    doc["evaluation"] |= {"kind": "project", "project": "测试项目"}
    funds = {"initial_budget": 300, "adjusted_budget": 300, "funds_received": 300, "actual_expenditure": 270}
    doc["tables"] = {"project_funds": [funds]}
    scored = score_document(copy.deepcopy(doc))
    assert scored["total"] == D("99.00")
    assert import_document(copy.deepcopy(doc)).total_score == D("99.00")


def test_deleting_an_indicator_in_admin_rescores(client, world, binary_evaluation):
    root = binary_evaluation.indicators.get(name="决策")
    extra = EvaluationIndicatorFactory(
        evaluation=binary_evaluation, parent=root, name="额外", weight=0, rule_kind="binary", inputs={"met": False}
    )
    EvaluationIndicator.objects.filter(name="立项规范").update(weight=60)
    EvaluationIndicator.objects.filter(pk=extra.pk).update(weight=40, inputs={"met": True})
    recompute_scores(binary_evaluation)
    client.force_login(world["admin"])
    node = binary_evaluation.indicators.get(name="立项规范")
    url = reverse("admin:evaluations_evaluationindicator_delete", args=[node.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    binary_evaluation.refresh_from_db()
    assert (binary_evaluation.total_score, binary_evaluation.grade) == (D("40.00"), "差")


def test_a_weight_cannot_drop_below_the_awarded_score(world, binary_evaluation):
    root = binary_evaluation.indicators.get(name="决策")
    other = EvaluationIndicatorFactory(
        evaluation=binary_evaluation, parent=root, name="其他", weight=0, rule_kind="binary", inputs={"met": True}
    )
    node = binary_evaluation.indicators.get(name="立项规范")
    EvaluationIndicator.objects.filter(pk=node.pk).update(weight=60, awarded_score=55, override_reason="酌情")
    EvaluationIndicator.objects.filter(pk=other.pk).update(weight=40)
    node.refresh_from_db()
    other.refresh_from_db()
    with pytest.raises(EditError, match="评定得分 55 分超出 0 到 20 分的范围"):
        set_weights(
            evaluation=binary_evaluation,
            weights={node.pk: ("20", node.version), other.pk: ("80", other.version)},
        )
    node.refresh_from_db()
    assert node.weight == D(60)


def test_retrying_a_final_report_that_cannot_be_assembled_answers_a_message_not_500(
    client, submitted, monkeypatch, django_capture_on_commit_callbacks
):
    world = submitted
    monkeypatch.setattr(report_requests, "assemble_report", lambda *a, **k: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        perform(world["a"], "approve", user=world["bureau_a"], comment=OPINIONS["approve"])
    failed = ReportVersion.objects.get(evaluation=world["a"], is_final=True)
    client.force_login(world["evaluator_a"])
    response = client.post(reverse("evaluation-report-retry", args=[world["a"].pk, failed.number]), follow=True)
    assert response.status_code == 200 and "最终报告仍未能生成" in response.content.decode()
