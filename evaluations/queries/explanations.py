"""The explanations of an evaluation beside the check's current errors: what is explained, what still needs an
explanation or a decision, what the report prints, and what no longer applies (the data was corrected)."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.models import Evaluation, Explanation, ExplanationStatus
from evaluations.queries.consistency import ERROR, EXPLAINED, Problem, check_evaluation


@dataclass(frozen=True)
class ExplanationBoard:
    rows: list[Problem]  # every current error, explained or not, in the check's order (problem.explanation)
    stale: list[Explanation]  # explanations of findings the check no longer reports

    @property
    def unexplained(self) -> int:
        return sum(row.explanation is None for row in self.rows)

    @property
    def pending(self) -> int:
        return sum(
            row.explanation is not None and row.explanation.status == ExplanationStatus.PENDING for row in self.rows
        )


def explanation_board(evaluation: Evaluation, problems: list[Problem] | None = None) -> ExplanationBoard:
    problems = check_evaluation(evaluation) if problems is None else problems
    rows = [problem for problem in problems if problem.severity in (ERROR, EXPLAINED)]
    current = {row.key for row in rows}
    stale = [
        explanation
        for explanation in Explanation.objects.filter(evaluation=evaluation).select_related("author", "decided_by")
        if explanation.key not in current
    ]
    return ExplanationBoard(rows, stale)


def accepted_explanations(problems: list[Problem]) -> list[Problem]:
    """What the report prints under 其他需要说明的问题: the errors whose explanation was accepted."""
    return [problem for problem in problems if problem.severity == EXPLAINED and problem.explanation is not None]
