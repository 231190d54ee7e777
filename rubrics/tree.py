"""Integrity rules for indicator trees, shared by templates and evaluations.

Pure functions over plain node records, so the admin, forms, imports and the
consistency check all apply exactly the same rules (weights add up, depth, no cycles).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

MAX_DEPTH = 4
TOTAL_WEIGHT = Decimal(100)


@dataclass(frozen=True)
class Node:
    key: Hashable
    parent: Hashable | None
    name: str
    weight: Decimal | None


def fmt(value: Decimal | None) -> str:
    """A weight as people write it: 20, 1.5, 0.25 (no trailing zeros)."""
    if value is None:
        return "未填"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def depth_errors(nodes: Iterable[Node], max_depth: int = MAX_DEPTH) -> list[str]:
    """Cycles, dangling parents and nesting deeper than max_depth."""
    by_key = {node.key: node for node in nodes}
    errors: list[str] = []
    for node in by_key.values():
        seen = {node.key}
        depth, parent = 1, node.parent
        while parent is not None:
            if parent in seen:
                errors.append(f"指标「{node.name}」的上级指标形成循环，请重新选择上级指标。")
                break
            if parent not in by_key:
                errors.append(f"指标「{node.name}」的上级指标不在本指标体系中。")
                break
            seen.add(parent)
            depth += 1
            parent = by_key[parent].parent
        else:
            if depth > max_depth:
                errors.append(f"指标「{node.name}」位于第 {depth} 级，指标体系最多 {max_depth} 级。")
    return errors


def weight_errors(nodes: Iterable[Node], require_total: bool = True) -> list[str]:
    """Children's weights add up to their parent; level-1 weights add up to 100."""
    nodes = list(nodes)
    children: dict[Hashable, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent, []).append(node)
    errors: list[str] = []
    for node in nodes:
        if node.weight is not None and node.weight < 0:
            errors.append(f"指标「{node.name}」的权重 {fmt(node.weight)} 分为负数。")
    for node in nodes:
        kids = children.get(node.key)
        if not kids:
            continue
        total = sum((kid.weight or Decimal(0) for kid in kids), Decimal(0))
        if node.weight != total:
            errors.append(
                f"指标「{node.name}」权重 {fmt(node.weight)} 分，其下级指标权重合计 {fmt(total)} 分，二者应相等。"
            )
    roots = children.get(None, [])
    if require_total and roots:
        total = sum((root.weight or Decimal(0) for root in roots), Decimal(0))
        if total != TOTAL_WEIGHT:
            errors.append(f"一级指标权重合计 {fmt(total)} 分，应为 {fmt(TOTAL_WEIGHT)} 分。")
    return errors


def tree_errors(nodes: Iterable[Node], require_total: bool = True) -> list[str]:
    nodes = list(nodes)
    structural = depth_errors(nodes)
    if structural:  # weights of a broken tree would only add noise
        return structural
    return weight_errors(nodes, require_total=require_total)
