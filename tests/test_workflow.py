"""The workflow: every legal step by the right person, every illegal one refused, each one on the timeline."""

import pytest

from evaluations.domain.workflow import TRANSITIONS, TransitionError, available_transitions, perform
from evaluations.models import EvaluationState, OrganisationKind, StateChange, TeamRole
from evaluations.models.roles import Role
from tests.factories import OPINIONS, EvaluationIndicatorFactory, TeamMemberFactory, UserFactory, complete_report

S = EvaluationState


@pytest.fixture
def flow(world):
    """Side A with a two-level internal review: reviewer_a (一级审核), reviewer2 (二级复核)."""
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 2
    evaluation.evaluating_firm.save()
    reviewer2 = UserFactory(organisation=evaluation.evaluating_firm, role=Role.INTERNAL_REVIEWER)
    TeamMemberFactory(evaluation=evaluation, user=reviewer2, role=TeamRole.REVIEW_2)
    complete_report(evaluation)  # the report is finished: the check lets it through
    return {**world, "reviewer2": reviewer2, "e": evaluation}


def run(flow, *steps):
    for name, persona, *comment in steps:
        perform(flow["e"], name, user=flow[persona], comment=comment[0] if comment else OPINIONS.get(name, ""))
    flow["e"].refresh_from_db()
    return flow["e"]


def test_the_whole_journey_with_a_return_and_a_timeline(flow):
    evaluation = run(
        flow,
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
    )
    assert (evaluation.state, evaluation.review_level) == (S.INTERNAL_REVIEW, 2)
    evaluation = run(flow, ("pass_review", "reviewer2"))
    assert evaluation.state == S.CONSULTATION
    evaluation = run(flow, ("submit", "evaluator_a"), ("return", "bureau_a", "表3-2 合计有误"))
    assert evaluation.state == S.RETURNED
    evaluation = run(
        flow,
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
        ("pass_review", "reviewer2"),
        ("submit", "evaluator_a"),
        ("approve", "bureau_a"),
        ("start_rectification", "bureau_a"),
    )
    assert evaluation.state == S.RECTIFICATION
    rows = list(StateChange.objects.filter(evaluation=evaluation).values_list("transition", "actor_id", "comment"))
    assert len(rows) == 13
    assert ("return", flow["bureau_a"].pk, "表3-2 合计有误") in rows


def test_a_state_cannot_be_skipped(flow):
    with pytest.raises(TransitionError, match="当前处于“草稿”状态，不能执行“提交财政局审核”"):
        perform(flow["e"], "submit", user=flow["evaluator_a"])
    with pytest.raises(TransitionError, match="不能执行“批准”"):
        perform(flow["e"], "approve", user=flow["bureau_a"])
    assert not StateChange.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer_a", "unit_a", "bureau_a", "evaluator_b", "nobody"])
def test_only_the_team_evaluators_move_a_draft(flow, persona):
    with pytest.raises(TransitionError, match="只有本评价小组的评价人员"):
        perform(flow["e"], "start_collecting", user=flow[persona])


def test_nobody_reviews_what_they_prepared(flow):
    run(flow, ("start_collecting", "evaluator_a"), ("start_scoring", "evaluator_a"), ("submit_review", "evaluator_a"))
    # The preparer is re-assigned as the level-1 reviewer and given the reviewer role: still refused.
    flow["e"].team.filter(user=flow["reviewer_a"]).delete()
    flow["e"].team.filter(user=flow["evaluator_a"]).update(role=TeamRole.REVIEW_1)
    flow["evaluator_a"].groups.add(*flow["reviewer_a"].groups.all())
    flow["evaluator_a"]._roles_cache = None
    with pytest.raises(TransitionError, match="您参与了本评价的编制，不能复核自己编制的评价"):
        perform(flow["e"], "pass_review", user=flow["evaluator_a"])


def test_the_reviewer_of_one_level_cannot_sign_the_next(flow):
    run(
        flow,
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
    )
    # After signing level 1, reviewer_a is made the level-2 reviewer: refused.
    flow["e"].team.filter(user=flow["reviewer2"]).delete()
    flow["e"].team.filter(user=flow["reviewer_a"]).update(role=TeamRole.REVIEW_2)
    with pytest.raises(TransitionError, match="已签署一级审核，不能再签署下一级复核"):
        perform(flow["e"], "pass_review", user=flow["reviewer_a"])


def test_sending_back_needs_a_comment(flow):
    run(flow, ("start_collecting", "evaluator_a"), ("start_scoring", "evaluator_a"), ("submit_review", "evaluator_a"))
    with pytest.raises(TransitionError, match="必须填写复核意见，说明需要修改的内容"):
        perform(flow["e"], "reject_review", user=flow["reviewer_a"], comment="  ")
    evaluation = run(flow, ("reject_review", "reviewer_a", "资金分配合理性的评定得分缺理由"))
    assert evaluation.state == S.SCORING


def test_only_the_commissioning_bureau_approves(flow):
    run(
        flow,
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
        ("pass_review", "reviewer2"),
        ("submit", "evaluator_a"),
    )
    for persona in ("bureau_b", "evaluator_a", "reviewer_a", "unit_a"):
        with pytest.raises(TransitionError, match="只有委托该评价的财政局审核人员"):
            perform(flow["e"], "approve", user=flow[persona], comment=OPINIONS["approve"])


def test_submission_is_refused_while_the_consistency_check_has_errors(flow):
    run(
        flow,
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
        ("pass_review", "reviewer2"),
    )
    EvaluationIndicatorFactory(evaluation=flow["e"], name="孤立指标", weight=60)  # level 1 adds up to 160, unscored
    with pytest.raises(TransitionError, match="一致性检查还有 3 项未完成或有错误"):
        perform(flow["e"], "submit", user=flow["evaluator_a"])
    flow["e"].refresh_from_db()
    assert flow["e"].state == S.CONSULTATION


def test_available_transitions_per_person(flow):
    assert [t.name for t in available_transitions(flow["evaluator_a"], flow["e"])] == ["start_collecting"]
    assert available_transitions(flow["bureau_a"], flow["e"]) == []
    assert set(TRANSITIONS) >= {"submit", "approve", "return", "pass_review", "reject_review"}


def test_a_single_level_firm_goes_straight_to_consultation(flow):
    flow["e"].evaluating_firm.review_levels = 1
    flow["e"].evaluating_firm.save()
    evaluation = run(
        flow,
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
    )
    assert evaluation.state == S.CONSULTATION
    assert evaluation.evaluating_firm.kind == OrganisationKind.FIRM
