"""标杆值 and 实际完成值 as every page, the report and the Excel file print them: entered once, derived elsewhere.

The 标杆值 of a quantitative indicator is its rule's numeric target with the unit (≥98%, 333 户, ≤0%), never a
second typed copy; a qualitative indicator shows the text its evaluators wrote, else what its rule implies
(全部要点满足, 好). A 实际完成值 bound to a derived figure shows the figure; otherwise the text typed for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from evaluations.datatables.figures import Figure
from evaluations.models import EvaluationIndicator
from rubrics.engine import RULE_KINDS
from rubrics.numbers import exact, measured, percent, plain, with_unit
from rubrics.rules.grading import DEFAULT_LEVELS

# Rule kinds whose 标杆值 follows from the rule (a parameter, or the 目标值 input entered on the scoring page):
# the editor does not ask for it as text. Qualitative kinds (checklist, binary, grade_map, graded, manual,
# either_of) keep a typed 标杆值, else what the rule implies.
NUMERIC_TARGET_KINDS = frozenset(
    {
        "ratio",
        "inverse_ratio",
        "threshold_deduct",
        "change_rate",
        "rate_penalty",
        "per_count",
        "threshold_else_rate",
        "satisfaction",
        "bands",
        "coefficient",
    }
)

# Rule kinds whose actual value is a percent unless the indicator says otherwise (as on the scoring page).
PERCENT_KINDS = {"threshold_deduct", "bands", "rate_penalty", "change_rate", "threshold_else_rate"}


def input_unit(indicator: EvaluationIndicator, name: str) -> str:
    """The unit shown next to an input box (the scoring page, the change log): % for rates, the indicator's own
    unit for counts and amounts. ``indicator``: an indicator or one of its history records."""
    kind, params = indicator.rule_kind, indicator.rule_params or {}
    field = RULE_KINDS[kind].input_field(name) if kind in RULE_KINDS and name in RULE_KINDS[kind].inputs else None
    if field is not None and field.unit:
        return field.unit
    unit = params.get("unit")
    given = "" if unit is None else str(unit).strip()
    if kind == "change_rate" and name in ("current", "previous"):
        return given if unit not in (None, "%") else ""
    if name == "count":
        return given or "次"
    if name in ("actual", "target"):
        return given or indicator.unit or ("%" if kind in PERCENT_KINDS else "")
    return ""


def _unit(indicator: EvaluationIndicator) -> str:
    params = indicator.rule_params or {}
    unit = params.get("unit") if isinstance(params.get("unit"), str) else ""
    return unit or indicator.unit or ("%" if indicator.rule_kind in PERCENT_KINDS else "")


def _value(indicator: EvaluationIndicator, name: str, figures: Mapping[str, Figure]) -> Any:
    key = (indicator.bindings or {}).get(name)
    figure = figures.get(key) if key else None
    if figure is not None and figure.value is not None:
        return figure.value
    return (indicator.inputs or {}).get(name)


def _number(value: Any) -> Any:
    return exact(value)


def rule_target(indicator: EvaluationIndicator, figures: Mapping[str, Figure] | None = None) -> str:
    """The numeric target the rule scores against, with its unit and comparison ("" for qualitative rules)."""
    figures = figures or {}
    kind, params, unit = indicator.rule_kind, indicator.rule_params or {}, _unit(indicator)
    if kind == "ratio":
        target = _number(_value(indicator, "target", figures))
        return measured(target, unit) if target is not None else ""
    if kind == "inverse_ratio":
        target = _number(_value(indicator, "target", figures))
        return f"≤{measured(target, unit)}" if target is not None else ""
    if kind == "threshold_deduct":
        threshold = _number(params.get("threshold"))
        if threshold is None:
            return ""
        return ("≤" if params.get("direction") == "above" else "≥") + with_unit(plain(threshold), unit)
    if kind == "change_rate":
        return "≤0%"
    if kind == "rate_penalty":
        return "0%"
    if kind == "per_count":
        return with_unit("0", params.get("unit") if isinstance(params.get("unit"), str) and params["unit"] else "次")
    if kind == "threshold_else_rate":
        threshold = _number(params.get("threshold"))
        return f"≥{percent(threshold, trim=True)}" if threshold is not None else ""
    if kind == "satisfaction":
        full_at = _number(params.get("full_at", 95))
        return f"满意度≥{percent(full_at, trim=True)}" if full_at is not None else ""
    if kind == "bands":
        bands = [band for band in params.get("bands") or [] if isinstance(band, list | tuple) and len(band) == 2]
        bounds = [_number(band[0]) for band in bands if _number(band[0]) is not None]
        if not bounds:
            return ""
        if params.get("direction") == "lower":
            return "≤" + with_unit(plain(min(bounds)), unit)
        return "≥" + with_unit(plain(max(bounds)), unit)
    if kind == "coefficient":
        return "100%"
    if kind == "either_of":
        chosen = chosen_option(indicator)
        return rule_target(chosen, {}) if chosen is not None else ""
    return ""


def chosen_option(indicator: Any) -> SimpleNamespace | None:
    """The rule an either_of leaf is assessed by (the option chosen in its inputs), shaped like an indicator."""
    options = (indicator.rule_params or {}).get("options")
    index = (indicator.inputs or {}).get("option")
    if not isinstance(options, list) or not isinstance(index, int) or not 0 <= index < len(options):
        return None
    rule = options[index].get("rule") if isinstance(options[index], dict) else None
    if not isinstance(rule, dict):
        return None
    nested = (indicator.inputs or {}).get("inputs")
    return SimpleNamespace(
        rule_kind=rule.get("kind", ""),
        rule_params={key: value for key, value in rule.items() if key != "kind"},
        inputs=nested if isinstance(nested, dict) else {},
        bindings={},
        unit=indicator.unit,
        benchmark="",
    )


def qualitative_target(indicator: EvaluationIndicator) -> str:
    """What a qualitative rule implies when the evaluators wrote no 标杆值."""
    kind, params = indicator.rule_kind, indicator.rule_params or {}
    if kind == "checklist":
        return "全部要点满足"
    if kind == "binary":
        return "达到要求"
    if kind == "grade_map":
        grades = params.get("map") if isinstance(params.get("map"), dict) else {}
        best = max(grades.items(), key=lambda pair: _number(pair[1]) or 0, default=None)
        return best[0] if best else ""
    if kind == "graded":
        raw = params.get("levels") if isinstance(params.get("levels"), list) else DEFAULT_LEVELS
        levels = [level for level in raw if isinstance(level, list | tuple) and len(level) == 3]
        top = max(levels, key=lambda level: exact(level[2]) or 0, default=None) if levels else None
        return str(top[0]) if top else ""
    if kind == "either_of":
        chosen = chosen_option(indicator)
        return qualitative_target(chosen) if chosen is not None else ""
    return ""


def target_text(indicator: EvaluationIndicator, figures: Mapping[str, Figure] | None = None) -> str:
    """The 标杆值 to print: the rule's numeric target, else the typed text, else what the rule implies."""
    return rule_target(indicator, figures) or indicator.benchmark.strip() or qualitative_target(indicator)


# The input that is a leaf's 实际完成值, by rule kind (what the scoring page asks for first).
ACTUAL_INPUT = {
    "ratio": "actual",
    "inverse_ratio": "actual",
    "threshold_deduct": "actual",
    "bands": "actual",
    "threshold_else_rate": "actual",
    "rate_penalty": "rate",
    "change_rate": "rate",
    "per_count": "count",
    "satisfaction": "satisfaction",
    "coefficient": "coefficient",
}


def scored_actual(indicator: Any) -> str:
    """The 实际完成值 the score was computed from, with its unit (93%, 140 户, 中), "" when not entered."""
    inputs = indicator.inputs or {}
    if inputs.get("not_applicable") is True:
        return "不适用"
    kind = indicator.rule_kind
    if kind == "either_of":
        chosen = chosen_option(indicator)
        return scored_actual(chosen) if chosen is not None else ""
    if kind == "graded":
        return str(inputs.get("level") or "")
    if kind == "grade_map":
        return str(inputs.get("grade") or "")
    name = ACTUAL_INPUT.get(kind)
    value = exact(inputs.get(name)) if name else None
    if value is None:
        return ""
    if kind == "per_count":
        return with_unit(plain(value), _unit(indicator) or "次")
    if kind in ("satisfaction", "coefficient"):
        return percent(value, trim=True)
    return measured(value, _unit(indicator))


def actual_text(indicator: EvaluationIndicator, figures: Mapping[str, Figure] | None = None) -> str:
    """The 实际完成值 to print: a bound figure's value (it follows the data), else the text typed for it, else
    the value the score was computed from (so a figure is entered once, on the scoring page)."""
    figures = figures or {}
    key = (indicator.bindings or {}).get("actual") or (indicator.bindings or {}).get("rate")
    figure = figures.get(key) if key else None
    if figure is not None and figure.value is not None:
        return figure.display
    return indicator.actual_display.strip() or scored_actual(indicator)


def benchmark_is_derived(rule_kind: str) -> bool:
    """Whether the 标杆值 comes from the rule (so the editor does not ask for it a second time)."""
    return rule_kind in NUMERIC_TARGET_KINDS


def annotate_texts(indicators, figures: Mapping[str, Figure] | None = None) -> None:
    """Give each indicator row ``shown_target`` and ``shown_actual``, as pages and the report print them."""
    for indicator in indicators:
        indicator.shown_target = target_text(indicator, figures)
        indicator.shown_actual = actual_text(indicator, figures)
