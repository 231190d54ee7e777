"""项目登记 (issue 13, must have 1): evaluators and bureau reviewers register a unit's project with its sub-items,
funding sources and budget figures from a form; what they register prefills the evaluation's tables; the choice
of project follows the chosen unit; another organisation's project is 404."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations.domain import creation as creation_service
from evaluations.domain.errors import EditError
from evaluations.domain.projects import fingerprint, save_project
from evaluations.models import BudgetFigure, DataTable, Evaluation, EvaluationState, FundingSource, Project, TeamRole
from evaluations.queries import access
from rubrics.models import EvaluationKind
from tests.factories import EvaluationFactory, ProjectFactory, TeamMemberFactory, three_level_template

pytestmark = pytest.mark.django_db

TOTALS = {
    "funding_source": FundingSource.DISTRICT,
    "initial_budget": Decimal("4335300.00"),
    "adjusted_budget": Decimal("2943900.00"),
    "funds_received": Decimal("2943900.00"),
    "actual_expenditure": Decimal("2935300.00"),
    "carryover": None,
    "note": "",
}
SUB_ITEMS = [
    {"pk": None, "name": "困难群体补助", "funding_source": "district", "initial_budget": Decimal("2570000.00"),
     "adjusted_budget": Decimal("2265000.00")},
    {"pk": None, "name": "生活扶助金", "funding_source": "superior", "initial_budget": Decimal("1765300.00"),
     "adjusted_budget": Decimal("318900.00")},
]  # fmt: skip


@pytest.fixture
def sides(world):
    for key, region in (("a", "甲区"), ("b", "乙区")):
        for organisation in (world[key].evaluated_unit, world[key].commissioning_bureau):
            organisation.region = region
            organisation.save()
    for persona in ("bureau_a", "bureau_b", "evaluator_a", "evaluator_b"):
        world[persona].organisation.refresh_from_db()
    world["unit"] = world["a"].evaluated_unit
    return world


def _register(world, user=None, **overrides):
    values = {
        "user": user or world["evaluator_a"],
        "project": None,
        "unit": world["unit"],
        "name": "困难群体救助",
        "code": "LH-2023-01",
        "description": "慰问工作、城市最低生活保障 2 大类工作",
        "year": 2023,
        "totals": [TOTALS],
        "sub_items": SUB_ITEMS,
    }
    return save_project(**{**values, **overrides})


# --- the service ----------------------------------------------------------------------------------------


def test_a_registered_project_prefills_the_tables_of_a_new_evaluation(sides):
    saved = _register(sides)
    project = saved.project
    assert saved.created and project.registered_by == sides["evaluator_a"].organisation
    assert [(item.name, item.funding_source, item.order) for item in project.sub_items.all()] == [
        ("困难群体补助", "district", 1),
        ("生活扶助金", "superior", 2),
    ]
    assert BudgetFigure.objects.filter(project=project, year=2023).count() == 3
    evaluation = creation_service.create_evaluation(
        user=sides["evaluator_a"],
        kind=EvaluationKind.PROJECT,
        title="2023 年度困难群体救助项目支出绩效评价",
        evaluated_unit=sides["unit"],
        project=project,
        year=2023,
        commissioning_bureau=sides["a"].commissioning_bureau,
        template=three_level_template(kind=EvaluationKind.PROJECT),
    )
    funds = DataTable.objects.get(evaluation=evaluation, key="project_funds").rows.get().values
    assert Decimal(funds["adjusted_budget"]) == Decimal("294.39") and funds["funding_source"] == "区级资金"
    rows = DataTable.objects.get(evaluation=evaluation, key="sub_item_budgets").rows.order_by("order")
    assert [(r.values["name"], Decimal(r.values["adjusted"])) for r in rows] == [
        ("困难群体补助", Decimal("226.5")),
        ("生活扶助金", Decimal("31.89")),
    ]


def test_figures_registered_later_fill_the_empty_tables_of_open_evaluations(sides):
    world = sides
    project = _register(world, totals=[], sub_items=[]).project
    evaluation = EvaluationFactory(
        kind=EvaluationKind.PROJECT,
        project=project,
        evaluated_unit=world["unit"],
        year=2023,
        evaluating_firm=world["a"].evaluating_firm,
    )
    TeamMemberFactory(evaluation=evaluation, user=world["evaluator_a"], role=TeamRole.MANAGER)
    saved = _register(world, project=project, seen=fingerprint(project, 2023))
    assert saved.prefilled == [
        (world["a"], ["部门年度专项项目完成情况表"]),  # the unit's department evaluation of that year, on their team
        (evaluation, ["项目资金情况表", "预算编制情况表"]),
    ]
    assert DataTable.objects.get(evaluation=evaluation, key="sub_item_budgets").rows.count() == 2
    # Someone not on the team (the bureau) registers figures: the firm's evaluation is not written by them.
    other = EvaluationFactory(kind=EvaluationKind.DEPARTMENT, evaluated_unit=world["unit"], year=2023)
    assert _register(world, user=world["bureau_a"], project=project).prefilled == []
    assert not other.data_tables.exists()


def test_editing_updates_figures_of_the_year_and_removes_sub_items(sides):
    project = _register(sides).project
    first, second = project.sub_items.all()
    BudgetFigure.objects.create(organisation=sides["unit"], project=project, sub_item=first, year=2022,
                                initial_budget=Decimal(1), adjusted_budget=Decimal(1))  # fmt: skip
    rows = [
        {**SUB_ITEMS[0], "pk": first.pk, "name": "困难群体补助（含慰问）", "adjusted_budget": Decimal("2000000.00")},
        {"pk": second.pk, "delete": True},
        {"pk": None, "name": "新增子项", "funding_source": "other", "initial_budget": None, "adjusted_budget": None},
    ]
    saved = _register(sides, project=project, sub_items=rows, totals=[{**TOTALS, "actual_expenditure": None}])
    assert not saved.created
    assert [item.name for item in project.sub_items.all()] == ["困难群体补助（含慰问）", "新增子项"]
    first_figures = BudgetFigure.objects.filter(sub_item=first).order_by("year")
    assert [(f.year, f.adjusted_budget) for f in first_figures] == [(2022, 1), (2023, Decimal("2000000.00"))]
    own = BudgetFigure.objects.get(project=project, sub_item=None, year=2023)
    assert own.actual_expenditure is None and own.initial_budget == TOTALS["initial_budget"]
    assert not BudgetFigure.objects.filter(sub_item_id=second.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"name": " "}, "name", "请填写项目名称。"),
        ({"unit": None}, "unit", "请选择项目单位。"),
        ({"year": None}, "year", "预算年度应为"),
        ({"totals": [{**TOTALS, "initial_budget": Decimal("-1")}]}, "totals", "年初预算不能为负数"),
        ({"totals": [TOTALS, TOTALS]}, "totals", "每种来源只填一行"),
        ({"sub_items": [SUB_ITEMS[0], SUB_ITEMS[0]]}, "sub_items", "与第 1 行重名"),
        ({"sub_items": [{**SUB_ITEMS[0], "adjusted_budget": None}]}, "sub_items", "请同时填写"),
        ({"sub_items": [{**SUB_ITEMS[0], "name": ""}]}, "sub_items", "请填写子项名称"),
        ({"sub_items": [{**SUB_ITEMS[0], "funding_source": "x"}]}, "sub_items", "资金来源应为"),
        ({"sub_items": [{**SUB_ITEMS[0], "initial_budget": Decimal("0.001")}]}, "sub_items", "最多精确到分"),
    ],
)
def test_bad_projects_are_refused_in_chinese_and_nothing_is_saved(sides, overrides, field, words):
    with pytest.raises(EditError) as refused:
        _register(sides, **overrides)
    assert any(words in message for message in refused.value.errors[field]), refused.value.errors
    assert not Project.objects.exists() and not BudgetFigure.objects.exists()


def test_a_name_taken_in_the_unit_and_a_changed_unit_are_refused(sides):
    project = _register(sides).project
    with pytest.raises(EditError, match="已登记名为「困难群体救助」的项目"):
        _register(sides)
    with pytest.raises(EditError, match="项目单位登记后不能更改"):
        _register(sides, project=project, unit=sides["b"].evaluated_unit)


def test_a_save_over_changes_made_meanwhile_is_refused(sides):
    project = _register(sides).project
    seen = fingerprint(project, 2023)
    _register(sides, project=project, code="changed")
    with pytest.raises(EditError, match="已被他人修改"):
        _register(sides, project=project, name="另一个名称", seen=seen)
    project.refresh_from_db()
    assert (project.name, project.code) == ("困难群体救助", "changed")


def test_who_registers_and_who_sees_which_projects(sides):
    world = sides
    mine = _register(world).project
    theirs = _register(world, user=world["evaluator_b"], unit=world["b"].evaluated_unit, name="乙区项目").project
    assert set(access.projects_for_user(world["evaluator_a"])) == {mine}
    assert set(access.projects_for_user(world["evaluator_b"])) == {theirs}
    assert set(access.projects_for_user(world["bureau_a"])) == {mine}  # the units of its region
    assert set(access.projects_for_user(world["admin"])) == {mine, theirs}
    for persona in ("unit_a", "reviewer_a", "nobody"):
        assert not access.projects_for_user(world[persona]).exists()
        with pytest.raises(EditError, match="只有评价机构的评价人员和财政局审核人员可以登记项目"):
            _register(world, user=world[persona], name="x")
    with pytest.raises(EditError, match="不在您可以登记项目的单位之中"):
        _register(world, user=world["bureau_a"], unit=world["b"].evaluated_unit, name="越界")
    with pytest.raises(EditError, match="无权修改"):
        _register(world, user=world["evaluator_b"], project=mine)


# --- the pages --------------------------------------------------------------------------------------------


def _formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _post_data(world, **overrides) -> dict:
    totals = [
        {"funding_source": "district", "initial_budget": "433.53", "adjusted_budget": "294.39",
         "funds_received": "294.39", "actual_expenditure": "293.53"},
        {"funding_source": "superior"},
        {"funding_source": "other"},
    ]  # fmt: skip
    items = [
        {"name": "困难群体补助", "funding_source": "district", "initial_budget": "257", "adjusted_budget": "226.5"},
        {"name": "困难群体补助（非营利组织补贴）", "funding_source": "district", "initial_budget": "0",
         "adjusted_budget": "36"},
        {"name": "", "funding_source": "district"},
    ]  # fmt: skip
    return {
        "unit": world["unit"].pk,
        "name": "困难群体救助",
        "code": "",
        "description": "",
        "year": "2023",
        **_formset("totals", totals, 3),
        **_formset("items", items),
        **overrides,
    }


def test_an_evaluator_registers_a_project_in_wan_and_returns_to_the_evaluation_form(client, sides):
    client.force_login(sides["evaluator_a"])
    page = client.get(reverse("project-create"), {"unit": sides["unit"].pk, "year": 2023}).content.decode()
    assert "年初下达金额" in page and "区级资金" in page and "上级资金" in page
    data = _post_data(sides, next=reverse("evaluation-create"))
    response = client.post(reverse("project-create") + "?year=2023", data)
    project = Project.objects.get(name="困难群体救助")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('evaluation-create')}?unit={sides['unit'].pk}&project={project.pk}"
    own = BudgetFigure.objects.get(project=project, sub_item=None)
    assert (own.adjusted_budget, own.actual_expenditure) == (Decimal("2943900.00"), Decimal("2935300.00"))
    assert [f.initial_budget for f in BudgetFigure.objects.filter(sub_item__isnull=False).order_by("pk")] == [
        Decimal("2570000.00"),
        Decimal("0.00"),
    ]
    form = client.get(response["Location"]).content.decode()
    assert f'<option value="{project.pk}" selected data-unit="{sides["unit"].pk}">' in form
    edit = client.get(reverse("project-edit", args=[project.pk]), {"year": 2023}).content.decode()
    assert 'value="294.39"' in edit and 'value="226.5"' in edit  # stored in 元, shown in 万元


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"name": ""}, "请填写项目名称。"),
        ({"items-0-initial_budget": "abc"}, "请填写数字（单位：万元）"),
        ({"items-0-initial_budget": "-5"}, "金额不能为负数"),
        ({"items-0-adjusted_budget": ""}, "请同时填写"),
        ({"totals-0-funds_received": "1.0000001"}, "万元最多 6 位小数"),
        ({"unit": "999999"}, "不在您可以登记项目的单位之中"),
    ],
)
def test_bad_project_input_shows_chinese_messages(client, sides, overrides, words):
    client.force_login(sides["evaluator_a"])
    response = client.post(reverse("project-create"), _post_data(sides, **overrides))
    body = response.content.decode()
    assert response.status_code == 200 and words in body and "未能保存" in body
    assert not Project.objects.exists()


@pytest.mark.parametrize("persona", ["evaluator_b", "bureau_b", "admin"])
def test_another_organisations_project_is_404_and_own_side_edits(client, sides, persona):
    project = _register(sides).project
    client.force_login(sides[persona])
    status = client.get(reverse("project-edit", args=[project.pk])).status_code
    assert status == (200 if persona == "admin" else 404)
    if persona != "admin":
        client.post(reverse("project-edit", args=[project.pk]), _post_data(sides, name="改名"))
        project.refresh_from_db()
        assert project.name == "困难群体救助"
    client.force_login(sides["bureau_a"])
    assert client.get(reverse("project-edit", args=[project.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["unit_a", "reviewer_a", "nobody"])
def test_units_and_reviewers_do_not_register_projects(client, sides, persona):
    client.force_login(sides[persona])
    assert client.get(reverse("project-list")).status_code == 403
    assert client.get(reverse("project-create")).status_code == 403
    assert client.post(reverse("project-create"), _post_data(sides)).status_code == 403
    assert not Project.objects.exists()


def test_the_project_list_shows_only_permitted_projects(client, sides, django_assert_max_num_queries):
    _register(sides)
    _register(sides, user=sides["evaluator_b"], unit=sides["b"].evaluated_unit, name="乙区项目")
    client.force_login(sides["evaluator_a"])
    client.get(reverse("project-list"))
    with django_assert_max_num_queries(20) as one:
        page = client.get(reverse("project-list")).content.decode()
    assert "困难群体救助" in page and "乙区项目" not in page
    for number in range(10):
        _register(sides, name=f"项目{number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("project-list"))


# --- the 新建评价 form: the unit's own permitted projects, also on the server ----------------------------


def test_new_evaluation_offers_only_permitted_projects_tagged_with_their_unit(client, sides):
    world = sides
    own = ProjectFactory(unit=world["unit"], name="本单位项目")
    hidden = ProjectFactory(unit=world["b"].evaluated_unit, name="他方单位项目")
    client.force_login(world["evaluator_a"])
    page = client.get(reverse("evaluation-create")).content.decode()
    assert f'data-unit="{world["unit"].pk}"' in page and own.name in page
    assert hidden.name not in page
    assert 'data-depends-on="id_evaluated_unit"' in page and "dependent_select.js" in page
    narrowed = client.get(reverse("evaluation-create"), {"unit": world["b"].evaluated_unit_id}).content.decode()
    assert own.name not in narrowed  # the server narrows the choices to the chosen unit


def test_a_project_of_another_unit_posted_is_named_in_the_message(client, sides):
    world = sides
    template = three_level_template(kind=EvaluationKind.PROJECT)
    foreign = ProjectFactory(unit=world["b"].evaluated_unit, registered_by=world["a"].evaluating_firm)
    client.force_login(world["evaluator_a"])
    data = {
        "kind": "project",
        "title": "跨单位的评价",
        "evaluated_unit": world["unit"].pk,
        "project": foreign.pk,
        "year": "2023",
        "commissioning_bureau": world["a"].commissioning_bureau_id,
        "template": template.pk,
    }
    body = client.post(reverse("evaluation-create"), data).content.decode()
    assert f"所选项目不属于被评价单位「{world['unit']}」" in body
    assert not Evaluation.objects.filter(title="跨单位的评价").exists()


def test_the_pm_edits_title_and_period_before_submission_only(client, sides):
    evaluation = sides["a"]
    client.force_login(sides["evaluator_a"])
    page = client.get(reverse("evaluation-basics", args=[evaluation.pk])).content.decode()
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)  # what the page showed: a save checks it
    data = {
        "title": "新名称",
        "period_start": "2023-01-01",
        "period_end": "2024-01-31",
        "report_date": "",
        "seen": seen,
    }
    assert client.post(reverse("evaluation-basics", args=[evaluation.pk]), data).status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.title, evaluation.period_end) == ("新名称", date(2024, 1, 31))
    Evaluation.objects.filter(pk=evaluation.pk).update(state=EvaluationState.SUBMITTED)
    response = client.post(reverse("evaluation-basics", args=[evaluation.pk]), {**data, "title": "再改"})
    assert response.status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.title == "新名称"
