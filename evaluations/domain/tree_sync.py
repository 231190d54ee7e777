"""Writing a document's indicator tree over a stored one (a template's or an evaluation's).

Indicators are matched by their path of names, so an unchanged indicator keeps its row (its evidence links,
its template source, its history) and importing the same tree twice writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from rubrics.document import Indicator
from rubrics.tree import IndicatorTree


def indicator_values(node: Indicator) -> dict[str, Any]:
    """The fields a template indicator and an evaluation's indicator both store (rubrics.models.IndicatorFields)."""
    return {
        "name": node.name,
        "weight": node.weight,
        "order": node.order,
        **node.texts,
        "rule_kind": node.rule_kind,
        "rule_params": node.rule_params,
        "bindings": node.bindings,
    }


def _path_map(existing: Iterable[Any]) -> tuple[dict[tuple[str, ...], models.Model], list[models.Model]]:
    """The stored rows by their path of names, and the rows no path reaches (a duplicate path, a broken parent)."""
    rows = list(existing)
    paths: dict[tuple[str, ...], models.Model] = {}
    for node in IndicatorTree(rows, score=lambda row: None).nodes:
        paths.setdefault(node.path, node.item)
    kept = {row.pk for row in paths.values()}
    return paths, [row for row in rows if row.pk not in kept]


def sync_tree(
    existing: models.QuerySet,
    nodes: list[Indicator],
    make: Callable[[dict[str, Any]], models.Model],
    values_of: Callable[[Indicator], dict[str, Any]],
) -> list[models.Model]:
    """Make the stored tree equal the document's: update matched rows (only changed fields), create, delete.

    Returns the rows in the order of ``nodes``.
    """
    by_path, stray = _path_map(existing)
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
    gone = [row.pk for row in [*by_path.values(), *stray]]
    if gone:  # deleting a node deletes its subtree (CASCADE); every matched node was re-parented above
        existing.filter(pk__in=gone).delete()
    return saved
