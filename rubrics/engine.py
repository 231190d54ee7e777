"""The scoring engine (DESIGN §4): a rule, its inputs and a weight in; a score and one Chinese sentence out.

Pure functions: no Django, no database. Every figure is a ``Decimal`` (JSON floats are converted through
``str`` so 99.71 stays 99.71). A score is clamped to 0..weight and then rounded once, half-up, to 2 decimals.
Percent inputs and thresholds are percent numbers: 99.71 means 99.71 %.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class RuleKind:
    label: str
    params: tuple[str, ...]
    inputs: tuple[str, ...]


RULE_KINDS: dict[str, RuleKind] = {
    "ratio": RuleKind("比例计分", ("cap",), ("actual", "target")),
    "inverse_ratio": RuleKind("反向比例计分", (), ("actual", "target")),
    "threshold_deduct": RuleKind("达标线扣分", ("threshold", "per_point", "direction", "rounding"), ("actual",)),
    "bands": RuleKind("分档计分", ("bands",), ("actual",)),
    "checklist": RuleKind("要点计分", ("items", "gate"), ("met", "partial")),
    "binary": RuleKind("达标得满分", (), ("met",)),
    "rate_penalty": RuleKind("超标率扣分", (), ("rate",)),
    "per_count": RuleKind("按次扣分", ("per",), ("count",)),
    "change_rate": RuleKind("变动率扣分", ("per_point", "rounding"), ("current", "previous", "rate")),
    "threshold_else_rate": RuleKind("达标满分否则按比率", ("threshold",), ("actual",)),
    "grade_map": RuleKind("等级对照", ("map", "default"), ("grade",)),
    "satisfaction": RuleKind(
        "满意度计分",
        ("full_at", "per_point_share", "no_survey_deduct", "complaint_limit"),
        ("survey", "satisfaction", "complaint_rate"),
    ),
    "manual": RuleKind("酌情评分", (), ("score", "reason")),
}

# Optional on every kind, only for the wording of the explanation: what the actual value is called
# ("预算执行率") and its unit ("%", "户", "人").
COMMON_PARAMS = ("label", "unit")


class RuleError(ValueError):
    """The rule's parameters (or the weight) are unusable; one Chinese message per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = list(messages)


class InputError(ValueError):
    """An input is missing, not a number or impossible (e.g. a target of 0 that would divide)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal
    explanation: str


# --- numbers and their wording -------------------------------------------------------------------


def as_decimal(value: Any) -> Decimal | None:
    """The value as a finite Decimal, or None when it is not a number (booleans are not numbers)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def round_score(value: Any) -> Decimal:
    """Half-up to 0.01 (Python's round() is half-even and float-based: not for money or scores)."""
    number = as_decimal(value)
    if number is None:
        raise ValueError(f"不是数字：{value!r}")
    rounded = number.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded + 0  # turns -0.00 into 0.00


def _n(value: Decimal) -> str:
    """A parameter as written: 3, 1.5, 0.1 (no trailing zeros)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _d2(value: Decimal) -> str:
    """A computed figure with exactly 2 decimals: 2.90."""
    return format(round_score(value), "f")


def _pct(value: Decimal) -> str:
    return f"{_d2(value)}%"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # circular structures
        return repr(value)


def _with_unit(text: str, unit: str) -> str:
    if not unit or unit == "%":
        return f"{text}{unit}"
    return f"{text} {unit}"


def _actual(value: Decimal, unit: str) -> str:
    """A measured value: percents with 2 decimals (99.71%), counts and amounts as given (333 户)."""
    # Bound figures carry 6 decimals; shown, a measured value is rounded to 2 (99.295943 → 99.3).
    return f"{_d2(value)}%" if unit == "%" else _with_unit(_n(round_score(value)), unit)


def _step_word(unit: str) -> str:
    """What one deduction step is called: 个百分点 for percents, else the unit itself (天, 人)."""
    if unit == "%":
        return "个百分点"
    return unit or "个单位"


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _item_no(index: int) -> str:
    return _CIRCLED[index] if 0 <= index < len(_CIRCLED) else f"第 {index + 1} 项"


# --- reading parameters: collect every problem, do not stop at the first --------------------------

_REQUIRED = object()


class _Params:
    def __init__(self, params: Mapping[str, Any], weight: Decimal | None) -> None:
        self.raw = params
        self.weight = weight
        self.messages: list[str] = []

    def fail(self, name: str, desc: str, why: str) -> None:
        self.messages.append(f"参数 {name}（{desc}）{why}")

    def number(
        self,
        name: str,
        desc: str,
        default: Any = _REQUIRED,
        *,
        minimum: Decimal | None = None,
        positive: bool = False,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        value = self.raw.get(name)
        if value is None:
            if default is _REQUIRED:
                self.messages.append(f"缺少参数 {name}（{desc}）")
                return None
            return default
        number = as_decimal(value)
        if number is None:
            self.fail(name, desc, f"必须是数字，现为 {_show(value)}")
            return None
        if positive and number <= 0:
            self.fail(name, desc, f"必须大于 0，现为 {_n(number)}")
            return None
        if minimum is not None and number < minimum:
            self.fail(name, desc, f"不能小于 {_n(minimum)}，现为 {_n(number)}")
            return None
        if maximum is not None and number > maximum:
            self.fail(name, desc, f"不能大于 {_n(maximum)}，现为 {_n(number)}")
            return None
        return number

    def points(self, name: str, desc: str, value: Any) -> Decimal | None:
        """Points of a band, an item or a grade: a number in 0..weight."""
        number = as_decimal(value)
        if number is None:
            self.fail(name, desc, f"必须是数字，现为 {_show(value)}")
        elif number < 0:
            self.fail(name, desc, f"不能为负数，现为 {_n(number)}")
        elif self.weight is not None and number > self.weight:
            self.fail(name, desc, f"为 {_n(number)} 分，超过权重 {_n(self.weight)} 分")
        else:
            return number
        return None

    def choice(self, name: str, desc: str, options: tuple[str, ...], default: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return default
        if value not in options:
            self.fail(name, desc, f"只能是 {'、'.join(options)}，现为 {_show(value)}")
            return default
        return value

    def text(self, name: str, desc: str, default: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(name, desc, f"必须是文字，现为 {_show(value)}")
            return default
        return value.strip()


# --- reading inputs: the first problem raises ---------------------------------------------------


def _present(inputs: Mapping[str, Any], name: str) -> bool:
    value = inputs.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _in_number(
    inputs: Mapping[str, Any],
    name: str,
    desc: str,
    *,
    non_negative: bool = False,
    maximum: Decimal | None = None,
) -> Decimal:
    if not _present(inputs, name):
        raise InputError(name, f"缺少输入 {name}（{desc}）")
    value = inputs[name]
    number = as_decimal(value)
    if number is None:
        raise InputError(name, f"输入 {name}（{desc}）必须是数字，现为 {_show(value)}")
    if non_negative and number < 0:
        raise InputError(name, f"输入 {name}（{desc}）不能为负数，现为 {_n(number)}")
    if maximum is not None and number > maximum:
        raise InputError(name, f"输入 {name}（{desc}）不能大于 {_n(maximum)}，现为 {_n(number)}")
    return number


def _in_flag(inputs: Mapping[str, Any], name: str, desc: str) -> bool:
    if name not in inputs or inputs[name] is None:
        raise InputError(name, f"缺少输入 {name}（{desc}）")
    value = inputs[name]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise InputError(name, f"输入 {name}（{desc}）只能是 true 或 false，现为 {_show(value)}")


# --- outcome of one rule, before clamping and rounding ---------------------------------------------


@dataclass(frozen=True)
class _Raw:
    value: Decimal
    text: str  # the sentence; when there is a formula, it is followed by "：formula = result 分"
    formula: str | None = None


def _full(text: str, weight: Decimal) -> _Raw:
    return _Raw(weight, f"{text}，得满分 {_n(weight)} 分")


def _finish(raw: _Raw, weight: Decimal) -> ScoreResult:
    score = round_score(min(max(raw.value, ZERO), weight))
    if raw.formula is None:
        return ScoreResult(score, raw.text)
    text = f"{raw.text}：{raw.formula} = {_d2(raw.value)}"
    if raw.value < 0:
        text += "，扣完为止，得 0 分"
    elif raw.value > weight:
        text += f"，超过权重，按满分 {_n(weight)} 分计"
    else:
        text += " 分"
    return ScoreResult(score, text)


# --- the rule kinds: each has a parameter reader and a computation --------------------------------


def _p_ratio(p: _Params) -> dict[str, Any]:
    return {"cap": p.number("cap", "封顶比例", ONE, positive=True)}


def _ratio(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    unit = c["unit"]
    actual = _in_number(inputs, "actual", "实际值", non_negative=True)
    target = _in_number(inputs, "target", "目标值", non_negative=True)
    if target == 0:
        raise InputError("target", "输入 target（目标值）为 0，无法计算完成比例")
    rate = actual / target
    label = c["label"] or "完成率"
    head = f"实际 {_actual(actual, unit)}，目标 {_actual(target, unit)}，{label} {_pct(rate * 100)}"
    cap = c["cap"]
    if rate >= 1 and cap >= 1:
        return _full(f"{head}，达到目标", w)
    if rate > cap:
        return _Raw(w * cap, f"{head}，最高按 {_n(cap * 100)}% 计分", f"{_n(w)} × {_n(cap * 100)}%")
    return _Raw(w * rate, f"{head}，按完成比例计分", f"{_n(w)} × {_pct(rate * 100)}")


def _inverse_ratio(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    unit = c["unit"]
    actual = _in_number(inputs, "actual", "实际值", non_negative=True)
    target = _in_number(inputs, "target", "目标值", non_negative=True)
    head = f"{c['label'] or '实际'} {_actual(actual, unit)}"
    if actual <= target:
        return _full(f"{head}，不超过目标 {_actual(target, unit)}", w)
    # actual > target >= 0, so actual is not 0 here
    return _Raw(
        w * target / actual,
        f"{head}，超过目标 {_actual(target, unit)}，按比例计分",
        f"{_n(w)} × {_n(target)} / {_n(actual)}",
    )


def _p_rounding(p: _Params) -> str:
    return p.choice("rounding", "取整方式", ("exact", "ceil"), "exact")


def _p_threshold_deduct(p: _Params) -> dict[str, Any]:
    return {
        "threshold": p.number("threshold", "达标线"),
        "per_point": p.number("per_point", "每单位扣分", minimum=ZERO),
        "direction": p.choice("direction", "方向", ("below", "above"), "below"),
        "rounding": _p_rounding(p),
    }


def _deduct(label: str, actual: Decimal, c: dict[str, Any], w: Decimal, unit: str, prefix: str = "") -> _Raw:
    threshold, per_point, rounding = c["threshold"], c["per_point"], c["rounding"]
    below = c["direction"] == "below"
    gap = threshold - actual if below else actual - threshold
    head = f"{prefix}{label} {_actual(actual, unit)}"
    limit = _with_unit(_n(threshold), unit)
    if gap <= 0:
        return _full(f"{head}，{'不低于' if below else '不高于'} {limit}", w)
    step = _step_word(unit)
    counted = gap.to_integral_value(rounding=ROUND_CEILING) if rounding == "ceil" else gap
    text = f"{head}，{'低于' if below else '高于'} {limit} {_d2(gap)} {step}"
    if counted != gap:
        text += f"（不足 1 {step}按 1 {step}计，计 {_n(counted)} {step}）"
    text += f"，每{step}扣 {_n(per_point)} 分"
    shown = _n(counted) if counted != gap else _d2(gap)
    return _Raw(w - per_point * counted, text, f"{_n(w)} - {_n(per_point)} × {shown}")


def _threshold_deduct(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    actual = _in_number(inputs, "actual", "实际值")
    return _deduct(c["label"] or "实际值", actual, c, w, c["unit"])


def _p_bands(p: _Params) -> dict[str, Any]:
    raw = p.raw.get("bands")
    if raw is None:
        p.messages.append("缺少参数 bands（分档）")
        return {"bands": []}
    if not isinstance(raw, list | tuple) or not raw:
        p.fail("bands", "分档", "必须是非空的 [[下限, 分值], …] 列表")
        return {"bands": []}
    bands: list[tuple[Decimal, Decimal]] = []
    lowers: list[Decimal] = []
    for i, band in enumerate(raw, start=1):
        name = f"bands 第 {i} 档"
        if not isinstance(band, list | tuple) or len(band) != 2:
            p.messages.append(f"参数 {name}必须是 [下限, 分值]，现为 {_show(band)}")
            continue
        lower = as_decimal(band[0])
        if lower is None:
            p.messages.append(f"参数 {name}的下限必须是数字，现为 {_show(band[0])}")
        else:
            lowers.append(lower)
        points = p.points(name, "分值", band[1])
        if lower is not None and points is not None:
            bands.append((lower, points))
    for lower in sorted({x for x in lowers if lowers.count(x) > 1}):
        p.fail("bands", "分档", f"的下限 {_n(lower)} 重复")
    # Highest lower bound first, whatever order the document lists them in.
    return {"bands": sorted(bands, key=lambda band: band[0], reverse=True)}


def _bands(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    unit = c["unit"]
    actual = _in_number(inputs, "actual", "实际值")
    head = f"{c['label'] or '实际值'} {_actual(actual, unit)}"
    for lower, points in c["bands"]:
        if actual >= lower:
            limit = _with_unit(_n(lower), unit)
            if points == w:
                return _full(f"{head}，不低于 {limit}", w)
            return _Raw(points, f"{head}，不低于 {limit}，按该档得 {_n(points)} 分")
    lowest = _with_unit(_n(c["bands"][-1][0]), unit)
    return _Raw(ZERO, f"{head}，低于最低档 {lowest}，得 0 分")


def _p_checklist(p: _Params) -> dict[str, Any]:
    raw = p.raw.get("items")
    if raw is None:
        p.messages.append("缺少参数 items（评分要点）")
        return {"points": [], "gate": None, "equal": False}
    if not isinstance(raw, list | tuple) or not raw:
        p.fail("items", "评分要点", "必须是非空列表")
        return {"points": [], "gate": None, "equal": False}
    given: list[Any] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            given.append(None)
        elif isinstance(item, Mapping):
            given.append(item.get("points"))
        else:
            p.messages.append(f"参数 items 第 {i + 1} 项必须是 {{text, points}} 对象，现为 {_show(item)}")
            given.append(None)
    equal = all(value is None for value in given)
    points: list[Decimal] = []
    if equal:
        # "各占 1/4 权重分": no item states its points, so the weight is split equally.
        share = p.weight / len(raw) if p.weight is not None else ZERO
        points = [share] * len(raw)
    else:
        for i, value in enumerate(given):
            name = f"items 第 {i + 1} 项"
            if value is None:
                p.messages.append(f"参数 {name}缺少分值 points（要么每项都写分值，要么都不写，平均分配权重）")
                continue
            number = as_decimal(value)
            if number is None:
                p.messages.append(f"参数 {name}的分值 points 必须是数字，现为 {_show(value)}")
            elif number < 0:
                p.messages.append(f"参数 {name}的分值 points 不能为负数，现为 {_n(number)}")
            else:
                points.append(number)
        total = sum(points, ZERO)
        if len(points) == len(raw) and p.weight is not None and total > p.weight:
            p.fail("items", "评分要点", f"分值合计 {_n(total)} 分，超过权重 {_n(p.weight)} 分")
    gate = p.raw.get("gate")
    if gate is not None and (isinstance(gate, bool) or not isinstance(gate, int) or not 0 <= gate < len(raw)):
        p.fail("gate", "前提要点序号", f"必须是 0 到 {len(raw) - 1} 的整数（从 0 起数），现为 {_show(gate)}")
        gate = None
    return {"points": points, "gate": gate, "equal": equal}


def _index(value: Any, count: int, field: str) -> int:
    number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < count:
        why = f"无效：应为 0 到 {count - 1}（从 0 起数）"
        raise InputError(field, f"输入 {field} 中的要点序号 {_show(value)} {why}")
    return number


def _share(value: Any, field: str) -> tuple[Fraction, str]:
    """A part share (0..1) as an exact fraction: 0.5, or "1/3" which no decimal writes exactly."""
    text = value.strip() if isinstance(value, str) else None
    try:
        if text is not None and "/" in text:
            share = Fraction(text)
            shown = text.replace(" ", "")
        else:
            number = as_decimal(value)
            if number is None:
                raise ValueError
            share, shown = Fraction(number), _n(number)
    except (ValueError, ZeroDivisionError):
        raise InputError(field, f"输入 {field} 的部分得分比例必须是数字或分数，现为 {_show(value)}") from None
    if not 0 <= share <= 1:
        raise InputError(field, f"输入 {field} 的部分得分比例必须在 0 到 1 之间，现为 {_show(value)}")
    return share, shown


def _checklist(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    points: list[Decimal] = c["points"]
    count = len(points)
    met_raw = inputs.get("met")
    if met_raw is None:
        raise InputError("met", "缺少输入 met（满足的要点序号列表）")
    if not isinstance(met_raw, list | tuple):
        raise InputError("met", f"输入 met（满足的要点序号列表）必须是列表，现为 {_show(met_raw)}")
    met = sorted({_index(value, count, "met") for value in met_raw})
    partial_raw = inputs.get("partial") or {}
    if not isinstance(partial_raw, Mapping):
        raise InputError("partial", f"输入 partial（部分满足的要点）必须是对象，现为 {_show(partial_raw)}")
    partial: dict[int, tuple[Fraction, str]] = {}
    for key, value in partial_raw.items():
        index = _index(key, count, "partial")
        if index in met:
            raise InputError("partial", f"要点{_item_no(index)}不能既算满足又算部分满足")
        partial[index] = _share(value, "partial")

    gate = c["gate"]
    if gate is not None and gate not in met:
        return _Raw(ZERO, f"未满足前提要点{_item_no(gate)}，本项得 0 分")
    if not met and not partial:
        return _Raw(ZERO, "各项要点均未满足，得 0 分")
    head = f"共 {count} 项要点，各占 1/{count} 权重分（各 {_d2(points[0])} 分）；" if c["equal"] else ""
    if len(met) == count and (c["equal"] or sum(points, ZERO) == w):
        return _full(f"{head}全部 {count} 项要点均满足", w)

    # (points, what was met, how a partial share was applied)
    terms: list[tuple[Decimal, str, str | None]] = []
    if met:
        met_points = sum((points[i] for i in met), ZERO)
        terms.append((met_points, f"满足要点{''.join(_item_no(i) for i in met)}", None))
    for index in sorted(partial):
        share, shown = partial[index]
        value = points[index] * share.numerator / share.denominator
        terms.append((value, f"部分满足要点{_item_no(index)}", f"{_n(points[index])} × {shown}"))
    if len(terms) == 1:
        value, what, how = terms[0]
        return _Raw(value, f"{head}{what}{f'（{how}）' if how else ''}，得 {_d2(value)} 分")
    text = "，".join(
        f"{what}（{how} = {_d2(value)} 分）" if how else f"{what}（{_d2(value)} 分）" for value, what, how in terms
    )
    return _Raw(sum((t[0] for t in terms), ZERO), f"{head}{text}", " + ".join(_d2(t[0]) for t in terms))


def _binary(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    met = _in_flag(inputs, "met", "是否达到要求")
    label = c["label"]
    if met:
        return _full(f"{label}达到要求" if label else "达到要求", w)
    return _Raw(ZERO, f"{label}未达到要求，不得分" if label else "未达到要求，不得分")


def _rate_penalty(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    rate = _in_number(inputs, "rate", "超标率，百分数", non_negative=True)
    head = f"{c['label'] or '超标率'} {_pct(rate)}"
    if rate == 0:
        return _full(head, w)
    return _Raw(w * (1 - rate / HUNDRED), f"{head}，按超标比例扣分", f"{_n(w)} × (1 - {_pct(rate)})")


def _p_per_count(p: _Params) -> dict[str, Any]:
    return {"per": p.number("per", "每次扣分", minimum=ZERO)}


def _per_count(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    count = _in_number(inputs, "count", "次数", non_negative=True)
    if count != count.to_integral_value():
        raise InputError("count", f"输入 count（次数）必须是整数，现为 {_n(count)}")
    unit = c["unit"] or "次"
    head = f"{c['label'] or '扣分事项'} {_n(count)} {unit}"
    if count == 0:
        return _full(head, w)
    per = c["per"]
    return _Raw(w - per * count, f"{head}，每{unit}扣 {_n(per)} 分", f"{_n(w)} - {_n(per)} × {_n(count)}")


def _p_change_rate(p: _Params) -> dict[str, Any]:
    return {
        "threshold": ZERO,
        "direction": "above",
        "per_point": p.number("per_point", "每个百分点扣分", minimum=ZERO),
        "rounding": _p_rounding(p),
    }


def _change_rate(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    label = c["label"] or "变动率"
    if _present(inputs, "rate"):
        rate = _in_number(inputs, "rate", "变动率，百分数")
        return _deduct(label, rate, c, w, "%")
    current = _in_number(inputs, "current", "本年数", non_negative=True)
    previous = _in_number(inputs, "previous", "上年数", non_negative=True)
    if previous == 0:
        raise InputError("previous", "输入 previous（上年数）为 0，无法计算变动率；请直接填写变动率 rate")
    rate = (current - previous) / previous * HUNDRED
    return _deduct(label, rate, c, w, "%", prefix=f"本年 {_n(current)}、上年 {_n(previous)}，")


def _p_threshold_else_rate(p: _Params) -> dict[str, Any]:
    return {"threshold": p.number("threshold", "达标线，百分数")}


def _threshold_else_rate(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    actual = _in_number(inputs, "actual", "实际比率，百分数")
    head = f"{c['label'] or '实际比率'} {_pct(actual)}"
    threshold = f"{_n(c['threshold'])}%"
    if actual >= c["threshold"]:
        return _full(f"{head}，不低于 {threshold}", w)
    return _Raw(w * actual / HUNDRED, f"{head}，低于 {threshold}，按实际比率计分", f"{_n(w)} × {_pct(actual)}")


def _p_grade_map(p: _Params) -> dict[str, Any]:
    raw = p.raw.get("map")
    table: dict[str, Decimal] = {}
    if raw is None:
        p.messages.append("缺少参数 map（等级与分值对照）")
    elif not isinstance(raw, Mapping) or not raw:
        p.fail("map", "等级与分值对照", f'必须是非空对象，如 {{"优秀": 4}}，现为 {_show(raw)}')
    else:
        for grade, value in raw.items():
            points = p.points(f"map“{grade}”", "分值", value)
            if not isinstance(grade, str) or not grade.strip():
                p.fail("map", "等级与分值对照", "中的等级名称不能为空")
            elif points is not None:
                table[grade.strip()] = points
    default = None
    if p.raw.get("default") is not None:
        default = p.points("default", "不在对照表中的等级的分值", p.raw["default"])
    return {"map": table, "default": default}


def _grade_map(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    if not _present(inputs, "grade"):
        raise InputError("grade", "缺少输入 grade（等级）")
    grade = str(inputs["grade"]).strip()
    label = c["label"] or "等级"
    if grade in c["map"]:
        points = c["map"][grade]
        if points == w:
            return _full(f"{label}为“{grade}”", w)
        return _Raw(points, f"{label}为“{grade}”，得 {_n(points)} 分")
    if c["default"] is None:
        known = "、".join(c["map"])
        raise InputError("grade", f"输入 grade（等级）“{grade}”不在对照表中（可选：{known}），且未设默认分值")
    return _Raw(c["default"], f"{label}为“{grade}”，不在对照表中，按默认得 {_n(c['default'])} 分")


def _p_satisfaction(p: _Params) -> dict[str, Any]:
    return {
        "full_at": p.number("full_at", "满分满意度，百分数", Decimal(95), minimum=ZERO, maximum=HUNDRED),
        "share": p.number("per_point_share", "每个百分点扣权重分的百分比", Decimal(3), minimum=ZERO),
        "no_survey": p.number("no_survey_deduct", "未开展调查扣分", ONE, minimum=ZERO),
        "limit": p.number("complaint_limit", "投诉率上限，百分数", Decimal(5), minimum=ZERO, maximum=HUNDRED),
    }


def _satisfaction(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    share = c["share"]
    per_point = f"每个百分点扣权重分 {_n(share)}%"
    if _in_flag(inputs, "survey", "是否开展满意度调查"):
        value = _in_number(inputs, "satisfaction", "满意度，百分数", non_negative=True, maximum=HUNDRED)
        head = f"开展满意度调查，满意度 {_pct(value)}"
        gap = c["full_at"] - value
        if gap <= 0:
            return _full(f"{head}，不低于 {_n(c['full_at'])}%", w)
        return _Raw(
            w - gap * share / HUNDRED * w,
            f"{head}，低于 {_n(c['full_at'])}% {_d2(gap)} 个百分点，{per_point}",
            f"{_n(w)} - {_n(w)} × {_n(share)}% × {_d2(gap)}",
        )
    rate = _in_number(inputs, "complaint_rate", "投诉率，百分数", non_negative=True, maximum=HUNDRED)
    deduct = c["no_survey"]
    head = f"未开展满意度调查，扣 {_n(deduct)} 分；投诉率 {_pct(rate)}"
    excess = rate - c["limit"]
    if excess <= 0:
        return _Raw(w - deduct, f"{head}，不超过 {_n(c['limit'])}%", f"{_n(w)} - {_n(deduct)}")
    return _Raw(
        w - deduct - excess * share / HUNDRED * w,
        f"{head}，超过 {_n(c['limit'])}% {_d2(excess)} 个百分点，{per_point}",
        f"{_n(w)} - {_n(deduct)} - {_n(w)} × {_n(share)}% × {_d2(excess)}",
    )


def _manual(c: dict[str, Any], inputs: Mapping[str, Any], w: Decimal) -> _Raw:
    score = _in_number(inputs, "score", "评定得分")
    if not 0 <= score <= w:
        raise InputError("score", f"输入 score（评定得分）{_n(score)} 分超出 0 到 {_n(w)} 分的范围")
    reason = inputs.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError("reason", "酌情评分必须填写理由 reason")
    reason = reason.strip().rstrip("。；;，,")
    return _Raw(score, f"酌情评分 {_d2(score)} 分，理由：{reason}")


def _no_params(p: _Params) -> dict[str, Any]:
    return {}


_Computation = Callable[[dict[str, Any], Mapping[str, Any], Decimal], _Raw]

# kind -> (parameter reader, computation, default unit used in the explanation)
_KINDS: dict[str, tuple[Callable[[_Params], dict[str, Any]], _Computation, str]] = {
    "ratio": (_p_ratio, _ratio, ""),
    "inverse_ratio": (_no_params, _inverse_ratio, ""),
    "threshold_deduct": (_p_threshold_deduct, _threshold_deduct, "%"),
    "bands": (_p_bands, _bands, "%"),
    "checklist": (_p_checklist, _checklist, ""),
    "binary": (_no_params, _binary, ""),
    "rate_penalty": (_no_params, _rate_penalty, "%"),
    "per_count": (_p_per_count, _per_count, ""),
    "change_rate": (_p_change_rate, _change_rate, "%"),
    "threshold_else_rate": (_p_threshold_else_rate, _threshold_else_rate, "%"),
    "grade_map": (_p_grade_map, _grade_map, ""),
    "satisfaction": (_p_satisfaction, _satisfaction, "%"),
    "manual": (_no_params, _manual, ""),
}
assert _KINDS.keys() == RULE_KINDS.keys()  # noqa: S101 - a module-level consistency guard


# --- public API -----------------------------------------------------------------------------------


def _weight_messages(weight: Any) -> tuple[Decimal | None, list[str]]:
    if weight is None or (isinstance(weight, str) and not weight.strip()):
        return None, ["权重不能为空"]
    number = as_decimal(weight)
    if number is None:
        return None, [f"权重必须是数字，现为 {_show(weight)}"]
    if number < 0:
        return None, [f"权重不能为负数，现为 {_n(number)}"]
    return number, []


def _read_params(kind: str, params: Any, weight: Decimal | None) -> tuple[dict[str, Any], list[str]]:
    if kind not in _KINDS:
        known = "、".join(RULE_KINDS)
        return {}, [f"未知的评分规则类型 {_show(kind)}（可选：{known}）"]
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        return {}, [f"评分规则参数必须是对象，现为 {_show(params)}"]
    reader, _, default_unit = _KINDS[kind]
    p = _Params(params, weight)
    config = reader(p)
    config["label"] = p.text("label", "指标值名称", "")
    config["unit"] = p.text("unit", "单位", default_unit)
    return config, p.messages


def validate_params(kind: str, params: Any, weight: Any = None) -> list[str]:
    """The rule's parameter problems only; checks against the weight are skipped when it is unusable."""
    number, _ = _weight_messages(weight)
    return _read_params(kind, params, number)[1]


def validate_rule(kind: str, params: Any, weight: Any) -> list[str]:
    """Every problem of the rule and its weight, in Chinese; [] when the rule can be used."""
    number, messages = _weight_messages(weight)
    return messages + _read_params(kind, params, number)[1]


def compute_score(kind: str, params: Any, inputs: Any, weight: Any) -> ScoreResult:
    """Score one indicator. Raises RuleError for an unusable rule or weight, InputError for bad inputs."""
    number, messages = _weight_messages(weight)
    config, param_messages = _read_params(kind, params, number)
    messages += param_messages
    if messages or number is None:
        raise RuleError(messages)
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, Mapping):
        raise InputError("inputs", f"输入必须是对象，现为 {_show(inputs)}")
    _, computation, _ = _KINDS[kind]
    return _finish(computation(config, inputs, number), number)


DEFAULT_GRADES: list[tuple[Decimal, str]] = [
    (Decimal(90), "优"),
    (Decimal(80), "良"),
    (Decimal(60), "中"),
    (Decimal(0), "差"),
]


def grade_for(total: Any, grades: Iterable[Any] = DEFAULT_GRADES) -> str:
    """The label of the first grade, highest lower bound first, whose bound the total reaches ("" if none)."""
    value = as_decimal(total)
    if value is None:
        raise ValueError(f"总分不是数字：{total!r}")
    bounds = []
    for grade in grades:
        lower = as_decimal(grade[0]) if isinstance(grade, list | tuple) and len(grade) == 2 else None
        if lower is not None:
            bounds.append((lower, str(grade[1])))
    for lower, label in sorted(bounds, key=lambda bound: bound[0], reverse=True):
        if value >= lower:
            return label
    return ""


def validate_grades(grades: Any) -> list[str]:
    """Problems of a grade scale [[lower, label], …]; it must grade every total from 0 up."""
    if not isinstance(grades, list | tuple) or not grades:
        return ["评价等级必须是非空的 [[下限, 等级], …] 列表"]
    messages: list[str] = []
    lowers: list[Decimal] = []
    for i, grade in enumerate(grades, start=1):
        if not isinstance(grade, list | tuple) or len(grade) != 2:
            messages.append(f"评价等级第 {i} 项必须是 [下限, 等级]，现为 {_show(grade)}")
            continue
        lower = as_decimal(grade[0])
        if lower is None or not 0 <= lower <= 100:
            messages.append(f"评价等级第 {i} 项的下限必须是 0 到 100 的数字，现为 {_show(grade[0])}")
        elif lower in lowers:
            messages.append(f"评价等级第 {i} 项的下限 {_n(lower)} 与前面的等级重复")
        else:
            lowers.append(lower)
        if not isinstance(grade[1], str) or not grade[1].strip():
            messages.append(f"评价等级第 {i} 项的等级名称不能为空")
    if lowers and min(lowers) > 0:
        messages.append(f"评价等级缺少下限为 0 的最低等级，低于 {_n(min(lowers))} 分的总分将没有等级")
    return messages
