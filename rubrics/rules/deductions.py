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
    ParamField,
    Params,
    RuleKind,
    calculated,
    ceil,
    floor,
    full,
    num,
    pct,
    shown,
)

DIRECTIONS = (("below", "低于达标线扣分"), ("above", "高于达标线扣分"))
ROUNDINGS = (("ceil", "不足一档按一档计"), ("floor", "按整档计"), ("exact", "按实际差距计"))


def _step_word(unit: str) -> str:
    """What one deduction step is called: 个百分点 for percents, else the unit itself (天, 人)."""
    if unit == "%":
        return "个百分点"
    return unit or "个单位"


def _read_rounding(p: Params) -> str:
    return p.choice("rounding", "取整方式", ROUNDINGS, "exact")


def _read_threshold_deduct(p: Params) -> Config:
    config = {
        "threshold": p.number("threshold", "达标线"),
        "per_point": p.number("per_point", "每单位扣分", minimum=ZERO),
        "direction": p.choice("direction", "方向", DIRECTIONS, "below"),
        "rounding": _read_rounding(p),
        "step": p.number("step", "每档幅度", None, positive=True),
        "zero_at": p.number("zero_at", "不得分线", None),
    }
    threshold, zero_at = config["threshold"], config["zero_at"]
    if threshold is not None and zero_at is not None:
        # "≤80%不得分" with full marks from 100%: the zero line lies beyond the threshold, on the losing side.
        if config["direction"] == "below" and zero_at >= threshold:
            p.fail("zero_at", "不得分线", f"应低于达标线 {written(threshold)}，现为 {written(zero_at)}")
        elif config["direction"] == "above" and zero_at <= threshold:
            p.fail("zero_at", "不得分线", f"应高于达标线 {written(threshold)}，现为 {written(zero_at)}")
    return config


def _deduct(label: str, actual: Expr, c: Config, w: Fraction, unit: str, prefix: str = "") -> Outcome:
    """Full marks when ``actual`` is on the right side of the threshold, 0 at or beyond ``zero_at``, else
    w − per_point × units, where units = gap ÷ step (step 1 when not given), rounded as ``rounding`` says."""
    threshold, per_point = c["threshold"], c["per_point"]
    below = c["direction"] == "below"
    gap = threshold - actual.value if below else actual.value - threshold
    head = f"{prefix}{label} {measured(actual.value, unit)}"
    zero_at = c.get("zero_at")
    if zero_at is not None and (actual.value <= zero_at if below else actual.value >= zero_at):
        zero = with_unit(written(zero_at), unit)
        return Outcome(ZERO, f"{head}，{'不高于' if below else '不低于'} {zero}，不得分")
    limit = with_unit(written(threshold), unit)
    if gap <= 0:
        return full(f"{head}，{'不低于' if below else '不高于'} {limit}", w)
    word = _step_word(unit)
    text = f"{head}，{'低于' if below else '高于'} {limit} {fixed(gap)} {word}"
    rounding, step = c["rounding"], c.get("step")
    if threshold == 0:
        exact_gap = actual if not below else num(ZERO) - actual
    else:
        exact_gap = num(threshold) - actual if below else actual - num(threshold)
    deduct = written(per_point)
    if step is not None:  # "每低于5%扣2分": per step of 5, counted as rounding says
        size = f"{written(step)} {word}"
        if rounding == "exact":
            return calculated(
                f"{text}，按每 {size}扣 {deduct} 分（按实际差距折算）",
                num(w) - num(per_point) * exact_gap / num(step),
                num(w) - num(per_point) * shown(gap) / num(step),
            )
        if rounding == "ceil":
            units = ceil(gap / step)
            text += f"，按每 {size}（不足 {size}按 {size}计）扣 {deduct} 分，计 {units} 档"
        else:
            units = floor(gap / step)
            text += f"，按每 {size}扣 {deduct} 分（不足 {size}的部分不扣分），计 {units} 档"
        return calculated(text, num(w) - num(per_point) * num(units))
    if rounding in ("ceil", "floor"):
        counted = ceil(gap) if rounding == "ceil" else floor(gap)
        if counted != gap:
            if rounding == "ceil":
                text += f"（不足 1 {word}按 1 {word}计，计 {counted} {word}）"
            else:
                text += f"（不足 1 {word}的部分不扣分，计 {counted} {word}）"
        text += f"，每{word}扣 {deduct} 分"
        return calculated(text, num(w) - num(per_point) * num(counted))
    text += f"，每{word}扣 {deduct} 分"
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
        "step": None,
        "zero_at": None,
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


ROUNDING_FIELD = ParamField(
    "rounding",
    "不足一档的差距",
    "choice",
    default="exact",
    choices=ROUNDINGS,
    hint="例如“不足 1 个百分点按 1 个百分点扣”选“不足一档按一档计”",
)

THRESHOLD_DEDUCT = RuleKind(
    "threshold_deduct",
    "达标线扣分",
    ("threshold", "per_point", "direction", "rounding", "step", "zero_at"),
    (InputField("actual", "实际值"),),
    _read_threshold_deduct,
    _threshold_deduct,
    unit="%",
    summary="达到达标线得满分；每差一档扣一定分值，扣完为止；可设不得分线",
    example="100%计满分，每低于5%扣2分，扣完为止",
    param_fields=(
        ParamField("threshold", "达标线", required=True, hint="达到此值得满分，单位与实际值相同"),
        ParamField("per_point", "每档扣分", required=True, unit="分"),
        ParamField("direction", "扣分方向", "choice", default="below", choices=DIRECTIONS),
        ROUNDING_FIELD,
        ParamField("step", "每档幅度", default=1, hint="如“每低于5%扣2分”填 5；不填按 1 计"),
        ParamField("zero_at", "不得分线", hint="如“≤80%不得分”填 80；达到或越过此值不得分，不填则扣完为止"),
    ),
)
PER_COUNT = RuleKind(
    "per_count",
    "按次扣分",
    ("per",),
    (InputField("count", "次数"),),
    _read_per_count,
    _per_count,
    summary="没有扣分事项得满分，每发生一次扣一定分值，扣完为止",
    example="每存在 1 人在 20 日后发放扣 0.2 分，直至 0 分",
    param_fields=(ParamField("per", "每次扣分", required=True, unit="分"),),
)
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
    summary="变动率（本年比上年）不超过 0 得满分，每超过一个百分点扣一定分值",
    example="变动率 ≤ 0 得满分；> 0 每超过一个百分点扣 0.1 分",
    param_fields=(ParamField("per_point", "每个百分点扣分", required=True, unit="分"), ROUNDING_FIELD),
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
    summary="开展调查时满意度达到满分线得满分，每低一个百分点扣权重分的一定比例；未开展调查时扣固定分值，并按投诉率扣分",
    example="开展调查：≥95% 满分，每降低 1% 扣权重分 3%；未开展调查且投诉率 ≤5% 扣 1 分，每增加 1% 扣权重分 3%",
    param_fields=(
        ParamField("full_at", "满分满意度", "percent", default=95),
        ParamField("per_point_share", "每个百分点扣权重分的比例", "percent", default=3),
        ParamField("no_survey_deduct", "未开展调查扣分", default=1, unit="分"),
        ParamField(
            "complaint_limit", "投诉率上限", "percent", default=5, hint="未开展调查时，投诉率超过此值的部分扣分"
        ),
    ),
)
