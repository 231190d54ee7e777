"""Saving one leaf's scoring inputs and awarded score: read from the scoring form, checked, then rescored.

The inputs each rule kind takes, their Chinese labels and types come from the engine (RULE_KINDS[kind].fields);
this module turns posted form fields (``in-<name>``, ``met``, ``partial-<i>``) into the inputs the engine scores.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from evaluations.domain.errors import ALL, EditError, FieldErrors, text_of
from evaluations.domain.indicator_tree import LockedTree, expected_version_of
from evaluations.domain.locking import save_versioned
from evaluations.domain.scoring import recompute_scores
from evaluations.models import Evaluation, EvaluationIndicator
from rubrics.document import plain_json
from rubrics.engine import RULE_KINDS, InputError, RuleError, compute_score, validate_awarded
from rubrics.numbers import exact, exact_text, round_score, written

# Kinds whose actual value is a percent unless the indicator says otherwise.
PERCENT_KINDS = {"threshold_deduct", "bands", "rate_penalty", "change_rate", "threshold_else_rate"}


def input_label(kind: str, name: str) -> str:
    """The input's Chinese name for this rule kind: 超标率, 满足的要点, 实际值 …"""
    if kind in RULE_KINDS and name in RULE_KINDS[kind].inputs:
        return RULE_KINDS[kind].input_field(name).label
    return name


def input_type(kind: str, name: str) -> str:
    if kind in RULE_KINDS and name in RULE_KINDS[kind].inputs:
        return RULE_KINDS[kind].input_field(name).type
    return "text"


def input_unit(indicator: EvaluationIndicator, name: str) -> str:
    """The unit shown next to an input box: % for rates, the indicator's own unit for counts and amounts."""
    kind, params = indicator.rule_kind, indicator.rule_params or {}
    field = RULE_KINDS[kind].input_field(name) if kind in RULE_KINDS and name in RULE_KINDS[kind].inputs else None
    if field is not None and field.unit:
        return field.unit
    if kind == "change_rate" and name in ("current", "previous"):
        return text_of(params.get("unit")) if params.get("unit") not in (None, "%") else ""
    if name == "count":
        return text_of(params.get("unit")) or "次"
    if name in ("actual", "target"):
        return text_of(params.get("unit")) or indicator.unit or ("%" if kind in PERCENT_KINDS else "")
    return ""


_ENGINE_NAME = re.compile(r"(?:输入 |参数 )?[a-z_]+（([^）]*)）")


def humanize(message: str) -> str:
    """An engine message without its JSON key names: 输入 target（目标值）为 0 → 「目标值」为 0."""
    return _ENGINE_NAME.sub(r"「\1」", message).replace("理由 reason", "理由")


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


def parse_inputs(indicator: EvaluationIndicator, data: Mapping[str, Any]) -> dict:
    """The leaf's inputs from the scoring form (fields ``in-<name>``, ``met``, ``partial-<i>``).

    Bound inputs are never read from the form: they follow the data tables. Raises EditError.
    """
    kind = indicator.rule_kind
    bound = set(indicator.bindings or {})
    inputs = dict(indicator.inputs or {})
    errors = FieldErrors()
    names = RULE_KINDS[kind].inputs if kind in RULE_KINDS else ()
    for name in names:
        if name in bound:
            posted = _get(data, f"in-{name}")
            stored = written(inputs.get(name)) if inputs.get(name) is not None else ""
            if posted and posted != stored:
                errors.add(
                    f"in-{name}",
                    f"「{input_label(kind, name)}」取自基础数据（{indicator.bindings[name]}），不能在此填写；"
                    "请修改对应的基础数据表。",
                )
            continue
        label = input_label(kind, name)
        if kind == "checklist" and name == "met":
            count = len((indicator.rule_params or {}).get("items") or [])
            met = []
            for raw in _getlist(data, "met"):
                if raw.isdigit() and int(raw) < count:
                    met.append(int(raw))
                elif raw:
                    errors.add("met", f"要点序号“{raw}”无效。")
            inputs["met"] = sorted(set(met))
            continue
        if kind == "checklist" and name == "partial":
            count = len((indicator.rule_params or {}).get("items") or [])
            partial = {}
            for index in range(count):
                text = _get(data, f"partial-{index}")
                if not text or text in ("0",):
                    continue
                if "/" in text:
                    partial[str(index)] = text.replace(" ", "")
                else:
                    value = _number(text, f"要点{index + 1}的部分满足比例", f"partial-{index}", errors)
                    if value is not None:
                        partial[str(index)] = value
            if partial:
                inputs["partial"] = partial
            else:
                inputs.pop("partial", None)
            continue
        text = _get(data, f"in-{name}")
        kind_of_input = input_type(kind, name)
        if kind_of_input == "flag":
            value = _flag(text, label, f"in-{name}", errors)
        elif kind_of_input == "number":
            value = _number(text, label, f"in-{name}", errors) if text else None
        else:  # grade, reason
            value = text or None
        if value is None:
            inputs.pop(name, None)
        else:
            inputs[name] = value
    errors.raise_if_any()
    return inputs


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


@transaction.atomic
def save_scoring(
    *, evaluation: Evaluation, indicator_id: Any, expected_version: Any, data: Mapping[str, Any], user: Any = None
) -> EvaluationIndicator:
    """Save one leaf's inputs (and awarded score with its reason) after the engine accepts them; recompute."""
    state = LockedTree.load(evaluation)
    node = state.get(indicator_id)
    version = expected_version_of(expected_version, node)
    if state.children(node.pk):
        raise EditError(f"「{node.name}」有下级指标，其得分由下级指标汇总，不能直接评分。")
    if not node.rule_kind:
        raise EditError(f"「{node.name}」尚未设置计分规则，请先在指标体系中设置。")
    errors = FieldErrors()
    try:
        inputs = parse_inputs(node, data)
    except EditError as error:
        for field, messages in error.errors.items():
            for message in messages:
                errors.add(field, message)
        inputs = dict(node.inputs or {})
    awarded, reason = _override(node, data, errors)
    actual_display = _get(data, "actual_display") if "actual_display" in data else node.actual_display
    if len(actual_display) > 200:
        errors.add("actual_display", "实际完成值最多 200 个字。")
    if not errors:
        try:
            compute_score(node.rule_kind, node.rule_params or {}, inputs, node.weight)
        except InputError as error:
            if error.field not in (node.bindings or {}):  # a figure the data do not give yet is not the user's fault
                field = "met" if error.field == "met" and node.rule_kind == "checklist" else f"in-{error.field}"
                if error.field == "partial":
                    field = "partial"
                errors.add(field, humanize(error.message))
        except RuleError as error:
            errors.add(ALL, f"「{node.name}」的计分规则有误，请先在指标体系中修正：{humanize(str(error))}")
    errors.raise_if_any()
    node.inputs, node.awarded_score, node.override_reason = inputs, awarded, reason
    node.actual_display = actual_display
    save_versioned(
        node,
        expected_version=version,
        fields=["inputs", "awarded_score", "override_reason", "actual_display"],
        user=user,
    )
    recompute_scores(state.evaluation)
    node.refresh_from_db()
    return node
