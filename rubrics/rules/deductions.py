"""Deduction rules: full marks minus a deduction (threshold_deduct, change_rate, per_count, satisfaction)."""

from __future__ import annotations

from fractions import Fraction

from rubrics.numbers import fixed, measured, percent, plain, with_unit, written
from rubrics.rules.base import (
    HUNDRED,
    ONE,
    ZERO,
    Config,
    Expr,
    InputError,
    InputField,
    Inputs,
    Outcome,
    Params,
    RuleKind,
    calculated,
    ceil,
    full,
    num,
    pct,
    shown,
)


def _step_word(unit: str) -> str:
    """What one deduction step is called: 个百分点 for percents, else the unit itself (天, 人)."""
    if unit == "%":
        return "个百分点"
    return unit or "个单位"


def _read_rounding(p: Params) -> str:
    return p.choice("rounding", "取整方式", ("exact", "ceil"), "exact")


def _read_threshold_deduct(p: Params) -> Config:
    return {
        "threshold": p.number("threshold", "达标线"),
        "per_point": p.number("per_point", "每单位扣分", minimum=ZERO),
        "direction": p.choice("direction", "方向", ("below", "above"), "below"),
        "rounding": _read_rounding(p),
    }


def _deduct(label: str, actual: Expr, c: Config, w: Fraction, unit: str, prefix: str = "") -> Outcome:
    """Full marks when ``actual`` is on the right side of the threshold, else w − per_point × gap."""
    threshold, per_point = c["threshold"], c["per_point"]
    below = c["direction"] == "below"
    gap = threshold - actual.value if below else actual.value - threshold
    head = f"{prefix}{label} {measured(actual.value, unit)}"
    limit = with_unit(written(threshold), unit)
    if gap <= 0:
        return full(f"{head}，{'不低于' if below else '不高于'} {limit}", w)
    step = _step_word(unit)
    text = f"{head}，{'低于' if below else '高于'} {limit} {fixed(gap)} {step}"
    if c["rounding"] == "ceil":
        counted = ceil(gap)
        if counted != gap:
            text += f"（不足 1 {step}按 1 {step}计，计 {counted} {step}）"
        text += f"，每{step}扣 {written(per_point)} 分"
        return calculated(text, num(w) - num(per_point) * num(counted))
    text += f"，每{step}扣 {written(per_point)} 分"
    if threshold == 0:
        exact_gap = actual if not below else num(ZERO) - actual
    else:
        exact_gap = num(threshold) - actual if below else actual - num(threshold)
    return calculated(
        text,
        num(w) - num(per_point) * exact_gap,
        num(w) - num(per_point) * shown(gap),
    )


def _threshold_deduct(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    actual = inputs.number("actual")
    return _deduct(c["label"] or "实际值", num(actual), c, w, c["unit"])


def _read_change_rate(p: Params) -> Config:
    return {
        "threshold": ZERO,
        "direction": "above",
        "per_point": p.number("per_point", "每个百分点扣分", minimum=ZERO),
        "rounding": _read_rounding(p),
    }


def _change_rate(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    label = c["label"] or "变动率"
    if inputs.present("rate"):
        return _deduct(label, num(inputs.number("rate")), c, w, "%")
    current = inputs.number("current", non_negative=True)
    previous = inputs.number("previous", non_negative=True)
    if previous == 0:
        raise InputError("previous", "输入 previous（上年数）为 0，无法计算变动率；请直接填写变动率 rate")
    rate = (num(current) - num(previous)) / num(previous) * num(HUNDRED)
    unit = "" if c["unit"] == "%" else c["unit"]  # the unit of the figures; the rate itself is a percent
    prefix = f"本年 {measured(current, unit)}、上年 {measured(previous, unit)}，"
    return _deduct(label, rate, c, w, "%", prefix=prefix)


def _read_per_count(p: Params) -> Config:
    return {"per": p.number("per", "每次扣分", minimum=ZERO)}


def _per_count(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    count = inputs.number("count", non_negative=True, integer=True)
    unit = c["unit"] or "次"
    head = f"{c['label'] or '扣分事项'} {plain(count)} {unit}"
    if count == 0:
        return full(head, w)
    per = c["per"]
    return calculated(f"{head}，每{unit}扣 {written(per)} 分", num(w) - num(per) * num(count))


def _read_satisfaction(p: Params) -> Config:
    return {
        "full_at": p.number("full_at", "满分满意度，百分数", Fraction(95), minimum=ZERO, maximum=HUNDRED),
        "share": p.number("per_point_share", "每个百分点扣权重分的百分比", Fraction(3), minimum=ZERO),
        "no_survey": p.number("no_survey_deduct", "未开展调查扣分", ONE, minimum=ZERO),
        "limit": p.number("complaint_limit", "投诉率上限，百分数", Fraction(5), minimum=ZERO, maximum=HUNDRED),
    }


def _satisfaction(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    share, full_at, limit = c["share"], c["full_at"], c["limit"]
    per_point = f"每个百分点扣权重分 {written(share)}%"
    weight = num(w)
    if inputs.flag("survey"):
        value = inputs.number("satisfaction", non_negative=True, maximum=HUNDRED)
        head = f"开展满意度调查，满意度 {percent(value)}"
        gap = full_at - value
        if gap <= 0:
            return full(f"{head}，不低于 {written(full_at)}%", w)
        return calculated(
            f"{head}，低于 {written(full_at)}% {fixed(gap)} 个百分点，{per_point}",
            weight - weight * pct(share) * (num(full_at) - num(value)),
            weight - weight * pct(share) * shown(gap),
        )
    rate = inputs.number("complaint_rate", non_negative=True, maximum=HUNDRED)
    deduct = num(c["no_survey"])
    head = f"未开展满意度调查，扣 {written(c['no_survey'])} 分；投诉率 {percent(rate)}"
    excess = rate - limit
    if excess <= 0:
        return calculated(f"{head}，不超过 {written(limit)}%", weight - deduct)
    return calculated(
        f"{head}，超过 {written(limit)}% {fixed(excess)} 个百分点，{per_point}",
        weight - deduct - weight * pct(share) * (num(rate) - num(limit)),
        weight - deduct - weight * pct(share) * shown(excess),
    )


THRESHOLD_DEDUCT = RuleKind(
    "threshold_deduct",
    "达标线扣分",
    ("threshold", "per_point", "direction", "rounding"),
    (InputField("actual", "实际值"),),
    _read_threshold_deduct,
    _threshold_deduct,
    unit="%",
)
PER_COUNT = RuleKind("per_count", "按次扣分", ("per",), (InputField("count", "次数"),), _read_per_count, _per_count)
CHANGE_RATE = RuleKind(
    "change_rate",
    "变动率扣分",
    ("per_point", "rounding"),
    (
        InputField("current", "本年数"),
        InputField("previous", "上年数"),
        InputField("rate", "变动率", percent=True, hint="填写变动率时，可不填本年数、上年数"),
    ),
    _read_change_rate,
    _change_rate,
    unit="%",
)
SATISFACTION = RuleKind(
    "satisfaction",
    "满意度计分",
    ("full_at", "per_point_share", "no_survey_deduct", "complaint_limit"),
    (
        InputField("survey", "是否开展满意度调查", "flag"),
        InputField("satisfaction", "满意度", percent=True, hint="开展调查时填写"),
        InputField("complaint_rate", "投诉率", percent=True, hint="未开展调查时填写"),
    ),
    _read_satisfaction,
    _satisfaction,
    unit="%",
)
