"""评价名称、评价期间、报告日期 corrected in the app by the team while the evaluation is editable (issue: a true
payment date outside a wrong period must be fixable without admin); everyone else reads them or gets nothing."""

from datetime import date

import pytest
from django.urls import reverse

from evaluations.domain.basics import fingerprint, update_basics
from evaluations.domain.errors import EditError
from evaluations.models import EvaluationState

pytestmark = pytest.mark.django_db


def _post(client, evaluation, **overrides):
    data = {
        "title": evaluation.title,
        "period_start": evaluation.period_start.isoformat(),
        "period_end": evaluation.period_end.isoformat(),
        "report_date": "",
        "seen": fingerprint(evaluation),  # as the page sends what it showed
        **overrides,
    }
    return client.post(reverse("evaluation-basics", args=[evaluation.pk]), data)


def test_the_team_extends_the_period_into_the_next_year_and_the_trail_records_it(client, world):
    evaluation = world["a"]
    client.force_login(world["evaluator_a"])
    end = date(evaluation.year + 1, 1, 31)
    response = _post(client, evaluation, period_end=end.isoformat(), report_date=f"{evaluation.year + 1}-03-15")
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.period_end, evaluation.report_date) == (end, date(evaluation.year + 1, 3, 15))
    record = evaluation.history.first()
    assert record.history_user == world["evaluator_a"]
    assert record.history_change_reason == "修改基本信息：评价期间止、报告日期"
    page = client.get(reverse("evaluation-detail", args=[evaluation.pk])).content.decode()
    assert reverse("evaluation-basics", args=[evaluation.pk]) in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": " "}, "请填写评价名称。"),
        ({"period_start": "2099-02-01", "period_end": "2099-01-01"}, "不能早于评价期间起"),
        ({"period_start": "1999-01-01", "period_end": "1999-12-31"}, "不含评价年度"),
        ({"report_date": "1990-01-01"}, "报告日期（1990-01-01）不能早于评价期间起"),
        ({"period_end": "not a date"}, "请填写有效的日期，例如 2024-01-31。"),
    ],
)
def test_bad_facts_are_refused_in_chinese_and_nothing_changes(client, world, overrides, message):
    evaluation = world["a"]
    before = (evaluation.title, evaluation.period_start, evaluation.period_end, evaluation.report_date)
    client.force_login(world["evaluator_a"])
    response = _post(client, evaluation, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    evaluation.refresh_from_db()
    assert (evaluation.title, evaluation.period_start, evaluation.period_end, evaluation.report_date) == before


def test_a_title_taken_by_another_evaluation_of_the_unit_is_refused(world):
    evaluation = world["a"]
    other = type(evaluation).objects.create(
        kind=evaluation.kind,
        title="另一项评价",
        evaluated_unit=evaluation.evaluated_unit,
        year=evaluation.year,
        period_start=evaluation.period_start,
        period_end=evaluation.period_end,
        commissioning_bureau=evaluation.commissioning_bureau,
        evaluating_firm=evaluation.evaluating_firm,
    )
    with pytest.raises(EditError) as error:
        update_basics(
            evaluation=evaluation,
            user=world["evaluator_a"],
            title=other.title,
            period_start=evaluation.period_start,
            period_end=evaluation.period_end,
            report_date=None,
        )
    assert "已有名为「另一项评价」的评价" in str(error.value.errors["title"])


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("reviewer_a", 200, 403),
        ("unit_a", 200, 403),
        ("bureau_a", 200, 403),
        ("evaluator_b", 404, 404),
        ("unit_b", 404, 404),
        ("nobody", 404, 404),
    ],
)
def test_only_the_team_may_change_the_facts(client, world, who, get, post):
    evaluation = world["a"]
    evaluation.state = EvaluationState.SUBMITTED if who == "bureau_a" else evaluation.state
    evaluation.save()
    client.force_login(world[who])
    url = reverse("evaluation-basics", args=[evaluation.pk])
    page = client.get(url)
    assert page.status_code == get
    if get == 200:
        assert "<form" not in page.content.decode().split("基本信息</div>", 1)[1]
    assert _post(client, evaluation, title="改名").status_code == post
    evaluation.refresh_from_db()
    assert evaluation.title != "改名"


def test_a_submitted_evaluation_cannot_be_changed_by_its_team(client, world):
    evaluation = world["a"]
    evaluation.state = EvaluationState.SUBMITTED
    evaluation.save()
    client.force_login(world["evaluator_a"])
    assert _post(client, evaluation, title="改名").status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.title != "改名"


def test_a_save_on_facts_someone_changed_since_is_refused_and_keeps_theirs(client, world):
    evaluation = world["a"]
    client.force_login(world["evaluator_a"])
    page = client.get(reverse("evaluation-basics", args=[evaluation.pk])).content.decode()
    seen = page.split('name="seen" value="')[1].split('"')[0]
    type(evaluation).objects.filter(pk=evaluation.pk).update(title="同事刚改的名称")
    response = _post(client, evaluation, title="我的名称", seen=seen)
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.title == "同事刚改的名称"


def test_a_save_without_what_the_page_showed_is_refused(client, world):
    evaluation = world["a"]
    client.force_login(world["evaluator_a"])
    data = {"title": "无校验的名称", "period_start": "2023-01-01", "period_end": "2023-12-31", "report_date": ""}
    response = client.post(reverse("evaluation-basics", args=[evaluation.pk]), data)
    assert "表单缺少打开页面时的基本信息" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.title != "无校验的名称"
