"""The finance bureau's overview: evaluations by year, state, unit and grade; score rates; overdue items."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from evaluations.models import Evaluation, EvaluationIndicator, RectificationItem
from evaluations.queries.access import evaluations_for_user
from evaluations.queries.review import overdue_items
from rubrics.engine import DEFAULT_NA_POLICY
from rubrics.numbers import round_score
from rubrics.tree import IndicatorTree


@dataclass
class Overview:
    by_year: Counter = field(default_factory=Counter)
    by_state: Counter = field(default_factory=Counter)
    by_unit: Counter = field(default_factory=Counter)
    by_grade: Counter = field(default_factory=Counter)
    score_rates: list[tuple[str, Decimal, int]] = field(default_factory=list)  # level-1 name, average rate %, count
    overdue: list[RectificationItem] = field(default_factory=list)


def bureau_overview(user) -> Overview:
    evaluations = list(evaluations_for_user(user).select_related("evaluated_unit"))
    overview = Overview()
    for evaluation in evaluations:
        overview.by_year[evaluation.year] += 1
        overview.by_state[evaluation.get_state_display()] += 1
        overview.by_unit[evaluation.evaluated_unit.name] += 1
        overview.by_grade[evaluation.grade or "未评分"] += 1
    overview.score_rates = level_one_score_rates([e.pk for e in evaluations if e.total_score is not None])
    overview.overdue = list(
        overdue_items(RectificationItem.objects.filter(evaluation__in=[e.pk for e in evaluations]))
        .select_related("evaluation", "finding", "responsible_unit")
        .order_by("deadline")
    )
    return overview


def level_one_score_rates(evaluation_ids: list[int]) -> list[tuple[str, Decimal, int]]:
    """Average 得分率 per level-1 indicator name over the evaluations (sum of leaf scores ÷ weight, over the
    applicable weight where a leaf is left out as not applicable)."""
    policies = dict(Evaluation.objects.filter(pk__in=evaluation_ids).values_list("pk", "na_policy"))
    nodes = list(
        EvaluationIndicator.objects.filter(evaluation_id__in=evaluation_ids).only(
            "pk", "parent_id", "name", "weight", "computed_score", "awarded_score", "inputs", "evaluation_id"
        )
    )
    by_evaluation: dict[int, list[EvaluationIndicator]] = defaultdict(list)
    for node in nodes:
        by_evaluation[node.evaluation_id].append(node)
    rates: dict[str, list[Decimal]] = defaultdict(list)
    for evaluation_id, rows in by_evaluation.items():
        policy = policies.get(evaluation_id, DEFAULT_NA_POLICY)
        for root in IndicatorTree(rows, applicable=lambda row, policy=policy: row.counts(policy)).roots:
            if root.applicable and root.score is not None and root.rate is not None:  # unscored is not 0
                rates[root.name].append(root.rate)
    return [(name, round_score(sum(values) / len(values)), len(values)) for name, values in sorted(rates.items())]
