"""The explanations of an evaluation beside the check's current errors: what is explained, what still needs an
explanation or a decision, what the report prints, and what no longer applies (the data was corrected)."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.models import Evaluation, Explanation, ExplanationStatus
from evaluations.queries.consistency import ERROR, Problem, check_evaluation


@dataclass(frozen=True)
class BoardRow:
    problem: Problem
    explanation: Explanation | None


@dataclass(frozen=True)
class ExplanationBoard:
    rows: list[BoardRow]  # every current error, explained or not, in the check's order
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
    explanations = {
        e.key: e for e in Explanation.objects.filter(evaluation=evaluation).select_related("author", "decided_by")
    }
    rows = [
        BoardRow(problem, explanations.get(problem.key))
        for problem in problems
        if problem.severity == ERROR or problem.key in explanations
    ]
    current = {row.problem.key for row in rows}
    return ExplanationBoard(rows, [e for key, e in explanations.items() if key not in current])


def accepted_explanations(evaluation: Evaluation, problems: list[Problem] | None = None) -> list[Explanation]:
    """What the report prints under 其他需要说明的问题: accepted explanations of findings that still stand."""
    board = explanation_board(evaluation, problems)
    return [
        row.explanation
        for row in board.rows
        if row.explanation is not None and row.explanation.status == ExplanationStatus.ACCEPTED
    ]
