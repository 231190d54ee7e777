"""The rule forms of DESIGN §4.1, each against hand-computed examples taken from the real wordings it quotes, every
bad input of issue 10 with a Chinese message naming the field (and, in a document, the indicator), not-applicable
leaves through the tree and the document, and the catalogue a parameter editor is built from."""

import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from rubrics.document import DocumentError, parse_document, read_document_file, read_indicators, read_na_policy
from rubrics.document import score_indicators as score_nodes
from rubrics.engine import (
    CATALOGUE_ORDER,
    NA_POLICIES,
    RULE_KINDS,
    InputError,
    RuleError,
    compute_score,
    na_policy_label,
    rule_catalogue,
    rule_problems,
    validate_rule,
)
from rubrics.tree import IndicatorTree

D = Decimal
BUILTIN = Path(__file__).resolve().parent.parent / "rubrics" / "builtin"


def score(kind, params, inputs, weight, **options):
    return compute_score(kind, params, inputs, weight, **options).score


def input_error(kind, params, inputs, weight) -> InputError:
    with pytest.raises(InputError) as exc:
        compute_score(kind, params, inputs, weight)
    return exc.value


# --- step deduction: "100%计满分，每低于5%扣2分，扣完为止"; "与计划每相差3%，扣1分" -----------------------------

STEP_5 = {"threshold": 100, "per_point": 2, "step": 5, "label": "完成率"}


def test_step_deduction_every_started_step_counts():
    # 93%: 7 points short, 2 started steps of 5: 5 − 2 × 2 = 1
    result = compute_score("threshold_deduct", {**STEP_5, "rounding": "ceil"}, {"actual": 93}, 5)
    assert result.score == D("1.00")
    assert result.explanation == (
        "完成率 93.00%，低于 100% 7.00 个百分点，按每 5 个百分点（不足 5 个百分点按 5 个百分点计）扣 2 分，"
        "计 2 档：5 - 2 × 2 = 1.00 分"
    )


@pytest.mark.parametrize(
    ("actual", "ceil", "floor", "exact"),
    [
        (100, "5.00", "5.00", "5.00"),
        (101, "5.00", "5.00", "5.00"),
        (97, "3.00", "5.00", "3.80"),  # 3 short: one started step; no whole step; 2 × 3/5 = 1.2
        (95, "3.00", "3.00", "3.00"),  # exactly one step
        (93, "1.00", "3.00", "2.20"),  # 7 short: 2 started, 1 whole, 2 × 7/5 = 2.8
        (90, "1.00", "1.00", "1.00"),
        (88, "0.00", "1.00", "0.20"),  # 3 started steps would take 6 of 5: 扣完为止
        (0, "0.00", "0.00", "0.00"),
    ],
)
def test_step_deduction_rounding_ceil_floor_exact(actual, ceil, floor, exact):
    for rounding, expected in (("ceil", ceil), ("floor", floor), ("exact", exact)):
        result = compute_score("threshold_deduct", {**STEP_5, "rounding": rounding}, {"actual": actual}, 5)
        assert result.score == D(expected), (rounding, result.explanation)


def test_step_deduction_per_difference_of_three():
    # "与计划每相差3%，扣1分", weight 4: 95% is 5 short
    params = {"threshold": 100, "per_point": 1, "step": 3}
    assert score("threshold_deduct", {**params, "rounding": "ceil"}, {"actual": 95}, 4) == D("2.00")
    assert score("threshold_deduct", {**params, "rounding": "floor"}, {"actual": 95}, 4) == D("3.00")
    result = compute_score("threshold_deduct", {**params, "rounding": "floor"}, {"actual": 95}, 4)
    assert "按每 3 个百分点扣 1 分（不足 3 个百分点的部分不扣分），计 1 档：4 - 1 × 1 = 3.00 分" in result.explanation


def test_step_deduction_exact_and_above_with_a_unit():
    # 7 days late, 1 point per 3 days counted exactly: 4 − 1 × 7 ÷ 3 = 1.67
    params = {"threshold": 5, "per_point": 1, "step": 3, "direction": "above", "unit": "天", "label": "办结时长"}
    result = compute_score("threshold_deduct", params, {"actual": 12}, 4)
    assert result.score == D("1.67")
    assert result.explanation == (
        "办结时长 12 天，高于 5 天 7.00 天，按每 3 天扣 1 分（按实际差距折算）：4 - 1 × 7.00 ÷ 3 = 1.67 分"
    )


def test_without_step_threshold_deduct_is_unchanged_and_floor_counts_whole_points():
    params = {"threshold": 98, "per_point": 0.1}
    assert score("threshold_deduct", {**params, "rounding": "ceil"}, {"actual": 96.5}, 5) == D("4.80")
    assert score("threshold_deduct", params, {"actual": 96.5}, 5) == D("4.85")
    result = compute_score("threshold_deduct", {**params, "rounding": "floor"}, {"actual": 96.5}, 5)
    assert result.score == D("4.90")  # 1.5 points short: 1 whole point
    assert "（不足 1 个百分点的部分不扣分，计 1 个百分点）" in result.explanation
    # change_rate shares the deduction: rounding floor works there too
    assert score("change_rate", {"per_point": 0.1, "rounding": "floor"}, {"rate": "2.5"}, 5) == D("4.80")


@pytest.mark.parametrize("step", [0, -5, "0"])
def test_step_must_be_positive(step):
    messages = validate_rule("threshold_deduct", {**STEP_5, "step": step}, 5)
    assert len(messages) == 1
    assert messages[0].startswith("参数 step（每档幅度）必须大于 0，现为 ")


# --- zero floor: "≤80%不得分；在幅度范围内每降低1%扣5%权重分" -------------------------------------------------

ZERO_80 = {"threshold": 100, "per_point": 0.5, "zero_at": 80}  # 5% of a weight of 10


@pytest.mark.parametrize(
    ("actual", "expected"), [(100, "10.00"), (95, "7.50"), (81, "0.50"), (80, "0.00"), (79, "0.00"), (50, "0.00")]
)
def test_zero_floor_below(actual, expected):
    assert score("threshold_deduct", ZERO_80, {"actual": actual}, 10) == D(expected)


def test_zero_floor_explanation_and_above():
    result = compute_score("threshold_deduct", {**ZERO_80, "label": "完成率"}, {"actual": 80}, 10)
    assert result.explanation == "完成率 80.00%，不高于 80%，不得分"
    above = {"threshold": 5, "per_point": 1, "direction": "above", "zero_at": 9}
    assert score("threshold_deduct", above, {"actual": 8}, 4) == D("1.00")
    assert score("threshold_deduct", above, {"actual": 9}, 4) == D("0.00")
    # with a step: 4 points short of 100 in steps of 5 (ceil) → 1 step; at the zero line nothing is left
    with_step = {**ZERO_80, "step": 5, "rounding": "ceil", "per_point": 2}
    assert score("threshold_deduct", with_step, {"actual": 96}, 10) == D("8.00")
    assert score("threshold_deduct", with_step, {"actual": 80}, 10) == D("0.00")


def test_zero_line_on_the_wrong_side_of_the_threshold_is_an_error():
    assert validate_rule("threshold_deduct", {**ZERO_80, "zero_at": 100}, 10) == [
        "参数 zero_at（不得分线）应低于达标线 100，现为 100"
    ]
    above = {"threshold": 5, "per_point": 1, "direction": "above", "zero_at": 3}
    assert validate_rule("threshold_deduct", above, 4) == ["参数 zero_at（不得分线）应高于达标线 5，现为 3"]


# --- lower-is-better bands: "预算控制率=0，计5分；0-10%（含）计4分；10-20%（含）计3分；…大于30%不得分" -----------

CONTROL = {"direction": "lower", "bands": [[0, 5], [10, 4], [20, 3], [30, 2]], "label": "预算控制率"}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(0, "5.00"), (5, "4.00"), (10, "4.00"), (D("10.01"), "3.00"), (25, "2.00"), (30, "2.00"), (35, "0.00")],
)
def test_lower_is_better_bands(actual, expected):
    assert score("bands", CONTROL, {"actual": actual}, 5) == D(expected)


def test_lower_is_better_bands_explain_the_band():
    assert compute_score("bands", CONTROL, {"actual": 0}, 5).explanation == "预算控制率 0.00%，不高于 0%，得满分 5 分"
    result = compute_score("bands", CONTROL, {"actual": 5}, 5)
    assert result.explanation == "预算控制率 5.00%，高于 0%、不高于 10%，按该档得 4 分"
    result = compute_score("bands", CONTROL, {"actual": 35}, 5)
    assert result.explanation == "预算控制率 35.00%，高于最后一档的上限 30%，得 0 分"


def test_higher_is_better_bands_are_the_default():
    params = {"bands": [[90, 2], [80, 1.5], [70, 1], [60, 0.5]]}
    assert score("bands", params, {"actual": 85}, 2) == score(
        "bands", {**params, "direction": "higher"}, {"actual": 85}, 2
    )
    assert score("bands", params, {"actual": 85}, 2) == D("1.50")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"bands": [[90, 2], [80, 1.5], [80, 1]]},
            ["参数 bands 第 3 档的下限 80 与第 2 档重复，分档不能重叠"],
        ),
        (
            {"bands": [[80, 1.5], [90, 2], [70, 1]]},
            ["参数 bands 第 2 档的下限 90 高于第 1 档的下限 80，越高越好的分档应按下限从高到低排列"],
        ),
        (
            {"direction": "lower", "bands": [[0, 5], [20, 3], [10, 4]]},
            ["参数 bands 第 3 档的上限 10 低于第 2 档的上限 20，越低越好的分档应按上限从低到高排列"],
        ),
        (
            {"direction": "lower", "bands": [[0, 5], [10, 4], [10, 3]]},
            ["参数 bands 第 3 档的上限 10 与第 2 档重复，分档不能重叠"],
        ),
        (
            {"direction": "down", "bands": [[0, 5]]},
            ["参数 direction（分档方向）只能是 higher（越高越好）、lower（越低越好），现为 “down”"],
        ),
    ],
)
def test_overlapping_or_unsorted_bands_are_errors_naming_the_band(params, expected):
    assert validate_rule("bands", params, 5) == expected


def test_the_bands_of_the_builtin_templates_still_validate():
    found = 0
    for path in sorted(BUILTIN.glob("*.json")):
        nodes, _ = read_indicators(parse_document(read_document_file(str(path))).get("indicators"))
        for node in nodes:
            if node.rule_kind == "bands":
                found += 1
                assert validate_rule("bands", node.rule_params, node.weight) == [], node.where
    assert found >= 2  # 重点支出安排率, 经办好评事项占比 of the 2022 department report


# --- graded: "分别按照该指标对应分值区间100-80%（含）、80-60%（含）、60-0%合理确定分值" ----------------------------


@pytest.mark.parametrize(
    ("level", "share", "expected"),
    [
        ("好", 85, "8.50"),
        ("好", 100, "10.00"),
        ("好", 80, "8.00"),
        ("中", 60, "6.00"),
        ("中", "79.99", "8.00"),  # 7.999 rounds once, half-up
        ("差", "59.5", "5.95"),
        ("差", 0, "0.00"),
        (" 好 ", "250/3", "8.33"),
    ],
)
def test_graded_default_levels(level, share, expected):
    assert score("graded", {}, {"level": level, "share": share}, 10) == D(expected)


def test_graded_explanation():
    result = compute_score("graded", {}, {"level": "好", "share": 85}, 10)
    assert result.explanation == "评定等级为“好”，分值区间 80%（含）至 100%（含），得分比例 85%：10 × 85% = 8.50 分"
    result = compute_score("graded", {"label": "服务质量"}, {"level": "中", "share": 70}, 5)
    assert result.explanation == "服务质量为“中”，分值区间 60%（含）至 80%（不含），得分比例 70%：5 × 70% = 3.50 分"


@pytest.mark.parametrize(
    ("level", "share", "expected"),
    [
        ("好", 79, "输入 share（得分比例，百分数）79 不在等级“好”的分值区间 80%（含）至 100%（含）内"),
        ("好", "100.01", "输入 share（得分比例，百分数）100.01 不在等级“好”的分值区间"),
        ("中", 80, "输入 share（得分比例，百分数）80 不在等级“中”的分值区间 60%（含）至 80%（不含）内"),
        ("差", 60, "输入 share（得分比例，百分数）60 不在等级“差”的分值区间 0%（含）至 60%（不含）内"),
        ("差", -1, "输入 share（得分比例，百分数）-1 不在等级“差”的分值区间"),
    ],
)
def test_graded_share_outside_its_level_is_an_error(level, share, expected):
    error = input_error("graded", {}, {"level": level, "share": share}, 10)
    assert error.field == "share"
    assert error.message.startswith(expected), error.message


@pytest.mark.parametrize(
    ("inputs", "field", "expected"),
    [
        ({"level": "优", "share": 85}, "level", "输入 level（等级）“优” 不是本指标的等级（可选：好、中、差）"),
        ({"share": 85}, "level", "缺少输入 level（等级）"),
        ({"level": ["好"], "share": 85}, "level", '输入 level（等级）["好"] 不是本指标的等级'),
        ({"level": "好"}, "share", "缺少输入 share（得分比例，百分数）"),
        ({"level": "好", "share": "八十五"}, "share", "输入 share（得分比例，百分数）必须是数字"),
    ],
)
def test_graded_level_and_share_inputs(inputs, field, expected):
    error = input_error("graded", {}, inputs, 10)
    assert error.field == field
    assert error.message.startswith(expected), error.message


def test_graded_levels_of_ones_own():
    levels = [["优", 90, 100], ["良", 75, 90], ["中", 60, 75], ["差", 0, 60]]
    assert validate_rule("graded", {"levels": levels}, 10) == []
    assert score("graded", {"levels": levels}, {"level": "良", "share": 75}, 10) == D("7.50")
    assert input_error("graded", {"levels": levels}, {"level": "良", "share": 90}, 10).field == "share"
    # any order: the top level is the one with the highest upper bound
    assert score("graded", {"levels": levels[::-1]}, {"level": "优", "share": 100}, 10) == D("10.00")


def test_graded_levels_must_be_well_formed():
    levels = [["好", 70, 100], ["中", 60, 80], ["中", 0, 60], ["", 5, 30], ["甲", 50, 40], ["乙", -1, 101], "丙"]
    assert validate_rule("graded", {"levels": levels}, 10) == [
        "参数 levels 第 3 级的等级“中”与第 2 级重名",
        "参数 levels 第 4 级的等级名称不能为空，现为 “”",
        "参数 levels 第 5 级的下限 50 应小于上限 40",
        "参数 levels 第 6 级的下限必须在 0 到 100 之间，现为 -1",
        "参数 levels 第 6 级的上限必须在 0 到 100 之间，现为 101",
        "参数 levels 第 7 级必须是 [等级, 下限, 上限]，现为 “丙”",
        "参数 levels 第 2 级“中”（60%–80%）与第 1 级“好”（70%–100%）的分值区间重叠",
    ]
    assert validate_rule("graded", {"levels": []}, 10)[0].startswith("参数 levels（等级及分值区间）必须是非空的")


# --- over-achievement: "对完成值高于指标值较多的…要按照偏离度适度调减分值" ---------------------------------------


def test_over_limit_keeps_the_score_and_reports_a_problem():
    result = compute_score("ratio", {"over_limit": 130}, {"actual": 150, "target": 100}, 5)
    assert result.score == D("5.00")
    assert result.problems == ("完成值为目标的 150.00%，超过 130% 的合理上限，请按偏离度适度调减分值并说明理由",)
    assert compute_score("ratio", {"over_limit": 130}, {"actual": 130, "target": 100}, 5).problems == ()
    assert compute_score("ratio", {}, {"actual": 500, "target": 100}, 5).problems == ()
    assert rule_problems("ratio", {"over_limit": 130}, 5) == []  # a finding about the inputs, not the rule


def test_over_limit_below_100_is_an_error():
    assert validate_rule("ratio", {"over_limit": 90}, 5) == [
        "参数 over_limit（合理上限，目标的百分数）不能小于 100，现为 90"
    ]


def test_over_limit_problem_appears_next_to_its_indicator_in_a_document():
    nodes, errors = read_indicators(
        [
            {
                "name": "产出",
                "children": [leaf("数量", 100, {"kind": "ratio", "over_limit": 130}, actual=150, target=100)],
            },
        ]
    )
    assert errors == []
    result = score_nodes(nodes)
    assert result["total"] == D("100.00")
    assert result["problems"] == [
        {
            "where": "产出 / 数量",
            "message": "完成值为目标的 150.00%，超过 130% 的合理上限，请按偏离度适度调减分值并说明理由",
        }
    ]


# --- either of two indicators: "结转结余率 / 结转结余变动率：二者择其一进行考核" -----------------------------------

EITHER = {
    "options": [
        {
            "label": "结转结余率",
            "rule": {"kind": "threshold_deduct", "threshold": 10, "per_point": 0.5, "direction": "above"},
        },
        {"label": "结转结余变动率", "rule": {"kind": "change_rate", "per_point": 0.1}},
    ]
}


def test_either_of_scores_the_chosen_option_with_the_leafs_weight():
    result = compute_score("either_of", EITHER, {"option": 0, "inputs": {"actual": 12}}, 5)
    assert result.score == D("4.00")  # 5 − 0.5 × 2
    assert result.explanation == (
        "二者择其一，按“结转结余率”考核，实际值 12.00%，高于 10% 2.00 个百分点，每个百分点扣 0.5 分："
        "5 - 0.5 × 2.00 = 4.00 分"
    )
    result = compute_score("either_of", EITHER, {"option": 1, "inputs": {"current": 110, "previous": 100}}, 5)
    assert result.score == D("4.00")  # 5 − 0.1 × 10
    assert result.explanation.startswith("二者择其一，按“结转结余变动率”考核，本年 110、上年 100，变动率 10.00%")
    assert score("either_of", EITHER, {"option": "1", "inputs": {"rate": -3}}, 5) == D("5.00")


@pytest.mark.parametrize("option", [2, -1, True, "第一项", 0.5])
def test_either_of_option_out_of_range_is_an_error(option):
    error = input_error("either_of", EITHER, {"option": option, "inputs": {"actual": 12}}, 5)
    assert error.field == "option"
    assert error.message.startswith("输入 option（考核的指标）")
    assert "无效：应为 0 到 1（从 0 起数：0：结转结余率、1：结转结余变动率）" in error.message


def test_either_of_inputs_of_the_option_name_the_option():
    error = input_error("either_of", EITHER, {"option": 1, "inputs": {"current": 110}}, 5)
    assert (error.field, error.message) == ("inputs.previous", "所选指标“结转结余变动率”：缺少输入 previous（上年数）")
    assert input_error("either_of", EITHER, {"inputs": {}}, 5).field == "option"
    assert input_error("either_of", EITHER, {"option": 0, "inputs": [12]}, 5).field == "inputs"


def test_either_of_options_are_validated_with_the_leafs_weight():
    nested = {"kind": "either_of", "options": EITHER["options"]}
    params = {
        "options": [
            {"label": "甲", "rule": nested},
            {"label": "甲", "rule": {"kind": "bands", "bands": [[90, 9]]}, "note": 1},
            {"label": "丙", "rule": {"kind": "threshold_deduct", "threshold": 98, "per_point": 1, "step": 0}},
            {"rule": {"cap": 1}},
        ]
    }
    assert validate_rule("either_of", params, 5) == [
        "参数 options 第 1 项（甲）的评分规则不能再是“二者择其一”",
        "参数 options 第 2 项有未知的键 “note”（每项可用：label、rule）",
        "参数 options 第 2 项的指标名称“甲”与第 1 项重名",
        "参数 options 第 2 项（甲）的评分规则：参数 bands 第 1 档（分值）为 9 分，超过权重 5 分",
        "参数 options 第 3 项（丙）的评分规则：参数 step（每档幅度）必须大于 0，现为 0",
        "参数 options 第 4 项缺少指标名称 label",
        "参数 options 第 4 项（第 4 项）的评分规则缺少类型 kind",
    ]
    one = {"options": EITHER["options"][:1]}
    assert validate_rule("either_of", one, 5)[0].startswith("参数 options（可选的考核指标）必须是至少两项的")
    assert validate_rule("either_of", {}, 5) == ["缺少参数 options（可选的考核指标）"]


def test_either_of_carries_the_findings_of_its_options():
    params = {
        "options": [
            {"label": "要点", "rule": {"kind": "checklist", "items": [{"points": 3}, {"points": 3}]}},
            {"label": "比例", "rule": {"kind": "ratio", "over_limit": 120}},
        ]
    }
    assert rule_problems("either_of", params, 5) == ["“要点”：要点分值合计 6 分，超过权重 5 分，得分按权重 5 分封顶"]
    result = compute_score("either_of", params, {"option": 1, "inputs": {"actual": 3, "target": 2}}, 5)
    assert result.score == D("5.00")
    assert result.problems[-1].startswith("完成值为目标的 150.00%，超过 120% 的合理上限")


# --- deductions per fault inside a checklist point ------------------------------------------------------------

FAULTS = {"items": [{"text": "制度健全", "points": 3, "max_faults": 3}, {"text": "执行到位", "points": 2}]}


@pytest.mark.parametrize(("faults", "expected"), [(0, "5.00"), (1, "4.00"), (2, "3.00"), (3, "2.00"), (4, "2.00")])
def test_each_fault_takes_a_third_and_three_take_all(faults, expected):
    # "每出现一项不满足，扣除该要点权重分值的1/3，出现三项及以上不满足，该要点不得分": 3 × max(0, 1 − f/3) + 2
    assert score("checklist", FAULTS, {"met": [1], "faults": {"0": faults}}, 5) == D(expected)


def test_fault_explanations():
    result = compute_score("checklist", FAULTS, {"met": [1], "faults": {"0": 1}}, 5)
    assert result.explanation == (
        "满足要点②（2.00 分），要点①有 1 项不满足，扣减该要点分值的 1/3（3 × (1 - 1 ÷ 3) = 2.00 分）："
        "2.00 + 2.00 = 4.00 分"
    )
    result = compute_score("checklist", FAULTS, {"met": [1], "faults": {0: 4}}, 5)
    assert "要点①有 4 项不满足，已达 3 项，该要点不得分（0.00 分）" in result.explanation


def test_each_object_below_standard_takes_ten_percent():
    # "每发现一家对象不达标，扣指标分值的10%": one criterion worth the weight, max_faults 10; met may be left out
    params = {"items": [{"text": "监管对象达标", "points": 5, "max_faults": 10}]}
    assert score("checklist", params, {"faults": {"0": 2}}, 5) == D("4.00")
    assert score("checklist", params, {"faults": {"0": 3}}, 5) == D("3.50")
    assert score("checklist", params, {"faults": {"0": 12}}, 5) == D("0.00")
    # an equal split works too ("各占 1/2 权重分")
    split = {"items": [{"text": "a", "max_faults": 3}, {"text": "b"}]}
    assert score("checklist", split, {"met": [1], "faults": {"0": 1}}, 3) == D("2.50")  # 1.5 × 2/3 + 1.5


def test_a_gate_counted_by_faults_is_met_only_without_faults():
    params = {**FAULTS, "gate": 0}
    assert score("checklist", params, {"met": [1], "faults": {"0": 0}}, 5) == D("5.00")
    assert score("checklist", params, {"met": [1], "faults": {"0": 1}}, 5) == D("0.00")


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            {"met": [], "faults": {"0": -1}},
            "输入 faults（各要点不满足的项数）中要点①的项数必须是不小于 0 的整数，现为 -1",
        ),
        (
            {"met": [], "faults": {"0": 1.5}},
            "输入 faults（各要点不满足的项数）中要点①的项数必须是不小于 0 的整数，现为 1.5",
        ),
        ({"met": [], "faults": {"0": "两"}}, "输入 faults（各要点不满足的项数）中要点①的项数必须是不小于 0 的整数"),
        ({"met": [], "faults": {"1": 1}}, "要点②没有设置 max_faults（不满足几项不得分），不能按不满足项数计分"),
        ({"met": [0], "faults": {"0": 1}}, "要点①已按不满足项数计分，不能再算满足或部分满足"),
        ({"met": [], "partial": {"0": 0.5}, "faults": {"0": 1}}, "要点①已按不满足项数计分，不能再算满足或部分满足"),
        ({"met": [], "faults": {"5": 1}}, "输入 faults 中的要点序号 “5” 无效"),
        ({"met": [], "faults": [1]}, "输入 faults（各要点不满足的项数）必须是对象"),
    ],
)
def test_bad_faults_are_errors(inputs, expected):
    error = input_error("checklist", FAULTS, inputs, 5)
    assert error.field == "faults"
    assert error.message.startswith(expected), error.message


def test_max_faults_must_be_a_positive_whole_number_and_item_keys_are_known():
    items = [{"text": "a", "points": 1, "max_faults": 0}, {"text": "b", "points": 1, "max_faults": "1.5"}]
    assert validate_rule("checklist", {"items": items}, 2) == [
        "参数 items 第 1 项的 max_faults（不满足几项不得分）必须是正整数，现为 0",
        "参数 items 第 2 项的 max_faults（不满足几项不得分）必须是正整数，现为 “1.5”",
    ]
    assert validate_rule("checklist", {"items": [{"text": "a", "maxfaults": 3}]}, 2) == [
        "参数 items 第 1 项有未知的键 “maxfaults”（每项可用：text、points、max_faults）"
    ]


# --- score coefficient: "得分系数(%) × 指标权重" ----------------------------------------------------------------


@pytest.mark.parametrize(("coefficient", "expected"), [(85, "8.50"), (100, "10.00"), (0, "0.00"), ("33.335", "3.33")])
def test_coefficient(coefficient, expected):
    assert score("coefficient", {}, {"coefficient": coefficient}, 10) == D(expected)


def test_coefficient_explanation_and_range():
    assert compute_score("coefficient", {}, {"coefficient": 85}, 10).explanation == "得分系数 85%：10 × 85% = 8.50 分"
    for outside in (120, "100.01", -5):
        error = input_error("coefficient", {}, {"coefficient": outside}, 10)
        assert error.field == "coefficient"
        assert error.message.startswith("输入 coefficient（得分系数，百分数）必须在 0 到 100 之间，现为 ")


# --- not applicable: "没有楼堂馆所项目的部门按满分计算"; "用适用指标得分汇总后按百分制折算" -------------------------


def test_not_applicable_full_or_rescaled():
    full = compute_score("ratio", {}, {"not_applicable": True}, 10, na_policy="full")
    assert (full.score, full.exact, full.applicable) == (D("10.00"), 10, True)
    assert full.explanation == "不适用，按满分 10 分计算"
    rescaled = compute_score("checklist", {"items": ["a", "b"]}, {"not_applicable": True}, 10)
    assert (rescaled.score, rescaled.applicable) == (D("0.00"), False)
    assert rescaled.explanation == "不适用，不参与计分，总分按适用指标得分折算为百分制"
    # false: scored as usual; the rule must still be usable
    assert compute_score("ratio", {}, {"not_applicable": False, "actual": 1, "target": 2}, 10).score == D("5.00")
    with pytest.raises(RuleError):
        compute_score("bands", {}, {"not_applicable": True}, 10)


def test_not_applicable_must_be_a_boolean_and_the_policy_known():
    error = input_error("ratio", {}, {"not_applicable": "是"}, 10)
    assert (error.field, error.message) == (
        "not_applicable",
        "输入 not_applicable（不适用）只能是 true 或 false，现为 “是”",
    )
    with pytest.raises(ValueError, match="不适用指标的处理方式只能是"):
        compute_score("ratio", {}, {"not_applicable": True}, 10, na_policy="skip")
    assert dict(NA_POLICIES) == {"full": "按满分计算", "rescale": "扣除后按百分制折算"}
    assert na_policy_label("full") == "按满分计算"


def _rows(*rows):
    return [
        SimpleNamespace(pk=pk, parent_id=parent, name=name, weight=D(weight), score=s, order=pk, na=na)
        for pk, parent, name, weight, s, na in rows
    ]


def test_tree_leaves_out_not_applicable_leaves_and_rescales_the_total():
    rows = _rows(
        (1, None, "产出", 60, None, False),
        (2, 1, "数量", 60, D("45"), False),
        (3, None, "效益", 40, None, False),
        (4, 3, "楼堂馆所", 40, None, True),
    )
    tree = IndicatorTree(rows, applicable=lambda row: not row.na)
    output, benefit = tree.roots
    leaf = tree.node(4)
    assert (leaf.applicable, leaf.score, leaf.applicable_weight) == (False, None, 0)
    assert (benefit.applicable, benefit.score, benefit.applicable_weight) == (False, None, 0)
    assert (output.applicable, output.score, output.applicable_weight) == (True, D("45.00"), 60)
    assert tree.has_not_applicable
    assert tree.total == D("75.00")  # 45 × 100 ÷ 60
    # without the callable every leaf counts (and an unscored one is missing)
    assert IndicatorTree(rows).total is None


def test_tree_rescales_once_from_rounded_leaves_and_sections_keep_plain_sums():
    rows = _rows(
        (1, None, "决策", 30, None, False),
        (2, 1, "甲", 10, D("9.333"), False),  # 9.33
        (3, 1, "乙", 20, None, True),
        (4, None, "产出", 70, None, False),
        (5, 4, "丙", 30, D("28.5"), False),
        (6, 4, "丁", 40, D("37"), False),
    )
    tree = IndicatorTree(rows, applicable=lambda row: not row.na)
    decision, output = tree.roots
    assert (decision.score, decision.applicable_weight, decision.weight) == (D("9.33"), 10, 30)
    assert decision.rate == D("93.3")  # over the applicable weight
    assert output.score == D("65.50")
    assert tree.total == D("93.54")  # (9.33 + 28.5 + 37) × 100 ÷ 80 = 93.5375
    # an applicable leaf still unscored: no total yet
    rows[1].score = None
    assert IndicatorTree(rows, applicable=lambda row: not row.na).total is None
    # every leaf not applicable: nothing to total
    assert IndicatorTree(rows, applicable=lambda row: False).total is None


def leaf(name, weight, rule, **inputs):
    return {"name": name, "weight": weight, "rule": rule, "inputs": inputs}


def na_document():
    return [
        {"name": "产出", "weight": 60, "children": [leaf("数量", 60, {"kind": "manual"}, score=45, reason="核实")]},
        {"name": "效益", "weight": 40, "children": [leaf("楼堂馆所", 40, {"kind": "binary"}, not_applicable=True)]},
    ]


def test_document_not_applicable_rescale_and_full():
    nodes, errors = read_indicators(na_document())
    assert errors == []
    rescaled = score_nodes(nodes)
    assert rescaled == score_nodes(nodes, None, "rescale")
    assert (rescaled["total"], rescaled["grade"]) == (D("75.00"), "中")
    assert rescaled["sections"] == [
        {"name": "产出", "weight": 60, "score": D("45.00")},
        {"name": "效益", "weight": 40, "score": None, "not_applicable": True},
    ]
    row = rescaled["indicators"][1]
    assert row == {
        "path": ["效益", "楼堂馆所"],
        "weight": 40,
        "score": None,
        "computed": None,
        "explanation": "不适用，不参与计分，总分按适用指标得分折算为百分制",
        "not_applicable": True,
    }
    full = score_nodes(nodes, None, "full")
    assert (full["total"], full["grade"]) == (D("85.00"), "良")
    assert full["sections"][1] == {"name": "效益", "weight": 40, "score": D("40.00")}
    assert full["indicators"][1]["score"] == D("40.00")
    assert full["indicators"][1]["not_applicable"] is True
    assert full["indicators"][1]["explanation"] == "不适用，按满分 40 分计算"
    assert "not_applicable" not in full["indicators"][0]


def test_document_na_policy_header():
    errors: list[str] = []
    assert read_na_policy({}, errors) == "rescale"
    assert read_na_policy(None, errors) == "rescale"
    assert read_na_policy({"na_policy": "full"}, errors) == "full"
    assert read_na_policy({"na_policy": "rescale"}, errors) == "rescale"
    assert errors == []
    assert read_na_policy({"na_policy": "满分"}, errors) == "rescale"
    assert errors == [
        "evaluation.na_policy（不适用指标的处理）：不适用指标的处理方式只能是 rescale（扣除后按百分制折算）、"
        "full（按满分计算），现为 “满分”"
    ]
    nodes, _ = read_indicators(na_document())
    with pytest.raises(DocumentError) as exc:
        score_nodes(nodes, None, "skip")
    assert exc.value.errors[0].startswith("evaluation.na_policy（不适用指标的处理）")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"not_applicable": "true"}, "效益 / 楼堂馆所：输入 not_applicable（不适用）只能是 true 或 false，现为 “true”"),
        ({"not_applicable": 1}, "效益 / 楼堂馆所：输入 not_applicable（不适用）只能是 true 或 false，现为 1"),
    ],
)
def test_document_not_applicable_must_be_a_boolean(change, expected):
    doc = na_document()
    doc[1]["children"][0]["inputs"] = change
    assert read_indicators(doc)[1] == [expected]


def test_document_not_applicable_with_an_awarded_score_is_an_error():
    doc = na_document()
    doc[1]["children"][0]["score"] = 30
    assert read_indicators(doc)[1] == ["效益 / 楼堂馆所：不适用的指标不计分，不能填写评定得分 score"]


def test_not_applicable_in_inputs_of_every_kind_is_valid():
    weights = {kind: 10 for kind in RULE_KINDS}
    rules = {
        "threshold_deduct": {"threshold": 98, "per_point": 0.1},
        "bands": {"bands": [[90, 10]]},
        "checklist": {"items": ["a"]},
        "per_count": {"per": 1},
        "change_rate": {"per_point": 0.1},
        "threshold_else_rate": {"threshold": 50},
        "grade_map": {"map": {"优": 10}},
        "either_of": EITHER,
    }
    doc = [
        {
            "name": "全部",
            "children": [
                leaf(kind, weights[kind], {"kind": kind, **rules.get(kind, {})}, not_applicable=True)
                for kind in RULE_KINDS
            ],
        }
    ]
    nodes, errors = read_indicators(doc)
    assert errors == []
    assert score_nodes(nodes)["total"] == D(0)  # nothing applicable: nothing to total
    assert score_nodes(nodes, None, "full")["total"] == D(10 * len(RULE_KINDS))


# --- every bad input of issue 10, in a document: the indicator path and the field ----------------------------


@pytest.mark.parametrize(
    ("rule", "inputs", "expected"),
    [
        ({"kind": "graded"}, {"level": "中", "share": 85}, "决策 / 甲：输入 share（得分比例，百分数）85 不在等级“中”"),
        ({"kind": "either_of", **EITHER}, {"option": 2}, "决策 / 甲：输入 option（考核的指标）2 无效"),
        (
            {"kind": "threshold_deduct", "threshold": 100, "per_point": 2, "step": 0},
            {"actual": 93},
            "决策 / 甲：评分规则 threshold_deduct：参数 step（每档幅度）必须大于 0，现为 0",
        ),
        (
            {"kind": "bands", "bands": [[90, 2], [90, 1]]},
            {"actual": 93},
            "决策 / 甲：评分规则 bands：参数 bands 第 2 档的下限 90 与第 1 档重复，分档不能重叠",
        ),
        (
            {"kind": "bands", "direction": "lower", "bands": [[10, 1], [0, 2]]},
            {"actual": 3},
            "决策 / 甲：评分规则 bands：参数 bands 第 2 档的上限 0 低于第 1 档的上限 10",
        ),
        (
            {"kind": "coefficient"},
            {"coefficient": 120},
            "决策 / 甲：输入 coefficient（得分系数，百分数）必须在 0 到 100 之间",
        ),
        (
            {"kind": "checklist", "items": [{"text": "a", "points": 2, "max_faults": 3}]},
            {"faults": {"0": -1}},
            "决策 / 甲：输入 faults（各要点不满足的项数）中要点①的项数必须是不小于 0 的整数",
        ),
        (
            {"kind": "either_of", **EITHER},
            {"option": 1, "inputs": {"current": "多", "previous": 1}},
            "决策 / 甲：所选指标“结转结余变动率”：输入 current（本年数）必须是数字",
        ),
    ],
)
def test_bad_inputs_in_a_document_name_the_indicator_and_the_field(rule, inputs, expected):
    doc = [{"name": "决策", "children": [{"name": "甲", "weight": 2, "rule": rule, "inputs": inputs}]}]
    nodes, errors = read_indicators(doc)
    assert len(errors) == 1 and errors[0].startswith(expected), errors
    with pytest.raises(DocumentError) as exc:
        score_nodes(nodes)
    assert exc.value.errors[0].startswith("决策 / 甲：")


def test_an_either_of_option_without_its_inputs_yet_is_valid_but_not_scorable():
    doc = [
        {"name": "甲", "weight": 100, "rule": {"kind": "either_of", **EITHER}, "inputs": {"option": 1, "inputs": {}}}
    ]
    nodes, errors = read_indicators(doc)
    assert errors == []
    with pytest.raises(DocumentError) as exc:
        score_nodes(nodes)
    assert exc.value.errors == ["甲：所选指标“结转结余变动率”：缺少输入 current（本年数）"]


# --- the catalogue a parameter editor is built from ------------------------------------------------------------

TABLE_COLUMNS = {
    "bands": ["bound", "points"],
    "items": ["text", "points", "max_faults"],
    "levels": ["label", "lower", "upper"],
    "grade_map": ["grade", "points"],
    "options": ["label", "rule"],
}
_LATIN = re.compile(r"[A-Za-z]")


def _shown_texts(entry):
    """Every text of a catalogue entry a user reads (never the codes)."""
    yield entry["label"]
    yield entry["summary"]
    yield entry["example"]
    for param in [*entry["param_fields"], *entry["common_param_fields"]]:
        yield param["label"]
        yield param["hint"]
        yield from (choice["label"] for choice in param["choices"])
        for column in param["columns"]:
            yield column["label"]
            yield column["hint"]
    for field in [*entry["input_fields"], *entry["common_input_fields"]]:
        yield field["label"]
        yield field["hint"]


def test_catalogue_lists_every_kind_in_display_order():
    catalogue = rule_catalogue()
    assert [entry["kind"] for entry in catalogue] == list(CATALOGUE_ORDER)
    assert sorted(CATALOGUE_ORDER) == sorted(RULE_KINDS)
    labels = {entry["kind"]: entry["label"] for entry in catalogue}
    assert labels["graded"] == "定性分档评分"
    assert labels["either_of"] == "二者择其一"
    assert labels["coefficient"] == "得分系数"
    assert [entry["kind"] for entry in catalogue if not entry["nestable"]] == ["either_of"]


def test_catalogue_describes_every_parameter_and_input_in_chinese():
    for entry in rule_catalogue():
        kind = RULE_KINDS[entry["kind"]]
        assert entry["summary"] and entry["example"], kind.name
        assert [param["name"] for param in entry["param_fields"]] == list(kind.params)
        assert [field["name"] for field in entry["input_fields"]] == list(kind.inputs)
        assert [param["name"] for param in entry["common_param_fields"]] == ["label", "unit"]
        assert [field["name"] for field in entry["common_input_fields"]] == ["not_applicable"]
        for param in entry["param_fields"]:
            if param["type"] in TABLE_COLUMNS:
                assert [column["name"] for column in param["columns"]] == TABLE_COLUMNS[param["type"]], param
            else:
                assert param["columns"] == []
            assert bool(param["choices"]) == (param["type"] == "choice")
        for text in _shown_texts(entry):
            assert not _LATIN.search(text), (kind.name, text)


def test_catalogue_choice_labels_and_defaults():
    params = {(e["kind"], p["name"]): p for e in rule_catalogue() for p in e["param_fields"]}

    def choices(kind, name):
        return {choice["value"]: choice["label"] for choice in params[(kind, name)]["choices"]}

    assert choices("threshold_deduct", "direction") == {"below": "低于达标线扣分", "above": "高于达标线扣分"}
    assert choices("threshold_deduct", "rounding") == {
        "ceil": "不足一档按一档计",
        "floor": "按整档计",
        "exact": "按实际差距计",
    }
    assert choices("change_rate", "rounding") == choices("threshold_deduct", "rounding")
    assert choices("bands", "direction") == {"higher": "越高越好", "lower": "越低越好"}
    assert params[("graded", "levels")]["default"] == [["好", 80, 100], ["中", 60, 80], ["差", 0, 60]]
    assert params[("threshold_deduct", "step")]["default"] == 1
    assert params[("checklist", "gate")]["type"] == "index"
    assert params[("ratio", "over_limit")]["type"] == "percent"
    assert params[("satisfaction", "full_at")]["default"] == 95
    assert RULE_KINDS["bands"].param_field("direction").choice_label("lower") == "越低越好"


def test_catalogue_examples_come_from_real_wordings():
    examples = {entry["kind"]: entry["example"] for entry in rule_catalogue()}
    assert examples["threshold_deduct"] == "100%计满分，每低于5%扣2分，扣完为止"
    assert examples["graded"].startswith("分别按照该指标对应分值区间100-80%（含）")
    assert examples["either_of"] == "结转结余率 / 结转结余变动率：二者择其一进行考核"
    assert examples["coefficient"] == "得分系数(%) × 指标权重"
