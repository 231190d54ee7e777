"""The bureau overview against figures computed by hand on a small fixture: only approved evaluations in scores
and grades (drafts apart, a replaced edition once), level-1 indicators compared within one template, the stored
level-1 subtotals, the downloads' content, and a number of queries that does not grow with the evaluations."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.domain.scoring import recompute_scores
from evaluations.models import Evaluation, EvaluationState, LevelOneScore
from evaluations.queries.overview import bureau_overview
from tests.factories import EvaluationFactory, EvaluationIndicatorFactory, OrganisationFactory, TemplateFactory

S = EvaluationState
D = Decimal


def scored(world, template, tree: dict, *, state, year=2023, unit=None, bureau=None) -> Evaluation:
    """An evaluation of ``template`` whose level-1 indicators are ``tree``: {name: (weight, {leaf: (weight, met)})};
    met None marks the leaf not applicable. Scored by the service, then put in ``state``."""
    evaluation = EvaluationFactory(
        kind="project",
        evaluated_unit=unit or world["a"].evaluated_unit,
        commissioning_bureau=bureau or world["a"].commissioning_bureau,
        evaluating_firm=world["a"].evaluating_firm,
        template=template,
        year=year,
    )
    for order, (name, (weight, leaves)) in enumerate(tree.items()):
        root = EvaluationIndicatorFactory(evaluation=evaluation, name=name, weight=weight, order=order)
        for leaf_order, (leaf, (leaf_weight, met)) in enumerate(leaves.items()):
            inputs = {"not_applicable": True} if met is None else {"met": met}
            EvaluationIndicatorFactory(
                evaluation=evaluation,
                parent=root,
                name=leaf,
                weight=leaf_weight,
                order=leaf_order,
                rule_kind="binary",
                inputs=inputs,
            )
    recompute_scores(evaluation)
    Evaluation.objects.filter(pk=evaluation.pk).update(state=state)
    evaluation.refresh_from_db()
    return evaluation


def system_one(setup, process, output):
    return {"决策": (40, {"立项依据": (25, setup), "立项程序": (15, process)}), "产出": (60, {"数量": (60, output)})}


@pytest.fixture
def fixture(world):
    """By hand (rates in %):
    E0 system one, approved, replaced by E1:     决策 0/40,   产出 0/60     total 0
    E1 system one, approved 2023, 甲区民政局:    决策 25/40 = 62.5, 产出 60/60 = 100   total 85 良
    E2 system one, 整改跟踪 2024, 甲区民政局,   立项程序 not applicable: 决策 25/25 = 100, 产出 100; total 100 优
    E3 system one, draft (a provisional 差):     决策 0, 产出 0          total 0 — counted apart
    E4 system two, approved 2023, 甲区教育局:    项目决策 30/30 = 100, 项目产出 0/70 = 0   total 30 差
    E5 another bureau's approved evaluation: invisible. The world's evaluation A is a draft of bureau A.
    """
    one, two = TemplateFactory(name="体系一"), TemplateFactory(name="体系二")
    school = OrganisationFactory(name="甲区教育局")
    e0 = scored(world, one, system_one(False, False, False), state=S.APPROVED)
    e1 = scored(world, one, system_one(True, False, True), state=S.APPROVED)
    Evaluation.objects.filter(pk=e1.pk).update(supersedes=e0, edition=2)
    e2 = scored(world, one, system_one(True, None, True), state=S.RECTIFICATION, year=2024)
    e3 = scored(world, one, system_one(False, False, False), state=S.SCORING)
    e4 = scored(world, two, {"项目决策": (30, {"依据": (30, True)}), "项目产出": (70, {"数量": (70, False)})},
                state=S.APPROVED, unit=school)  # fmt: skip
    scored(
        world,
        one,
        system_one(True, True, True),
        state=S.APPROVED,
        unit=world["b"].evaluated_unit,
        bureau=world["b"].commissioning_bureau,
    )
    return {**world, "one": one, "two": two, "e": [e0, e1, e2, e3, e4]}


def test_the_scores_stored_per_level_one_indicator_are_the_trees(fixture):
    _, e1, e2, _, e4 = fixture["e"]
    assert (e1.total_score, e1.grade, e2.total_score, e2.grade, e4.grade) == (85, "良", 100, "优", "差")
    stored = {
        (row.evaluation_id, row.indicator.name): (row.score, row.weight, row.rate)
        for row in LevelOneScore.objects.select_related("indicator")
    }
    assert stored[(e1.pk, "决策")] == (D("25.00"), D("40.00"), D("62.5000"))
    assert stored[(e2.pk, "决策")] == (D("25.00"), D("25.00"), D("100.0000"))  # over the applicable weight
    assert stored[(e4.pk, "项目产出")] == (D("0.00"), D("70.00"), D("0.0000"))


def test_only_approved_evaluations_count_and_drafts_are_counted_apart(fixture):
    data = bureau_overview(fixture["bureau_a"])
    assert [(s.label, s.count, s.counted) for s in data.by_state] == [
        ("草稿", 1, False),  # the world's evaluation A
        ("评分", 1, False),
        ("已批准", 3, True),
        ("整改跟踪", 1, True),
    ]
    assert (data.total, data.counted, data.superseded, data.in_progress) == (6, 3, 1, 2)
    assert [(g.label, g.count, g.average) for g in data.by_grade] == [
        ("优", 1, D("100.00")),
        ("良", 1, D("85.00")),
        ("差", 1, D("30.00")),
    ]  # E3's provisional 差 and E0's replaced 差 are in no grade
    assert [(g.label, g.count, g.average) for g in data.by_year] == [
        ("2024 年", 1, D("100.00")),
        ("2023 年", 2, D("57.50")),
    ]
    assert [(g.label, g.count, g.average) for g in data.by_unit] == [
        ("甲区民政局", 2, D("92.50")),
        ("甲区教育局", 1, D("30.00")),
    ]


def test_level_one_indicators_are_compared_within_one_template_only(fixture):
    data = bureau_overview(fixture["bureau_a"])
    assert [(t.name, t.count) for t in data.templates] == [("体系一", 2), ("体系二", 1)]
    assert data.template.name == "体系一"  # the template with the most approved evaluations first
    assert [(r.name, r.count, r.average_rate, r.average_score, r.weight) for r in data.level_one] == [
        ("决策", 2, D("81.25"), D("25.00"), None),  # (62.5 + 100) / 2; weight 40 in E1, 25 applicable in E2
        ("产出", 2, D("100.00"), D("60.00"), D("60.00")),
    ]
    two = bureau_overview(fixture["bureau_a"], template_pk=fixture["two"].pk)
    assert [(r.name, r.average_rate) for r in two.level_one] == [("项目决策", D("100.00")), ("项目产出", D("0.00"))]
    assert bureau_overview(fixture["bureau_a"], template_pk=999999).template.name == "体系一"


def test_the_year_filter_applies_to_every_figure(fixture):
    data = bureau_overview(fixture["bureau_a"], year=2024)
    assert (data.total, data.counted, data.in_progress) == (1, 1, 0)
    assert [(r.name, r.average_rate) for r in data.level_one] == [("决策", D("100.00")), ("产出", D("100.00"))]
    assert data.years == [2024, 2023]


def test_the_overview_reads_a_constant_number_of_queries(fixture):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            bureau_overview(fixture["bureau_a"])
        return len(queries)

    count()  # the user's roles are read once per user object
    before = count()
    for _ in range(3):
        scored(fixture, fixture["one"], system_one(True, True, True), state=S.APPROVED)
    assert count() == before


def test_the_page_labels_what_is_counted(client, fixture):
    client.force_login(fixture["bureau_a"])
    page = client.get(reverse("bureau-overview")).content.decode()
    assert "已批准 3 项</strong>，计入下面的得分、等级和一级指标统计" in page
    assert "草稿和进行中 <strong>2</strong> 项单独计数" in page
    assert "一级指标平均得分率（体系一）" in page and "81.25%" in page
    assert "项目决策" not in page  # the other template's names are not on this chart
    assert "（62.5" not in page and "/100 分）" not in page  # no "98.75%（98.75/100 分）" labels
    page = client.get(reverse("bureau-overview"), {"template": fixture["two"].pk}).content.decode()
    assert "一级指标平均得分率（体系二）" in page and "项目决策" in page and "81.25%" not in page


def test_each_table_downloads_as_csv_and_excel(client, fixture):
    client.force_login(fixture["bureau_a"])
    url = reverse("bureau-overview-download", args=["level_one", "csv"])
    response = client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["一级指标", "权重（分）", "评价数", "平均得分（分）", "平均得分率（%）"],
        ["决策", "各评价不同", "2", "25.00", "81.25"],
        ["产出", "60.00", "2", "60.00", "100.00"],
    ]
    response = client.get(reverse("bureau-overview-download", args=["grades", "xlsx"]), {"year": "2023"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "已批准评价的等级分布"
    assert values[2][0] == "筛选：2023 年；指标体系模板：体系一"
    header = values.index(["评价等级", "评价数", "平均总分"])
    assert values[header + 1 :] == [["良", 1, 85], ["差", 1, 30]]
    states = client.get(reverse("bureau-overview-download", args=["states", "csv"])).content.decode("utf-8-sig")
    assert "草稿,1,不计入（未批准）" in states and "已批准,3,计入" in states


@pytest.mark.parametrize(
    ("args", "status"), [(["nope", "csv"], 404), (["grades", "pdf"], 404), (["grades", "xlsx"], 200)]
)
def test_unknown_tables_and_formats_answer_404(client, fixture, args, status):
    client.force_login(fixture["bureau_a"])
    assert client.get(reverse("bureau-overview-download", args=args)).status_code == status


@pytest.mark.parametrize(("persona", "status"), [("unit_a", 403), ("evaluator_a", 403), ("bureau_b", 200)])
def test_downloads_are_for_bureaus_and_admins_and_show_only_their_evaluations(client, fixture, persona, status):
    client.force_login(fixture[persona])
    response = client.get(reverse("bureau-overview-download", args=["units", "csv"]))
    assert response.status_code == status
    if status == 200:
        assert "甲区民政局" not in response.content.decode("utf-8-sig")
