"""Three kinds of finding: 待填 (to-do, with progress), 错误 (blocks submission) and 提示. A new evaluation opens
with to-dos in words, never errors or field codes; an empty required section or a placeholder is a to-do while
drafting and an error at submission and approval, where the workflow refuses with the list."""

import re

import pytest

from evaluations.domain.creation import create_evaluation
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.templates import load_builtin_templates
from evaluations.domain.workflow import TransitionError, perform
from evaluations.models import EvaluationState, NarrativeSection
from evaluations.queries.consistency import ERROR, TODO, WARNING, check, check_evaluation
from evaluations.sections import SECTIONS
from rubrics.models import EvaluationKind, IndicatorTemplate
from tests.factories import OPINIONS, TO_CONSULTATION, EvaluationIndicatorFactory, ProjectFactory, complete_report, walk

ENGINE_CODE = re.compile(r"[A-Za-z_]{3,}")  # met, actual, survey, complaint_rate …


def new_evaluation(world, kind):
    load_builtin_templates()
    seed = "困难群体救助" if kind == EvaluationKind.PROJECT else "罗庄区民政局"  # the seeds' own systems
    template = IndicatorTemplate.objects.get(kind=kind, name__contains=seed)
    project = ProjectFactory(unit=world["a"].evaluated_unit) if kind == EvaluationKind.PROJECT else None
    return create_evaluation(
        user=world["evaluator_a"],
        kind=kind,
        title="新建评价",
        evaluated_unit=world["a"].evaluated_unit,
        year=2024,
        commissioning_bureau=world["a"].commissioning_bureau,
        template=template,
        project=project,
    )


@pytest.mark.parametrize("kind", [EvaluationKind.PROJECT, EvaluationKind.DEPARTMENT])
def test_a_new_evaluation_has_only_to_dos_in_words(world, kind):
    evaluation = new_evaluation(world, kind)
    result = check(evaluation)
    assert result.problems and result.problems == result.todos  # no 错误, no 提示
    assert result.progress.done == 0 and result.progress.total == len(result.todos)
    assert str(result.progress) == f"还需填写 {len(result.todos)} 项（已完成 0/{len(result.todos)}）"
    for problem in result.todos:
        assert not ENGINE_CODE.search(problem.message), problem.message
        assert problem.key.split(":")[0] in {"inputs", "empty-section", "empty-list", "no-rule"}
    messages = [p.message for p in result.todos]
    assert "尚待填写计分输入「满足的要点」。" in messages
    assert any("取自基础数据的" in m and "请先在「" in m for m in messages)  # a bound input: fill the table
    assert sum(p.key.startswith("empty-section:") for p in result.todos) == sum(
        not section.optional for section in SECTIONS[kind]
    )


def test_a_bound_input_of_a_table_without_the_category_names_the_table(world):
    evaluation = new_evaluation(world, EvaluationKind.PROJECT)
    todo = next(p for p in check(evaluation).todos if p.where == "指标「节日慰问金发放及时率」")
    assert todo.message == (
        "「实际值」取自基础数据的节日慰问金发放及时率，请先在「资金发放批次表」中填写："
        "「资金发放批次表」中还没有「节日慰问金」的记录。"
    )


def test_progress_counts_what_is_filled_in(world):
    evaluation = world["a"]
    leaf = EvaluationIndicatorFactory(evaluation=evaluation, name="履职效能", weight=100, rule_kind="binary")
    before = check(evaluation).progress
    leaf.inputs = {"met": True}
    leaf.save()
    recompute_scores(evaluation)
    NarrativeSection.objects.create(evaluation=evaluation, key="dept_overview", text="部门情况。")
    after = check(evaluation).progress
    assert after.total == before.total and after.done == before.done + 2


def test_wrong_inputs_are_an_error_not_a_to_do(world):
    evaluation = world["a"]
    EvaluationIndicatorFactory(
        evaluation=evaluation, name="完成率", weight=100, rule_kind="ratio", inputs={"actual": 5, "target": 0}
    )
    problem = next(p for p in check_evaluation(evaluation) if p.where == "指标「完成率」")
    assert problem.severity == ERROR and problem.key == f"unscorable:{problem.anchor}"
    assert problem.message.startswith("尚不能计分：") and not ENGINE_CODE.search(problem.message)


def test_placeholders_left_in_the_text_are_to_dos(world):
    evaluation = complete_report(world["a"])
    assert check(evaluation).problems == []
    NarrativeSection.objects.filter(evaluation=evaluation, key="purpose").update(
        text="本次评价的目的是【请填写评价目的】，评价金额 ×× 万元。"
    )
    todos = check(evaluation).todos
    assert [(p.where, p.message, p.key) for p in todos] == [
        (
            "章节「评价目的和关注点」",
            "文中还有待填写的占位内容「【请填写评价目的】」。",
            "placeholder:section-purpose:【请填写评价目的】",
        ),
        ("章节「评价目的和关注点」", "文中还有待填写的占位内容「××」。", "placeholder:section-purpose:××"),
    ]
    assert check(evaluation).progress.remaining == 2


def test_to_dos_are_errors_at_submission_and_once_with_the_bureau(world):
    evaluation = complete_report(world["a"])
    NarrativeSection.objects.filter(evaluation=evaluation, key="basis").update(text="   ")
    drafting = check(evaluation)
    assert [p.severity for p in drafting.problems] == [TODO]
    submitting = check(evaluation, submitting=True)
    assert [(p.severity, p.where, p.key) for p in submitting.problems] == [
        (ERROR, "章节「评价依据」", "empty-section:section-basis")
    ]
    evaluation.state = EvaluationState.SUBMITTED  # with the bureau: the same findings are errors
    assert [p.severity for p in check(evaluation).problems] == [ERROR]


def test_submission_is_refused_with_the_list_of_what_is_missing(world):
    complete_report(world["a"])
    evaluation = walk(world, *TO_CONSULTATION)
    NarrativeSection.objects.filter(evaluation=evaluation, key="conclusion").update(text="")
    evaluation.findings.all().delete()
    with pytest.raises(TransitionError) as refused:
        perform(evaluation, "submit", user=world["evaluator_a"])
    assert str(refused.value).startswith("一致性检查还有 2 项未完成或有错误，不能提交财政局审核：")
    assert refused.value.items == [
        "章节「评价结论」：「四、评价结论及绩效分析」中的这一节尚未填写。",
        "「存在的问题」：还没有填写任何一条存在的问题。",
    ]
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.CONSULTATION


def test_approval_is_refused_while_a_required_section_is_empty(world):
    complete_report(world["a"])
    evaluation = walk(world, *TO_CONSULTATION)
    perform(evaluation, "submit", user=world["evaluator_a"])
    # emptied behind the workflow's back (the database, an import): the bureau cannot approve an unfinished report
    NarrativeSection.objects.filter(evaluation=evaluation, key="methods").update(text="")
    with pytest.raises(TransitionError, match=r"不能批准：1\. 章节「绩效评价方法选择」：.*这一节尚未填写"):
        perform(evaluation, "approve", user=world["bureau_a"], comment=OPINIONS["approve"])
    NarrativeSection.objects.filter(evaluation=evaluation, key="methods").update(text="比较法。")
    perform(evaluation, "approve", user=world["bureau_a"], comment=OPINIONS["approve"])
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.APPROVED


def test_hints_never_block(world):
    evaluation = complete_report(world["a"])
    NarrativeSection.objects.filter(evaluation=evaluation, key="purpose").update(text="固定资产价值 5140.09 元。")
    NarrativeSection.objects.filter(evaluation=evaluation, key="basis").update(text="固定资产价值 5140.09 万元。")
    result = check(evaluation, submitting=True)
    assert [p.severity for p in result.problems] == [WARNING] and result.blocking == []
