from decimal import Decimal
from fractions import Fraction

import pytest

from evaluations.domain.datatables import save_table
from evaluations.domain.scoring import recompute_scores
from evaluations.models import NarrativeSection
from evaluations.queries.consistency import ERROR, TODO, check_evaluation, has_errors
from rubrics.models import EvaluationKind
from rubrics.numbers import exact, round_score
from tests.factories import EvaluationFactory, EvaluationIndicatorFactory

FUNDS = {
    "initial_budget": "433.53",
    "adjusted_budget": "294.39",
    "funds_received": "294.39",
    "actual_expenditure": "293.53",
}


@pytest.fixture
def evaluation(db):
    evaluation = EvaluationFactory(kind=EvaluationKind.PROJECT)
    process = EvaluationIndicatorFactory(evaluation=evaluation, name="项目管理", weight=100)
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        parent=process,
        name="预算执行率",
        weight=95,
        order=1,
        rule_kind="threshold_deduct",
        rule_params={"threshold": 98, "per_point": 0.1, "direction": "below", "rounding": "ceil"},
        bindings={"actual": "budget_execution_rate"},
    )
    EvaluationIndicatorFactory(
        evaluation=evaluation,
        parent=process,
        name="资金到位率",
        weight=5,
        order=2,
        rule_kind="ratio",
        rule_params={},
        bindings={"actual": "funds_arrival_rate"},
        inputs={"target": 100},
    )
    return evaluation


def test_bound_inputs_follow_the_data_and_scores_are_recomputed(evaluation):
    save_table(evaluation=evaluation, key="project_funds", rows=[FUNDS])
    evaluation.refresh_from_db()
    execution = evaluation.indicators.get(name="预算执行率")
    # Bound inputs are stored exactly (29353/294.39 has no finite decimal), rounded only when shown.
    assert exact(execution.inputs["actual"]) == Fraction(29353, 29439) * 100
    assert round_score(execution.inputs["actual"]) == Decimal("99.71")
    assert execution.computed_score == Decimal("95.00")
    assert evaluation.total_score == Decimal("100.00")
    assert evaluation.grade == "优"

    # Spending drops to 280 万元: 95.11 % → 3 points below 98 (rounded up) → 95 − 0.3.
    save_table(evaluation=evaluation, key="project_funds", rows=[{**FUNDS, "actual_expenditure": "280"}])
    evaluation.refresh_from_db()
    assert evaluation.indicators.get(name="预算执行率").computed_score == Decimal("94.70")
    assert evaluation.total_score == Decimal("99.70")


def test_total_is_empty_until_every_leaf_can_be_scored(evaluation):
    result = recompute_scores(evaluation)
    evaluation.refresh_from_db()
    assert result.total is None and evaluation.total_score is None
    assert any("预算执行率" in line for line in result.unscored)
    problems = check_evaluation(evaluation)
    assert not has_errors(problems)  # a leaf waiting for its data is a to-do while drafting …
    todo = next(p for p in problems if p.where == "指标「预算执行率」")
    assert todo.severity == TODO and todo.key == f"inputs:{todo.anchor}"
    assert "「实际值」取自基础数据的预算执行率，请先在「项目资金情况表」中填写" in todo.message
    assert has_errors(check_evaluation(evaluation, submitting=True))  # … and an error at submission


def test_award_without_reason_is_an_error_naming_both_scores(evaluation):
    save_table(evaluation=evaluation, key="project_funds", rows=[FUNDS])
    evaluation.indicators.filter(name="资金到位率").update(awarded_score=Decimal("4"))
    problems = check_evaluation(evaluation)
    award = [p for p in problems if p.where == "指标「资金到位率」"]
    assert award and award[0].severity == ERROR
    assert "评定得分 4 分与按评分标准计算的 5 分不一致，且未说明理由" in award[0].message
    evaluation.indicators.filter(name="资金到位率").update(override_reason="资料不全，酌情扣分")
    assert not [p for p in check_evaluation(evaluation) if p.where == "指标「资金到位率」"]


def test_weights_that_do_not_add_up_are_reported(evaluation):
    evaluation.indicators.filter(name="资金到位率").update(weight=4)
    messages = [p.message for p in check_evaluation(evaluation)]
    assert "指标「项目管理」权重 100 分，其下级指标权重合计 99 分，二者应相等。" in messages


def test_table_totals_that_disagree_are_reported(evaluation):
    save_table(evaluation=evaluation, key="project_funds", rows=[FUNDS])
    save_table(
        evaluation=evaluation,
        key="sub_item_budgets",
        rows=[
            {"name": "困难群体补助", "initial": "257", "adjusted": "226.5"},
            {"name": "生活扶助金", "initial": "176.53", "adjusted": "31.87"},
        ],
    )
    messages = [p.message for p in check_evaluation(evaluation)]
    assert "指标金额合计 258.37 万元 与项目资金情况表的调整后预算 294.39 万元 不一致。" in messages


def test_narrative_figure_that_differs_from_the_data_is_reported(evaluation):
    save_table(evaluation=evaluation, key="project_funds", rows=[FUNDS])
    NarrativeSection.objects.create(
        evaluation=evaluation,
        key="funds_use",
        text="当年度实际支付 293.53 万元，预算执行率为 99.17%。预算调剂率为 32.09%。",
    )
    problems = [p for p in check_evaluation(evaluation) if p.where == "章节「资金投入与使用」"]
    assert len(problems) == 1
    assert "预算执行率为 99.17%" in problems[0].message and "99.71%" in problems[0].message


def test_dates_outside_the_period_and_mixed_units_are_reported(evaluation):
    evaluation.indicators.filter(name="预算执行率").update(
        analysis="发放时间分别为 2023 年 1 月 19 日、2013 年 2 月 17 日。在用固定资产价值 5140.09 元。"
    )
    NarrativeSection.objects.create(evaluation=evaluation, key="background", text="固定资产总值为 5140.09 万元。")
    messages = [p.message for p in check_evaluation(evaluation)]
    assert any("2013 年 2 月 17 日" in m and "不在评价期间" in m for m in messages)
    assert not any("2023 年 1 月 19 日" in m for m in messages)
    assert any("5140.09" in m and "单位可能混用" in m for m in messages)
