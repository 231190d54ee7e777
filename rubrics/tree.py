"""Indicator trees: the one read model, and the integrity rules every writer applies.

``IndicatorTree`` is how every page, the report, the consistency check, the overview and the ``score`` command
see a tree: levels, leaves in order, subtotals (sums of the rounded leaf scores) and the merged cells of a
score table. A leaf may be not applicable (DESIGN §4.1, policy "rescale"): it has no score, is not missing, is
left out of its ancestors' sums, and the total becomes Σ applicable scores × 100 ÷ Σ applicable weights.
The integrity rules (children's weights add up to their parent, level 1 to 100, no cycles) are pure functions over
plain node records, so the admin, the editors, imports and the check apply the same rules.
Indicators nest as deep as an evaluation needs: there is no depth limit.
Pure Python: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from rubrics.numbers import rescaled, round_score, written

TOTAL_WEIGHT = Decimal(100)
T = TypeVar("T")


# --- the read model --------------------------------------------------------------------------------------


@dataclass(eq=False)
class TreeNode(Generic[T]):
    """One indicator in its tree: the row it came from, where it sits, its weight and its score."""

    item: T
    key: Hashable
    name: str
    weight: Decimal | None
    level: int  # 1 for 一级指标
    parent: TreeNode[T] | None = None
    children: list[TreeNode[T]] = field(default_factory=list)
    score: Decimal | None = None  # a leaf's counting score (rounded); an inner node's sum of its applicable leaves
    leaf_count: int = 0  # leaves under it (1 for a leaf): the rows a merged level cell spans
    # Not applicable: a leaf the evaluation leaves out (score None, yet not missing); an inner node all of whose
    # leaves are left out. applicable_weight is the weight of the applicable leaves below (a leaf's own weight).
    applicable: bool = True
    applicable_weight: Decimal = Decimal(0)
    has_not_applicable: bool = False  # some leaf below (or the leaf itself) is not applicable

    @property
    def indicator(self) -> T:
        """The indicator row itself (the item the tree was built from)."""
        return self.item

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def leaves(self) -> list[TreeNode[T]]:
        """The leaves under this node (itself for a leaf), in order; iterative, so any depth works."""
        found: list[TreeNode[T]] = []
        stack: list[TreeNode[T]] = [self]
        while stack:
            node = stack.pop()
            if node.is_leaf:
                found.append(node)
            else:
                stack.extend(reversed(node.children))
        return found

    @property
    def path(self) -> tuple[str, ...]:
        names: list[str] = []
        node: TreeNode[T] | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return tuple(reversed(names))

    @property
    def rate_weight(self) -> Decimal | None:
        """What the 得分率 divides by: the weight, or the applicable weight when some leaf below is not applicable."""
        return self.applicable_weight if self.has_not_applicable else self.weight

    @property
    def rate(self) -> Decimal | None:
        """得分率 in percent, exact to the Decimal context (format it with rubrics.numbers); over the applicable
        weight when some leaf below is not applicable."""
        weight = self.rate_weight
        if self.score is None or not weight:
            return None
        return self.score / weight * 100

    def ancestors(self) -> list[TreeNode[T]]:
        """From the level-1 indicator down to the parent."""
        chain: list[TreeNode[T]] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


@dataclass(frozen=True)
class Cell(Generic[T]):
    """A level cell of a score-table row: printed on the first row of its indicator, spanning its leaves."""

    node: TreeNode[T]
    rowspan: int


@dataclass(frozen=True)
class Row(Generic[T]):
    """One row per leaf: the leaf, and the level cells that start on this row (merged cells, as 表3-1)."""

    leaf: TreeNode[T]
    cells: list[Cell[T]]


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda item: getattr(item, name)


_PK, _PARENT_ID, _NAME, _WEIGHT, _SCORE = (_attr(name) for name in ("pk", "parent_id", "name", "weight", "score"))


def _always(item: Any) -> bool:
    return True


class IndicatorTree(Generic[T]):
    """A tree of indicator rows (model instances, parsed document nodes …), read once.

    ``score`` gives a leaf's counting score (None when not scored); inner scores are sums of the rounded leaf
    scores, None as long as any leaf below is unscored. ``applicable`` says whether a leaf counts (default: every
    leaf does): a leaf that does not has no score but is not unscored; it is left out of the sums, and an inner
    node with no applicable leaf is not applicable either. Rows whose parent is missing or who sit on a cycle
    are left out (the integrity rules report them).
    """

    def __init__(
        self,
        items: Iterable[T],
        *,
        key: Callable[[T], Hashable] = _PK,
        parent: Callable[[T], Hashable | None] = _PARENT_ID,
        order: Callable[[T], Any] | None = None,
        name: Callable[[T], str] = _NAME,
        weight: Callable[[T], Decimal | None] = _WEIGHT,
        score: Callable[[T], Any] = _SCORE,
        applicable: Callable[[T], bool] = _always,
    ) -> None:
        rows = list(items)
        if order is None:
            order = lambda item: (getattr(item, "order", 0), key(item))  # noqa: E731 - a default sort key
        by_parent: dict[Hashable | None, list[T]] = {}
        for item in sorted(rows, key=order):
            by_parent.setdefault(parent(item), []).append(item)
        self.nodes: list[TreeNode[T]] = []  # pre-order
        self._by_key: dict[Hashable, TreeNode[T]] = {}
        stack: list[tuple[T, TreeNode[T] | None]] = [(item, None) for item in reversed(by_parent.get(None, []))]
        while stack:
            item, up = stack.pop()
            node = TreeNode(item, key(item), name(item), weight(item), up.level + 1 if up else 1, up)
            if node.key in self._by_key:  # a cycle through the root set cannot happen; a repeated key can
                continue
            self._by_key[node.key] = node
            self.nodes.append(node)
            if up is not None:
                up.children.append(node)
            stack.extend((child, node) for child in reversed(by_parent.get(node.key, [])))
        self.roots = [node for node in self.nodes if node.parent is None]
        self.leaves = [node for node in self.nodes if node.is_leaf]
        for node in reversed(self.nodes):  # children before parents
            if node.is_leaf:
                node.leaf_count = 1
                node.applicable = bool(applicable(node.item))
                node.has_not_applicable = not node.applicable
                if node.applicable:
                    raw = score(node.item)
                    node.score = None if raw is None else round_score(raw)
                    node.applicable_weight = node.weight or Decimal(0)
            else:
                counted = [child for child in node.children if child.applicable]
                scores = [child.score for child in counted]
                node.applicable = bool(counted)
                node.has_not_applicable = any(child.has_not_applicable for child in node.children)
                node.score = None if not counted or None in scores else sum(scores, Decimal(0))
                node.applicable_weight = sum((child.applicable_weight for child in counted), Decimal(0))
                node.leaf_count = sum(child.leaf_count for child in node.children)
        self.depth = max((node.level for node in self.nodes), default=0)

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def node(self, key: Hashable) -> TreeNode[T] | None:
        return self._by_key.get(key)

    @property
    def has_not_applicable(self) -> bool:
        """Whether some leaf is not applicable, so the total is rescaled to 100 over the applicable leaves."""
        return any(root.has_not_applicable for root in self.roots)

    @property
    def applicable_sums(self) -> tuple[Decimal, Decimal | None]:
        """Σ weight and Σ rounded score of the leaves that count (the score None while one is unscored, or when
        none counts): what a rescaled total is brought to 100 from, as pages and reports print it."""
        counted = [leaf for leaf in self.leaves if leaf.applicable]
        weight = sum((leaf.weight or Decimal(0) for leaf in counted), Decimal(0))
        scores = [leaf.score for leaf in counted]
        if not counted or None in scores:
            return weight, None
        return weight, sum(scores, Decimal(0))

    @property
    def total(self) -> Decimal | None:
        """The sum of the level-1 subtotals (of every rounded leaf), or None while a leaf is unscored.

        When some leaf is not applicable: Σ applicable leaf scores × 100 ÷ Σ applicable leaf weights, rounded
        once half-up (None when no leaf is applicable).
        """
        if self.has_not_applicable:
            weight, score = self.applicable_sums
            return None if score is None else rescaled(score, weight)
        scores = [root.score for root in self.roots]
        if not scores or None in scores:
            return None
        return sum(scores, Decimal(0))

    def rows(self) -> list[Row[T]]:
        """The score table: one row per leaf; each level cell on the first row of its indicator with its rowspan."""
        rows: list[Row[T]] = []
        for leaf in self.leaves:
            cells = []
            for node in [*leaf.ancestors(), leaf]:
                first = node.is_leaf or _first_leaf(node) is leaf
                if first:
                    cells.append(Cell(node, node.leaf_count))
            rows.append(Row(leaf, cells))
        return rows

    def records(self) -> list[Node]:
        """The integrity records of this tree (for weight_errors and friends)."""
        return [Node(n.key, n.parent.key if n.parent else None, n.name, n.weight) for n in self.nodes]


def _first_leaf(node: TreeNode[T]) -> TreeNode[T]:
    while node.children:
        node = node.children[0]
    return node


# --- integrity rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    key: Hashable
    parent: Hashable | None
    name: str
    weight: Decimal | None


def fmt(value: Decimal | None) -> str:
    """A weight as people write it: 20, 1.5, 0.25 (no trailing zeros)."""
    return "未填" if value is None else written(value)


def depth_errors(nodes: Iterable[Node]) -> list[str]:
    """Cycles and dangling parents (any depth is allowed)."""
    by_key = {node.key: node for node in nodes}
    errors: list[str] = []
    for node in by_key.values():
        seen = {node.key}
        parent = node.parent
        while parent is not None:
            if parent in seen:
                errors.append(f"指标「{node.name}」的上级指标形成循环，请重新选择上级指标。")
                break
            if parent not in by_key:
                errors.append(f"指标「{node.name}」的上级指标不在本指标体系中。")
                break
            seen.add(parent)
            parent = by_key[parent].parent
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


def subtotal(scores: Iterable[Any]) -> Decimal | None:
    """A sum of leaf scores as every page prints it: each rounded half-up first; None if any is missing."""
    values = list(scores)
    if any(value is None for value in values):
        return None
    return sum((round_score(value) for value in values), Decimal(0))
