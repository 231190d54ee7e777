"""Proportional rules: the weight times a ratio (ratio, inverse_ratio, rate_penalty, threshold_else_rate)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from rubrics.numbers import measured, percent, written
from rubrics.rules.base import (
    HUNDRED,
    ONE,
    Config,
    InputError,
    InputField,
    Inputs,
    Outcome,
    ParamField,
    Params,
    RuleKind,
    calculated,
    full,
    no_params,
    num,
    pct,
    shown_pct,
)

ACTUAL = InputField("actual", "实际值")
TARGET = InputField("target", "目标值")


def _read_ratio(p: Params) -> Config:
    return {
        "cap": p.number("cap", "封顶比例", ONE, positive=True),
        "over_limit": p.number("over_limit", "合理上限，目标的百分数", None, minimum=HUNDRED),
    }


def _over_limit(c: Config, rate: Fraction) -> tuple[str, ...]:
    """ "对完成值高于指标值较多的…要按照偏离度适度调减分值": the score stands, the check reports it."""
    limit = c["over_limit"]
    if limit is None or rate * HUNDRED <= limit:
        return ()
    return (
        f"完成值为目标的 {percent(rate * HUNDRED)}，超过 {written(limit)}% 的合理上限，"
        "请按偏离度适度调减分值并说明理由",
    )


def _ratio(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    outcome = _ratio_outcome(c, inputs, w)
    rate = inputs.number("actual") / inputs.number("target")
    return replace(outcome, problems=_over_limit(c, rate))


def _ratio_outcome(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    unit = c["unit"]
    actual = inputs.number("actual", non_negative=True)
    target = inputs.number("target", non_negative=True)
    if target == 0:
        raise InputError("target", "输入 target（目标值）为 0，无法计算完成比例")
    rate = actual / target
    label = c["label"] or "完成率"
    head = f"实际 {measured(actual, unit)}，目标 {measured(target, unit)}，{label} {percent(rate * HUNDRED)}"
    cap = c["cap"]
    if rate >= 1 and cap >= 1:
        return full(f"{head}，达到目标", w)
    if rate > cap:
        return calculated(f"{head}，最高按 {written(cap * HUNDRED)}% 计分", num(w) * pct(cap * HUNDRED))
    return calculated(
        f"{head}，按完成比例计分",
        num(w) * num(actual) / num(target),
        num(w) * shown_pct(rate * HUNDRED),
    )


def _inverse_ratio(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    unit = c["unit"]
    actual = inputs.number("actual", non_negative=True)
    target = inputs.number("target", non_negative=True)
    head = f"{c['label'] or '实际'} {measured(actual, unit)}"
    if actual <= target:
        return full(f"{head}，不超过目标 {measured(target, unit)}", w)
    # actual > target >= 0, so actual is not 0 here
    return calculated(f"{head}，超过目标 {measured(target, unit)}，按比例计分", num(w) * num(target) / num(actual))


def _rate_penalty(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    rate = inputs.number("rate", non_negative=True)
    head = f"{c['label'] or '超标率'} {percent(rate)}"
    if rate == 0:
        return full(head, w)
    return calculated(
        f"{head}，按超标比例扣分",
        num(w) * (num(1) - pct(rate)),
        num(w) * (num(1) - shown_pct(rate)),
    )


def _read_threshold_else_rate(p: Params) -> Config:
    return {"threshold": p.number("threshold", "达标线，百分数")}


def _threshold_else_rate(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    actual = inputs.number("actual")
    head = f"{c['label'] or '实际比率'} {percent(actual)}"
    threshold = f"{written(c['threshold'])}%"
    if actual >= c["threshold"]:
        return full(f"{head}，不低于 {threshold}", w)
    return calculated(
        f"{head}，低于 {threshold}，按实际比率计分",
        num(w) * pct(actual),
        num(w) * shown_pct(actual),
    )


RATIO = RuleKind(
    "ratio",
    "比例计分",
    ("cap", "over_limit"),
    (ACTUAL, TARGET),
    _read_ratio,
    _ratio,
    summary="按实际值占目标值的比例计分：权重分 × 完成比例，最高不超过权重分",
    example="实际完成率 × 权重分，最高不超过权重分",
    param_fields=(
        ParamField("cap", "封顶比例", default=1, hint="完成比例最高按此计分，1 即 100%"),
        ParamField(
            "over_limit",
            "合理上限",
            "percent",
            hint="如 130：完成值超过目标的 130% 时提示按偏离度适度调减分值（得分不自动改变）",
        ),
    ),
)
INVERSE_RATIO = RuleKind(
    "inverse_ratio",
    "反向比例计分",
    (),
    (ACTUAL, TARGET),
    no_params,
    _inverse_ratio,
    summary="越低越好：实际值不超过目标值得满分，超过时按 目标值 ÷ 实际值 的比例计分",
    example="在职人员数/编制数 ≤ 1 满分，否则按比例计分",
)
RATE_PENALTY = RuleKind(
    "rate_penalty",
    "超标率扣分",
    (),
    (InputField("rate", "超标率", percent=True),),
    no_params,
    _rate_penalty,
    unit="%",
    summary="按超标率扣减权重分：权重分 × (1 − 超标率)",
    example="得分 = 3 分 − 超标率 × 3 分",
)
THRESHOLD_ELSE_RATE = RuleKind(
    "threshold_else_rate",
    "达标满分否则按比率",
    ("threshold",),
    (InputField("actual", "实际比率", percent=True),),
    _read_threshold_else_rate,
    _threshold_else_rate,
    unit="%",
    summary="实际比率达到达标线得满分，否则按 权重分 × 实际比率 计分",
    example="≥ 50% 得满分，否则按实际比率得分",
    param_fields=(ParamField("threshold", "达标线", "percent", required=True),),
)
