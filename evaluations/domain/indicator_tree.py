"""Editing an evaluation's indicator system: copy a template, add 个性指标, reweight, change rules, move, remove.

Every change is checked against the tree rules (rubrics.tree) and the engine's rule validation before anything
is written, and recomputes the scores after.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from evaluations.domain.errors import ALL, EditError, FieldErrors, lock, text_of
from evaluations.domain.locking import StaleObjectError, save_versioned
from evaluations.domain.scoring import recompute_scores
from evaluations.models import Evaluation, EvaluationIndicator
from rubrics import tree
from rubrics.document import MAX_WEIGHT, plain_json
from rubrics.engine import RULE_KINDS, validate_awarded, validate_rule
from rubrics.models import IndicatorTemplate, TemplateIndicator
from rubrics.numbers import exact, round_score
from rubrics.text import JsonShapeError, load_json

COPIED_FIELDS = (
    "name",
    "explanation",
    "standard",
    "weight",
    "benchmark",
    "unit",
    "rule_kind",
    "rule_params",
    "evidence_required",
    "order",
    "bindings",
)


@transaction.atomic
def copy_template(*, evaluation: Evaluation, template: IndicatorTemplate) -> list[EvaluationIndicator]:
    """Replace the evaluation's indicators by a copy of the template's tree."""
    evaluation.indicators.all().delete()
    copies: dict[int, EvaluationIndicator] = {}
    for entry in tree.IndicatorTree(template.indicators.all(), score=lambda row: None).nodes:  # parents first
        values = {field: copy.deepcopy(getattr(entry.item, field)) for field in COPIED_FIELDS}
        parent = copies[entry.parent.key] if entry.parent else None
        copies[entry.key] = EvaluationIndicator.objects.create(
            evaluation=evaluation, parent=parent, source=entry.item, **values
        )
    created = list(copies.values())
    evaluation.template = template
    evaluation.grades = copy.deepcopy(template.grades)
    evaluation.na_policy = template.na_policy
    evaluation.save(update_fields=["template", "grades", "na_policy", "updated_at"])
    return created


EDIT_TEXT_FIELDS = {  # field → (label, max length or None)
    "name": ("指标名称", 200),
    "explanation": ("指标解释", None),
    "standard": ("评分标准", None),
    "benchmark": ("标杆值", 200),
    "unit": ("计量单位", 30),
    "evidence_required": ("所需佐证材料", None),
}


def parse_weight(raw: Any, name: str) -> Decimal:
    """A weight typed by a user: a number 0..9999.99 with at most 2 decimals; EditError otherwise."""
    text = text_of(raw)
    if not text:
        raise EditError(f"指标「{name}」的权重不能为空。")
    number = exact(text)
    if number is None:
        raise EditError(f"指标「{name}」的权重必须是数字，现为“{text}”。")
    if number < 0:
        raise EditError(f"指标「{name}」的权重不能为负数，现为 {text}。")
    if number > MAX_WEIGHT:
        raise EditError(f"指标「{name}」的权重不能超过 {MAX_WEIGHT}，现为 {text}。")
    if (number * 100).denominator != 1:
        raise EditError(f"指标「{name}」的权重最多两位小数，现为 {text}。")
    return round_score(number)


def parse_params(raw: Any) -> dict:
    """Rule parameters typed as JSON in the editor (decimals read exactly)."""
    text = text_of(raw)
    if not text:
        return {}
    try:
        value = load_json(text, parse_float=Decimal, parse_constant=_no_constant)
    except JsonShapeError as error:
        raise EditError({"rule_params": [f"规则参数{error}"]}) from None
    except json.JSONDecodeError as error:
        raise EditError(
            {"rule_params": [f"规则参数不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列附近有误。"]}
        ) from None
    except (ValueError, RecursionError):
        raise EditError({"rule_params": ["规则参数不是有效的 JSON。"]}) from None
    if not isinstance(value, dict):
        raise EditError({"rule_params": ['规则参数必须是 JSON 对象，如 {"cap": 1}。']})
    return plain_json(value)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


@dataclass
class LockedTree:
    """The evaluation's indicators, locked, with the tree rules' view of them."""

    evaluation: Evaluation
    nodes: dict[int, EvaluationIndicator]
    shape: tree.IndicatorTree[EvaluationIndicator]

    @classmethod
    def load(cls, evaluation: Evaluation) -> LockedTree:
        evaluation = lock(evaluation)
        rows = list(evaluation.indicators.all())
        return cls(evaluation, {node.pk: node for node in rows}, tree.IndicatorTree(rows))

    def children(self, pk: int | None) -> list[EvaluationIndicator]:
        kids = self.shape.roots if pk is None else self.shape.node(pk).children
        return [kid.item for kid in kids]

    def descendants(self, pk: int) -> list[EvaluationIndicator]:
        top = self.shape.node(pk)
        return [node.item for node in self.shape.nodes if top in node.ancestors()]

    def get(self, pk: Any) -> EvaluationIndicator:
        try:
            return self.nodes[int(pk)]
        except (KeyError, TypeError, ValueError):
            raise EditError("该指标已不存在（可能已被他人删除），请刷新页面。") from None

    def rule_nodes(self) -> dict:
        return {pk: tree.Node(pk, node.parent_id, node.name, node.weight) for pk, node in self.nodes.items()}


def _check_plan(
    before: dict,
    after: dict,
    rules: Iterable[tuple[str, str, Any, Decimal, Any]] = (),
    *,
    edited_rule: bool = False,
) -> None:
    """Refuse a change that gives the tree a weight problem it did not have, a leaf an unusable rule, or an
    awarded score outside its new weight (DESIGN §4: such a score cannot be saved).

    ``edited_rule``: the first of ``rules`` is the one the user's form edits, so its problems are keyed by the
    form's rule fields (rule_kind, rule_params) and the editor shows each next to the box concerned.
    """
    errors = FieldErrors()
    old = set(tree.tree_errors(before.values()))
    for message in tree.tree_errors(after.values()):
        if message not in old:
            errors.add(ALL, message)
    for i, (name, kind, params, weight, awarded) in enumerate(rules):
        own = edited_rule and i == 0
        if not kind:
            errors.add("rule_kind" if own else ALL, f"指标「{name}」是末级指标，必须选择计分规则。")
        else:
            for message in validate_rule(kind, params or {}, weight):
                errors.add("rule_params" if own else ALL, f"指标「{name}」：{message}")
        if awarded is not None and (problem := validate_awarded(awarded, weight)):
            errors.add(ALL, f"指标「{name}」：{problem}；请先修改或清除其评定得分。")
    names: dict[tuple, int] = {}
    for node in after.values():
        names[(node.parent, node.name)] = names.get((node.parent, node.name), 0) + 1
    for (parent, name), count in names.items():
        if count > 1 and count > _count(before, parent, name):
            errors.add(ALL, f"同一上级指标下已有名为「{name}」的指标，请改名以便区分。")
    errors.raise_if_any()


def _count(nodes: dict, parent: Any, name: str) -> int:
    return sum(1 for node in nodes.values() if node.parent == parent and node.name == name)


def _weights_plan(
    state: LockedTree, weights: Mapping[Any, tuple[Any, Any]]
) -> tuple[dict[int, tuple[Decimal, int]], list[str]]:
    """Parse {pk: (raw weight, version)}; keep only the weights that change."""
    changes: dict[int, tuple[Decimal, int]] = {}
    messages: list[str] = []
    for key, (raw, version) in weights.items():
        node = state.get(key)
        try:
            weight = parse_weight(raw, node.name)
        except EditError as error:
            messages += error.messages
            continue
        if weight != node.weight:
            changes[node.pk] = (weight, expected_version_of(version, node))
    return changes, messages


def expected_version_of(raw: Any, node: EvaluationIndicator) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise EditError(f"指标「{node.name}」缺少版本号，请刷新页面后重新修改。") from None


def _apply_weights(state: LockedTree, changes: Mapping[int, tuple[Decimal, int]], user: Any = None) -> None:
    for pk, (weight, version) in changes.items():
        node = state.nodes[pk]
        node.weight = weight
        save_versioned(node, expected_version=version, fields=["weight"], user=user)


def _leaf_rules(state: LockedTree, after: dict, pks: Iterable[int]) -> list[tuple[str, str, Any, Decimal, Any]]:
    parents = {node.parent for node in after.values()}
    rules = []
    for pk in pks:
        if pk in after and pk not in parents and pk in state.nodes:
            node = state.nodes[pk]
            rules.append((node.name, node.rule_kind, node.rule_params, after[pk].weight, node.awarded_score))
    return rules


@transaction.atomic
def set_weights(*, evaluation: Evaluation, weights: Mapping[Any, tuple[Any, Any]], user: Any = None) -> int:
    """Change several weights at once (a parent and its children, or the whole tree); return how many changed."""
    state = LockedTree.load(evaluation)
    changes, messages = _weights_plan(state, weights)
    if messages:
        raise EditError(messages)
    before = state.rule_nodes()
    after = dict(before)
    for pk, (weight, _) in changes.items():
        after[pk] = tree.Node(pk, before[pk].parent, before[pk].name, weight)
    _check_plan(before, after, _leaf_rules(state, after, changes))
    _apply_weights(state, changes, user)
    if changes:
        recompute_scores(state.evaluation)
    return len(changes)


def _rule_fields(values: Mapping[str, Any], errors: FieldErrors) -> tuple[str, Any]:
    kind = text_of(values.get("rule_kind"))
    if kind and kind not in RULE_KINDS:
        errors.add("rule_kind", f"未知的计分规则“{kind}”。")
        kind = ""
    params = values.get("rule_params")
    if isinstance(params, Mapping):  # the rule editor's parameters: exact JSON data, checked with the plan
        params = plain_json(dict(params))
    elif isinstance(params, str) or params is None:  # JSON text, as documents and scripts write it
        try:
            params = parse_params(params)
        except EditError as error:
            for field, messages in error.errors.items():
                for message in messages:
                    errors.add(field, message)
            params = {}
    else:
        errors.add("rule_params", "规则参数必须是对象。")
        params = {}
    return kind, params


def _text_fields(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, str]:
    cleaned = {}
    for field, (label, limit) in EDIT_TEXT_FIELDS.items():
        if field not in values:
            continue
        text = text_of(values.get(field))
        if field == "name" and not text:
            errors.add("name", "请填写指标名称。")
        if limit and len(text) > limit:
            errors.add(field, f"{label}最多 {limit} 个字，现为 {len(text)} 个字。")
        cleaned[field] = text
    return cleaned


def _clear_rule(node: EvaluationIndicator) -> list[str]:
    """A leaf that gets children is scored from them: its own rule, inputs and score no longer apply."""
    node.rule_kind, node.rule_params, node.bindings, node.inputs = "", {}, {}, {}
    node.computed_score, node.score_explanation = None, ""
    node.awarded_score, node.override_reason = None, ""
    return [
        "rule_kind",
        "rule_params",
        "bindings",
        "inputs",
        "computed_score",
        "score_explanation",
        "awarded_score",
        "override_reason",
    ]


@transaction.atomic
def add_indicator(
    *,
    evaluation: Evaluation,
    parent_id: int | None,
    parent_version: Any = None,
    source: TemplateIndicator | None = None,
    values: Mapping[str, Any] | None = None,
    weights: Mapping[Any, tuple[Any, Any]] | None = None,
    user: Any = None,
) -> EvaluationIndicator:
    """Add a 个性指标 under parent (None: a level-1 indicator), from the template library or from scratch.

    ``weights`` rebalances other indicators in the same save, so the tree still adds up afterwards.
    A template indicator is copied with its rule, and with its sub-indicators if it has any.
    """
    values = dict(values or {})
    state = LockedTree.load(evaluation)
    parent = state.get(parent_id) if parent_id not in (None, "") else None
    errors = FieldErrors()
    changes, messages = _weights_plan(state, weights or {})
    for message in messages:
        errors.add(ALL, message)
    text = _text_fields(values, errors) if source is None else {}
    kind, params = _rule_fields(values, errors) if source is None else ("", {})
    weight_raw = values.get("weight")
    weight = None
    if source is None or text_of(weight_raw):
        name = text.get("name") or (source.name if source else "新指标")
        try:
            weight = parse_weight(weight_raw, name)
        except EditError as error:
            errors.add("weight", error.messages[0])
    if source is not None and source.pk is None:
        errors.add("source", "请选择模板指标。")
    errors.raise_if_any()

    # The planned nodes: the source's subtree, or one new indicator.
    new_nodes: list[tuple[str, dict, Any]] = []  # (key, field values, parent key)
    if source is not None:
        library = tree.IndicatorTree(source.template.indicators.all(), score=lambda row: None)
        top = library.node(source.pk)
        for entry in [top, *(n for n in library.nodes if top in n.ancestors())]:  # the subtree, parents first
            fields = {field: copy.deepcopy(getattr(entry.item, field)) for field in COPIED_FIELDS}
            fields["source"] = entry.item
            parent_key = (parent.pk if parent else None) if entry is top else f"new-{entry.parent.key}"
            new_nodes.append((f"new-{entry.key}", fields, parent_key))
        if weight is not None:
            new_nodes[0][1]["weight"] = weight
    else:
        fields = {**text, "weight": weight, "rule_kind": kind, "rule_params": params}
        new_nodes.append(("new", fields, parent.pk if parent else None))

    siblings = state.children(parent.pk if parent else None)
    new_nodes[0][1]["order"] = max((node.order for node in siblings), default=0) + 1
    before = state.rule_nodes()
    after = dict(before)
    for pk, (new_weight, _) in changes.items():
        after[pk] = tree.Node(pk, before[pk].parent, before[pk].name, new_weight)
    for key, fields, parent_key in new_nodes:
        after[key] = tree.Node(key, parent_key, fields["name"], fields["weight"])
    parents = {node.parent for node in after.values()}
    rules = [
        (fields["name"], fields.get("rule_kind", ""), fields.get("rule_params"), fields["weight"], None)
        for key, fields, _ in new_nodes
        if key not in parents
    ]
    rules += _leaf_rules(state, after, changes)
    _check_plan(before, after, rules, edited_rule=source is None)

    if parent is not None and not state.children(parent.pk):
        fields = _clear_rule(parent)
        save_versioned(parent, expected_version=expected_version_of(parent_version, parent), fields=fields, user=user)
    _apply_weights(state, changes, user)
    created: dict[Any, EvaluationIndicator] = {}
    for key, fields, parent_key in new_nodes:
        parent_obj = created.get(parent_key) if isinstance(parent_key, str) else state.nodes.get(parent_key)
        created[key] = EvaluationIndicator.objects.create(
            evaluation=state.evaluation, parent=parent_obj, is_custom=True, **fields
        )
    recompute_scores(state.evaluation)
    return created[new_nodes[0][0]]


@transaction.atomic
def update_indicator(
    *, evaluation: Evaluation, indicator_id: Any, expected_version: Any, values: Mapping[str, Any], user: Any = None
) -> EvaluationIndicator:
    """Edit an indicator's texts and, for a leaf, its rule (kind and parameters)."""
    state = LockedTree.load(evaluation)
    node = state.get(indicator_id)
    version = expected_version_of(expected_version, node)
    errors = FieldErrors()
    text = _text_fields(values, errors)
    is_leaf = not state.children(node.pk)
    kind, params = _rule_fields(values, errors) if is_leaf else ("", {})
    errors.raise_if_any()
    before = state.rule_nodes()
    after = dict(before)
    name = text.get("name", node.name)
    after[node.pk] = tree.Node(node.pk, node.parent_id, name, node.weight)
    _check_plan(
        before, after, [(name, kind, params, node.weight, node.awarded_score)] if is_leaf else [], edited_rule=True
    )
    fields = list(text)
    for field, value in text.items():
        setattr(node, field, value)
    if is_leaf:
        if kind != node.rule_kind:
            allowed = set(RULE_KINDS[kind].inputs) if kind else set()
            node.bindings = {name: key for name, key in (node.bindings or {}).items() if name in allowed}
            node.inputs = {name: value for name, value in (node.inputs or {}).items() if name in allowed}
            fields += ["bindings", "inputs"]
        node.rule_kind, node.rule_params = kind, params
        fields += ["rule_kind", "rule_params"]
    save_versioned(node, expected_version=version, fields=fields, user=user)
    recompute_scores(state.evaluation)
    return node


@transaction.atomic
def remove_indicator(
    *,
    evaluation: Evaluation,
    indicator_id: Any,
    expected_version: Any,
    weights: Mapping[Any, tuple[Any, Any]] | None = None,
    user: Any = None,
) -> int:
    """Remove an indicator with its sub-indicators; ``weights`` rebalances the rest. Returns how many went."""
    state = LockedTree.load(evaluation)
    node = state.get(indicator_id)
    version = expected_version_of(expected_version, node)
    gone = {node.pk} | {kid.pk for kid in state.descendants(node.pk)}
    changes, messages = _weights_plan(state, {k: v for k, v in (weights or {}).items() if _pk(k) not in gone})
    if messages:
        raise EditError(messages)
    if node.parent_id is not None and len(state.children(node.parent_id)) == 1:
        parent = state.nodes[node.parent_id]
        raise EditError(
            f"「{node.name}」是「{parent.name}」唯一的下级指标；删除后「{parent.name}」将没有计分规则。"
            f"请删除「{parent.name}」，或先为它添加其他下级指标。"
        )
    before = state.rule_nodes()
    after = {pk: n for pk, n in before.items() if pk not in gone}
    for pk, (new_weight, _) in changes.items():
        after[pk] = tree.Node(pk, before[pk].parent, before[pk].name, new_weight)
    _check_plan(before, after, _leaf_rules(state, after, changes))
    if not EvaluationIndicator.objects.filter(pk=node.pk, version=version).exists():
        current = EvaluationIndicator.objects.get(pk=node.pk)
        raise StaleObjectError(current, version, current.version, [])
    _apply_weights(state, changes, user)
    EvaluationIndicator.objects.filter(pk__in=gone).delete()
    recompute_scores(state.evaluation)
    return len(gone)


def _pk(key: Any) -> int | None:
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def move_indicator(
    *, evaluation: Evaluation, indicator_id: Any, expected_version: Any, direction: str, user: Any = None
) -> None:
    """Move an indicator one place up or down among its siblings."""
    state = LockedTree.load(evaluation)
    node = state.get(indicator_id)
    version = expected_version_of(expected_version, node)
    siblings = state.children(node.parent_id)
    index = siblings.index(node)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(siblings):
        raise EditError(f"「{node.name}」已经在{'最前' if direction == 'up' else '最后'}。")
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for order, sibling in enumerate(siblings, start=1):
        if sibling.pk == node.pk:
            node.order = order
            save_versioned(node, expected_version=version, fields=["order"], user=user)
        elif sibling.order != order:
            # Only the position moves: the neighbours' content is untouched, so their versions stay.
            EvaluationIndicator.objects.filter(pk=sibling.pk).update(order=order)
