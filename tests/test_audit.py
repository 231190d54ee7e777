from decimal import Decimal

import pytest

from evaluations.domain.datatables import save_table
from evaluations.domain.locking import StaleObjectError, save_versioned
from evaluations.domain.scoring import recompute_scores
from evaluations.queries.audit import evaluation_audit, indicator_audit
from rubrics.models import EvaluationKind
from tests.factories import EvaluationFactory, EvaluationIndicatorFactory, UserFactory


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


def test_an_indicator_edit_is_recorded_with_old_and_new_value(evaluation):
    indicator = evaluation.indicators.get()
    indicator.awarded_score, indicator.override_reason = Decimal("99"), "资料不全"
    save_versioned(indicator, expected_version=1, fields=["awarded_score", "override_reason"])
    entries = indicator_audit(indicator)
    changed = {(e.field, e.old, e.new) for e in entries if e.action == "修改"}
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
    assert not [e for e in indicator_audit(indicator) if e.new == "基于旧版本的修改"]


def test_table_saves_are_diffed_cell_by_cell(evaluation):
    user = UserFactory()
    save_table(evaluation=evaluation, key="project_funds", rows=[FUNDS], user=user)
    save_table(evaluation=evaluation, key="project_funds", rows=[{**FUNDS, "actual_expenditure": "280"}], user=user)
    entries = [e for e in evaluation_audit(evaluation) if e.subject.startswith("资金表")]
    change = next(e for e in entries if e.action == "修改" and e.field)
    assert change.field == "第1行 实际支出（万元）"
    assert (change.old, change.new) == ("293.530000", "280.000000")
    assert change.who == str(user)


def test_recomputed_scores_are_recorded_only_when_they_change(evaluation):
    save_table(evaluation=evaluation, key="project_funds", rows=[FUNDS])
    indicator = evaluation.indicators.get()
    count = indicator.history.count()
    recompute_scores(evaluation)  # nothing moved
    assert indicator.history.count() == count
    save_table(evaluation=evaluation, key="project_funds", rows=[{**FUNDS, "actual_expenditure": "280"}])
    assert indicator.history.count() == count + 1
    scores = [(e.old, e.new) for e in indicator_audit(indicator) if e.field == "计算得分"]
    assert ("100.00", "99.70") in scores
