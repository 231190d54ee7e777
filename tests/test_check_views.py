"""The check on the pages, per role: a new evaluation shows a to-do list with its progress (待填) and no 错误;
submission through the page is refused with the list of what is missing."""

import re

import pytest
from django.urls import reverse

from evaluations.domain.workflow import perform
from evaluations.models import NarrativeSection
from tests.factories import TO_CONSULTATION, EvaluationIndicatorFactory, complete_report, walk


def card(page: str) -> str:
    """The consistency card of a page (empty when the page has none): from its start to the next card."""
    start = page.find('id="consistency"')
    if start < 0:
        return ""
    end = page.find('<div class="card mt-4">', start)
    return page[start : end if end > 0 else len(page)]


@pytest.fixture
def new(world):
    """A brand-new evaluation: an indicator system waiting for its inputs, no text written yet. Its to-do list:
    2 leaves, 19 required sections of the department outline, 3 lists (experiences, findings, recommendations)."""
    evaluation = world["a"]
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="履职效能", weight=100, order=1)
    EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="收养登记合格率", weight=60, rule_kind="binary", order=1
    )
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        parent=root,
        name="预算完成率",
        weight=40,
        rule_kind="ratio",
        bindings={"actual": "budget_completion_rate"},
        inputs={"target": 100},
        order=2,
    )
    return world


@pytest.mark.parametrize("persona", ["evaluator_a", "reviewer_a", "admin"])
def test_a_new_evaluation_shows_to_dos_with_progress_and_no_errors(client, new, persona):
    client.force_login(new[persona])
    page = client.get(reverse("evaluation-detail", args=[new["a"].pk])).content.decode()
    shown = card(page)
    assert "待填清单" in shown and "还需填写 24 项（已完成 0/24）" in shown
    assert "全部完成后才能提交财政局审核" in shown
    assert "尚待填写计分输入「是否达到要求」" in shown
    assert "「实际值」取自基础数据的预算完成率，请先在「预、决算支出对比表」中填写" in shown
    assert "章节「部门情况」" in shown and "「存在的问题」" in shown
    assert "错误" not in shown and "text-bg-danger" not in shown
    assert not re.search(r"缺少输入|\bmet\b|\bactual\b|\bsurvey\b", shown)
    assert "缺少输入" not in page  # nor in the score table's explanations below the check


@pytest.mark.parametrize("persona", ["unit_a", "bureau_a"])
def test_the_unit_and_the_bureau_see_no_check_of_a_draft(client, new, persona):
    """The check is the firm's quality control (issue 13): neither the unit nor the bureau reads it."""
    client.force_login(new[persona])
    page = client.get(reverse("evaluation-detail", args=[new["a"].pk])).content.decode()
    assert card(page) == "" and "待填清单" not in page


@pytest.mark.parametrize("persona", ["evaluator_a", "reviewer_a"])
def test_the_scoring_page_marks_missing_inputs_as_to_dos_not_errors(client, new, persona):
    client.force_login(new[persona])
    page = client.get(reverse("evaluation-scoring", args=[new["a"].pk])).content.decode()
    assert "☐ 待填：尚待填写计分输入「是否达到要求」。" in page
    assert "has-problems" not in page and "⚠ 错误" not in page
    assert "还需填写 24 项（已完成 0/24）" in page and "错误 0 条" in page


def test_the_reports_page_says_a_report_with_to_dos_is_a_draft(client, new):
    client.force_login(new["evaluator_a"])
    page = client.get(reverse("evaluation-reports", args=[new["a"].pk])).content.decode()
    assert "待填 24" in page and "生成的报告为<strong>草稿</strong>" in page


def test_submission_through_the_page_is_refused_with_the_list(client, world):
    evaluation = complete_report(world["a"])
    walk(world, *TO_CONSULTATION)
    NarrativeSection.objects.filter(evaluation=evaluation, key="process").update(text="")
    client.force_login(world["evaluator_a"])
    response = client.post(reverse("evaluation-transition", args=[evaluation.pk, "submit"]), follow=True)
    page = response.content.decode()
    assert "一致性检查还有 1 项未完成或有错误，不能提交财政局审核：1. 章节「评价过程」" in page
    evaluation.refresh_from_db()
    assert evaluation.state == "consultation"
    # on the workspace, the same finding is still a to-do (the team is drafting), not a red error
    shown = card(client.get(reverse("evaluation-detail", args=[evaluation.pk])).content.decode())
    assert "还需填写 1 项" in shown and "章节「评价过程」" in shown and "text-bg-danger" not in shown

    NarrativeSection.objects.filter(evaluation=evaluation, key="process").update(text="前期准备、组织实施。")
    client.post(reverse("evaluation-transition", args=[evaluation.pk, "submit"]))
    evaluation.refresh_from_db()
    assert evaluation.state == "submitted"


def test_the_bureau_reviews_without_the_firms_check_and_approval_still_refuses(client, world):
    evaluation = complete_report(world["a"])
    walk(world, *TO_CONSULTATION)
    perform(evaluation, "submit", user=world["evaluator_a"])
    NarrativeSection.objects.filter(evaluation=evaluation, key="basis").update(text="")  # emptied behind its back
    client.force_login(world["bureau_a"])
    page = client.get(reverse("evaluation-review", args=[evaluation.pk])).content.decode()
    assert card(page) == "" and "去修改" not in page  # the check is the firm's quality control
    response = client.post(
        reverse("evaluation-approve", args=[evaluation.pk]), {"opinion": "同意。", "confirm": "on"}, follow=True
    )
    assert "不能批准：1. 章节「评价依据」" in response.content.decode()
