"""Reading a perf-eval/1 document's indicator tree into the database.

Shared by the template import (here) and the evaluation import (evaluations.domain.interchange):
``read_indicators`` checks a document's tree with the same rules the admin applies (rubrics.tree,
rubrics.engine.validate_rule) and ``sync_tree`` writes it over an existing tree, matching indicators by
their path of names so that unchanged indicators keep their rows (and whatever points at them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction

from rubrics import tree
from rubrics.builtin import BUILTIN_DIR
from rubrics.engine import RULE_KINDS, as_decimal, validate_grades, validate_rule
from rubrics.interchange import DocumentError, format_errors, parse_document, read_document_file
from rubrics.models import EvaluationKind, EvaluationMode, IndicatorTemplate, TemplateIndicator, default_grades

MAX_WEIGHT = Decimal("9999.99")  # IndicatorFields.weight: 6 digits, 2 decimals
TEXT_FIELDS = {  # document key → (model field, max length or None for a TextField)
    "explanation": ("explanation", None),
    "standard": ("standard", None),
    "benchmark": ("benchmark", 200),
    "unit": ("unit", 30),
    "evidence": ("evidence_required", None),
}


class DocumentImportError(DocumentError):
    """The document cannot be imported; ``errors`` holds one Chinese line per problem. Nothing was written."""


def show(value: Any) -> str:
    """A value as quoted in an error line: “文字”, 12.5, null, ["a"]."""
    if isinstance(value, str):
        return f"“{value}”"
    return json.dumps(plain_json(value), ensure_ascii=False, default=str)


def plain_json(value: Any) -> Any:
    """A parsed document value as JSON-storable data.

    ``parse_document`` reads fractions as Decimal, which a JSONField cannot store. A Decimal becomes a float
    when the float prints back as the same number (99.71, 0.5), else a string, which the engine reads exactly.
    """
    if isinstance(value, Decimal):
        number = float(value)
        return number if Decimal(repr(number)) == value else format(value, "f")
    if isinstance(value, dict):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    return value


def text_value(data: dict, key: str, max_length: int | None, where: str, errors: list[str]) -> str:
    """An optional text value ("" when absent); non-text or too long values are reported."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"{where}：{key} 必须是文字，现为 {show(value)}")
        return ""
    if max_length is not None and len(value) > max_length:
        errors.append(f"{where}：{key} 最多 {max_length} 个字，现为 {len(value)} 个字")
    return value


@dataclass
class DocNode:
    """One indicator of a document, checked; ``values`` are IndicatorFields values ready to store."""

    data: dict
    path: tuple[str, ...]
    parent: int | None
    children: list[int] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    broken: bool = False  # not an object: reported once, not checked further

    @property
    def where(self) -> str:
        return " / ".join(self.path)

    @property
    def leaf(self) -> bool:
        return not self.children


def _weight(data: dict, where: str, errors: list[str]) -> Decimal | None:
    raw = data.get("weight")
    if raw is None:
        return None
    weight = as_decimal(raw)
    if weight is None:
        errors.append(f"{where}：权重 weight 必须是数字，现为 {show(raw)}")
    elif weight < 0:
        errors.append(f"{where}：权重 weight 不能为负数，现为 {tree.fmt(weight)}")
    elif weight > MAX_WEIGHT:
        errors.append(f"{where}：权重 weight 不能超过 {MAX_WEIGHT}，现为 {tree.fmt(weight)}")
    elif weight != weight.quantize(Decimal("0.01")):
        errors.append(f"{where}：权重 weight 最多两位小数，现为 {tree.fmt(weight)}")
    else:
        return weight
    return None


def _rule(node: DocNode, weight: Decimal | None, errors: list[str]) -> tuple[str, dict]:
    rule = node.data.get("rule")
    if rule is None:
        return "", {}  # a leaf without a rule yet: stored, and reported as unscored
    if not isinstance(rule, dict):
        errors.append(f"{node.where}：评分规则 rule 必须是对象，现为 {show(rule)}")
        return "", {}
    kind = rule.get("kind")
    if not isinstance(kind, str) or kind not in RULE_KINDS:
        known = "、".join(RULE_KINDS)
        what = "评分规则缺少类型 kind" if kind is None else f"未知的评分规则类型 kind {show(kind)}"
        errors.append(f"{node.where}：{what}（可选：{known}）")
        return "", {}
    params = {key: value for key, value in rule.items() if key != "kind"}
    if weight is not None:
        errors.extend(f"{node.where}：评分规则 {kind}：{message}" for message in validate_rule(kind, params, weight))
    return kind, plain_json(params)


def _bindings(node: DocNode, kind: str, errors: list[str]) -> dict:
    bind = node.data.get("bind")
    if bind is None:
        return {}
    if not isinstance(bind, dict) or not all(isinstance(v, str) and v.strip() for v in bind.values()):
        errors.append(f"{node.where}：数据绑定 bind 必须是 {{输入名: 派生数据代码}} 对象，现为 {show(bind)}")
        return {}
    if not node.leaf:
        errors.append(f"{node.where}：只有末级指标可以绑定数据 bind")
    elif kind:
        unknown = [name for name in bind if name not in RULE_KINDS[kind].inputs]
        if unknown:
            known = "、".join(RULE_KINDS[kind].inputs)
            errors.append(
                f"{node.where}：数据绑定 bind 的输入 {'、'.join(unknown)} 不是评分规则 {kind} 的输入（可选：{known}）"
            )
    return dict(bind)


def _walk(indicators: list, errors: list[str]) -> list[DocNode]:
    # Iterative pre-order (parents before children), so a deep document cannot exhaust the recursion limit.
    nodes: list[DocNode] = []
    stack: list[tuple[Any, tuple[str, ...], int | None, int]] = [
        (data, (), None, i) for i, data in reversed(list(enumerate(indicators)))
    ]
    while stack:
        data, parent_path, parent, position = stack.pop()
        name = data.get("name") if isinstance(data, dict) else None
        named = isinstance(name, str) and bool(name.strip())
        node = DocNode(
            data if isinstance(data, dict) else {},
            (*parent_path, name.strip() if named else f"第 {position + 1} 项（未命名）"),
            parent,
        )
        index = len(nodes)
        nodes.append(node)
        node.values["order"] = position + 1
        if parent is not None:
            nodes[parent].children.append(index)
        if not isinstance(data, dict):
            errors.append(f"{node.where}：指标必须是对象，现为 {show(data)}")
            node.broken = True
            continue
        if not named:
            errors.append(f"{node.where}：缺少指标名称 name")
        elif len(name.strip()) > 200:
            errors.append(f"{node.where}：指标名称最多 200 个字")
        node.values["name"] = name.strip() if named else ""
        children = data.get("children")
        if children is not None and not isinstance(children, list):
            errors.append(f"{node.where}：children（下级指标）必须是列表，现为 {show(children)}")
        elif children:
            stack.extend((child, node.path, index, i) for i, child in reversed(list(enumerate(children))))
    return nodes


def _sibling_errors(nodes: list[DocNode]) -> list[str]:
    # Findings, evidence and re-imports address indicators by their path of names, so a path must be unique.
    errors, seen = [], set()
    for node in nodes:
        if node.values.get("name") and node.path in seen:
            errors.append(f"{node.where}：同一上级指标下有两个指标同名，请改名以便区分")
        seen.add(node.path)
    return errors


def read_indicators(indicators: Any) -> tuple[list[DocNode], list[str]]:
    """Check a document's ``indicators``; return the nodes (pre-order) and every error found."""
    if indicators is None:
        return [], ["缺少指标列表 indicators"]
    if not isinstance(indicators, list):
        return [], [f"indicators 必须是指标列表，现为 {show(indicators)}"]
    if not indicators:
        return [], ["指标列表 indicators 为空"]
    errors: list[str] = []
    nodes = _walk(indicators, errors)
    errors += _sibling_errors(nodes)
    weights: list[Decimal | None] = [None] * len(nodes)
    for index in reversed(range(len(nodes))):  # children first, so an inner node may omit its weight
        node = nodes[index]
        weights[index] = _weight(node.data, node.where, errors)
        if node.data.get("weight") is None and not node.broken:
            kids = [weights[i] for i in node.children]
            if not node.children:
                errors.append(f"{node.where}：缺少权重 weight")
            elif None not in kids:
                weights[index] = sum(kids, Decimal(0))
    for index, node in enumerate(nodes):
        node.values["weight"] = weights[index]
        if node.broken:
            continue
        for key, (model_field, max_length) in TEXT_FIELDS.items():
            node.values[model_field] = text_value(node.data, key, max_length, node.where, errors)
        if "benchmark" not in node.data and isinstance(node.data.get("target"), str):
            # §10's example calls the 标杆值 "target"; "benchmark" is this product's name for it.
            node.values["benchmark"] = text_value(node.data, "target", 200, node.where, errors)
        if node.leaf:
            kind, params = _rule(node, weights[index], errors)
        else:
            kind, params = "", {}
            if node.data.get("rule") is not None:
                errors.append(f"{node.where}：既有下级指标 children 又有评分规则 rule，无法确定如何计分")
        node.values.update(rule_kind=kind, rule_params=params, bindings=_bindings(node, kind, errors))
    records = [tree.Node(key=i, parent=n.parent, name=n.path[-1], weight=weights[i]) for i, n in enumerate(nodes)]
    # Weight sums over unreadable weights would only add noise to the errors already listed.
    errors += tree.tree_errors(records) if None not in weights else tree.depth_errors(records)
    return nodes, errors


def _path_map(existing: Iterable[Any]) -> dict[tuple[str, ...], models.Model]:
    rows = sorted(existing, key=lambda row: (row.order, row.pk))
    by_pk = {row.pk: row for row in rows}
    paths: dict[tuple[str, ...], models.Model] = {}
    for row in rows:
        path, node, hops = [row.name], row, 0
        while node.parent_id is not None and node.parent_id in by_pk and hops <= tree.MAX_DEPTH * 4:
            node, hops = by_pk[node.parent_id], hops + 1
            path.append(node.name)
        paths.setdefault(tuple(reversed(path)), row)  # a duplicate path is left over and deleted
    return paths


def sync_tree(
    existing: models.QuerySet,
    nodes: list[DocNode],
    make: Callable[[dict[str, Any]], models.Model],
    values_of: Callable[[DocNode], dict[str, Any]],
) -> list[models.Model]:
    """Make the stored tree equal the document's: update matched rows (only changed fields), create, delete.

    Indicators are matched by their path of names, so an unchanged indicator keeps its row, its evidence
    links and its template source, and importing the same tree twice writes nothing.
    """
    by_path = _path_map(existing)
    saved: list[models.Model] = []
    for node in nodes:
        parent = saved[node.parent] if node.parent is not None else None
        values = values_of(node)
        row = by_path.pop(node.path, None)
        if row is None:
            row = make({**values, "parent": parent})
            row.save()
        else:
            changed = [name for name, value in values.items() if getattr(row, name) != value]
            if row.parent_id != (parent.pk if parent else None):
                row.parent = parent
                changed.append("parent")
            for name in changed:
                if name != "parent":
                    setattr(row, name, values[name])
            if changed:
                row.save(update_fields=changed)
        saved.append(row)
    if by_path:  # deleting a node deletes its subtree (CASCADE); every matched node was re-parented above
        existing.filter(pk__in=[row.pk for row in by_path.values()]).delete()
    return saved


def _template_header_errors(name: str, kind: str, mode: str, source: str) -> list[str]:
    errors = []
    if not name.strip() or len(name) > 200:
        errors.append(f"模板名称必须是 1 到 200 个字，现为 {show(name)}")
    if kind not in EvaluationKind.values:
        errors.append(f"适用评价类型必须是 {'、'.join(EvaluationKind.values)} 之一，现为 {show(kind)}")
    if mode not in EvaluationMode.values:
        errors.append(f"评价方式必须是 {'、'.join(EvaluationMode.values)} 之一，现为 {show(mode)}")
    if len(source) > 200:
        errors.append(f"模板来源最多 200 个字，现为 {len(source)} 个字")
    return errors


def document_grades(doc: dict, errors: list[str]) -> list:
    evaluation = doc.get("evaluation")
    grades = evaluation.get("grades") if isinstance(evaluation, dict) else None
    if grades is None:
        return default_grades()
    messages = validate_grades(grades)
    errors += [f"evaluation.grades（评价等级）：{message}" for message in messages]
    return plain_json(grades)


def _save_template(name: str, values: dict[str, Any]) -> IndicatorTemplate:
    """Create the template, or change only the fields that differ (so an unchanged reload writes nothing).

    The same idea as evaluations.domain.upsert, kept here so the rubrics app does not depend on evaluations.
    """
    template = IndicatorTemplate.objects.filter(name=name).first() or IndicatorTemplate(name=name)
    changed = [key for key, value in values.items() if getattr(template, key) != value]
    if template.pk is None or changed:
        for key in changed:
            setattr(template, key, values[key])
        template.full_clean()
        template.save()
    return template


@transaction.atomic
def import_template(
    doc: Any,
    *,
    name: str,
    kind: str,
    mode: str,
    source: str = "",
    description: str = "",
    is_builtin: bool = False,
) -> IndicatorTemplate:
    """Create the template ``name``, or replace its tree, from a document's indicators (inputs and scores ignored).

    Raises DocumentImportError listing every problem; then nothing is written.
    """
    errors = format_errors(doc)
    if errors:
        raise DocumentImportError(errors)
    errors = _template_header_errors(name, kind, mode, source)
    grades = document_grades(doc, errors)
    nodes, tree_problems = read_indicators(doc.get("indicators"))
    errors += tree_problems
    if errors:
        raise DocumentImportError(errors)
    template = _save_template(
        name,
        {
            "kind": kind,
            "mode": mode,
            "source": source,
            "description": description,
            "grades": grades,
            "is_builtin": is_builtin,
        },
    )
    sync_tree(
        template.indicators.all(),
        nodes,
        lambda values: TemplateIndicator(template=template, **values),
        lambda node: dict(node.values),
    )
    return template




def is_document(text: str) -> bool:
    """Whether a JSON file is meant as a perf-eval/1 document (an object with "format").

    Other JSON data may live beside the templates (e.g. field_research_004.json, a list); a file that does
    not parse at all is treated as a document, so its error is reported rather than skipped.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return True
    return isinstance(data, dict) and "format" in data


def template_arguments(doc: dict, file: Path) -> dict[str, Any]:
    """Name, kind, source and description of the template a built-in document describes."""
    header = doc.get("evaluation") if isinstance(doc.get("evaluation"), dict) else {}
    name = doc.get("template_name") or header.get("template_name") or header.get("title")
    if not isinstance(name, str) or not name.strip():
        raise DocumentError(["缺少模板名称：请在 evaluation.title 或 template_name 中写明"])
    source = header.get("source")
    description = header.get("description")
    return {
        "name": name.strip(),
        "kind": header.get("kind"),
        "mode": EvaluationMode.FINANCE,
        "source": source if isinstance(source, str) else f"rubrics/builtin/{file.name}",
        "description": description if isinstance(description, str) else "",
        "is_builtin": True,
    }


@dataclass
class BuiltinResult:
    file: Path
    template: IndicatorTemplate | None = None
    errors: list[str] = field(default_factory=list)
    skipped: bool = False


def load_builtin_templates(directory: Path = BUILTIN_DIR) -> list[BuiltinResult]:
    """Load every perf-eval/1 document of the folder as a built-in template (idempotent).

    A file that fails is reported and the others still load; a user-made template of the
    same name is never overwritten.
    """
    results = []
    for file in sorted(directory.glob("*.json")):
        result = BuiltinResult(file)
        results.append(result)
        try:
            text = read_document_file(str(file))
            if not is_document(text):
                result.skipped = True
                continue
            doc = parse_document(text)
            arguments = template_arguments(doc, file)
            existing = IndicatorTemplate.objects.filter(name=arguments["name"], is_builtin=False).first()
            if existing is not None:
                raise DocumentError([f"已有同名的非内置模板「{existing.name}」，为免覆盖，未载入"])
            result.template = import_template(doc, **arguments)
        except DocumentError as exc:
            result.errors = list(exc.errors)
    return results
