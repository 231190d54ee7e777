"""The scoring engine against the reference report's own figures (seed 003), its edges, and properties."""

from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rubrics.engine import (
    DEFAULT_GRADES,
    RULE_KINDS,
    InputError,
    RuleError,
    compute_score,
    grade_for,
    rule_problems,
    validate_awarded,
    validate_grades,
    validate_params,
    validate_rule,
)
from rubrics.numbers import round_score

D = Decimal


def score(kind, params, inputs, weight):
    return compute_score(kind, params, inputs, weight).score


# --- seed 003 (困难群体救助, 97.75 分): every printed figure that follows its rule --------------------


def test_ratio_seed_333_of_344_households():
    result = compute_score("ratio", {}, {"actual": 333, "target": 344}, 3)
    assert result.score == D("2.90")
    assert result.explanation == "实际 333，目标 344，完成率 96.80%，按完成比例计分：3 × 96.80% = 2.90 分"


def test_ratio_seed_14_of_15_households():
    assert score("ratio", {}, {"actual": 14, "target": 15}, 2) == D("1.87")


def test_ratio_seed_festival_payment_timeliness():
    # 节日慰问金发放及时率 = 253.59 / (253.59 + 1.8) = 99.30 %
    result = compute_score("ratio", {"label": "及时率"}, {"actual": 253.59, "target": D("253.59") + D("1.8")}, 3)
    assert result.score == D("2.98")
    assert "及时率 99.30%" in result.explanation


def test_satisfaction_seed_no_survey_complaint_rate_1():
    result = compute_score("satisfaction", {}, {"survey": False, "complaint_rate": 1}, 5)
    assert result.score == D("4.00")
    assert result.explanation == "未开展满意度调查，扣 1 分；投诉率 1.00%，不超过 5%：5 - 1 = 4.00 分"


def test_threshold_deduct_seed_budget_execution_99_71():
    params = {
        "threshold": 98,
        "per_point": 0.1,
        "direction": "below",
        "rounding": "ceil",
        "label": "预算执行率",
    }
    result = compute_score("threshold_deduct", params, {"actual": 99.71}, 5)
    assert result.score == D("5.00")
    assert result.explanation == "预算执行率 99.71%，不低于 98%，得满分 5 分"


def test_checklist_seed_fund_allocation_partial_third():
    params = {"items": [{"text": "分配依据充分", "points": 1.5}, {"text": "额度合理", "points": 1.5}]}
    result = compute_score("checklist", params, {"met": [0], "partial": {"1": "1/3"}}, 3)
    assert result.score == D("2.00")
    assert "部分满足要点②（1.5 × 1/3 = 0.50 分）" in result.explanation


def test_checklist_partial_share_as_decimal_number():
    params = {"items": [{"text": "a", "points": 1.5}, {"text": "b", "points": 1.5}]}
    assert score("checklist", params, {"met": [0], "partial": {"1": 0.3333}}, 3) == D("2.00")


# --- each kind, including its edges -----------------------------------------------------------------


def test_ratio_zero_target_is_an_input_error():
    with pytest.raises(InputError) as exc:
        compute_score("ratio", {}, {"actual": 5, "target": 0}, 3)
    assert exc.value.field == "target"
    assert "为 0" in exc.value.message


def test_ratio_above_target_is_capped_at_weight():
    result = compute_score("ratio", {}, {"actual": 12, "target": 10}, 3)
    assert result.score == D("3.00")
    assert "得满分 3 分" in result.explanation


def test_ratio_with_cap_below_one():
    assert score("ratio", {"cap": 0.8}, {"actual": 9, "target": 10}, 2) == D("1.60")


def test_ratio_with_cap_above_one_still_clamped_to_weight():
    assert score("ratio", {"cap": 1.5}, {"actual": 12, "target": 10}, 2) == D("2.00")


def test_inverse_ratio_within_and_over_target():
    assert score("inverse_ratio", {}, {"actual": 30, "target": 30}, 5) == D("5.00")
    assert score("inverse_ratio", {}, {"actual": 32, "target": 30}, 5) == D("4.69")  # 5 × 30/32
    assert score("inverse_ratio", {}, {"actual": 0, "target": 0}, 5) == D("5.00")


def test_threshold_deduct_ceil_versus_exact():
    params = {"threshold": 98, "per_point": 0.1}
    assert score("threshold_deduct", params, {"actual": 96.5}, 5) == D("4.85")
    assert score("threshold_deduct", {**params, "rounding": "ceil"}, {"actual": 96.5}, 5) == D("4.80")
    assert score("threshold_deduct", {**params, "rounding": "ceil"}, {"actual": 96}, 5) == D("4.80")


def test_threshold_deduct_above_direction():
    params = {"threshold": 5, "per_point": 0.5, "direction": "above"}
    assert score("threshold_deduct", params, {"actual": 5}, 2) == D("2.00")
    assert score("threshold_deduct", params, {"actual": 7}, 2) == D("1.00")


def test_huge_deduction_clamps_at_zero():
    result = compute_score("threshold_deduct", {"threshold": 98, "per_point": 1}, {"actual": 10}, 5)
    assert result.score == D("0.00")
    assert "扣完为止，得 0 分" in result.explanation
    assert score("per_count", {"per": 0.2}, {"count": 100}, 3) == D("0.00")


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(90, "2"), (D("89.99"), "1.5"), (80, "1.5"), (70, "1"), (60, "0.5"), (D("59.99"), "0"), (150, "2")],
)
def test_bands_bounds_are_inclusive(actual, expected):
    params = {"bands": [[90, 2], [80, 1.5], [70, 1], [60, 0.5]]}  # highest lower bound first (DESIGN §4.1)
    assert score("bands", params, {"actual": actual}, 2) == D(expected)


def test_checklist_gate_unmet_gives_zero():
    params = {"items": [{"text": "按程序申请", "points": 1}, {"text": "b", "points": 1}, {"text": "c", "points": 1}]}
    result = compute_score("checklist", {**params, "gate": 0}, {"met": [1, 2]}, 3)
    assert result.score == D("0.00")
    assert "前提要点①" in result.explanation
    assert score("checklist", {**params, "gate": 0}, {"met": [0, 2]}, 3) == D("2.00")


def test_checklist_equal_split_when_no_item_has_points():
    params = {"items": [{"text": "a"}, {"text": "b"}, {"text": "c"}, {"text": "d"}]}
    result = compute_score("checklist", params, {"met": [0, 1, 2]}, 5)
    assert result.score == D("3.75")
    assert "各占 1/4 权重分" in result.explanation
    assert score("checklist", {"items": ["a", "b", "c"]}, {"met": [0, 1, 2]}, 1) == D("1.00")


def test_checklist_all_met_but_points_short_of_weight_scores_the_points():
    assert score("checklist", {"items": [{"points": 1}, {"points": 1}]}, {"met": [0, 1]}, 3) == D("2.00")


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"met": [0, 5]}, "met"),
        ({"met": [-1]}, "met"),
        ({"met": [0], "partial": {"7": 0.5}}, "partial"),
        ({"met": [0], "partial": {"1": 1.5}}, "partial"),
        ({"met": [0], "partial": {"1": -0.1}}, "partial"),
        ({"met": [0], "partial": {"0": 0.5}}, "partial"),
        ({"met": "0,1"}, "met"),
        ({}, "met"),
    ],
)
def test_checklist_refuses_bad_inputs(inputs, field):
    with pytest.raises(InputError) as exc:
        compute_score("checklist", {"items": [{"points": 1}, {"points": 1}]}, inputs, 2)
    assert exc.value.field == field


def test_binary_and_rate_penalty_and_per_count():
    assert score("binary", {}, {"met": True}, 7) == D("7.00")
    assert score("binary", {}, {"met": False}, 7) == D("0.00")
    assert score("rate_penalty", {}, {"rate": 0}, 3) == D("3.00")
    assert score("rate_penalty", {}, {"rate": 2}, 3) == D("2.94")
    assert score("per_count", {"per": 0.2}, {"count": 2}, 3) == D("2.60")


def test_change_rate_from_figures_and_given_rate():
    assert score("change_rate", {"per_point": 0.1}, {"current": 103.2, "previous": 100}, 5) == D("4.68")
    assert score("change_rate", {"per_point": 0.1, "rounding": "ceil"}, {"current": 103.2, "previous": 100}, 5) == D(
        "4.60"
    )
    assert score("change_rate", {"per_point": 0.1}, {"rate": -3}, 5) == D("5.00")
    # a given rate wins over the figures, so previous 0 is fine then
    assert score("change_rate", {"per_point": 0.1}, {"rate": 2, "current": 1, "previous": 0}, 5) == D("4.80")


def test_change_rate_previous_zero_without_rate_is_an_input_error():
    with pytest.raises(InputError) as exc:
        compute_score("change_rate", {"per_point": 0.1}, {"current": 10, "previous": 0}, 5)
    assert exc.value.field == "previous"


def test_threshold_else_rate():
    assert score("threshold_else_rate", {"threshold": 50}, {"actual": 50}, 3) == D("3.00")
    assert score("threshold_else_rate", {"threshold": 50}, {"actual": 40}, 3) == D("1.20")


def test_grade_map_lookup_default_and_unknown():
    params = {"map": {"优秀": 4, "良好": 2, "三等": 1}}
    assert score("grade_map", params, {"grade": "良好"}, 4) == D("2.00")
    assert score("grade_map", {**params, "default": 0}, {"grade": "一般"}, 4) == D("0.00")
    assert score("grade_map", {**params, "default": 1.5}, {"grade": "一般"}, 4) == D("1.50")
    # Seed 004: "其他不得分": a grade not in the table scores 0 unless the rule has a default.
    result = compute_score("grade_map", params, {"grade": "一般"}, 4)
    assert result.score == D("0.00")
    assert "“一般”，不在对照表中" in result.explanation
    assert result.explanation.endswith("得 0 分")
    with pytest.raises(InputError) as exc:
        compute_score("grade_map", params, {"grade": "  "}, 4)
    assert exc.value.field == "grade"
    with pytest.raises(InputError) as exc:
        compute_score("grade_map", params, {}, 4)
    assert exc.value.field == "grade"


def test_satisfaction_with_survey_and_high_complaints():
    assert score("satisfaction", {}, {"survey": True, "satisfaction": 99}, 5) == D("5.00")
    assert score("satisfaction", {}, {"survey": True, "satisfaction": 92}, 5) == D("4.55")  # 5 − 3 × 3% × 5
    assert score("satisfaction", {}, {"survey": False, "complaint_rate": 7}, 5) == D("3.70")  # 5 − 1 − 2 × 3% × 5


def test_manual_needs_a_reason_and_a_score_within_weight():
    result = compute_score("manual", {}, {"score": 3.5, "reason": "部分合同未归档。"}, 5)
    assert result.score == D("3.50")
    assert "部分合同未归档" in result.explanation
    with pytest.raises(InputError) as exc:
        compute_score("manual", {}, {"score": 3.5, "reason": "  "}, 5)
    assert exc.value.field == "reason"
    with pytest.raises(InputError) as exc:
        compute_score("manual", {}, {"score": 6, "reason": "x"}, 5)
    assert exc.value.field == "score"


@pytest.mark.parametrize(
    ("inputs", "field"),
    [({}, "actual"), ({"actual": "abc", "target": 1}, "actual"), ({"actual": True, "target": 1}, "actual")],
)
def test_missing_or_non_numeric_input(inputs, field):
    with pytest.raises(InputError) as exc:
        compute_score("ratio", {}, inputs, 3)
    assert exc.value.field == field


def test_numeric_strings_and_floats_are_read_exactly():
    assert score("ratio", {}, {"actual": "333", "target": "344"}, "3") == D("2.90")
    assert score("threshold_deduct", {"threshold": 98, "per_point": 0.1}, {"actual": 97.9}, 5) == D("4.99")


# --- rule validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "weight", "expected"),
    [
        ("nope", {}, 3, "未知的评分规则类型"),
        ("ratio", {}, None, "权重不能为空"),
        ("ratio", {}, -1, "权重不能为负数"),
        ("ratio", {}, "x", "权重必须是数字"),
        ("ratio", {"cap": 0}, 3, "cap"),
        ("bands", {}, 2, "缺少参数 bands"),
        ("bands", {"bands": [[90, 3]]}, 2, "超过权重"),
        ("bands", {"bands": [[90, 2], [90, 1]]}, 2, "重复"),
        ("checklist", {"items": []}, 2, "items"),
        ("checklist", {"items": [{"points": -1}, {"points": 1}]}, 2, "负数"),
        ("checklist", {"items": [{"points": 1}], "gate": 1}, 2, "gate"),
        ("checklist", {"items": [{"points": 1}, {"text": "b"}]}, 2, "缺少分值"),
        ("threshold_deduct", {"per_point": 0.1}, 5, "threshold"),
        ("threshold_deduct", {"threshold": 98, "per_point": 0.1, "direction": "up"}, 5, "direction"),
        ("threshold_deduct", {"threshold": 98, "per_point": 0.1, "rounding": "round"}, 5, "rounding"),
        ("change_rate", {}, 5, "per_point"),
        ("per_count", {"per": -0.2}, 5, "per"),
        ("grade_map", {"map": {}}, 4, "map"),
        ("grade_map", {"map": {"优秀": 5}}, 4, "超过权重"),
        ("satisfaction", {"full_at": 120}, 5, "full_at"),
        ("ratio", {}, 0.125, "权重最多保留 2 位小数，现为 0.125"),
        ("ratio", {}, "1/3", "权重最多保留 2 位小数"),
        (
            "ratio",
            {"capp": 0.8},
            3,
            "未知参数 “capp”（ratio 规则可用的参数：cap、over_limit、label、unit；是否应为 cap？）",
        ),
        ("satisfaction", {"fullat": 90}, 5, "未知参数 “fullat”"),
        ("binary", {"points": 2}, 2, "可用的参数：label、unit"),
        ("checklist", {"items": ["a"], "gates": 0}, 2, "gates"),
    ],
)
def test_validate_rule_names_field_and_reason(kind, params, weight, expected):
    messages = validate_rule(kind, params, weight)
    assert messages
    assert any(expected in message for message in messages), messages
    with pytest.raises(RuleError) as exc:
        compute_score(kind, params, {}, weight)
    assert exc.value.messages == messages


def test_validate_rule_collects_every_problem():
    messages = validate_rule("checklist", {"items": [{"points": -1}, {"points": "x"}], "gate": 9}, -2)
    assert len(messages) == 4
    messages = validate_rule("ratio", {"cap": 0, "capp": 1, "label": 3}, "0.005")
    assert len(messages) == 4


# --- checklist points above the weight: clamped, reported, not an error ------------------------------


def test_checklist_points_above_weight_are_clamped_and_reported():
    # "各占 1/3 权重分" printed as 2.67 × 3 = 8.01 of 8
    params = {"items": [{"text": t, "points": 2.67} for t in "abc"]}
    assert validate_rule("checklist", params, 8) == []
    problem = "要点分值合计 8.01 分，超过权重 8 分，得分按权重 8 分封顶"
    assert rule_problems("checklist", params, 8) == [problem]
    result = compute_score("checklist", params, {"met": [0, 1, 2]}, 8)
    assert result.score == D("8.00")
    assert result.exact == 8
    assert result.problems == (problem,)
    assert result.explanation == "满足要点①②③：2.67 + 2.67 + 2.67 = 8.01，超过权重，按满分 8 分计"
    result = compute_score("checklist", params, {"met": [0, 1]}, 8)
    assert result.score == D("5.34")
    assert result.problems == (problem,)
    # the old error case: 3 points of 2
    two = {"items": [{"points": 2}, {"points": 1}]}
    assert validate_rule("checklist", two, 2) == []
    assert rule_problems("checklist", two, 2) == ["要点分值合计 3 分，超过权重 2 分，得分按权重 2 分封顶"]
    assert score("checklist", two, {"met": [0, 1]}, 2) == D("2.00")
    assert score("checklist", two, {"met": [1]}, 2) == D("1.00")


def test_rule_problems_of_a_sound_or_unusable_rule_are_empty():
    assert rule_problems("checklist", {"items": [{"points": 1}, {"points": 1}]}, 2) == []
    assert rule_problems("ratio", {}, 3) == []
    assert rule_problems("nope", {}, 3) == []
    assert rule_problems("checklist", {"items": [{"points": 5}]}, None) == []
    assert compute_score("ratio", {}, {"actual": 1, "target": 2}, 3).problems == ()


# --- awarded scores (overrides) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("awarded", "weight", "expected"),
    [
        (3, 5, None),
        (D("4.55"), 5, None),
        ("0", 5, None),
        (5, 5, None),
        (2.5, "2.5", None),
        (6, 5, "评定得分 6 分超出 0 到 5 分的范围"),
        (-1, 5, "评定得分 -1 分超出 0 到 5 分的范围"),
        (-1, None, "评定得分不能为负数"),
        (7, None, None),
        (D("5.01"), 5, "超出 0 到 5 分的范围"),
        ("3.125", 5, "评定得分最多保留 2 位小数，现为 3.125"),
        ("1/3", 5, "最多保留 2 位小数"),
        ("abc", 5, "评定得分必须是数字"),
        (True, 5, "评定得分必须是数字"),
        (None, 5, "评定得分不能为空"),
        ("  ", 5, "评定得分不能为空"),
    ],
)
def test_validate_awarded(awarded, weight, expected):
    message = validate_awarded(awarded, weight)
    if expected is None:
        assert message is None
    else:
        assert message is not None and expected in message


def test_validate_rule_accepts_valid_rules_and_refuses_unknown_params():
    assert validate_rule("ratio", {"cap": 1, "label": "完成率", "unit": "户"}, 3) == []
    assert validate_rule("ratio", {}, D("2.50")) == []
    assert validate_rule("ratio", {}, "1.25") == []
    assert validate_rule("ratio", {}, 0) == []
    # an unknown parameter is an error, never silently ignored; every one is named
    messages = validate_rule("ratio", {"cap": 1, "note": "extension", "capp": 0.8}, 3)
    assert len(messages) == 2
    assert "“note”" in messages[0] and "“capp”" in messages[1]
    assert validate_params("ratio", {"capp": 0.8}) == validate_params("ratio", {"capp": 0.8}, 3)
    assert validate_rule("satisfaction", {}, 5) == []
    assert validate_rule("checklist", {"items": [{"text": "a", "points": 1}], "gate": None}, 1) == []


def test_every_kind_has_a_chinese_label():
    assert len(RULE_KINDS) == 16  # the 13 of DESIGN §4, and graded, either_of, coefficient of §4.1
    for kind in RULE_KINDS.values():
        assert kind.label and all("\u4e00" <= ch <= "\u9fff" for ch in kind.label[:1])


def test_every_input_is_described_for_forms():
    labels = {
        (kind, field.name): (field.label, field.type, field.percent, field.unit)
        for kind, spec in RULE_KINDS.items()
        for field in spec.fields
    }
    assert labels == {
        ("ratio", "actual"): ("实际值", "number", False, ""),
        ("ratio", "target"): ("目标值", "number", False, ""),
        ("inverse_ratio", "actual"): ("实际值", "number", False, ""),
        ("inverse_ratio", "target"): ("目标值", "number", False, ""),
        ("threshold_deduct", "actual"): ("实际值", "number", False, ""),
        ("bands", "actual"): ("实际值", "number", False, ""),
        ("checklist", "met"): ("满足的要点", "indices", False, ""),
        ("checklist", "partial"): ("部分满足比例", "shares", False, ""),
        ("checklist", "faults"): ("不满足的项数", "faults", False, ""),
        ("binary", "met"): ("是否达到要求", "flag", False, ""),
        ("rate_penalty", "rate"): ("超标率", "number", True, "%"),
        ("per_count", "count"): ("次数", "number", False, ""),
        ("change_rate", "current"): ("本年数", "number", False, ""),
        ("change_rate", "previous"): ("上年数", "number", False, ""),
        ("change_rate", "rate"): ("变动率", "number", True, "%"),
        ("threshold_else_rate", "actual"): ("实际比率", "number", True, "%"),
        ("grade_map", "grade"): ("等级", "grade", False, ""),
        ("satisfaction", "survey"): ("是否开展满意度调查", "flag", False, ""),
        ("satisfaction", "satisfaction"): ("满意度", "number", True, "%"),
        ("satisfaction", "complaint_rate"): ("投诉率", "number", True, "%"),
        ("manual", "score"): ("评定得分", "number", False, "分"),
        ("manual", "reason"): ("评分理由", "text", False, ""),
        ("graded", "level"): ("评定等级", "level", False, ""),
        ("graded", "share"): ("得分比例", "number", True, "%"),
        ("either_of", "option"): ("考核的指标", "option", False, ""),
        ("either_of", "inputs"): ("所选指标的输入", "option_inputs", False, ""),
        ("coefficient", "coefficient"): ("得分系数", "number", True, "%"),
    }
    for kind in RULE_KINDS.values():
        assert kind.inputs == tuple(field.name for field in kind.fields)
        assert len(set(kind.params)) == len(kind.params)
    assert RULE_KINDS["ratio"].params == ("cap", "over_limit")
    assert RULE_KINDS["change_rate"].inputs == ("current", "previous", "rate")


# --- rounding and grades ------------------------------------------------------------------------------


def test_round_score_is_half_up_once():
    assert round_score(D("2.905")) == D("2.91")
    assert round_score(D("2.904999")) == D("2.90")
    assert round_score(2.675) == D("2.68")  # float 2.675 is 2.67499…; read through str it is 2.675
    assert str(round_score(D("-0.001"))) == "0.00"


@pytest.mark.parametrize(
    ("total", "grade"),
    [(D("97.75"), "优"), (90, "优"), (D("89.99"), "良"), (80, "良"), (60, "中"), (D("59.99"), "差")],
)
def test_grade_for_default_scale(total, grade):
    assert grade_for(total) == grade
    assert grade_for(total, DEFAULT_GRADES) == grade


def test_grade_for_custom_scale_in_any_order():
    scale = [[0, "不合格"], [60, "合格"], [85, "优秀"]]
    assert grade_for(85, scale) == "优秀"
    assert grade_for(D("84.99"), scale) == "合格"
    assert grade_for(1, scale) == "不合格"


def test_validate_grades():
    assert validate_grades([[90, "优"], [80, "良"], [60, "中"], [0, "差"]]) == []
    assert validate_grades(DEFAULT_GRADES) == []
    assert validate_grades([]) != []
    assert any("重复" in m for m in validate_grades([[90, "优"], [90, "良"], [0, "差"]]))
    assert any("下限为 0" in m for m in validate_grades([[90, "优"], [60, "中"]]))
    assert any("名称" in m for m in validate_grades([[90, ""], [0, "差"]]))
    assert any("0 到 100" in m for m in validate_grades([["x", "优"], [0, "差"]]))


# --- properties: for any valid rule and inputs, the score is within 0..weight with at most 2 decimals ----

money = st.decimals(min_value=0, max_value=10**6, places=2)
percent = st.decimals(min_value=0, max_value=100, places=2)
any_percent = st.decimals(min_value=-200, max_value=500, places=2)
small = st.decimals(min_value=0, max_value=10, places=2)
weights = st.decimals(min_value=0, max_value=100, places=2)
rounding = st.sampled_from(["exact", "ceil", "floor"])


@st.composite
def cases(draw, kind, w=None):
    nested = w is not None  # an option of either_of, scored with the leaf's weight
    w = draw(weights) if w is None else w
    p: dict = {}
    i: dict = {}
    if kind == "ratio":
        if draw(st.booleans()):
            p["cap"] = draw(st.decimals(min_value=D("0.01"), max_value=3, places=2))
        if draw(st.booleans()):
            p["over_limit"] = draw(st.decimals(min_value=100, max_value=300, places=2))
        i = {"actual": draw(money), "target": draw(money.filter(bool))}
    elif kind == "inverse_ratio":
        i = {"actual": draw(money), "target": draw(money)}
    elif kind == "threshold_deduct":
        p = {
            "threshold": draw(any_percent),
            "per_point": draw(small),
            "direction": draw(st.sampled_from(["below", "above"])),
            "rounding": draw(rounding),
        }
        if draw(st.booleans()):
            p["step"] = draw(st.decimals(min_value=D("0.01"), max_value=20, places=2))
        if draw(st.booleans()):
            below = p["direction"] == "below"
            p["zero_at"] = p["threshold"] - draw(small) - D("0.01") if below else p["threshold"] + draw(small) + 1
        i = {"actual": draw(any_percent)}
    elif kind == "bands":
        higher = draw(st.booleans())
        bounds = sorted(draw(st.lists(any_percent, min_size=1, max_size=6, unique=True)), reverse=higher)
        p = {"bands": [[bound, draw(st.decimals(min_value=0, max_value=w, places=2))] for bound in bounds]}
        if not higher or draw(st.booleans()):
            p["direction"] = "higher" if higher else "lower"
        i = {"actual": draw(any_percent)}
    elif kind == "checklist":
        n = draw(st.integers(1, 8))
        if draw(st.booleans()):
            items = [{"text": f"要点{k}"} for k in range(n)]
        else:
            top = (w / n).quantize(D("0.01"), rounding=ROUND_DOWN)
            items = [
                {"text": f"要点{k}", "points": draw(st.decimals(min_value=0, max_value=top, places=2))}
                for k in range(n)
            ]
        p = {"items": items, "gate": draw(st.none() | st.integers(0, n - 1))}
        met = draw(st.sets(st.integers(0, n - 1)))
        rest = [k for k in range(n) if k not in met]
        partial = draw(st.dictionaries(st.sampled_from(rest), st.decimals(0, 1, places=4))) if rest else {}
        i = {"met": sorted(met), "partial": {str(k): v for k, v in partial.items()}}
        others = [k for k in rest if k not in partial]
        if others and draw(st.booleans()):  # "每出现一项不满足，扣除该要点权重分值的1/3"
            faults = draw(st.dictionaries(st.sampled_from(others), st.integers(0, 12), min_size=1))
            for k in faults:
                items[k]["max_faults"] = draw(st.integers(1, 10))
            i["faults"] = {str(k): v for k, v in faults.items()}
    elif kind == "binary":
        i = {"met": draw(st.booleans())}
    elif kind == "rate_penalty":
        i = {"rate": draw(st.decimals(min_value=0, max_value=300, places=2))}
    elif kind == "per_count":
        p = {"per": draw(small)}
        i = {"count": draw(st.integers(0, 1000))}
    elif kind == "change_rate":
        p = {"per_point": draw(small), "rounding": draw(rounding)}
        i = (
            {"rate": draw(any_percent)}
            if draw(st.booleans())
            else {"current": draw(money), "previous": draw(money.filter(bool))}
        )
    elif kind == "threshold_else_rate":
        p = {"threshold": draw(any_percent)}
        i = {"actual": draw(any_percent)}
    elif kind == "grade_map":
        names = draw(st.lists(st.sampled_from(["优秀", "良好", "合格", "三等", "不合格"]), min_size=1, unique=True))
        p = {"map": {name: draw(st.decimals(min_value=0, max_value=w, places=2)) for name in names}}
        p["default"] = draw(st.decimals(min_value=0, max_value=w, places=2))
        i = {"grade": draw(st.sampled_from([*names, "其他"]))}
    elif kind == "satisfaction":
        p = {"full_at": draw(percent), "per_point_share": draw(small), "no_survey_deduct": draw(small)}
        i = {"survey": draw(st.booleans()), "satisfaction": draw(percent), "complaint_rate": draw(percent)}
    elif kind == "manual":
        i = {"score": draw(st.decimals(min_value=0, max_value=w, places=3)), "reason": "现场核查"}
    elif kind == "graded":
        label, lower, upper = draw(st.sampled_from([("好", 80, 100), ("中", 60, 80), ("差", 0, 60)]))
        top = D(upper) if label == "好" else D(upper) - D("0.01")
        i = {"level": label, "share": draw(st.decimals(min_value=lower, max_value=top, places=2))}
    elif kind == "coefficient":
        i = {"coefficient": draw(percent)}
    elif kind == "either_of":
        chosen = [draw(cases(option, w)) for option in draw(st.lists(nestable, min_size=2, max_size=3))]
        p = {"options": [{"label": f"口径{k}", "rule": {"kind": c[0], **c[1]}} for k, c in enumerate(chosen)]}
        index = draw(st.integers(0, len(chosen) - 1))
        i = {"option": index, "inputs": chosen[index][2]}
    if not nested and draw(st.integers(0, 9)) == 0:
        i = {"not_applicable": True}  # any leaf may be not applicable
    return kind, p, i, w


nestable = st.sampled_from(sorted(set(RULE_KINDS) - {"either_of"}))


any_case = st.sampled_from(sorted(RULE_KINDS)).flatmap(cases)


@settings(max_examples=600, deadline=None)
@given(any_case)
def test_property_every_score_lies_within_weight_with_two_decimals(case):
    kind, params, inputs, weight = case
    assert validate_rule(kind, params, weight) == []
    result = compute_score(kind, params, inputs, weight)
    assert 0 <= result.score <= weight
    assert result.score.as_tuple().exponent == -2
    assert result.explanation and "分" in result.explanation


@settings(max_examples=200, deadline=None)
@given(any_case)
def test_property_floats_give_the_same_score_as_decimals(case):
    kind, params, inputs, weight = case

    def to_float(value):
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dict):
            return {k: to_float(v) for k, v in value.items()}
        if isinstance(value, list):
            return [to_float(v) for v in value]
        return value

    # 2-place decimals survive float → str → Decimal unchanged; the manual score has 3 places, also exact
    assert score(kind, to_float(params), to_float(inputs), to_float(weight)) == score(kind, params, inputs, weight)


def test_a_misspelt_checklist_item_key_is_an_error_not_an_equal_split():
    params = {"items": [{"text": "a", "pionts": 3}, {"text": "b", "pionts": 1}]}
    assert validate_rule("checklist", params, 4) == [
        "参数 items 第 1 项有未知的键 “pionts”（每项可用：text、points、max_faults）",
        "参数 items 第 2 项有未知的键 “pionts”（每项可用：text、points、max_faults）",
    ]
