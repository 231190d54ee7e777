"""Writing a document's indicator tree over a stored one (a template's or an evaluation's).

Indicators are matched by their path of names, so an unchanged indicator keeps its row (its evidence links,
its template source, its history) and importing the same tree twice writes nothing. ``sync_tree`` writes row by
row (the template import); the evaluation import matches with ``match_tree``, scores the rows in memory and writes
them with ``write_tree`` in a few bulk statements, history included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from evaluations.domain.user_actions import history_defaults
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


# --- the bulk path (the evaluation import): match first, score in memory, then write in a few statements -------


@dataclass
class TreeMatch:
    """A document's tree matched against the stored one, nothing written yet.

    ``rows`` are in node order: stored rows with the document's values set, new rows without an id. ``parents[i]``
    is the position of row i's parent; ``stored[i]`` the stored values (by attname) of a matched row, to tell
    which fields changed; ``gone`` the ids of stored rows the document no longer has.
    """

    rows: list[models.Model]
    parents: list[int | None]
    stored: dict[int, dict[str, Any]] = field(default_factory=dict)
    gone: list[int] = field(default_factory=list)


def match_tree(
    existing: Iterable[models.Model],
    nodes: list[Indicator],
    make: Callable[[dict[str, Any]], models.Model],
    values_of: Callable[[Indicator], dict[str, Any]],
) -> TreeMatch:
    """Pair every node with its stored row (by path of names) or a new row; set the document's values on them."""
    by_path, stray = _path_map(existing)
    match = TreeMatch(rows=[], parents=[node.parent for node in nodes])
    for position, node in enumerate(nodes):
        values = values_of(node)
        row = by_path.pop(node.path, None)
        if row is None:
            row = make(values)
        else:
            match.stored[position] = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
            for name, value in values.items():
                setattr(row, name, value)
        match.rows.append(row)
    match.gone = [row.pk for row in [*by_path.values(), *stray]]
    return match


def write_tree(match: TreeMatch, model: type[models.Model], existing: models.QuerySet) -> list[models.Model]:
    """Write a matched tree in bulk, each write with its history record: new rows one statement per level (a
    row's parent has its id first), changed stored rows in one update (only rows whose values moved), rows gone
    deleted (with their subtrees). Queries do not grow with the number of indicators, only with the depth."""
    rows, parents = match.rows, match.parents
    depth: list[int] = []
    for parent in parents:  # pre-order: a parent comes before its children
        depth.append(0 if parent is None else depth[parent] + 1)
    levels: dict[int, list[int]] = {}
    for position in range(len(rows)):
        if position not in match.stored:
            levels.setdefault(depth[position], []).append(position)
    for level in sorted(levels):
        created = [rows[position] for position in levels[level]]
        for position, row in zip(levels[level], created, strict=True):
            row.parent_id = rows[parents[position]].pk if parents[position] is not None else None
        bulk_create_with_history(created, model, **history_defaults())
    changed_rows, changed_fields = [], set()
    for position, stored in match.stored.items():
        row = rows[position]
        row.parent_id = rows[parents[position]].pk if parents[position] is not None else None
        changed = [attname for attname, value in stored.items() if getattr(row, attname) != value]
        if changed:
            changed_rows.append(row)
            changed_fields.update(changed)
    if changed_rows:
        names = [model._meta.get_field(attname).name for attname in sorted(changed_fields)]
        bulk_update_with_history(changed_rows, model, names, **history_defaults())
    if match.gone:  # deleting a node deletes its subtree (CASCADE); every kept node was re-parented above
        existing.filter(pk__in=match.gone).delete()
    return rows
