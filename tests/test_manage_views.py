"""Evaluation list, creation and team pages, per role."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from evaluations.domain.team import member_snapshot
from evaluations.models import Evaluation, EvaluationState, TeamMember, TeamRole
from evaluations.models.roles import Role
from evaluations.queries import access
from tests.factories import EvaluationFactory, ProjectFactory, TeamMemberFactory, UserFactory, three_level_template

SIDE_A = ["evaluator_a", "reviewer_a", "unit_a", "bureau_a", "admin"]
SIDE_B = ["evaluator_b", "unit_b", "bureau_b"]


# --- list ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["home", "evaluation-list"])
@pytest.mark.parametrize("persona", [*SIDE_A, *SIDE_B, "nobody"])
def test_list_shows_only_what_the_user_may_see(client, world, persona, url_name):
    client.force_login(world[persona])
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    body = response.content.decode()
    visible = set(access.evaluations_for_user(world[persona]))
    for key in ("a", "b"):
        assert (world[key].title in body) == (world[key] in visible)


def test_unit_users_see_no_scores_in_the_list(client, world):
    Evaluation.objects.filter(pk=world["a"].pk).update(total_score=97.75, grade="优")
    client.force_login(world["unit_a"])
    body = client.get(reverse("evaluation-list")).content.decode()
    assert world["a"].title in body and "97.75" not in body and "总分" not in body
    client.force_login(world["bureau_a"])
    assert "97.75" in client.get(reverse("evaluation-list")).content.decode()


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"q": "甲区民政局部门"}, {"a"}),
        ({"q": "不存在的名字"}, set()),
        ({"year": "2022"}, {"c"}),
        ({"kind": "project"}, {"c"}),
        ({"state": "scoring"}, {"c"}),
        ({"unit": "unit_b"}, {"b"}),
        ({"q": "救助项目"}, {"c"}),  # by project name
        ({"q": "乙区民政"}, {"b"}),  # by the evaluated unit's name
        ({"q": "丙评价"}, {"c"}),  # by title
        ({"year": "abc"}, {"a", "b", "c"}),  # an unusable filter is ignored, not an error
    ],
)
def test_list_filters(client, world, query, shown):
    project = ProjectFactory(unit=world["a"].evaluated_unit, name="救助项目")
    c = EvaluationFactory(
        title="丙评价",
        kind="project",
        project=project,
        year=2022,
        state=EvaluationState.SCORING,
        evaluated_unit=world["a"].evaluated_unit,
    )
    world["c"] = c
    if query.get("unit") == "unit_b":
        query = {"unit": world["b"].evaluated_unit_id}
    client.force_login(world["admin"])
    body = client.get(reverse("evaluation-list"), query).content.decode()
    for key in ("a", "b", "c"):
        assert (world[key].title in body) == (key in shown), key


def test_list_is_sortable_and_paginated(client, world):
    EvaluationFactory.create_batch(25, evaluated_unit=world["a"].evaluated_unit)
    client.force_login(world["admin"])
    body = client.get(reverse("evaluation-list"), {"sort": "title"}).content.decode()
    assert "共 27 项评价" in body and "page=2" in body


@pytest.mark.parametrize("url_name", ["home", "evaluation-list"])
def test_list_query_count_is_constant(client, world, django_assert_max_num_queries, url_name):
    evaluator = world["evaluator_a"]
    client.force_login(evaluator)
    client.get(reverse(url_name))
    with django_assert_max_num_queries(14) as one:
        client.get(reverse(url_name), {"q": "评价"})
    for _ in range(29):
        TeamMemberFactory(evaluation=EvaluationFactory(evaluated_unit=world["a"].evaluated_unit), user=evaluator)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse(url_name), {"q": "评价"})
    assert response.content.decode().count("/evaluations/") >= 20


# --- creation -----------------------------------------------------------------------------------------


@pytest.fixture
def form_data(world):
    template = three_level_template(kind="project")
    project = ProjectFactory(unit=world["a"].evaluated_unit)
    return {
        "kind": "project",
        "title": "2023 年度新项目绩效评价",
        "evaluated_unit": world["a"].evaluated_unit_id,
        "project": project.pk,
        "year": "2023",
        "commissioning_bureau": world["a"].commissioning_bureau_id,
        "template": template.pk,
    }


@pytest.mark.parametrize("persona", ["reviewer_a", "unit_a", "bureau_a", "admin", "nobody"])
def test_creation_is_for_evaluators_only(client, world, persona, form_data):
    client.force_login(world[persona])
    assert client.get(reverse("evaluation-create")).status_code == 403
    assert client.post(reverse("evaluation-create"), form_data).status_code == 403
    assert not Evaluation.objects.filter(title=form_data["title"]).exists()


def test_evaluator_creates_an_evaluation(client, world, form_data):
    client.force_login(world["evaluator_a"])
    page = client.get(reverse("evaluation-create")).content.decode()
    assert "新建评价" in page and "指标体系模板" in page and "data-warn-unsaved" in page
    response = client.post(reverse("evaluation-create"), form_data)
    evaluation = Evaluation.objects.get(title=form_data["title"])
    assert response.status_code == 302 and response["Location"] == reverse("evaluation-detail", args=[evaluation.pk])
    assert evaluation.indicators.count() == 7
    assert evaluation.team.get().role == TeamRole.MANAGER
    assert "新建评价" in client.get(reverse("evaluation-list")).content.decode()  # the button on the list


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"title": ""}, "这个字段是必填项"),
        ({"year": "abc"}, "输入整数"),
        ({"year": "1800"}, "2000"),
        ({"project": ""}, "必须选择评价项目"),
        ({"kind": "department"}, "不选择评价项目"),
        ({"template": "999999"}, "选择一个有效的选项"),
        ({"period_start": "2023-07-01", "period_end": "2023-01-01"}, "不能早于评价期间起"),
        ({"period_start": "2023/13/40"}, "输入一个有效的日期"),
        ({"report_date": "2022-05-01"}, "报告日期"),
    ],
)
def test_creation_bad_input_shows_chinese_errors(client, world, form_data, change, words):
    client.force_login(world["evaluator_a"])
    response = client.post(reverse("evaluation-create"), {**form_data, **change})
    assert response.status_code == 200
    body = response.content.decode()
    assert words in body, body[body.find("invalid-feedback") - 200 : body.find("invalid-feedback") + 400]
    assert "未能新建评价" in body
    assert not Evaluation.objects.filter(title=form_data["title"]).exists()


def test_creation_refuses_a_project_of_another_unit(client, world, form_data):
    client.force_login(world["evaluator_a"])
    other = ProjectFactory(unit=world["b"].evaluated_unit)
    body = client.post(reverse("evaluation-create"), {**form_data, "project": other.pk}).content.decode()
    assert "不属于被评价单位" in body
    assert not Evaluation.objects.filter(title=form_data["title"]).exists()


# --- team ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", SIDE_A)
def test_team_page_is_visible_to_everyone_who_sees_the_evaluation(client, world, persona):
    client.force_login(world[persona])
    response = client.get(reverse("evaluation-team", args=[world["a"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "评价小组成员" in body
    assert ("添加成员" in body) == (persona in ("evaluator_a", "admin"))


@pytest.mark.parametrize("persona", SIDE_B)
def test_team_page_of_another_side_is_404(client, world, persona):
    client.force_login(world[persona])
    assert client.get(reverse("evaluation-team", args=[world["a"].pk])).status_code == 404
    response = client.post(reverse("evaluation-team", args=[world["a"].pk]), {"action": "add", "name": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["reviewer_a", "unit_a", "bureau_a"])
def test_only_the_manager_posts_team_changes(client, world, persona):
    client.force_login(world[persona])
    response = client.post(reverse("evaluation-team", args=[world["a"].pk]), {"action": "add", "name": "某人"})
    assert response.status_code == 403
    assert not TeamMember.objects.filter(name="某人").exists()


def test_manager_adds_edits_and_removes_a_member(client, world):
    evaluation = world["a"]
    colleague = UserFactory(organisation=evaluation.evaluating_firm, role=Role.EVALUATOR, full_name="李四")
    client.force_login(world["evaluator_a"])
    url = reverse("evaluation-team", args=[evaluation.pk])
    response = client.post(
        url, {"action": "add", "name": "李四", "role": "member", "user": colleague.pk, "group": "项目工作组"}
    )
    assert response.status_code == 302
    member = TeamMember.objects.get(evaluation=evaluation, name="李四")
    page = client.get(url, {"edit": member.pk}).content.decode()
    assert "修改成员「李四」" in page
    assert member.duty == "评价工作组成员"  # filled from the role (the account has no post in its profile)
    snapshot = json.dumps(member_snapshot(member))
    response = client.post(
        url,
        {
            "action": "edit",
            "member": member.pk,
            "snapshot": snapshot,
            "name": "李四",
            "role": "lead",
            "user": colleague.pk,
            "duty": "主评人",
            "order": member.order,
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == TeamRole.LEAD and member.duty == "主评人"
    member.refresh_from_db()
    removal = {"action": "remove", "member": member.pk, "snapshot": json.dumps(member_snapshot(member))}
    response = client.post(url, removal, follow=True)
    assert "已将「李四」移出评价小组" in response.content.decode()
    assert not TeamMember.objects.filter(pk=member.pk).exists()


def test_team_refusals_are_shown_in_chinese(client, world):
    client.force_login(world["evaluator_a"])
    url = reverse("evaluation-team", args=[world["a"].pk])
    # an account of another firm is not even offered
    body = client.post(url, {"action": "add", "name": "外人", "role": "member", "user": world["evaluator_b"].pk})
    assert "选择一个有效的选项" in body.content.decode()
    # an account already on the team is not offered either (the service refuses it too: test_editing_services)
    body = client.post(url, {"action": "add", "name": "重复", "role": "member", "user": world["evaluator_a"].pk})
    assert "选择一个有效的选项" in body.content.decode()
    assert not TeamMember.objects.filter(evaluation=world["a"], name="重复").exists()
    own = TeamMember.objects.get(evaluation=world["a"], user=world["evaluator_a"])
    removal = {"action": "remove", "member": own.pk, "snapshot": json.dumps(member_snapshot(own))}
    body = client.post(url, removal, follow=True).content.decode()
    assert "唯一的项目经理" in body
    assert TeamMember.objects.filter(pk=own.pk).exists()


def test_stale_team_edit_is_refused(client, world):
    client.force_login(world["evaluator_a"])
    url = reverse("evaluation-team", args=[world["a"].pk])
    reviewer = TeamMember.objects.get(evaluation=world["a"], user=world["reviewer_a"])
    snapshot = json.dumps(
        {
            "name": reviewer.name,
            "group": "",
            "qualification": "",
            "duty": "",
            "role": "review_1",
            "user": str(world["reviewer_a"].pk),
            "order": "0",
        }
    )
    TeamMember.objects.filter(pk=reviewer.pk).update(qualification="注册会计师")
    body = client.post(
        url,
        {
            "action": "edit",
            "member": reviewer.pk,
            "snapshot": snapshot,
            "name": reviewer.name,
            "role": "review_1",
            "user": world["reviewer_a"].pk,
            "qualification": "我的",
        },
    ).content.decode()
    assert "已被他人修改" in body and "注册会计师" in body
    reviewer.refresh_from_db()
    assert reviewer.qualification == "注册会计师"
