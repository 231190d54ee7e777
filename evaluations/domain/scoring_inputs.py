"""Saving one leaf's scoring inputs and awarded score: read from the scoring form, checked, then rescored.

The inputs each rule kind takes, their Chinese labels and types come from the engine (RULE_KINDS[kind].fields);
this module turns posted form fields (``in-<name>``, ``met``, ``partial-<i>``) into the inputs the engine scores.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from evaluations.datatables.figures import compute_figures
from evaluations.domain.errors import ALL, EditError, FieldErrors, text_of
from evaluations.domain.indicator_tree import LockedTree, expected_version_of
from evaluations.domain.locking import save_versioned
from evaluations.domain.scoring import apply_bindings, recompute_scores
from evaluations.domain.user_actions import records_user_action
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.queries.datatables import evaluation_tables
from rubrics.document import plain_json
from rubrics.engine import NOT_APPLICABLE, RULE_KINDS, InputError, RuleError, compute_score, readable, validate_awarded
from rubrics.numbers import exact, exact_text, round_score, written

# Kinds whose actual value is a percent unless the indicator says otherwise.


def input_label(kind: str, name: str) -> str:
    """The input's Chinese name for this rule kind: 超标率, 满足的要点, 实际值 …"""
    if kind in RULE_KINDS and name in RULE_KINDS[kind].inputs:
        return RULE_KINDS[kind].input_field(name).label
    return name


def input_type(kind: str, name: str) -> str:
    if kind in RULE_KINDS and name in RULE_KINDS[kind].inputs:
        return RULE_KINDS[kind].input_field(name).type
    return "text"


def humanize(message: str) -> str:
    """An engine message without its JSON key names: 输入 target（目标值）为 0 → 「目标值」为 0."""
    return readable(message)


def _get(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return text_of(value)


def _getlist(data: Mapping[str, Any], key: str) -> list[str]:
    if hasattr(data, "getlist"):
        return [text_of(v) for v in data.getlist(key)]
    value = data.get(key)
    if value is None:
        return []
    return [text_of(v) for v in (value if isinstance(value, list | tuple) else [value])]


def _number(text: str, label: str, field: str, errors: FieldErrors) -> Any:
    cleaned = text.replace(",", "").replace("，", "").rstrip("%％").strip()
    number = exact(cleaned)
    if number is None:
        errors.add(field, f"「{label}」必须是数字，现为“{text}”。")
        return None
    if number.denominator == 1:
        return int(number)
    written_out = exact_text(number)  # "0.5", or "1/3" for a share no decimal writes exactly
    return written_out if "/" in written_out else plain_json(Decimal(written_out))


def _flag(text: str, label: str, field: str, errors: FieldErrors) -> bool | None:
    if text in ("1", "true", "yes", "on", "是"):
        return True
    if text in ("0", "false", "no", "off", "否"):
        return False
    if text:
        errors.add(field, f"「{label}」只能选“是”或“否”。")
    return None


# Inputs a derived figure may give (DESIGN §5): measured figures, never a judgement (manual score, graded
# share, coefficient) and never inside an either_of option.
UNBINDABLE_KINDS = {"manual", "graded", "coefficient"}


def bindable_inputs(kind: str) -> tuple[str, ...]:
    """The number inputs of this rule that an evaluator may bind to a derived figure instead of typing."""
    if kind not in RULE_KINDS or kind in UNBINDABLE_KINDS:
        return ()
    return tuple(spec.name for spec in RULE_KINDS[kind].fields if spec.type == "number")


def error_field(engine_field: str, prefix: str = "") -> str:
    """The form field an engine InputError belongs to: in-actual, met, partial, faults; inside the chosen
    either_of option (engine field inputs.actual) option-in-actual."""
    head, _, rest = engine_field.partition(".")
    if head == "inputs" and rest:
        return error_field(rest, f"{prefix}option-")
    if head in ("met", "partial", "faults"):
        return f"{prefix}{head}"
    return f"{prefix}in-{head}"


def _items(params: Mapping[str, Any]) -> list:
    items = params.get("items")
    return items if isinstance(items, list) else []


def _limit(item: Any) -> Any:
    return item.get("max_faults") if isinstance(item, Mapping) else None


def _checklist_inputs(params, inputs: dict, data, prefix: str, errors: FieldErrors) -> None:
    items = _items(params)
    counted = {i for i, item in enumerate(items) if _limit(item) is not None}  # scored by faults, not ticks
    met = []
    for raw in _getlist(data, f"{prefix}met"):
        if raw.isdigit() and int(raw) < len(items) and int(raw) not in counted:
            met.append(int(raw))
        elif raw:
            errors.add(f"{prefix}met", f"要点序号“{raw}”无效。")
    inputs["met"] = sorted(set(met))
    partial = {}
    for index in range(len(items)):
        if index in counted:
            continue
        text = _get(data, f"{prefix}partial-{index}")
        if not text or text == "0":
            continue
        if "/" in text:
            partial[str(index)] = text.replace(" ", "")
        else:
            value = _number(text, f"要点{index + 1}的部分满足比例", f"{prefix}partial-{index}", errors)
            if value is not None:
                partial[str(index)] = value
    if partial:
        inputs["partial"] = partial
    else:
        inputs.pop("partial", None)
    faults = {}
    for index in sorted(counted):
        text = _get(data, f"{prefix}faults-{index}")
        if not text:
            continue
        value = _number(text, f"要点{index + 1}不满足的项数", f"{prefix}faults-{index}", errors)
        if value is not None:
            faults[str(index)] = value
    if faults:
        inputs["faults"] = faults
    else:
        inputs.pop("faults", None)


def _option_index(text: str, options: list) -> int | None:
    return int(text) if text.isdigit() and int(text) < len(options) else None


def rule_inputs(
    kind: str,
    params: Mapping[str, Any],
    stored: Mapping[str, Any],
    data: Mapping[str, Any],
    *,
    prefix: str = "",
    skip: frozenset[str] = frozenset(),
    errors: FieldErrors,
) -> dict:
    """The inputs of one rule from the posted fields (``{prefix}in-<name>``, ``{prefix}met`` …); ``skip`` holds
    inputs not read from the form (bound to a derived figure). An either_of option's own inputs are read with the
    prefix ``option-`` (only the chosen option's fields)."""
    inputs = dict(stored)
    specs = RULE_KINDS[kind].fields if kind in RULE_KINDS else ()
    for spec in specs:
        name, label, field = spec.name, input_label(kind, spec.name), f"{prefix}in-{spec.name}"
        if name in skip:
            continue
        if kind == "checklist":
            if name == "met":
                _checklist_inputs(params, inputs, data, prefix, errors)
            continue
        if spec.type == "option_inputs":
            options = params.get("options") if isinstance(params.get("options"), list) else []
            index = inputs.get("option")
            option = options[index] if isinstance(index, int) and index < len(options) else None
            rule = option.get("rule") if isinstance(option, Mapping) else None
            if not isinstance(rule, Mapping):
                inputs.pop(name, None)
                continue
            before = stored.get(name) if stored.get("option") == index and isinstance(stored.get(name), dict) else {}
            nested = {key: value for key, value in rule.items() if key != "kind"}
            inputs[name] = rule_inputs(
                rule.get("kind", ""), nested, before, data, prefix=f"{prefix}option-", errors=errors
            )
            continue
        text = _get(data, field)
        if spec.type == "flag":
            value = _flag(text, label, field, errors)
        elif spec.type == "number":
            value = _number(text, label, field, errors) if text else None
        elif spec.type == "option":
            options = params.get("options") if isinstance(params.get("options"), list) else []
            value = _option_index(text, options)
            if text and value is None:
                errors.add(field, f"「{label}」的选项“{text}”无效。")
        else:  # grade, level, reason: text
            value = text or None
        if value is None:
            inputs.pop(name, None)
        else:
            inputs[name] = value
    return inputs


def parse_inputs(indicator: EvaluationIndicator, data: Mapping[str, Any]) -> dict:
    """The leaf's inputs from the scoring form (fields ``in-<name>``, ``met``, ``partial-<i>``, ``faults-<i>``,
    ``not_applicable``; an either_of option's ``option-in-<name>``).

    Bound inputs are never read from the form: they follow the data tables. A leaf marked 不适用 keeps its other
    inputs as they were (nothing is lost when the mark is taken off again). Raises EditError.
    """
    kind = indicator.rule_kind
    bound = set(indicator.bindings or {})
    inputs = dict(indicator.inputs or {})
    errors = FieldErrors()
    if _get(data, "na-shown"):  # the form offers the 不适用 box: unticked means applicable
        if _get(data, NOT_APPLICABLE.name) in ("1", "on", "true"):
            inputs[NOT_APPLICABLE.name] = True
            return inputs
        inputs.pop(NOT_APPLICABLE.name, None)
    elif inputs.get(NOT_APPLICABLE.name) is True:
        return inputs
    for name in bound:
        posted = _get(data, f"in-{name}")
        stored = written(inputs.get(name)) if inputs.get(name) is not None else ""
        if posted and posted != stored:
            errors.add(
                f"in-{name}",
                f"「{input_label(kind, name)}」取自基础数据（{indicator.bindings[name]}），不能在此填写；"
                "请修改对应的基础数据表，或把数据来源改为“手工填写”。",
            )
    inputs = rule_inputs(kind, indicator.rule_params or {}, inputs, data, skip=frozenset(bound), errors=errors)
    errors.raise_if_any()
    return inputs


def parse_bindings(indicator: EvaluationIndicator, data: Mapping[str, Any], figures: Mapping[str, Any]) -> dict:
    """The leaf's bindings from the form's 数据来源 selects (``bind-<name>``: a derived figure's key, or "" for
    手工填写). Inputs without a select posted keep their binding. Raises EditError for an unknown figure."""
    bindings = dict(indicator.bindings or {})
    errors = FieldErrors()
    for name in bindable_inputs(indicator.rule_kind):
        field = f"bind-{name}"
        if field not in data:
            continue
        key = _get(data, field)
        if not key:
            bindings.pop(name, None)
        elif key in figures:
            bindings[name] = key
        else:
            errors.add(field, f"「{input_label(indicator.rule_kind, name)}」：没有名为“{key}”的派生数据。")
    errors.raise_if_any()
    return bindings


def _override(indicator: EvaluationIndicator, data: Mapping[str, Any], errors: FieldErrors) -> tuple[Any, str]:
    raw, reason = _get(data, "awarded_score"), _get(data, "override_reason")
    if not raw:
        if reason:
            errors.add("awarded_score", "填写了调整理由，但没有填写评定得分；不调整时请清空理由。")
        return None, ""
    problem = validate_awarded(raw, indicator.weight)
    if problem:
        errors.add("awarded_score", problem)
        return None, reason
    if not reason:
        errors.add("override_reason", "调整得分必须填写理由（将写入报告和一致性检查）。")
    return round_score(raw), reason


@records_user_action
@transaction.atomic
def save_scoring(
    *, evaluation: Evaluation, indicator_id: Any, expected_version: Any, data: Mapping[str, Any], user: Any = None
) -> EvaluationIndicator:
    """Save one leaf's inputs, its bindings to derived figures, its 不适用 mark and its awarded score with the
    reason, after the engine accepts them; then recompute."""
    state = LockedTree.load(evaluation)
    node = state.get(indicator_id)
    version = expected_version_of(expected_version, node)
    if state.children(node.pk):
        raise EditError(f"「{node.name}」有下级指标，其得分由下级指标汇总，不能直接评分。")
    if not node.rule_kind:
        raise EditError(f"「{node.name}」尚未设置计分规则，请先在指标体系中设置。")
    errors = FieldErrors()
    bindings = dict(node.bindings or {})
    figures = {}
    if any(key.startswith("bind-") for key in data):
        figures = compute_figures(state.evaluation.kind, evaluation_tables(state.evaluation))
        try:
            bindings = parse_bindings(node, data, figures)
        except EditError as error:
            errors.merge(error)
    proposed = copy.copy(node)
    proposed.bindings = bindings
    try:
        inputs = parse_inputs(proposed, data)
    except EditError as error:
        errors.merge(error)
        inputs = dict(node.inputs or {})
    proposed.inputs = inputs
    if figures:
        apply_bindings(proposed, figures)  # a newly bound input takes its figure now, so it is checked below
        inputs = proposed.inputs
    awarded, reason = _override(node, data, errors)
    if awarded is not None and inputs.get(NOT_APPLICABLE.name) is True:
        errors.add("awarded_score", "不适用的指标不计分，不能填写评定得分；请清空评定得分和理由，或取消“不适用”。")
    actual_display = _get(data, "actual_display") if "actual_display" in data else node.actual_display
    if len(actual_display) > 200:
        errors.add("actual_display", "实际完成值最多 200 个字。")
    if not errors:
        try:
            compute_score(node.rule_kind, node.rule_params or {}, inputs, node.weight, na_policy=evaluation.na_policy)
        except InputError as error:
            if error.field not in bindings:  # a figure the data do not give yet is not the user's fault
                errors.add(error_field(error.field), humanize(error.message))
        except RuleError as error:
            errors.add(ALL, f"「{node.name}」的计分规则有误，请先在指标体系中修正：{humanize(str(error))}")
    errors.raise_if_any()
    node.inputs, node.bindings, node.awarded_score, node.override_reason = inputs, bindings, awarded, reason
    node.actual_display = actual_display
    save_versioned(
        node,
        expected_version=version,
        fields=["inputs", "bindings", "awarded_score", "override_reason", "actual_display"],
        user=user,
    )
    recompute_scores(state.evaluation)
    node.refresh_from_db()
    return node
