"""An evaluation's indicator tree as every page, the report, the check and the overview read it.

One query; the read model is rubrics.tree.IndicatorTree (levels, leaves, subtotals as sums of rounded leaf
scores, merged cells; leaves marked 不适用 are left out under the evaluation's "rescale" policy). Pass
``indicators`` when the rows are already loaded (with prefetches, say).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from evaluations.datatables.figures import Figure, compute_figures
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.targets import annotate_texts
from rubrics.numbers import fixed, plain
from rubrics.tree import IndicatorTree, TreeNode


def indicator_tree(
    evaluation: Evaluation,
    indicators: Iterable[EvaluationIndicator] | None = None,
    *,
    texts: bool = False,
    figures: Mapping[str, Figure] | None = None,
) -> IndicatorTree[EvaluationIndicator]:
    """``texts``: every row also gets ``shown_target`` and ``shown_actual`` (标杆值, 实际完成值) as printed."""
    rows = list(indicators) if indicators is not None else list(evaluation.indicators.all())
    if texts:
        if figures is None:
            figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
        annotate_texts(rows, figures)
    return IndicatorTree(rows, applicable=lambda row: row.counts(evaluation.na_policy))


def indicator_rows(evaluation: Evaluation) -> list[TreeNode[EvaluationIndicator]]:
    """The evaluation's indicators in tree order (each with .indicator, .level, .is_leaf and .score)."""
    return indicator_tree(evaluation).nodes


def not_applicable_note(tree: IndicatorTree[EvaluationIndicator], na_policy: str) -> str:
    """What the page and the report's conclusion say about leaves marked 不适用 ("" when there are none):
    under "rescale" how the total was brought to 100, under "full" that they count at full weight."""
    marked = [leaf for leaf in tree.leaves if leaf.item.not_applicable]
    if not marked:
        return ""
    names = "、".join(f"「{leaf.name}」" for leaf in marked[:3]) + ("等" if len(marked) > 3 else "")
    head = f"{names} {len(marked)} 个指标不适用于本次评价"
    if na_policy != "rescale":
        return f"{head}，按满分计算。"
    weight, score = tree.applicable_sums
    if score is None or tree.total is None:
        return f"{head}，不计分；扣除不适用指标后按百分制折算总分。"
    return (
        f"{head}，扣除不适用指标后按百分制折算：适用指标权重合计 {plain(weight)} 分，得分 {fixed(score)} 分，"
        f"综合得分 = {fixed(score)} ÷ {plain(weight)} × 100 = {fixed(tree.total)} 分。"
    )
