"""Recomputing an evaluation's scores: data → derived figures → bound inputs → engine → totals.

The only place stored scores are written, so they always equal what the engine computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_update_with_history

from evaluations.datatables.figures import Figure, compute_figures
from evaluations.domain.errors import EditError, lock
from evaluations.domain.freezing import assert_editable
from evaluations.domain.user_actions import history_defaults
from evaluations.models import FROZEN_STATES, Evaluation, EvaluationIndicator, LevelOneScore
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.tree import indicator_tree
from rubrics.engine import (
    ENGINE_VERSION,
    InputError,
    RuleError,
    compute_score,
    grade_for,
    readable,
    validate_na_policy,
)
from rubrics.numbers import exact_text, round_half_up
from rubrics.tree import IndicatorTree, TreeNode


@dataclass
class RecomputeResult:
    total: Decimal | None
    grade: str
    unscored: list[str] = field(default_factory=list)  # leaves that cannot be scored yet, with why
    figures: dict[str, Figure] = field(default_factory=dict)


def apply_bindings(indicator: EvaluationIndicator, figures: dict[str, Figure]) -> None:
    """Copy bound figures into the indicator's inputs, exactly ("99.71", or "125/6" when no decimal ends).

    Where the data do not yet give the figure, the value typed earlier stays (nothing is lost);
    the consistency check says that the figure is missing.
    """
    inputs = dict(indicator.inputs or {})
    for name, key in (indicator.bindings or {}).items():
        figure = figures.get(key)
        if figure is not None and figure.value is not None:
            inputs[name] = exact_text(figure.value)
    indicator.inputs = inputs


def score_leaf(indicator: EvaluationIndicator, na_policy: str) -> str | None:
    """Compute the leaf's score in place; return why it cannot be scored, or None.

    A leaf left out as not applicable ("rescale") keeps no computed score: it is not part of any sum.
    """
    if not indicator.rule_kind:
        indicator.computed_score, indicator.score_explanation = None, "未设置计分规则。"
        return indicator.score_explanation
    try:
        result = compute_score(
            indicator.rule_kind,
            indicator.rule_params or {},
            indicator.inputs or {},
            indicator.weight,
            na_policy=na_policy,
        )
    except (InputError, RuleError) as error:
        indicator.computed_score, indicator.score_explanation = None, str(error)
        return indicator.score_explanation
    indicator.computed_score = result.score if result.applicable else None
    indicator.score_explanation = result.explanation
    return None


def score_leaves(
    tree: IndicatorTree[EvaluationIndicator], figures: dict[str, Figure], na_policy: str
) -> tuple[list[str], list[EvaluationIndicator]]:
    """Bind and score every leaf of the tree in place (nothing is saved).

    Returns the leaves that cannot be scored yet (with why) and the leaves whose inputs or score moved.
    """
    unscored: list[str] = []
    changed: list[EvaluationIndicator] = []
    for leaf in (node.item for node in tree.leaves):
        before = (leaf.inputs, leaf.computed_score, leaf.score_explanation)
        apply_bindings(leaf, figures)
        problem = score_leaf(leaf, na_policy)
        if problem and leaf.awarded_score is None:
            unscored.append(f"{leaf.name}：{problem}")
        if (leaf.inputs, leaf.computed_score, leaf.score_explanation) != before:
            changed.append(leaf)
    return unscored, changed


def score_unsaved(
    indicators: list[EvaluationIndicator],
    parents: list[int | None],
    *,
    figures: dict[str, Figure],
    na_policy: str,
    grades: list,
) -> RecomputeResult:
    """Score indicator rows before they are written (the bulk import): what ``recompute_scores`` would store.

    ``parents[i]`` is the position of row i's parent in ``indicators`` (rows without ids yet). Every leaf gets its
    bound inputs, computed score and explanation in place; the result holds the total and grade the evaluation
    is to store. The caller writes the rows, then their level-1 subtotals (``level_one_row``) and the total with
    ``scored_with=ENGINE_VERSION``, so stored scores equal the engine's as after ``recompute_scores``.
    """
    position = {id(row): index for index, row in enumerate(indicators)}

    def tree(**kwargs: Any) -> IndicatorTree[EvaluationIndicator]:
        return IndicatorTree(
            indicators, key=lambda row: position[id(row)], parent=lambda row: parents[position[id(row)]], **kwargs
        )

    unscored, _ = score_leaves(tree(score=lambda row: None), figures, na_policy)
    total = tree(applicable=lambda row: row.counts(na_policy)).total
    grade = grade_for(total, grades) if total is not None else ""
    return RecomputeResult(total, grade, unscored, figures)


@transaction.atomic
def recompute_scores(evaluation: Evaluation) -> RecomputeResult:
    assert_editable(evaluation)  # scores are bulk-updated, which bypasses the model guard
    # One recompute at a time per evaluation: two concurrent table saves must not write back stale inputs.
    Evaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
    indicators = list(evaluation.indicators.all())
    unscored, changed = score_leaves(IndicatorTree(indicators, score=lambda row: None), figures, evaluation.na_policy)
    if changed:  # only what moved, each change recorded in the indicators' history
        bulk_update_with_history(
            changed, EvaluationIndicator, ["inputs", "computed_score", "score_explanation"], **history_defaults()
        )
    tree = indicator_tree(evaluation, indicators)
    total = tree.total  # the sum of the rounded leaf scores that count
    store_level_one(evaluation, tree.roots)
    grade = grade_for(total, evaluation.grades) if total is not None else ""
    if (evaluation.total_score, evaluation.grade, evaluation.scored_with) != (total, grade, ENGINE_VERSION):
        evaluation.total_score, evaluation.grade, evaluation.scored_with = total, grade, ENGINE_VERSION
        evaluation.save(update_fields=["total_score", "grade", "scored_with", "updated_at"])
    return RecomputeResult(total, grade, unscored, figures)


def level_one_row(evaluation: Evaluation, root: TreeNode) -> LevelOneScore:
    """What the overview keeps of a level-1 indicator: its subtotal, the weight its 得分率 divides by, the rate."""
    rate = root.rate
    return LevelOneScore(
        evaluation=evaluation,
        indicator_id=root.key,
        score=root.score,
        weight=root.rate_weight or Decimal(0),
        rate=None if rate is None else round_half_up(rate, 4),
    )


def store_level_one(evaluation: Evaluation, roots: list[TreeNode]) -> None:
    """Keep the stored level-1 subtotals equal to the tree's (only rows that moved are written)."""
    stored = {row.indicator_id: row for row in evaluation.level_one_scores.all()}
    fresh = [level_one_row(evaluation, root) for root in roots]
    keys = {row.indicator_id for row in fresh}
    gone = [row.pk for key, row in stored.items() if key not in keys]
    if gone:  # a former level-1 indicator moved under another one
        LevelOneScore.objects.filter(pk__in=gone).delete()
    LevelOneScore.objects.bulk_create([row for row in fresh if row.indicator_id not in stored])
    changed = []
    for row in fresh:
        old = stored.get(row.indicator_id)
        if old is not None and (old.score, old.weight, old.rate) != (row.score, row.weight, row.rate):
            old.score, old.weight, old.rate = row.score, row.weight, row.rate
            changed.append(old)
    if changed:
        LevelOneScore.objects.bulk_update(changed, ["score", "weight", "rate"])


@transaction.atomic
def set_na_policy(*, evaluation: Evaluation, na_policy: Any, user: Any = None) -> bool:
    """How leaves marked 不适用 count in this evaluation (DESIGN §4.1); rescores. Returns whether it changed."""
    problem = validate_na_policy(na_policy)
    if problem:
        raise EditError({"na_policy": [readable(problem)]})
    evaluation = lock(evaluation)
    assert_editable(evaluation)
    if evaluation.na_policy == na_policy:
        return False
    evaluation.na_policy = na_policy
    evaluation._history_user = user
    evaluation.save(update_fields=["na_policy", "updated_at"])
    recompute_scores(evaluation)
    return True


def rescore_outdated() -> int:
    """Rescore every evaluation still open to change whose scores an older engine computed (after an upgrade).

    Approved evaluations keep the scores they were approved with: they are the record, and frozen.
    """
    outdated = Evaluation.objects.exclude(scored_with=ENGINE_VERSION).exclude(state__in=FROZEN_STATES)
    count = 0
    for evaluation in outdated.iterator():
        recompute_scores(evaluation)
        count += 1
    return count


def rescore_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate: after an upgrade, evaluations still open to change are rescored by the current engine."""
    if using == "default":
        rescore_outdated()
