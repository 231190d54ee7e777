"""The permission matrix: every role × every page of an evaluation × own/other organisation × every state.

Whatever the combination, no page answers 500; another organisation's evaluation is always 404; the
evaluated unit never sees scores or drafts before consultation; and no write succeeds for people who may
not write (checked on the pages' POST endpoints).
"""

import pytest
from django.urls import reverse

from evaluations.models import EvaluationState, TeamRole
from tests.factories import EvaluationIndicatorFactory, TeamMemberFactory

# GET pages of one evaluation: (url name, extra args builder)
PAGES = [
    ("evaluation-detail", None),
    ("evaluation-tables", None),
    ("evaluation-table", "table"),
    ("evaluation-table-excel", "table"),
    ("evaluation-workbook", None),
    ("evaluation-indicators", None),
    ("evaluation-scoring", None),
    ("evaluation-evidence", None),
    ("evaluation-narrative", None),
    ("evaluation-narrative-section", "section"),
    ("evaluation-analysis", None),
    ("evaluation-analysis-draft-all", None),
    ("evaluation-findings", None),
    ("evaluation-research", None),
    ("evaluation-team", None),
    ("evaluation-reports", None),
    ("evaluation-report-status", None),
    ("evaluation-audit", None),
    ("evaluation-consultation", None),
    ("consultation-ledger", None),
    ("evaluation-review", None),
    ("evaluation-rectification", None),
    ("evaluation-verify", None),
]
SCORE_PAGES = {
    "evaluation-scoring",
    "evaluation-indicators",
    "evaluation-narrative",
    "evaluation-analysis",
    "evaluation-analysis-draft-all",
    "evaluation-findings",
    "evaluation-research",
    "evaluation-audit",
    "evaluation-reports",
}
BEFORE_SHARING = {
    EvaluationState.DRAFT,
    EvaluationState.COLLECTING,
    EvaluationState.SCORING,
    EvaluationState.INTERNAL_REVIEW,
    EvaluationState.RETURNED,
}
SIDE_A = ["evaluator_a", "reviewer_a", "unit_a", "bureau_a", "admin"]
SIDE_B = ["evaluator_b", "unit_b", "bureau_b", "nobody"]


def url(name, extra, evaluation):
    args = [evaluation.pk]
    if extra == "table":
        args.append("project_funds" if evaluation.kind == "project" else "dept_staffing")
    elif extra == "section":
        args.append("purpose")
    return reverse(name, args=args)


@pytest.fixture
def scored(world):
    evaluation = world["a"]
    EvaluationIndicatorFactory(
        evaluation=evaluation, name="部门考核", weight=100, rule_kind="binary", inputs={"met": True}
    )
    TeamMemberFactory(evaluation=evaluation, user=None, name="二级复核人", role=TeamRole.REVIEW_2)
    return world


@pytest.mark.parametrize("state", EvaluationState.values)
def test_every_role_every_page_every_state(client, scored, state):
    evaluation = scored["a"]
    evaluation.state = state
    evaluation.save(update_fields=["state", "updated_at"])
    for persona in SIDE_A + SIDE_B:
        client.force_login(scored[persona])
        for name, extra in PAGES:
            status = client.get(url(name, extra, evaluation)).status_code
            where = (persona, name, state)
            assert status in {200, 302, 403, 404}, where
            if persona in SIDE_B:
                assert status == 404, where
            if persona == "unit_a" and state in BEFORE_SHARING and name in SCORE_PAGES:
                assert status in {403, 404}, where


WRITES = [
    ("evaluation-table", "table", {"rows": "[]", "version": "1"}),
    ("evaluation-narrative-section", "section", {"text": "越权写入", "version": "0"}),
    ("evaluation-analysis-draft-all", None, {"mode": "all"}),
    ("evaluation-transition", None, {}),
    ("evaluation-report-generate", None, {}),
    ("evaluation-new-version", None, {}),
]


@pytest.mark.parametrize("persona", ["bureau_a", "reviewer_a", "unit_b", "evaluator_b", "nobody"])
def test_people_who_may_not_write_change_nothing(client, scored, persona):
    evaluation = scored["a"]
    client.force_login(scored[persona])
    before = (evaluation.narrative.count(), evaluation.data_tables.count(), evaluation.state_changes.count())
    for name, extra, data in WRITES:
        if name == "evaluation-transition":
            target = reverse(name, args=[evaluation.pk, "start_collecting"])
        else:
            target = url(name, extra, evaluation)
        status = client.post(target, data).status_code
        assert status in {302, 403, 404, 405}, (persona, name, status)
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.DRAFT
    assert (evaluation.narrative.count(), evaluation.data_tables.count(), evaluation.state_changes.count()) == before
