"""Read-side helpers that shape data for pages and reports (no writes)."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.models import Evaluation, EvaluationIndicator


@dataclass
class IndicatorRow:
    indicator: EvaluationIndicator
    level: int
    is_leaf: bool
    score: object


def indicator_rows(evaluation: Evaluation) -> list[IndicatorRow]:
    """The evaluation's indicators in tree order with their level, in one query."""
    nodes = list(evaluation.indicators.order_by("order", "pk"))
    children: dict = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    rows: list[IndicatorRow] = []

    def subtotal(node) -> object:
        kids = children.get(node.pk)
        if not kids:
            return node.score
        scores = [subtotal(kid) for kid in kids]
        return None if any(s is None for s in scores) else sum(scores)

    def walk(parent_id, level):
        for node in children.get(parent_id, []):
            rows.append(IndicatorRow(node, level, node.pk not in children, subtotal(node)))
            walk(node.pk, level + 1)

    walk(None, 1)
    return rows
