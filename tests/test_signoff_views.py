"""Sign-off through the pages, per role: the sign-off record and form, the reviewers' queue, the approval's
confirmation page, the team page's accounts and levels, the profile, and returns in the 待办."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.domain.team import member_snapshot
from evaluations.domain.workflow import perform
from evaluations.models import (
    EvaluationState,
    ReviewSignature,
    StateChange,
    TeamMember,
    TeamRole,
)
from evaluations.models.roles import Role
from tests.factories import EvaluationFactory, TeamMemberFactory, UserFactory, complete_report

S = EvaluationState
INTERNAL_OPINION = "资金分配合理性的评定得分缺少理由，请补充。"


@pytest.fixture
def in_review(world):
    """Evaluation A at its first of two levels: reviewer_a signs 一级审核, reviewer2 二级复核."""
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 2
    evaluation.evaluating_firm.save()
    reviewer2 = UserFactory(organisation=evaluation.evaluating_firm, role=Role.INTERNAL_REVIEWER, full_name="孙琴")
    TeamMemberFactory(evaluation=evaluation, user=reviewer2, role=TeamRole.REVIEW_2)
    complete_report(evaluation)
    for step in ("start_collecting", "start_scoring", "submit_review"):
        perform(evaluation, step, user=world["evaluator_a"])
    return {**world, "reviewer2": reviewer2}


def _sign(client, world, persona, decision, opinion="同意。"):
    client.force_login(world[persona])
    url = reverse("evaluation-signoff", args=[world["a"].pk])
    return client.post(url, {"decision": decision, "comment": opinion}, follow=True)


# --- the sign-off page ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("evaluator_a", 200),
        ("reviewer_a", 200),
        ("reviewer2", 200),
        ("admin", 200),
        ("bureau_a", 200),
        ("unit_a", 403),
        ("evaluator_b", 404),
        ("bureau_b", 404),
        ("unit_b", 404),
        ("nobody", 404),
    ],
)
def test_who_opens_the_sign_off_page(client, in_review, persona, status):
    client.force_login(in_review[persona])
    assert client.get(reverse("evaluation-signoff", args=[in_review["a"].pk])).status_code == status


def test_the_level_one_reviewer_signs_level_one_on_the_page(client, in_review):
    page = _sign(client, in_review, "reviewer_a", "pass_review", "基础数据与佐证一致，同意提交二级复核。")
    assert "已签署一级审核（通过），评价现处于“内部复核”。" in page.content.decode()
    assert page.redirect_chain[-1][0] == reverse("signoff-queue")
    signature = ReviewSignature.objects.get()
    assert (signature.level, signature.signer, signature.decision) == (1, in_review["reviewer_a"], "passed")
    client.force_login(in_review["evaluator_a"])
    record = client.get(reverse("evaluation-signoff", args=[in_review["a"].pk])).content.decode()
    assert "基础数据与佐证一致，同意提交二级复核。" in record and "一级审核" in record


def test_a_level_two_reviewer_cannot_sign_level_one(client, in_review):
    page = _sign(client, in_review, "reviewer2", "pass_review").content.decode()
    assert "只有评价小组中担任一级审核的内部复核人员可以执行此操作。" in page
    in_review["a"].refresh_from_db()
    assert in_review["a"].review_level == 1
    assert not ReviewSignature.objects.exists()
    assert "签署一级审核" not in client.get(reverse("evaluation-signoff", args=[in_review["a"].pk])).content.decode()


@pytest.mark.parametrize("persona", ["evaluator_a", "bureau_a", "admin"])
def test_nobody_else_signs_a_level(client, in_review, persona):
    _sign(client, in_review, persona, "pass_review")
    assert not ReviewSignature.objects.exists()


def test_signing_without_an_opinion_keeps_nothing_and_says_why(client, in_review):
    page = _sign(client, in_review, "reviewer_a", "reject_review", "  ").content.decode()
    assert "“退回修改”必须填写复核意见，说明需要修改的内容。" in page
    in_review["a"].refresh_from_db()
    assert in_review["a"].state == S.INTERNAL_REVIEW
    page = _sign(client, in_review, "reviewer_a", "approve", "想批准").content.decode()
    assert "请选择“复核通过”或“退回修改”。" in page
    assert not StateChange.objects.filter(transition__in=["approve", "reject_review"]).exists()


def test_the_bureau_sees_who_signed_but_not_the_internal_opinions(client, in_review):
    _sign(client, in_review, "reviewer_a", "reject_review", INTERNAL_OPINION)
    client.force_login(in_review["bureau_a"])
    page = client.get(reverse("evaluation-signoff", args=[in_review["a"].pk])).content.decode()
    assert "一级审核" in page and "退回修改" in page
    assert INTERNAL_OPINION not in page and "内部复核意见仅评价机构可见" in page


def test_the_workflow_panel_signs_with_one_opinion_box(client, in_review):
    client.force_login(in_review["reviewer_a"])
    page = client.get(reverse("evaluation-detail", args=[in_review["a"].pk])).content.decode()
    assert 'id="signoff-form"' in page and "一级审核意见（必填" in page
    url = reverse("evaluation-transition", args=[in_review["a"].pk, "pass_review"])
    client.post(url, {"comment": "同意。"})
    in_review["a"].refresh_from_db()
    assert in_review["a"].review_level == 2
    client.force_login(in_review["evaluator_a"])
    page = client.get(reverse("evaluation-detail", args=[in_review["a"].pk])).content.decode()
    # the timeline names the person and the level, then the opinion
    assert f"{in_review['reviewer_a']} 一级审核通过：" in page and "“同意。”" in page


# --- the queue ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("reviewer_a", 200), ("reviewer2", 200), ("evaluator_a", 403), ("unit_a", 403), ("bureau_a", 403)],
)
def test_the_queue_is_for_internal_reviewers(client, in_review, persona, status):
    client.force_login(in_review[persona])
    assert client.get(reverse("signoff-queue")).status_code == status


def test_the_queue_lists_what_waits_at_my_level_and_the_navigation_links_it(client, in_review):
    client.force_login(in_review["reviewer_a"])
    page = client.get(reverse("signoff-queue")).content.decode()
    assert in_review["a"].title in page and "一级审核" in page
    assert reverse("signoff-queue") in client.get(reverse("home")).content.decode()
    client.force_login(in_review["reviewer2"])
    assert in_review["a"].title not in client.get(reverse("signoff-queue")).content.decode()
    client.force_login(in_review["unit_a"])
    assert reverse("signoff-queue") not in client.get(reverse("home")).content.decode()


def test_the_queue_page_costs_the_same_queries_for_more_rows(client, world):
    firm = world["a"].evaluating_firm
    firm.review_levels = 1
    firm.save()
    client.force_login(world["reviewer_a"])

    def add():
        evaluation = EvaluationFactory(evaluating_firm=firm)
        TeamMemberFactory(evaluation=evaluation, user=world["evaluator_a"], role=TeamRole.MANAGER)
        TeamMemberFactory(evaluation=evaluation, user=world["reviewer_a"], role=TeamRole.REVIEW_1)
        for step in ("start_collecting", "start_scoring", "submit_review"):
            perform(evaluation, step, user=world["evaluator_a"])
        perform(evaluation, "reject_review", user=world["reviewer_a"], comment="请补充。")
        perform(evaluation, "submit_review", user=world["evaluator_a"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("signoff-queue")).status_code == 200
        return len(captured)

    add()
    one = queries()
    for _ in range(4):
        add()
    assert queries() == one


# --- approval ---------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(in_review):
    evaluation = in_review["a"]
    perform(evaluation, "pass_review", user=in_review["reviewer_a"], comment="同意。")
    perform(evaluation, "pass_review", user=in_review["reviewer2"], comment="同意。")
    perform(evaluation, "submit", user=in_review["evaluator_a"])
    return in_review


def test_the_approval_asks_for_confirmation_and_an_opinion(client, submitted):
    evaluation = submitted["a"]
    url = reverse("evaluation-approve", args=[evaluation.pk])
    client.force_login(submitted["bureau_a"])
    page = client.get(url).content.decode()
    assert "审批意见" in page and "确认批准" in page and "一级审核" in page
    page = client.post(url, {"opinion": "同意。"}).content.decode()
    assert "请勾选确认后再批准。" in page
    page = client.post(url, {"opinion": " ", "confirm": "on"}).content.decode()
    assert "请填写审批意见。" in page
    evaluation.refresh_from_db()
    assert evaluation.state == S.SUBMITTED
    response = client.post(url, {"opinion": "同意该评价报告，评价等级为优。", "confirm": "on"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.state == S.APPROVED
    signature = ReviewSignature.objects.get(level=0)
    assert (signature.signer, signature.opinion) == (submitted["bureau_a"], "同意该评价报告，评价等级为优。")


def test_the_plain_transition_url_does_not_approve(client, submitted):
    client.force_login(submitted["bureau_a"])
    response = client.post(reverse("evaluation-transition", args=[submitted["a"].pk, "approve"]), {"comment": "x"})
    assert response.url == reverse("evaluation-approve", args=[submitted["a"].pk])
    submitted["a"].refresh_from_db()
    assert submitted["a"].state == S.SUBMITTED


@pytest.mark.parametrize(
    ("persona", "status"), [("evaluator_a", 403), ("reviewer_a", 403), ("unit_a", 403), ("bureau_b", 404)]
)
def test_only_the_commissioning_bureau_opens_the_approval(client, submitted, persona, status):
    client.force_login(submitted[persona])
    url = reverse("evaluation-approve", args=[submitted["a"].pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"opinion": "同意。", "confirm": "on"}).status_code == status
    submitted["a"].refresh_from_db()
    assert submitted["a"].state == S.SUBMITTED


def test_the_bureau_review_page_lists_the_signed_levels(client, submitted):
    client.force_login(submitted["bureau_a"])
    page = client.get(reverse("evaluation-review", args=[submitted["a"].pk])).content.decode()
    assert "内部复核签署" in page and "孙琴 于" in page
    assert reverse("evaluation-approve", args=[submitted["a"].pk]) in page


# --- team ---------------------------------------------------------------------------------------------------


def test_submitting_without_reviewers_says_which_level_and_links_the_team(client, world):
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 2
    evaluation.evaluating_firm.save()
    for step in ("start_collecting", "start_scoring"):
        perform(evaluation, step, user=world["evaluator_a"])
    client.force_login(world["evaluator_a"])
    detail = client.get(reverse("evaluation-detail", args=[evaluation.pk])).content.decode()
    assert 'id="missing-reviewers"' in detail and "二级复核" in detail
    url = reverse("evaluation-transition", args=[evaluation.pk, "submit_review"])
    page = client.post(url, follow=True).content.decode()
    assert "评价小组中还没有担任二级复核的人员" in page
    assert f'<a href="{reverse("evaluation-team", args=[evaluation.pk])}" class="alert-link">' in page
    evaluation.refresh_from_db()
    assert evaluation.state == S.SCORING
    team_page = client.get(reverse("evaluation-team", args=[evaluation.pk])).content.decode()
    assert 'id="missing-levels"' in team_page


def test_a_member_is_added_from_an_account_alone(client, world):
    evaluation = world["a"]
    person = UserFactory(
        organisation=evaluation.evaluating_firm,
        role=Role.INTERNAL_REVIEWER,
        full_name="孙琴",
        qualification="注册会计师",
        position="部门主任",
    )
    client.force_login(world["evaluator_a"])
    url = reverse("evaluation-team", args=[evaluation.pk])
    page = client.get(url).content.decode()
    assert 'data-name="孙琴"' in page and 'data-position="部门主任"' in page
    accounts = page[page.index('id="id_user"') : page.index("</select>", page.index('id="id_user"'))]
    assert world["evaluator_b"].full_name not in accounts  # another firm's accounts are not offered
    assert world["evaluator_a"].full_name not in accounts  # nor those already on the team
    order = re.search(r'<input[^>]*id="id_order"[^>]*>', page).group(0)
    assert "value=" not in order, order  # a new member has no position yet ("排序 0" misled)
    response = client.post(url, {"action": "add", "user": person.pk, "role": "review_2"})
    assert response.status_code == 302
    member = TeamMember.objects.get(evaluation=evaluation, user=person)
    assert (member.name, member.qualification, member.duty) == ("孙琴", "注册会计师", "部门主任、二级复核")


def test_another_firms_account_is_refused_and_nothing_is_added(client, world):
    client.force_login(world["evaluator_a"])
    url = reverse("evaluation-team", args=[world["a"].pk])
    response = client.post(url, {"action": "add", "user": world["evaluator_b"].pk, "role": "member"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not TeamMember.objects.filter(evaluation=world["a"], user=world["evaluator_b"]).exists()


@pytest.mark.parametrize("action", ["edit", "remove"])
def test_another_evaluations_member_by_id_is_404(client, world, action):
    other = TeamMember.objects.get(evaluation=world["b"], user=world["evaluator_b"])
    client.force_login(world["evaluator_a"])
    url = reverse("evaluation-team", args=[world["a"].pk])
    response = client.post(url, {"action": action, "member": other.pk, "name": "改名", "role": "member"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name != "改名"
    assert client.get(url, {"edit": other.pk}).status_code == 404


def test_removing_the_reviewer_of_a_level_to_come_is_refused_on_the_page(client, in_review):
    member = TeamMember.objects.get(evaluation=in_review["a"], user=in_review["reviewer2"])
    client.force_login(in_review["evaluator_a"])
    url = reverse("evaluation-team", args=[in_review["a"].pk])
    snapshot = json.dumps(member_snapshot(member), ensure_ascii=False)  # what the page holds for the member
    posted = {"action": "remove", "member": member.pk, "snapshot": snapshot}
    page = client.post(url, posted, follow=True).content.decode()
    assert "本评价正在内部复核，移出「孙琴」后将没有人员签署二级复核" in page
    assert TeamMember.objects.filter(pk=member.pk).exists()


# --- profile and 待办 -------------------------------------------------------------------------------------------


def test_a_person_keeps_their_profile(client, world):
    client.force_login(world["reviewer_a"])
    url = reverse("profile")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"full_name": "李文静", "qualification": "中级会计师、工程师", "position": "项目组长", "phone": ""}
    )
    assert response.status_code == 302
    world["reviewer_a"].refresh_from_db()
    assert (world["reviewer_a"].qualification, world["reviewer_a"].position) == ("中级会计师、工程师", "项目组长")
    page = client.post(url, {"full_name": "", "qualification": "x"}).content.decode()
    assert "这个字段是必填项" in page


def test_after_an_internal_return_the_evaluators_inbox_shows_it_with_the_comment(client, in_review):
    _sign(client, in_review, "reviewer_a", "reject_review", INTERNAL_OPINION)
    client.force_login(in_review["evaluator_a"])
    page = client.get(reverse("inbox")).content.decode()
    assert f"一级审核 {in_review['reviewer_a']} 退回修改" in page and INTERNAL_OPINION in page
    assert "暂无待办事项" not in page
