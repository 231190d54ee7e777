"""评价任务 (issue 13, must have 1): a bureau commissions an evaluation of one of its units, the firm's evaluator
accepts it (the evaluation is created, the evaluator becomes 项目经理) or declines it with a reason. Another
organisation's commission is 404; bad input gets a Chinese message and changes nothing."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.domain.commissions import (
    accept_commission,
    create_commission,
    decline_commission,
    withdraw_commission,
)
from evaluations.domain.errors import EditError
from evaluations.models import Commission, CommissionState, Evaluation, TeamRole
from evaluations.queries import access
from evaluations.queries.commissions import commission_inbox
from rubrics.models import EvaluationKind
from tests.factories import OrganisationFactory, ProjectFactory, three_level_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def sides(world):
    """Each bureau is responsible for the units of its region (所属地区): 甲区 for side A, 乙区 for side B."""
    for key, region in (("a", "甲区"), ("b", "乙区")):
        evaluation = world[key]
        for organisation in (evaluation.evaluated_unit, evaluation.commissioning_bureau):
            organisation.region = region
            organisation.save()
    world["unit_a"].organisation.refresh_from_db()
    world["bureau_a"].organisation.refresh_from_db()
    world["bureau_b"].organisation.refresh_from_db()
    world["firm"] = world["a"].evaluating_firm
    world["template"] = three_level_template(kind=EvaluationKind.DEPARTMENT, name="部门整体模板")
    return world


def _commission(world, **overrides) -> Commission:
    values = {
        "user": world["bureau_a"],
        "evaluated_unit": world["a"].evaluated_unit,
        "kind": EvaluationKind.DEPARTMENT,
        "year": 2024,
        "firm": world["firm"],
        "deadline": timezone.localdate() + timedelta(days=30),
        "outline": "按部门整体支出绩效评价参考提纲撰写。",
    }
    return create_commission(**{**values, **overrides})


def _accept(world, commission, user=None, **overrides):
    values = {
        "commission": commission,
        "user": user or world["evaluator_a"],
        "template": world["template"],
        "title": "2024 年度甲区民政局部门整体绩效评价",
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 12, 31),
    }
    return accept_commission(**{**values, **overrides})


# --- services ---------------------------------------------------------------------------------------------


def test_the_bureau_commissions_and_the_firm_accepts_through_the_creation_service(sides):
    world = sides
    commission = _commission(world)
    assert commission.state == CommissionState.OPEN and commission.bureau == world["a"].commissioning_bureau
    assert [item.commission for item in commission_inbox(world["evaluator_a"])] == [commission]
    assert commission_inbox(world["evaluator_b"]) == []

    evaluation = _accept(world, commission)
    commission.refresh_from_db()
    assert commission.state == CommissionState.ACCEPTED and commission.evaluation == evaluation
    assert commission.answered_by == world["evaluator_a"]
    assert (evaluation.commissioning_bureau, evaluation.evaluating_firm) == (commission.bureau, commission.firm)
    assert (evaluation.kind, evaluation.year, evaluation.template) == ("department", 2024, world["template"])
    assert evaluation.indicators.count() == 7  # the template copied by create_evaluation
    assert evaluation.team.get().user == world["evaluator_a"] and evaluation.team.get().role == TeamRole.MANAGER
    assert evaluation in access.evaluations_for_user(world["bureau_a"])
    assert evaluation not in access.evaluations_for_user(world["bureau_b"])
    assert commission_inbox(world["evaluator_a"]) == []
    assert [record.history_change_reason for record in commission.history.order_by("history_id")] == [
        "下达评价任务",
        f"接受评价任务，新建评价「{evaluation}」",
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"firm": None}, "firm", "请选择承担评价的评价机构。"),
        ({"deadline": date(2020, 1, 1)}, "deadline", "报告提交期限（2020-01-01）已经过去"),
        ({"deadline": None}, "deadline", "请填写报告提交期限。"),
        ({"evaluated_unit": None}, "evaluated_unit", "请选择被评价单位。"),
        ({"year": 1999}, "year", "2000 到 2100"),
        ({"kind": "other"}, "kind", "请选择评价类型"),
    ],
)
def test_bad_commissions_are_refused_in_chinese(sides, overrides, field, words):
    with pytest.raises(EditError) as refused:
        _commission(sides, **overrides)
    assert any(words in message for message in refused.value.errors[field]), refused.value.errors
    assert not Commission.objects.exists()


def test_a_bureau_commissions_only_its_own_units_and_their_projects(sides):
    world = sides
    with pytest.raises(EditError, match="不是甲区财政局负责的单位"):
        _commission(world, evaluated_unit=world["b"].evaluated_unit)
    other_project = ProjectFactory(unit=world["b"].evaluated_unit)
    with pytest.raises(EditError, match="不属于被评价单位"):
        _commission(world, kind=EvaluationKind.PROJECT, project=other_project)
    own_project = ProjectFactory(unit=world["a"].evaluated_unit)
    with pytest.raises(EditError, match="不选择评价项目"):
        _commission(world, project=own_project)
    with pytest.raises(EditError, match="不是评价机构"):
        _commission(world, firm=world["b"].evaluated_unit)
    assert not Commission.objects.exists()


@pytest.mark.parametrize("persona", ["evaluator_a", "reviewer_a", "unit_a", "nobody"])
def test_only_bureau_reviewers_commission(sides, persona):
    with pytest.raises(EditError, match="只有财政局审核人员可以下达评价任务"):
        _commission(sides, user=sides[persona])


def test_the_same_subject_is_not_commissioned_twice_while_it_stands(sides):
    first = _commission(sides)
    with pytest.raises(EditError, match="请勿重复下达"):
        _commission(sides)
    withdraw_commission(commission=first, user=sides["bureau_a"])
    assert _commission(sides).state == CommissionState.OPEN


def test_a_period_that_ends_before_it_starts_changes_nothing(sides):
    commission = _commission(sides)
    with pytest.raises(EditError) as refused:
        _accept(sides, commission, period_start=date(2024, 7, 1), period_end=date(2024, 1, 1))
    assert "不能早于评价期间起" in refused.value.errors["period_end"][0]
    commission.refresh_from_db()
    assert commission.state == CommissionState.OPEN and commission.evaluation is None
    assert not Evaluation.objects.filter(title__startswith="2024 年度甲区").exists()


def test_acceptance_reports_every_problem_at_once_and_keeps_nothing(sides):
    commission = _commission(sides)
    with pytest.raises(EditError) as refused:
        _accept(sides, commission, title="", template=None, period_end=None)
    assert set(refused.value.errors) == {"title", "template", "period_end"}
    assert Evaluation.objects.count() == 2 and Commission.objects.get().state == CommissionState.OPEN


def test_a_project_commission_left_open_takes_a_project_of_the_unit(sides):
    world = sides
    template = three_level_template(kind=EvaluationKind.PROJECT)
    commission = _commission(world, kind=EvaluationKind.PROJECT)
    with pytest.raises(EditError, match="该任务未指定项目"):
        _accept(world, commission, template=template)
    stranger = ProjectFactory(unit=world["b"].evaluated_unit, registered_by=world["firm"])
    with pytest.raises(EditError, match="不是被评价单位"):
        _accept(world, commission, template=template, project=stranger)
    project = ProjectFactory(unit=world["a"].evaluated_unit)
    evaluation = _accept(world, commission, template=template, project=project, title="新项目评价")
    commission.refresh_from_db()
    assert evaluation.project == project and commission.project == project


def test_other_firms_and_answered_commissions_cannot_be_accepted(sides):
    world = sides
    commission = _commission(world)
    with pytest.raises(EditError, match="只有受托评价机构的评价人员"):
        _accept(world, commission, user=world["evaluator_b"])
    with pytest.raises(EditError, match="只有受托评价机构的评价人员"):
        _accept(world, commission, user=world["reviewer_a"])
    withdraw_commission(commission=commission, user=world["bureau_a"])
    with pytest.raises(EditError, match="该评价任务已撤回"):
        _accept(world, commission)
    assert Evaluation.objects.count() == 2


def test_a_declined_commission_waits_in_the_bureau_inbox_until_it_is_given_again(sides):
    world = sides
    commission = _commission(world)
    with pytest.raises(EditError, match="请填写谢绝的原因"):
        decline_commission(commission=commission, user=world["evaluator_a"], reason="  ")
    decline_commission(commission=commission, user=world["evaluator_a"], reason="与被评价单位存在利害关系")
    commission.refresh_from_db()
    assert commission.state == CommissionState.DECLINED
    [item] = commission_inbox(world["bureau_a"])
    assert "与被评价单位存在利害关系" in item.text
    assert commission_inbox(world["bureau_b"]) == []
    other_firm = world["b"].evaluating_firm
    _commission(world, firm=other_firm)
    assert commission_inbox(world["bureau_a"]) == []
    with pytest.raises(EditError, match="已谢绝"):
        _accept(world, commission)


def test_only_the_commissioning_bureau_withdraws_an_open_commission(sides):
    commission = _commission(sides)
    with pytest.raises(EditError, match="只有下达该任务的财政局"):
        withdraw_commission(commission=commission, user=sides["bureau_b"])
    _accept(sides, commission)
    with pytest.raises(EditError, match="已接受"):
        withdraw_commission(commission=commission, user=sides["bureau_a"])


# --- pages ------------------------------------------------------------------------------------------------


def _form(world, **overrides) -> dict:
    return {
        "kind": "department",
        "evaluated_unit": world["a"].evaluated_unit_id,
        "project": "",
        "year": "2024",
        "firm": world["firm"].pk,
        "deadline": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "outline": "重点关注资金发放及时性。",
        **overrides,
    }


def test_the_bureau_commissions_from_the_page(client, sides):
    client.force_login(sides["bureau_a"])
    page = client.get(reverse("commission-create")).content.decode()
    assert "下达评价任务" in page and sides["a"].evaluated_unit.name in page
    assert sides["b"].evaluated_unit.name not in page  # another region's unit is not offered
    response = client.post(reverse("commission-create"), _form(sides))
    commission = Commission.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("commission-detail", args=[commission.pk])
    listing = client.get(reverse("commission-list")).content.decode()
    assert commission.subject in listing and "待接受" in listing
    home = client.get(reverse("home")).content.decode()
    assert reverse("commission-create") in home and reverse("commission-list") in home


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"firm": ""}, "请选择承担评价的评价机构。"),
        ({"deadline": "2020-01-01"}, "已经过去"),
        ({"deadline": ""}, "请填写报告提交期限。"),
        ({"deadline": "2024/13/40"}, "请填写有效的日期"),
        ({"evaluated_unit": "999999"}, "不是本局负责的单位"),
        ({"year": "abc"}, "年度应为四位数字"),
    ],
)
def test_bad_commission_input_shows_chinese_messages(client, sides, overrides, words):
    client.force_login(sides["bureau_a"])
    response = client.post(reverse("commission-create"), _form(sides, **overrides))
    body = response.content.decode()
    assert response.status_code == 200 and words in body and "未能下达评价任务" in body
    assert not Commission.objects.exists()


def test_another_regions_unit_posted_by_id_is_refused(client, sides):
    client.force_login(sides["bureau_a"])
    body = client.post(
        reverse("commission-create"), _form(sides, evaluated_unit=sides["b"].evaluated_unit_id)
    ).content.decode()
    assert "不是本局负责的单位" in body and not Commission.objects.exists()


@pytest.mark.parametrize("persona", ["evaluator_a", "reviewer_a", "unit_a", "admin", "nobody"])
def test_only_bureau_reviewers_open_the_commission_form(client, sides, persona):
    client.force_login(sides[persona])
    assert client.get(reverse("commission-create")).status_code == 403
    assert client.post(reverse("commission-create"), _form(sides)).status_code == 403
    assert not Commission.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("bureau_a", 200), ("evaluator_a", 200), ("admin", 200)])
def test_own_side_sees_the_commission(client, sides, persona, status):
    commission = _commission(sides)
    client.force_login(sides[persona])
    response = client.get(reverse("commission-detail", args=[commission.pk]))
    assert response.status_code == status and commission.outline in response.content.decode()


@pytest.mark.parametrize("persona", ["evaluator_b", "bureau_b", "unit_a", "reviewer_a", "nobody"])
def test_another_organisations_commission_is_404(client, sides, persona):
    commission = _commission(sides)
    client.force_login(sides[persona])
    for name in ("commission-detail", "commission-accept"):
        assert client.get(reverse(name, args=[commission.pk])).status_code == 404
    for name in ("commission-accept", "commission-decline", "commission-withdraw"):
        assert client.post(reverse(name, args=[commission.pk]), {"reason": "x"}).status_code == 404
    commission.refresh_from_db()
    assert commission.state == CommissionState.OPEN


@pytest.mark.parametrize("persona", ["unit_a", "reviewer_a", "nobody"])
def test_the_commission_list_is_for_bureaus_and_firms(client, sides, persona):
    client.force_login(sides[persona])
    assert client.get(reverse("commission-list")).status_code == 403


def test_the_firm_accepts_from_its_inbox_and_lands_on_the_team_page(client, sides):
    commission = _commission(sides)
    client.force_login(sides["evaluator_a"])
    inbox = client.get(reverse("inbox")).content.decode()
    assert reverse("commission-detail", args=[commission.pk]) in inbox and "请接受或谢绝" in inbox
    detail = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    assert reverse("commission-accept", args=[commission.pk]) in detail and "谢绝原因" in detail
    page = client.get(reverse("commission-accept", args=[commission.pk])).content.decode()
    assert "2024 年度" in page and "部门整体模板" in page and 'value="2024-01-01"' in page
    response = client.post(
        reverse("commission-accept", args=[commission.pk]),
        {
            "title": "2024 年度甲区民政局部门整体绩效评价",
            "template": sides["template"].pk,
            "period_start": "2024-01-01",
            "period_end": "2025-01-31",
        },
    )
    evaluation = Evaluation.objects.get(title="2024 年度甲区民政局部门整体绩效评价")
    assert response.status_code == 302 and response["Location"] == reverse("evaluation-team", args=[evaluation.pk])
    assert evaluation.period_end == date(2025, 1, 31)
    basics = client.get(reverse("evaluation-basics", args=[evaluation.pk])).content.decode()
    assert "报告提交期限" in basics and commission.outline in basics


def test_bad_acceptance_input_shows_chinese_messages_and_changes_nothing(client, sides):
    commission = _commission(sides)
    client.force_login(sides["evaluator_a"])
    response = client.post(
        reverse("commission-accept", args=[commission.pk]),
        {"title": "甲", "template": sides["template"].pk, "period_start": "2024-07-01", "period_end": "2024-01-01"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "不能早于评价期间起" in body and "未能接受任务" in body
    commission.refresh_from_db()
    assert commission.state == CommissionState.OPEN and Evaluation.objects.count() == 2


def test_the_firm_declines_with_a_reason_the_bureau_reads(client, sides):
    commission = _commission(sides)
    client.force_login(sides["evaluator_a"])
    client.post(reverse("commission-decline", args=[commission.pk]), {"reason": ""})
    commission.refresh_from_db()
    assert commission.state == CommissionState.OPEN
    client.post(reverse("commission-decline", args=[commission.pk]), {"reason": "期限内无法完成"})
    commission.refresh_from_db()
    assert commission.state == CommissionState.DECLINED
    client.force_login(sides["bureau_a"])
    assert "期限内无法完成" in client.get(reverse("inbox")).content.decode()


def test_the_commission_list_query_count_does_not_grow_with_its_rows(client, sides, django_assert_max_num_queries):
    client.force_login(sides["bureau_a"])
    _commission(sides)
    client.get(reverse("commission-list"))
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("commission-list"))
    for year in range(2000, 2015):
        unit = OrganisationFactory(region="甲区")
        _commission(sides, evaluated_unit=unit, year=year)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("commission-list"))
    assert response.content.decode().count('href="/commissions/') >= 16


def test_every_problem_of_a_form_shows_at_once(client, sides):
    commission = _commission(sides)
    client.force_login(sides["bureau_a"])
    body = client.post(reverse("commission-create"), _form(sides, firm="", deadline="2020-01-01")).content.decode()
    assert "请选择承担评价的评价机构。" in body and "报告提交期限（2020-01-01）已经过去" in body
    client.force_login(sides["evaluator_a"])
    body = client.post(
        reverse("commission-accept", args=[commission.pk]),
        {"title": "甲", "template": "", "period_start": "2024-07-01", "period_end": "2024-01-01"},
    ).content.decode()
    assert "请选择要复制的指标体系模板。" in body and "不能早于评价期间起" in body
    assert Commission.objects.count() == 1 and Evaluation.objects.count() == 2


def test_a_bureau_without_a_region_is_told_why_no_unit_is_offered(client, sides):
    bureau = sides["bureau_a"].organisation
    bureau.region = ""
    bureau.save()
    client.force_login(sides["bureau_a"])
    body = client.get(reverse("commission-create")).content.decode()
    assert "没有可选的被评价单位" in body and sides["a"].evaluated_unit.name not in body


def test_a_subject_whose_evaluation_was_deleted_can_be_commissioned_again(sides):
    evaluation = _accept(sides, _commission(sides))
    with pytest.raises(EditError, match="请勿重复下达"):
        _commission(sides)
    evaluation.delete()  # a draft removed by an admin: the accepted commission no longer stands for anything
    assert _commission(sides).state == CommissionState.OPEN


def test_the_default_title_names_the_project_the_firm_chose(client, sides):
    """A project commission left open is titled 「…（项目待定）」; once the firm has registered or chosen the project,
    the evaluation's default title names it (the report's cover must not say 项目待定). A title typed is kept."""
    template = three_level_template(kind=EvaluationKind.PROJECT)
    commission = _commission(sides, kind=EvaluationKind.PROJECT)
    placeholder = str(commission)
    assert placeholder.endswith("（项目待定）")
    project = ProjectFactory(unit=sides["a"].evaluated_unit, name="社区养老服务", registered_by=sides["firm"])
    client.force_login(sides["evaluator_a"])
    url = reverse("commission-accept", args=[commission.pk])
    assert f'value="{placeholder}"' in client.get(url).content.decode()  # no project yet: the commission's title
    back = client.get(url, {"project": project.pk}).content.decode()  # back from registering the project
    assert 'value="2024 年度社区养老服务项目支出绩效评价"' in back and f'value="{placeholder}"' not in back
    assert client.get(url, {"project": "x"}).status_code == 200
    form = {"template": template.pk, "period_start": "2024-01-01", "period_end": "2024-12-31", "project": project.pk}
    client.post(url, {**form, "title": placeholder})  # chosen in the list, the offered title left as it was
    evaluation = Evaluation.objects.get(commission=commission)
    assert evaluation.title == "2024 年度社区养老服务项目支出绩效评价"
    other = _commission(sides, kind=EvaluationKind.PROJECT, year=2023)
    form |= {"period_start": "2023-01-01", "period_end": "2023-12-31", "title": "社区养老服务专项评价"}
    client.post(reverse("commission-accept", args=[other.pk]), form)
    assert Evaluation.objects.get(commission=other).title == "社区养老服务专项评价"
