"""An evaluation's indicator tree as every page, the report, the check and the overview read it.

One query; the read model is rubrics.tree.IndicatorTree (levels, leaves, subtotals as sums of rounded leaf
scores, merged cells). Pass ``indicators`` when the rows are already loaded (with prefetches, say).
"""

from __future__ import annotations

from collections.abc import Iterable

from evaluations.models import Evaluation, EvaluationIndicator
from rubrics.tree import IndicatorTree, TreeNode


def indicator_tree(
    evaluation: Evaluation, indicators: Iterable[EvaluationIndicator] | None = None
) -> IndicatorTree[EvaluationIndicator]:
    rows = list(indicators) if indicators is not None else list(evaluation.indicators.all())
    return IndicatorTree(rows)


def indicator_rows(evaluation: Evaluation) -> list[TreeNode[EvaluationIndicator]]:
    """The evaluation's indicators in tree order (each with .indicator, .level, .is_leaf and .score)."""
    return indicator_tree(evaluation).nodes
