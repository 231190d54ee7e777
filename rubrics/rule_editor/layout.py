"""What the editor's template draws for a draft: the kind list, one block of boxes per kind, tables with their
rows and the blank row that "添加一行" copies. Built from the engine's catalogue, so a new kind or parameter
shows up without touching the template. Pure Python: no Django.

Rows added in the browser are copies of a ``<template>``: their row number is a placeholder per nesting depth
(``__r0__`` for the rule's own tables, ``__r1__`` inside an either_of option's rule), so copying a row of an
option's table never renames the option it sits in.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rubrics.engine import CATALOGUE_ORDER, COMMON_PARAM_FIELDS, RULE_KINDS, ParamField, rule_catalogue
from rubrics.rule_editor.drafts import NESTED_EXCLUDED, TABLE_TYPES, RuleDraft, box, draft_from_rule
from rubrics.rule_editor.typed import shown

NUMERIC_TYPES = ("number", "percent", "integer", "index")
NO_PARAMS = "本规则没有需要设置的参数。"


def placeholder(depth: int) -> str:
    return f"__r{depth}__"


@cache
def sample_inputs() -> dict[str, list[dict[str, Any]]]:
    """Each kind's inputs as the preview asks for them (JSON-ready: name, label, type, percent, unit, hint)."""
    return {entry["kind"]: entry["input_fields"] + entry["common_input_fields"] for entry in rule_catalogue()}


@cache
def _blank(kind: str) -> RuleDraft:
    """A kind's boxes before anything is typed (a table with a default shows its default rows)."""
    return draft_from_rule(kind, {})


def editor_layout(prefix: str, draft: RuleDraft, depth: int = 0) -> dict[str, Any]:
    """The template context of one rule editor (its own kind list, boxes and messages)."""
    nested = depth > 0
    kinds = []
    for kind in CATALOGUE_ORDER:
        if nested and kind == NESTED_EXCLUDED:
            continue
        spec = RULE_KINDS[kind]
        selected = draft.kind == kind
        shown_draft = draft if selected else _blank(kind)
        kinds.append(
            {
                "kind": kind,
                "label": spec.label,
                "summary": spec.summary,
                "example": spec.example,
                "unit": spec.unit,
                "selected": selected,
                "params": [_param(prefix, kind, p, shown_draft, depth, selected) for p in spec.param_fields],
            }
        )
    common = [_param(prefix, draft.kind, p, draft, depth, True) for p in COMMON_PARAM_FIELDS]
    return {
        "prefix": prefix,
        "depth": depth,
        "nested": nested,
        "kind_name": f"{prefix}-kind",
        "kind_id": f"id_{prefix}-kind",
        "kinds": kinds,
        "no_params": NO_PARAMS,
        "errors": draft.errors.get("", []),
        "common": common,
        "more_open": any(p["value"] or p["errors"] for p in common),
    }


def _param(prefix: str, kind: str, param: ParamField, draft: RuleDraft, depth: int, selected: bool) -> dict[str, Any]:
    name = box(prefix, kind, param)
    value = draft.values.get(param.name, "")
    layout: dict[str, Any] = {
        "name": param.name,
        "label": param.label,
        "type": param.type,
        "hint": param.hint,
        "box": name,
        "id": f"id_{name}",
        "errors": draft.errors.get(param.name, []),
        "numeric": param.type in NUMERIC_TYPES,
        "prefix_text": "第" if param.type == "index" else "",
        "suffix": "%" if param.type == "percent" else ("项" if param.type == "index" else param.unit),
        "value": value if isinstance(value, str) else "",
        "placeholder": _placeholder(param),
    }
    if param.type == "choice":
        chosen = value or param.default or ""
        layout["choices"] = [(option, label, option == chosen) for option, label in param.choices]
    if param.type in TABLE_TYPES:
        rows = value if isinstance(value, list) else []
        layout["table"] = _table(name, param, rows, depth, selected)
    return layout


def _placeholder(param: ParamField) -> str:
    if param.default is None or param.type in TABLE_TYPES or param.type == "choice":
        return ""
    return f"默认 {shown(param.default)}" if param.type != "text" else str(param.default)


def _table(name: str, param: ParamField, rows: list[dict[str, Any]], depth: int, selected: bool) -> dict[str, Any]:
    rules = param.type == "options"
    minimum = 2 if rules else 1
    if selected and len(rows) < minimum:  # the chosen kind starts with rows to type in; others get theirs in JS
        rows = [*rows, *({} for _ in range(minimum - len(rows)))]
    columns = [column for column in param.columns if column.type != "rule"]
    return {
        "rules": rules,
        "depth": depth,
        "min_rows": minimum,
        "columns": [
            {
                "name": c.name,
                "label": c.label,
                "suffix": "%" if c.type == "percent" else c.unit,
                "wide": c.type == "text",
            }
            for c in columns
        ],
        "hints": [f"{c.label}：{c.hint}" for c in columns if c.hint],
        "rows": [_row(name, param, i, row, depth) for i, row in enumerate(rows)],
        "template": _row(name, param, placeholder(depth), {}, depth),
    }


def _row(name: str, param: ParamField, index: Any, row: dict[str, Any], depth: int) -> dict[str, Any]:
    cells = []
    rule = None
    for column in param.columns:
        cell = f"{name}-{index}-{column.name}"
        if column.type == "rule":
            nested = row.get(column.name)
            rule = editor_layout(cell, nested if isinstance(nested, RuleDraft) else RuleDraft(), depth + 1)
            continue
        value = row.get(column.name, "")
        cells.append(
            {
                "name": column.name,
                "label": column.label,
                "box": cell,
                "id": f"id_{cell}",
                "value": value if isinstance(value, str) else "",
                "numeric": column.type in NUMERIC_TYPES,
                "suffix": "%" if column.type == "percent" else column.unit,
                "wide": column.type == "text",
            }
        )
    return {"index": index, "cells": cells, "rule": rule}


def summary(kind: str, params: Any) -> str:
    """A stored rule in one line, for read-only pages: 达标线扣分（达标线 100；每档扣分 2 分；每档幅度 5）."""
    spec = RULE_KINDS.get(kind)
    if spec is None:
        return "未设置"
    draft = draft_from_rule(kind, params)
    parts = []
    for param in spec.param_fields:
        value = draft.values.get(param.name)
        if param.type in TABLE_TYPES:
            if value:
                parts.append(f"{param.label} {len(value)} 项")
        elif value:
            shown_value = param.choice_label(value) if param.type == "choice" else value
            unit = "%" if param.type == "percent" else ("项" if param.type == "index" else param.unit)
            prefix = "第 " if param.type == "index" else ""
            parts.append(f"{param.label} {prefix}{shown_value}{' ' + unit if unit and unit != '%' else unit}")
    return f"{spec.label}（{'；'.join(parts)}）" if parts else spec.label
