"""The scoring engine (DESIGN §4): a rule, its inputs and a weight in; a score and one Chinese sentence out.

Pure functions: no Django, no database. Every number is read exactly (``rubrics.numbers.exact``: 99.71 stays
99.71, "125/6" is 125/6), computed as a fraction, clamped to 0..weight and rounded once, half-up, to 2 decimals.
Percent inputs and thresholds are percent numbers: 99.71 means 99.71 %. The rule kinds live in
``rubrics.rules``, one module per family; this module lists them and is the one entry point.

Any leaf may be not applicable (inputs ``"not_applicable": true``, DESIGN §4.1): under the evaluation's
``na_policy`` "full" it scores its weight, under "rescale" (the default) it is left out, and the total is brought
to the 100-point scale over the applicable indicators (``rubrics.tree.IndicatorTree.total``).
``rule_catalogue()`` describes every kind for a parameter editor: Chinese names, a summary, an example wording
from a real report, and a form field per parameter and input.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rubrics import numbers
from rubrics.memo import Memo, NotMemoizable, value_key
from rubrics.rules.alternatives import either_of
from rubrics.rules.base import (
    INPUT_TYPES,
    PARAM_TYPES,
    ZERO,
    Column,
    InputError,
    InputField,
    Inputs,
    Outcome,
    ParamField,
    Params,
    RuleError,
    RuleKind,
    RuleRead,
    show,
)
from rubrics.rules.checklist import CHECKLIST
from rubrics.rules.deductions import CHANGE_RATE, PER_COUNT, SATISFACTION, THRESHOLD_DEDUCT
from rubrics.rules.grading import COEFFICIENT, GRADED
from rubrics.rules.judgement import BINARY, MANUAL
from rubrics.rules.lookups import BANDS, GRADE_MAP
from rubrics.rules.ratios import INVERSE_RATIO, RATE_PENALTY, RATIO, THRESHOLD_ELSE_RATE

# Raised whenever a change of the engine can change a score or its explanation: evaluations scored by an older
# engine are rescored after an upgrade (evaluations.domain.scoring.rescore_outdated); approved ones keep theirs.
# 2: exact fractions, one half-up rounding, strict parameters (DESIGN §4 as revised)
# 3: the rule forms of DESIGN §4.1 (steps, zero lines, ordered bands, graded, either_of, not applicable …)
ENGINE_VERSION = "3"

__all__ = [
    "CATALOGUE_ORDER",
    "COMMON_PARAMS",
    "COMMON_PARAM_FIELDS",
    "DEFAULT_GRADES",
    "DEFAULT_NA_POLICY",
    "ENGINE_VERSION",
    "INPUT_TYPES",
    "NA_POLICIES",
    "NA_POLICY_FIELD",
    "NOT_APPLICABLE",
    "PARAM_TYPES",
    "RULE_KINDS",
    "Column",
    "InputError",
    "InputField",
    "ParamField",
    "RuleError",
    "RuleKind",
    "ScoreResult",
    "compute_score",
    "grade_for",
    "leaf_counts",
    "na_policy_label",
    "readable",
    "rule_catalogue",
    "rule_problems",
    "validate_awarded",
    "validate_grades",
    "validate_na_policy",
    "validate_params",
    "validate_rule",
]

RULE_KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RATIO,
        INVERSE_RATIO,
        THRESHOLD_DEDUCT,
        BANDS,
        CHECKLIST,
        BINARY,
        RATE_PENALTY,
        PER_COUNT,
        CHANGE_RATE,
        THRESHOLD_ELSE_RATE,
        GRADE_MAP,
        SATISFACTION,
        MANUAL,
        GRADED,
        either_of(lambda kind, params, weight: _read_rule(kind, params, weight)),
        COEFFICIENT,
    )
}

# The order a parameter editor offers the kinds in: the common forms first, the evaluator's own judgement last.
CATALOGUE_ORDER = (
    "ratio",
    "inverse_ratio",
    "threshold_else_rate",
    "threshold_deduct",
    "change_rate",
    "rate_penalty",
    "per_count",
    "bands",
    "checklist",
    "graded",
    "coefficient",
    "grade_map",
    "binary",
    "satisfaction",
    "either_of",
    "manual",
)

# Optional on every kind, only for the wording of the explanation: what the actual value is called
# ("预算执行率") and its unit ("%", "户", "人").
COMMON_PARAMS = ("label", "unit")
COMMON_PARAM_FIELDS = (
    ParamField("label", "指标值名称", "text", hint="说明中对实际值的称呼，如“预算执行率”"),
    ParamField("unit", "单位", "text", hint="实际值的单位，如 %、户、人"),
)

# Not applicable (DESIGN §4.1): an input any leaf may hold, and the evaluation's policy for such leaves.
NOT_APPLICABLE = InputField("not_applicable", "不适用", "flag", hint="该指标不适用于本次评价时勾选")
NA_POLICIES = (("rescale", "扣除后按百分制折算"), ("full", "按满分计算"))
DEFAULT_NA_POLICY = "rescale"
NA_POLICY_FIELD = ParamField(
    "na_policy",
    "不适用指标的处理",
    "choice",
    default=DEFAULT_NA_POLICY,
    choices=NA_POLICIES,
    hint=(
        "按满分计算：不适用的指标得满分；"
        "扣除后按百分制折算：不适用的指标不计分，总分 = 适用指标得分 ÷ 适用指标权重 × 100"
    ),
)


@dataclass(frozen=True)
class ScoreResult:
    """A leaf's score (rounded once, half-up, to 2 decimals), its exact value clamped to 0..weight before
    rounding, the one-sentence explanation, and findings about the rule that do not block scoring."""

    score: Decimal
    exact: Fraction
    explanation: str
    problems: tuple[str, ...] = ()
    # False for a not-applicable leaf under the "rescale" policy: it does not count (its score is 0 here, and
    # None in a tree), and the total is rescaled over the applicable leaves.
    applicable: bool = True


# --- the weight ------------------------------------------------------------------------------------


def _read_weight(weight: Any) -> tuple[Fraction | None, list[str]]:
    """The weight, exactly: a number ≥ 0 with at most 2 decimals, so a rounded score never exceeds it."""
    if weight is None or (isinstance(weight, str) and not weight.strip()):
        return None, ["权重不能为空"]
    number = numbers.exact(weight)
    if number is None:
        return None, [f"权重必须是数字，现为 {show(weight)}"]
    if number < 0:
        return None, [f"权重不能为负数，现为 {numbers.written(number)}"]
    if (number * 100).denominator != 1:
        return None, [f"权重最多保留 2 位小数，现为 {numbers.exact_text(number)}"]
    return number, []


# --- the rule ----------------------------------------------------------------------------------------


def _unknown_params(kind: RuleKind, params: Mapping[Any, Any]) -> list[str]:
    allowed = (*kind.params, *COMMON_PARAMS)
    messages = []
    for key in params:
        if key in allowed:
            continue
        message = f"未知参数 {show(key)}（{kind.name} 规则可用的参数：{'、'.join(allowed)}"
        close = difflib.get_close_matches(key, allowed, n=1) if isinstance(key, str) else []
        messages.append(message + (f"；是否应为 {close[0]}？）" if close else "）"))
    return messages


def _read_rule(kind: Any, params: Any, weight: Fraction | None) -> RuleRead:
    if not isinstance(kind, str) or kind not in RULE_KINDS:
        known = "、".join(RULE_KINDS)
        return RuleRead(None, {}, [f"未知的评分规则类型 {show(kind)}（可选：{known}）"], [])
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        return RuleRead(None, {}, [f"评分规则参数必须是对象，现为 {show(params)}"], [])
    rule = RULE_KINDS[kind]
    p = Params(params, weight)
    config = rule.read(p)
    config["label"] = p.text("label", "指标值名称", "")
    config["unit"] = p.text("unit", "单位", rule.unit)
    return RuleRead(rule, config, _unknown_params(rule, params) + p.messages, p.problems)


def validate_params(kind: str, params: Any, weight: Any = None) -> list[str]:
    """The rule's parameter problems only; checks against the weight are skipped when it is unusable."""
    number, _ = _read_weight(weight)
    return _read_rule(kind, params, number).messages


def validate_rule(kind: str, params: Any, weight: Any) -> list[str]:
    """Every problem of the rule and its weight, in Chinese; [] when the rule can be used."""
    number, messages = _read_weight(weight)
    return messages + _read_rule(kind, params, number).messages


def rule_problems(kind: str, params: Any, weight: Any) -> list[str]:
    """Findings about a usable rule that do not block scoring (e.g. checklist points above the weight)."""
    number, _ = _read_weight(weight)
    return list(_read_rule(kind, params, number).problems)


def _finish(outcome: Outcome, weight: Fraction, problems: list[str]) -> ScoreResult:
    problems = [*problems, *outcome.problems]
    clamped = min(max(outcome.value, ZERO), weight)
    score = numbers.round_score(clamped)
    text = outcome.text
    if outcome.formula is not None:
        text = f"{text}：{outcome.formula} = {numbers.fixed(outcome.value)}"
        if outcome.value < 0:
            text += "，扣完为止，得 0 分"
        elif outcome.value > weight:
            text += f"，超过权重，按满分 {numbers.written(weight)} 分计"
        else:
            text += " 分"
    return ScoreResult(score, clamped, text, tuple(problems))


def validate_na_policy(na_policy: Any) -> str | None:
    """Why a not-applicable policy cannot be used (None when it is "full" or "rescale")."""
    if isinstance(na_policy, str) and na_policy in dict(NA_POLICIES):
        return None
    allowed = "、".join(f"{value}（{label}）" for value, label in NA_POLICIES)
    return f"不适用指标的处理方式只能是 {allowed}，现为 {show(na_policy)}"


def na_policy_label(na_policy: str) -> str:
    """按满分计算 / 扣除后按百分制折算."""
    return dict(NA_POLICIES).get(na_policy, na_policy)


def _not_applicable(inputs: Mapping[Any, Any]) -> bool:
    value = inputs.get(NOT_APPLICABLE.name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(NOT_APPLICABLE.name, f"输入 not_applicable（不适用）只能是 true 或 false，现为 {show(value)}")
    return value


_CODE_NAME = re.compile(r"(?:输入 |参数 )?[a-z_]+（([^）]*)）")


def readable(message: str) -> str:
    """An engine message for people, without the JSON key names and codes it carries for transcribers:
    输入 target（目标值）为 0 → 「目标值」为 0; 只能是 ceil（不足一档按一档计）… → 只能是「不足一档按一档计」…"""
    return _CODE_NAME.sub(r"「\1」", message).replace("理由 reason", "理由")


def leaf_counts(inputs: Any, na_policy: str = DEFAULT_NA_POLICY) -> bool:
    """Whether a leaf counts in its ancestors' sums and the total: all do, except one marked not applicable
    under "rescale" (the total is then rescaled over the applicable leaves)."""
    marked = isinstance(inputs, Mapping) and inputs.get(NOT_APPLICABLE.name) is True
    return not (marked and na_policy == "rescale")


# The answers of compute_score by value (rubrics.memo): a worker keeps at most this many.
_SCORES = Memo(8192)


def compute_score(
    kind: str, params: Any, inputs: Any, weight: Any, *, na_policy: str = DEFAULT_NA_POLICY
) -> ScoreResult:
    """Score one indicator. Raises RuleError for an unusable rule or weight, InputError for bad inputs.

    A leaf whose inputs say ``"not_applicable": true`` scores its weight under ``na_policy`` "full"; under
    "rescale" its result is not applicable (``applicable=False``, score 0): it does not count, and the tree's
    total is rescaled over the applicable leaves.

    The answer depends on the arguments' values only, so it is remembered by them (the same leaf is scored
    by the check, the figure catalogue, the scoring page and the report on every view).
    """
    try:
        key = tuple(value_key(value) for value in (kind, params, inputs, weight, na_policy))
    except NotMemoizable:
        return _compute_score(kind, params, inputs, weight, na_policy)
    compute = lambda: _compute_score(kind, params, inputs, weight, na_policy)  # noqa: E731
    return _SCORES(key, compute, (RuleError, InputError, ValueError))


def forget_scores() -> None:
    """Empty the remembered scores (benchmarks and tests measuring a first computation)."""
    _SCORES.clear()


def _compute_score(kind: str, params: Any, inputs: Any, weight: Any, na_policy: str) -> ScoreResult:
    problem = validate_na_policy(na_policy)
    if problem:
        raise ValueError(problem)
    number, messages = _read_weight(weight)
    rule = _read_rule(kind, params, number)
    messages += rule.messages
    if messages or number is None or rule.kind is None:
        raise RuleError(messages)
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, Mapping):
        raise InputError("inputs", f"输入必须是对象，现为 {show(inputs)}")
    if _not_applicable(inputs):
        problems = tuple(rule.problems)
        if na_policy == "full":
            text = f"不适用，按满分 {numbers.written(number)} 分计算"
            return ScoreResult(numbers.round_score(number), number, text, problems)
        text = "不适用，不参与计分，总分按适用指标得分折算为百分制"
        return ScoreResult(numbers.round_score(ZERO), ZERO, text, problems, applicable=False)
    outcome = rule.kind.compute(rule.config, Inputs(inputs, rule.kind.fields), number)
    return _finish(outcome, number, rule.problems)


# --- the catalogue: what a parameter editor shows ------------------------------------------------------


def _json(value: Any) -> Any:
    """A default as JSON data: tuples become lists."""
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _column_entry(column: Column) -> dict[str, Any]:
    return {
        "name": column.name,
        "label": column.label,
        "type": column.type,
        "required": column.required,
        "unit": column.unit,
        "hint": column.hint,
    }


def _param_entry(param: ParamField) -> dict[str, Any]:
    return {
        "name": param.name,
        "label": param.label,
        "type": param.type,
        "required": param.required,
        "default": _json(param.default),
        "choices": [{"value": value, "label": label} for value, label in param.choices],
        "unit": param.unit,
        "hint": param.hint,
        "columns": [_column_entry(column) for column in param.columns],
    }


def _input_entry(field: InputField) -> dict[str, Any]:
    return {
        "name": field.name,
        "label": field.label,
        "type": field.type,
        "percent": field.percent,
        "unit": field.unit,
        "hint": field.hint,
    }


def rule_catalogue() -> list[dict[str, Any]]:
    """Every rule kind in display order, as a parameter editor shows it (JSON-ready data, no English for users):

    ``kind`` (the code, stored, never shown), ``label``, ``summary``, ``example``, ``unit`` (the actual value's
    unit when the indicator names none), ``nestable`` (may be an option of either_of), ``param_fields`` (name,
    label, type, required, default, choices [{value, label}], unit, hint, columns [{name, label, type, required,
    unit, hint}]), ``common_param_fields`` (label, unit: every kind) and ``input_fields`` (name, label, type,
    percent, unit, hint), ``common_input_fields`` (not_applicable: every leaf).
    """
    return [
        {
            "kind": kind.name,
            "label": kind.label,
            "summary": kind.summary,
            "example": kind.example,
            "unit": kind.unit,
            "nestable": kind.name != "either_of",
            "param_fields": [_param_entry(param) for param in kind.param_fields],
            "common_param_fields": [_param_entry(param) for param in COMMON_PARAM_FIELDS],
            "input_fields": [_input_entry(field) for field in kind.fields],
            "common_input_fields": [_input_entry(NOT_APPLICABLE)],
        }
        for kind in (RULE_KINDS[name] for name in CATALOGUE_ORDER)
    ]


def validate_awarded(score: Any, weight: Any) -> str | None:
    """Why an awarded score (an override) cannot be saved: not a number, outside 0..weight, more than 2 decimals."""
    if score is None or (isinstance(score, str) and not score.strip()):
        return "评定得分不能为空"
    number = numbers.exact(score)
    if number is None:
        return f"评定得分必须是数字，现为 {show(score)}"
    limit, _ = _read_weight(weight)
    if limit is not None and not 0 <= number <= limit:
        return f"评定得分 {numbers.written(number)} 分超出 0 到 {numbers.written(limit)} 分的范围"
    if number < 0:
        return f"评定得分不能为负数，现为 {numbers.written(number)}"
    if (number * 100).denominator != 1:
        return f"评定得分最多保留 2 位小数，现为 {numbers.exact_text(number)}"
    return None


# --- grades ----------------------------------------------------------------------------------------

DEFAULT_GRADES: list[tuple[Decimal, str]] = [
    (Decimal(90), "优"),
    (Decimal(80), "良"),
    (Decimal(60), "中"),
    (Decimal(0), "差"),
]


def grade_for(total: Any, grades: Iterable[Any] = DEFAULT_GRADES) -> str:
    """The label of the first grade, highest lower bound first, whose bound the total reaches ("" if none)."""
    value = numbers.exact(total)
    if value is None:
        raise ValueError(f"总分不是数字：{total!r}")
    bounds = []
    for grade in grades:
        lower = numbers.exact(grade[0]) if isinstance(grade, list | tuple) and len(grade) == 2 else None
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
    lowers: list[Fraction] = []
    for i, grade in enumerate(grades, start=1):
        if not isinstance(grade, list | tuple) or len(grade) != 2:
            messages.append(f"评价等级第 {i} 项必须是 [下限, 等级]，现为 {show(grade)}")
            continue
        lower = numbers.exact(grade[0])
        if lower is None or not 0 <= lower <= 100:
            messages.append(f"评价等级第 {i} 项的下限必须是 0 到 100 的数字，现为 {show(grade[0])}")
        elif lower in lowers:
            messages.append(f"评价等级第 {i} 项的下限 {numbers.written(lower)} 与前面的等级重复")
        else:
            lowers.append(lower)
        if not isinstance(grade[1], str) or not grade[1].strip():
            messages.append(f"评价等级第 {i} 项的等级名称不能为空")
    if lowers and min(lowers) > 0:
        messages.append(f"评价等级缺少下限为 0 的最低等级，低于 {numbers.written(min(lowers))} 分的总分将没有等级")
    return messages
