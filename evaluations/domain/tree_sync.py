"""Writing a document's indicator tree over a stored one (a template's or an evaluation's).

Indicators are matched by their path of names, so an unchanged indicator keeps its row (its evidence links,
its template source, its history) and importing the same tree twice writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from rubrics.document import Indicator


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


def _path_map(existing: Iterable[Any]) -> dict[tuple[str, ...], models.Model]:
    rows = sorted(existing, key=lambda row: (row.order, row.pk))
    by_pk = {row.pk: row for row in rows}
    paths: dict[tuple[str, ...], models.Model] = {}
    for row in rows:
        path, node, seen = [row.name], row, {row.pk}
        while node.parent_id is not None and node.parent_id in by_pk and node.parent_id not in seen:
            node = by_pk[node.parent_id]
            seen.add(node.pk)
            path.append(node.name)
        paths.setdefault(tuple(reversed(path)), row)  # a duplicate path is left over and deleted
    return paths


def sync_tree(
    existing: models.QuerySet,
    nodes: list[Indicator],
    make: Callable[[dict[str, Any]], models.Model],
    values_of: Callable[[Indicator], dict[str, Any]],
) -> list[models.Model]:
    """Make the stored tree equal the document's: update matched rows (only changed fields), create, delete.

    Returns the rows in the order of ``nodes``.
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
