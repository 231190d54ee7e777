"""Sign-off in the domain: each review level passes or returns with an opinion and is signed by that person at that
level on that day; approval needs its opinion; review cannot start until every configured level has a reviewer,
and no team change leaves a level still to come without one; returns wait in the preparers' 待办."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluations.domain import team
from evaluations.domain.errors import EditError
from evaluations.domain.workflow import TransitionError, perform
from evaluations.models import (
    BUREAU_LEVEL,
    EvaluationState,
    ReviewSignature,
    SignOffDecision,
    StateChange,
    TeamMember,
    TeamRole,
)
from evaluations.models.roles import Role
from evaluations.queries.inbox import inbox
from evaluations.queries.signoff import missing_review_levels, waiting_for
from tests.factories import EvaluationFactory, TeamMemberFactory, UserFactory, complete_report

S = EvaluationState


@pytest.fixture
def signing(world):
    """Evaluation A in review at three levels: reviewer_a (一级审核), 孙琴 (二级复核), 姜兆峰 (三级审核)."""
    evaluation = world["a"]
    firm = evaluation.evaluating_firm
    firm.review_levels = 3
    firm.save()
    second = UserFactory(organisation=firm, role=Role.INTERNAL_REVIEWER, full_name="孙琴")
    third = UserFactory(organisation=firm, role=Role.INTERNAL_REVIEWER, full_name="姜兆峰")
    TeamMemberFactory(
        evaluation=evaluation, user=second, role=TeamRole.REVIEW_2, qualification="注册会计师、资产评估师"
    )
    TeamMemberFactory(evaluation=evaluation, user=third, role=TeamRole.REVIEW_3)
    complete_report(evaluation)
    for step in ("start_collecting", "start_scoring", "submit_review"):
        perform(evaluation, step, user=world["evaluator_a"])
    evaluation.refresh_from_db()
    return {**world, "second": second, "third": third, "e": evaluation}


def test_passing_a_level_needs_an_opinion_and_changes_nothing_without_one(signing):
    with pytest.raises(TransitionError, match="“复核通过”必须填写复核意见。"):
        perform(signing["e"], "pass_review", user=signing["reviewer_a"], comment="   ")
    signing["e"].refresh_from_db()
    assert (signing["e"].state, signing["e"].review_level) == (S.INTERNAL_REVIEW, 1)
    assert not ReviewSignature.objects.exists()
    assert not StateChange.objects.filter(transition="pass_review").exists()


def test_each_level_is_signed_by_its_reviewer_with_the_opinion_and_the_date(signing):
    e, first = signing["e"], signing["reviewer_a"]
    perform(e, "pass_review", user=first, comment="基础数据与佐证一致，同意。")
    perform(e, "pass_review", user=signing["second"], comment="问题清单表述恰当，同意。")
    perform(e, "pass_review", user=signing["third"], comment="同意出具征求意见稿。")
    e.refresh_from_db()
    assert e.state == S.CONSULTATION
    rows = [
        (s.level, s.level_label, s.signer_id, s.signer_name, s.decision, s.opinion)
        for s in ReviewSignature.objects.filter(evaluation=e)
    ]
    assert rows == [
        (
            1,
            "一级审核",
            signing["reviewer_a"].pk,
            signing["reviewer_a"].full_name,
            "passed",
            "基础数据与佐证一致，同意。",
        ),
        (2, "二级复核", signing["second"].pk, "孙琴", "passed", "问题清单表述恰当，同意。"),
        (3, "三级审核", signing["third"].pk, "姜兆峰", "passed", "同意出具征求意见稿。"),
    ]
    second = ReviewSignature.objects.get(level=2)
    assert second.signer_qualification == "注册会计师、资产评估师"  # as the team lists the person
    assert second.signed_on == timezone.localdate()
    assert second.state_change.comment == "问题清单表述恰当，同意。"  # the timeline carries the same words


def test_the_timeline_names_the_level_and_the_person(signing):
    perform(signing["e"], "pass_review", user=signing["reviewer_a"], comment="同意。")
    perform(signing["e"], "reject_review", user=signing["second"], comment="表3-2 合计与正文不一致。")
    passed, returned = StateChange.objects.filter(transition__in=["pass_review", "reject_review"]).order_by("pk")
    assert passed.headline == f"一级审核 {signing['reviewer_a']} 通过"
    assert returned.headline == "二级复核 孙琴 退回修改"
    assert returned.transition_label == "二级复核退回修改"
    submitted = StateChange.objects.get(transition="submit_review")
    assert submitted.headline == f"{signing['evaluator_a']} 提交内部复核"


def test_a_return_at_a_level_is_signed_and_sends_the_work_back(signing):
    perform(signing["e"], "pass_review", user=signing["reviewer_a"], comment="同意。")
    perform(signing["e"], "reject_review", user=signing["second"], comment="请核对预算执行率。")
    signing["e"].refresh_from_db()
    assert (signing["e"].state, signing["e"].review_level) == (S.SCORING, 0)
    returned = ReviewSignature.objects.get(decision=SignOffDecision.RETURNED)
    assert (returned.level, returned.signer, returned.opinion) == (2, signing["second"], "请核对预算执行率。")


def test_a_level_two_reviewer_cannot_sign_level_one(signing):
    for step in ("pass_review", "reject_review"):
        with pytest.raises(TransitionError, match="只有评价小组中担任一级审核的内部复核人员"):
            perform(signing["e"], step, user=signing["second"], comment="越级签署。")
    assert not ReviewSignature.objects.exists()


def test_approval_needs_its_opinion_and_is_signed_by_the_bureau(signing):
    e = signing["e"]
    for user in (signing["reviewer_a"], signing["second"], signing["third"]):
        perform(e, "pass_review", user=user, comment="同意。")
    perform(e, "submit", user=signing["evaluator_a"])
    with pytest.raises(TransitionError, match="“批准”必须填写审批意见。"):
        perform(e, "approve", user=signing["bureau_a"])
    e.refresh_from_db()
    assert e.state == S.SUBMITTED
    perform(e, "approve", user=signing["bureau_a"], comment="同意该评价报告。")
    approval = ReviewSignature.objects.get(level=BUREAU_LEVEL)
    assert (approval.decision, approval.level_label, approval.opinion) == ("approved", "财政局审核", "同意该评价报告。")
    assert approval.state_change.headline == f"财政局审核 {signing['bureau_a']} 批准"


def test_the_bureaus_return_is_signed_too(signing):
    e = signing["e"]
    for user in (signing["reviewer_a"], signing["second"], signing["third"]):
        perform(e, "pass_review", user=user, comment="同意。")
    perform(e, "submit", user=signing["evaluator_a"])
    perform(e, "return", user=signing["bureau_a"], comment="请补充资金发放审批流程。")
    returned = ReviewSignature.objects.get(level=BUREAU_LEVEL)
    assert (returned.decision, returned.opinion) == ("returned", "请补充资金发放审批流程。")


# --- a reviewer for every level -----------------------------------------------------------------------------


@pytest.fixture
def scoring(world):
    """Evaluation A being scored, its firm with two levels; only 一级审核 (reviewer_a) on the team."""
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 2
    evaluation.evaluating_firm.save()
    for step in ("start_collecting", "start_scoring"):
        perform(evaluation, step, user=world["evaluator_a"])
    evaluation.refresh_from_db()
    return world


def test_review_cannot_start_while_a_level_has_no_reviewer(scoring):
    e = scoring["a"]
    with pytest.raises(TransitionError, match="本评价须经 2 级内部复核，评价小组中还没有担任二级复核的人员") as refused:
        perform(e, "submit_review", user=scoring["evaluator_a"])
    assert refused.value.fix == "team"
    e.refresh_from_db()
    assert e.state == S.SCORING
    assert not StateChange.objects.filter(transition="submit_review").exists()


@pytest.mark.parametrize("how", ["no account", "inactive", "not a reviewer"])
def test_only_a_member_who_can_sign_counts_for_a_level(scoring, how):
    e = scoring["a"]
    if how == "no account":
        TeamMember.objects.create(evaluation=e, name="翟强", role=TeamRole.REVIEW_2)
    else:
        user = UserFactory(
            organisation=e.evaluating_firm,
            role=Role.EVALUATOR if how == "not a reviewer" else Role.INTERNAL_REVIEWER,
            is_active=how != "inactive",
        )
        TeamMemberFactory(evaluation=e, user=user, role=TeamRole.REVIEW_2)
    assert missing_review_levels(e) == [2]
    with pytest.raises(TransitionError, match="还没有担任二级复核的人员"):
        perform(e, "submit_review", user=scoring["evaluator_a"])


def test_review_starts_once_every_level_has_a_reviewer(scoring):
    e = scoring["a"]
    reviewer = UserFactory(organisation=e.evaluating_firm, role=Role.INTERNAL_REVIEWER)
    team.save_member(evaluation=e, actor=scoring["evaluator_a"], values={"user": reviewer, "role": TeamRole.REVIEW_2})
    perform(e, "submit_review", user=scoring["evaluator_a"])
    e.refresh_from_db()
    assert (e.state, e.review_level) == (S.INTERNAL_REVIEW, 1)


def test_a_member_chosen_from_the_accounts_is_filled_from_the_profile(scoring):
    e = scoring["a"]
    person = UserFactory(
        organisation=e.evaluating_firm,
        role=Role.INTERNAL_REVIEWER,
        full_name="孙琴",
        qualification="注册会计师、资产评估师",
        position="部门主任",
    )
    member = team.save_member(
        evaluation=e, actor=scoring["evaluator_a"], values={"user": person, "role": TeamRole.REVIEW_2}
    )
    assert (member.name, member.qualification, member.duty) == ("孙琴", "注册会计师、资产评估师", "部门主任、二级复核")
    # What the manager types wins over the profile.
    member = team.save_member(
        evaluation=e,
        actor=scoring["evaluator_a"],
        member=member,
        values={"user": person, "role": TeamRole.REVIEW_2, "name": "孙琴（财务）", "duty": "二级复核"},
        snapshot=team.member_snapshot(member),
    )
    assert (member.name, member.duty) == ("孙琴（财务）", "二级复核")


def test_no_account_and_no_name_is_refused(scoring):
    with pytest.raises(EditError, match="请选择系统账号或填写姓名"):
        team.save_member(evaluation=scoring["a"], actor=scoring["evaluator_a"], values={"role": TeamRole.MEMBER})


def test_in_review_a_level_still_to_come_keeps_its_reviewer(signing):
    e, manager = signing["e"], signing["evaluator_a"]
    second = TeamMember.objects.get(evaluation=e, user=signing["second"])
    with pytest.raises(EditError, match="本评价正在内部复核，移出「孙琴」后将没有人员签署二级复核"):
        team.remove_member(evaluation=e, actor=manager, member=second, snapshot=team.member_snapshot(second))
    with pytest.raises(EditError, match="调整「孙琴」后将没有人员签署二级复核"):
        team.save_member(
            evaluation=e,
            actor=manager,
            member=second,
            values={"user": signing["second"], "role": TeamRole.REVIEW_3},
            snapshot=team.member_snapshot(second),
        )
    second.refresh_from_db()
    assert second.role == TeamRole.REVIEW_2
    # Another 二级复核 first: then 孙琴 may leave.
    other = UserFactory(organisation=e.evaluating_firm, role=Role.INTERNAL_REVIEWER, full_name="翟强")
    team.save_member(evaluation=e, actor=manager, values={"user": other, "role": TeamRole.REVIEW_2})
    second.refresh_from_db()
    team.remove_member(evaluation=e, actor=manager, member=second, snapshot=team.member_snapshot(second))
    assert missing_review_levels(e) == []


def test_a_level_already_passed_may_lose_its_reviewer(signing):
    e = signing["e"]
    perform(e, "pass_review", user=signing["reviewer_a"], comment="同意。")
    first = TeamMember.objects.get(evaluation=e, user=signing["reviewer_a"])
    team.remove_member(evaluation=e, actor=signing["evaluator_a"], member=first, snapshot=team.member_snapshot(first))
    assert not TeamMember.objects.filter(pk=first.pk).exists()


# --- queue and 待办 -------------------------------------------------------------------------------------------


def test_the_queue_holds_what_waits_at_the_reviewers_level(signing):
    e = signing["e"]
    assert list(waiting_for(signing["reviewer_a"])) == [e]
    assert list(waiting_for(signing["second"])) == []
    perform(e, "pass_review", user=signing["reviewer_a"], comment="同意。")
    assert list(waiting_for(signing["reviewer_a"])) == []
    (waiting,) = waiting_for(signing["second"])
    assert waiting == e and waiting.handed_by == signing["reviewer_a"].full_name
    assert list(waiting_for(signing["unit_a"])) == []


def test_the_queue_costs_the_same_queries_for_many_evaluations(world):
    firm = world["a"].evaluating_firm
    firm.review_levels = 1
    firm.save()

    def queue_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = list(waiting_for(world["reviewer_a"]))
            [(row.handed_at, row.handed_by, row.evaluated_unit.name, row.pending_explanations) for row in rows]
        return len(queries)

    def one_more():
        evaluation = EvaluationFactory(evaluating_firm=firm, period_start=date(2023, 1, 1))
        TeamMemberFactory(evaluation=evaluation, user=world["evaluator_a"], role=TeamRole.MANAGER)
        TeamMemberFactory(evaluation=evaluation, user=world["reviewer_a"], role=TeamRole.REVIEW_1)
        for step in ("start_collecting", "start_scoring", "submit_review"):
            perform(evaluation, step, user=world["evaluator_a"])

    one_more()
    few = queue_queries()
    for _ in range(4):
        one_more()
    assert len(list(waiting_for(world["reviewer_a"]))) == 5
    assert queue_queries() == few


def test_an_internal_return_waits_in_the_preparers_inbox_with_the_comment(signing):
    perform(signing["e"], "reject_review", user=signing["reviewer_a"], comment="表3-2 合计有误，请改正。")
    (item,) = [i for i in inbox(signing["evaluator_a"]) if i.evaluation == signing["e"]]
    assert item.text == f"一级审核 {signing['reviewer_a']} 退回修改，请修改后重新提交内部复核。"
    assert item.comment == "表3-2 合计有误，请改正。"
    assert not inbox(signing["reviewer_a"])  # nothing waits for the reviewer now
    perform(signing["e"], "submit_review", user=signing["evaluator_a"])
    assert not [i for i in inbox(signing["evaluator_a"]) if i.evaluation == signing["e"]]


def test_a_bureau_return_waits_in_the_preparers_inbox_with_the_comment(signing):
    e = signing["e"]
    for user in (signing["reviewer_a"], signing["second"], signing["third"]):
        perform(e, "pass_review", user=user, comment="同意。")
    perform(e, "submit", user=signing["evaluator_a"])
    perform(e, "return", user=signing["bureau_a"], comment="请补充资金发放的审批流程。")
    (item,) = inbox(signing["evaluator_a"])
    assert item.text.startswith(f"财政局审核 {signing['bureau_a']} 退回修改")
    assert item.comment == "请补充资金发放的审批流程。"


def test_the_inbox_costs_the_same_queries_for_many_returns(world):
    firm = world["a"].evaluating_firm
    firm.review_levels = 1
    firm.save()

    def returned_one():
        evaluation = EvaluationFactory(evaluating_firm=firm)
        TeamMemberFactory(evaluation=evaluation, user=world["evaluator_a"], role=TeamRole.MANAGER)
        TeamMemberFactory(evaluation=evaluation, user=world["reviewer_a"], role=TeamRole.REVIEW_1)
        for step in ("start_collecting", "start_scoring", "submit_review"):
            perform(evaluation, step, user=world["evaluator_a"])
        perform(evaluation, "reject_review", user=world["reviewer_a"], comment="请补充。")

    def inbox_queries() -> int:
        world["evaluator_a"]._roles_cache = None
        with CaptureQueriesContext(connection) as queries:
            inbox(world["evaluator_a"])
        return len(queries)

    returned_one()
    few = inbox_queries()
    for _ in range(4):
        returned_one()
    assert len(inbox(world["evaluator_a"])) == 5
    assert inbox_queries() == few
