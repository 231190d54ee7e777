"""The readable trail (issue 13): the change log in words, one entry per save, filterable and paginated; the
timeline by audience (the archive's timeline: tests/test_final_report.py)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluations.domain.datatables import save_table
from evaluations.domain.locking import StaleObjectError, save_versioned
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.user_actions import user_action
from evaluations.domain.workflow import perform
from evaluations.models import EvaluationIndicator
from evaluations.queries.audit import SCORING, TABLES_PART, WORKFLOW, change_log, timeline
from rubrics.models import EvaluationKind
from tests.factories import (
    TO_CONSULTATION,
    EvaluationFactory,
    EvaluationIndicatorFactory,
    UserFactory,
    walk,
)

CHECKLIST = {"items": [{"text": "制度健全"}, {"text": "执行有效"}, {"text": "台账完整"}]}


@pytest.fixture
def evaluation(db):
    evaluation = EvaluationFactory(kind=EvaluationKind.PROJECT)
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        name="预算执行率",
        weight=100,
        rule_kind="threshold_deduct",
        rule_params={"threshold": 98, "per_point": 0.1, "direction": "below", "rounding": "ceil"},
        bindings={"actual": "budget_execution_rate"},
    )
    return evaluation


FUNDS = {
    "initial_budget": "433.53",
    "adjusted_budget": "294.39",
    "funds_received": "294.39",
    "actual_expenditure": "293.53",
}


def changes(log, **where):
    return [
        change
        for entry in log.entries
        for change in entry.changes
        if all(getattr(change, key) == value for key, value in where.items())
    ]


def test_an_indicator_edit_is_recorded_with_old_and_new_value_in_words(evaluation):
    indicator = evaluation.indicators.get()
    indicator.awarded_score, indicator.override_reason = Decimal("99"), "资料不全"
    save_versioned(indicator, expected_version=1, fields=["awarded_score", "override_reason"])
    log = change_log(evaluation, indicator=indicator)
    changed = {(c.field, c.old, c.new) for c in changes(log, action="修改")}
    assert ("评定得分", "（空）", "99.00") in changed
    assert ("调整理由", "（空）", "资料不全") in changed


def test_a_stale_save_changes_nothing_and_records_nothing(evaluation):
    indicator = evaluation.indicators.get()
    indicator.analysis = "第一次"
    save_versioned(indicator, expected_version=1, fields=["analysis"])
    stale = evaluation.indicators.get()
    stale.analysis = "基于旧版本的修改"
    with pytest.raises(StaleObjectError) as excinfo:
        save_versioned(stale, expected_version=1, fields=["analysis"])
    assert "「指标分析」现为“第一次”" in str(excinfo.value)
    assert evaluation.indicators.get().analysis == "第一次"
    assert not [c for c in changes(change_log(evaluation, indicator=indicator)) if "基于旧版本" in c.new]


def test_table_saves_are_compared_cell_by_cell_as_the_table_shows_them(evaluation):
    user = UserFactory(full_name="周敏")
    for rows in ([FUNDS], [{**FUNDS, "actual_expenditure": "280"}]):
        with user_action(user):  # as two saves of the table page
            save_table(evaluation=evaluation, key="project_funds", rows=rows, user=user)
    latest = next(entry for entry in change_log(evaluation).entries if TABLES_PART in entry.parts)
    (change,) = latest.main_changes  # the bound 实际值, its score and the total follow: recomputed
    assert {(c.field, c.old, c.new) for c in latest.derived_changes} >= {("实际值", "99.71%", "95.11%")}
    assert latest.who == "周敏" and change.subject.startswith("资金表")
    assert change.field == "第1行 实际支出"
    assert (change.old, change.new) == ("293.53 万元", "280.00 万元")  # not 293.530000


def test_recomputed_scores_are_recorded_only_when_they_change(evaluation):
    save_table(evaluation=evaluation, key="project_funds", rows=[FUNDS])
    indicator = evaluation.indicators.get()
    count = indicator.history.count()
    recompute_scores(evaluation)  # nothing moved
    assert indicator.history.count() == count
    save_table(evaluation=evaluation, key="project_funds", rows=[{**FUNDS, "actual_expenditure": "280"}])
    assert indicator.history.count() == count + 1
    scores = [(c.old, c.new) for c in changes(change_log(evaluation, indicator=indicator), field="计算得分")]
    assert ("100.00", "99.70") in scores


# --- one entry per save, rule inputs as the scoring page shows them ------------------------------------------


@pytest.fixture
def scored(world):
    evaluation = world["a"]
    leaf = EvaluationIndicatorFactory(
        evaluation=evaluation, name="制度建设", weight=60, rule_kind="checklist", rule_params=CHECKLIST
    )
    survey = EvaluationIndicatorFactory(
        evaluation=evaluation, name="满意度", weight=40, rule_kind="satisfaction", rule_params={}
    )
    recompute_scores(evaluation)
    return {**world, "leaf": leaf, "survey": survey}


def post_score(client, scored, leaf, data):
    leaf.refresh_from_db()
    url = reverse("evaluation-indicator-score", args=[scored["a"].pk, leaf.pk])
    return client.post(url, {"version": leaf.version, **data}, HTTP_ACCEPT="application/json")


def test_a_save_on_the_scoring_page_is_one_entry_with_its_inputs_in_the_pages_words(client, scored):
    client.force_login(scored["evaluator_a"])
    assert post_score(client, scored, scored["survey"], {"in-survey": "on", "in-satisfaction": "93"}).status_code == 200
    assert post_score(client, scored, scored["leaf"], {"met": ["0", "2"]}).status_code == 200
    assert post_score(client, scored, scored["leaf"], {"met": ["0", "1", "2"]}).status_code == 200
    log = change_log(scored["a"])
    saves = [entry for entry in log.entries if entry.step is None and SCORING in entry.parts]
    assert len(saves) == 3  # one per save, the recomputed scores and total inside it
    latest, first = saves[0], saves[2]
    assert latest.who == str(scored["evaluator_a"]) and latest.title == "修改 指标「制度建设」"
    assert [(c.field, c.old, c.new) for c in latest.main_changes] == [("满足的要点", "①③", "①②③")]
    assert {(c.field, c.old, c.new) for c in latest.derived_changes} >= {("计算得分", "40.00", "60.00")}
    assert "总分" in {c.field for c in latest.derived_changes}
    words = {(c.field, c.old, c.new) for c in first.main_changes}
    assert ("是否开展满意度调查", "（空）", "是") in words and ("满意度", "（空）", "93%") in words
    page = client.get(reverse("evaluation-audit", args=[scored["a"].pk])).content.decode()
    assert "①③" in page and "①②③" in page and "满足的要点" in page
    assert not re.search(r"\{'|\['|\[\d|'met'|\bTrue\b|\bNone\b", page)  # no Python values, no 0-based indices


def test_writes_outside_a_request_are_one_entry_per_action_and_by_their_user(scored):
    evaluator = scored["evaluator_a"]
    with user_action(evaluator):
        EvaluationIndicator.objects.filter(pk=scored["leaf"].pk)  # nothing written: no entry
        save_versioned(scored["leaf"], expected_version=scored["leaf"].version, fields=["name"])
        scored["survey"].override_reason = "抽样调查"
        save_versioned(scored["survey"], expected_version=scored["survey"].version, fields=["override_reason"])
    entry = next(entry for entry in change_log(scored["a"]).entries if entry.step is None)
    assert entry.who == str(evaluator)
    assert entry.title == "修改 指标「满意度」" and [c.field for c in entry.main_changes] == ["调整理由"]


def test_records_without_an_action_mark_are_grouped_by_person_and_time(scored):
    leaf = scored["leaf"]
    for reason in ("一", "二"):
        leaf.override_reason = reason
        save_versioned(leaf, expected_version=leaf.version, fields=["override_reason"])
    later = EvaluationIndicator.history.filter(id=leaf.pk).latest("history_date")
    later.history_date = later.history_date + dt.timedelta(minutes=5)
    later.save()
    saves = [entry for entry in change_log(scored["a"], indicator=leaf).entries if entry.main_changes]
    assert [[c.new for c in entry.main_changes] for entry in saves] == [["二"], ["（空）", "一"]]  # the factory's too


def test_long_texts_show_the_passages_that_changed(scored):
    leaf = scored["leaf"]
    before = "本项目全年预算执行率为 97.03%，" + "资金拨付及时，" * 12 + "在职人员控制率为 1.09%，符合要求。"
    for text in (before, before.replace("1.09%", "117.65%")):
        leaf.override_reason = text
        with user_action(scored["evaluator_a"]):
            save_versioned(leaf, expected_version=leaf.version, fields=["override_reason"])
    change = changes(change_log(scored["a"], indicator=leaf), field="调整理由")[0]
    assert [p.changed for p in change.old_passages] == ["1.09%"]  # the number, not a changed digit
    assert [p.changed for p in change.new_passages] == ["117.65%"]
    assert change.old.startswith("…") and "在职人员控制率为 1.09%" in change.old and len(change.old) < 80


# --- the page: local time, Chinese words, filters, pages ---------------------------------------------------


def test_the_page_names_states_and_levels_in_chinese_at_local_time_to_the_minute(client, scored):
    evaluation = walk(scored, *TO_CONSULTATION)
    client.force_login(scored["evaluator_a"])
    page = client.get(reverse("evaluation-audit", args=[evaluation.pk])).content.decode()
    assert "一级审核通过" in page and "内部复核（一级审核） → 征求意见" in page
    assert "评分 → 内部复核（一级审核）" in page
    assert "internal_review" not in page and "consultation" not in page.replace("evaluation-consultation", "")
    step = evaluation.state_changes.get(transition="pass_review")
    assert timezone.localtime(step.created_at).strftime("%Y-%m-%d %H:%M") in page
    assert not re.search(r"\d{2}:\d{2}:\d{2}|\+00:00|UTC", page)


def test_the_log_filters_by_part_and_person_and_pages(client, scored):
    evaluation = scored["a"]
    client.force_login(scored["evaluator_a"])
    for number in range(30):  # thirty saves, each one entry
        post_score(client, scored, scored["leaf"], {"met": ["0"] if number % 2 else ["1"]})
    walk(scored, "start_collecting")
    url = reverse("evaluation-audit", args=[evaluation.pk])
    first = client.get(url).content.decode()
    assert "第 1 / 2 页" in first and "下一页" in first
    workflow = client.get(url, {"part": WORKFLOW}).content.decode()
    assert "开始数据采集" in workflow and "满足的要点" not in workflow
    scoring = client.get(url, {"part": SCORING, "page": 2}).content.decode()
    assert "第 2 / 2 页" in scoring and "开始数据采集" not in scoring and "part=%E8%AF%84%E5%88%86" in scoring
    mine = client.get(url, {"person": scored["evaluator_a"].pk, "part": WORKFLOW}).content.decode()
    assert "开始数据采集" in mine and "共" not in mine  # one page
    nobody = client.get(url, {"person": scored["reviewer_a"].pk}).content.decode()
    assert "所选人员没有修改记录，已显示全部修改记录" in nobody
    bad = client.get(url, {"part": "<script>", "person": "x", "page": "999"})
    assert bad.status_code == 200 and "已显示全部修改记录" in bad.content.decode()


def test_the_page_reads_the_history_in_a_fixed_number_of_queries(client, scored):
    client.force_login(scored["evaluator_a"])
    url = reverse("evaluation-audit", args=[scored["a"].pk])
    post_score(client, scored, scored["leaf"], {"met": ["0"]})
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(20):
        post_score(client, scored, scored["leaf"], {"met": ["1"] if number % 2 else ["2"]})
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) <= len(few) + 2


# --- by audience -----------------------------------------------------------------------------------------


def test_the_unit_and_the_bureau_read_the_hand_offs_only(client, scored):
    evaluation = walk(scored, "start_collecting", "start_scoring", "submit_review")
    perform(evaluation, "reject_review", user=scored["reviewer_a"], comment="预算执行率写为98.50%，请核对。")
    walk(scored, "submit_review", "pass_review")
    for persona in ("unit_a", "bureau_a"):
        client.force_login(scored[persona])
        page = client.get(reverse("evaluation-audit", args=[evaluation.pk])).content.decode()
        assert "开始数据采集" in page and "发出征求意见稿" in page and "内部复核 → 征求意见" in page
        assert "98.50%" not in page and "复核通过" not in page and "提交内部复核" not in page
        assert "满足的要点" not in page and "修改记录" not in page
        history = reverse("indicator-audit", args=[evaluation.pk, scored["leaf"].pk])
        assert client.get(history).status_code == 403
    inside = [step.action for step in timeline(evaluation, internal=True)]
    outside = [step.action for step in timeline(evaluation, internal=False)]
    assert inside == ["开始数据采集", "开始评分", "提交内部复核", "一级审核退回修改", "提交内部复核", "一级审核通过"]
    assert outside == ["开始数据采集", "开始评分", "发出征求意见稿"]


def test_changes_close_together_are_one_passage_with_each_change_marked(scored):
    leaf = scored["leaf"]
    before = "将预算调整为 31.87 万元，调剂金额 144.64 万元，调剂率 81.95%。" + "主要原因是政策调整。" * 6
    for text in (before, before.replace("31.87", "31.89").replace("81.95%", "81.94%")):
        leaf.override_reason = text
        with user_action(scored["evaluator_a"]):
            save_versioned(leaf, expected_version=leaf.version, fields=["override_reason"])
    change = changes(change_log(scored["a"], indicator=leaf), field="调整理由")[0]
    (passage,) = change.new_passages
    assert [text for text, changed in passage.parts if changed] == ["31.89", "81.94%"]
    assert (" 万元，调剂金额 144.64 万元，调剂率 ", False) in passage.parts  # unchanged between them, not marked
