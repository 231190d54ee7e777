"""Reads around review: open comments, what changed since the bureau's last return."""

from __future__ import annotations

from evaluations.models import (
    Evaluation,
    EvaluationState,
    ExplanationStatus,
    ReviewComment,
)
from evaluations.queries.submissions import document_changes


def unanswered_comments(evaluation: Evaluation):
    return evaluation.consultation_comments.filter(decision="")


def open_review_comments(evaluation: Evaluation):
    """The comments of the latest return, shown to the team where they apply until resubmission."""
    latest = evaluation.state_changes.filter(transition="return").order_by("-created_at", "-pk").first()
    if latest is None or evaluation.state not in {
        EvaluationState.RETURNED,
        EvaluationState.SCORING,
        EvaluationState.INTERNAL_REVIEW,
        EvaluationState.CONSULTATION,
    }:
        return ReviewComment.objects.none()
    return latest.review_comments.select_related("finding", "indicator", "author")


def explanations_to_decide(evaluation: Evaluation) -> int:
    """The team's explanations of check errors still waiting for a decision (the bureau's after submission)."""
    return evaluation.explanations.filter(status=ExplanationStatus.PENDING).count()


def changes_since_last_review(evaluation: Evaluation) -> list[str] | None:
    """What changed between the submission the bureau last returned and the latest one (None: no earlier one)."""
    submissions = list(evaluation.submissions.order_by("-created_at", "-pk")[:2])
    if len(submissions) < 2:
        return None
    latest, previous = submissions
    return document_changes(previous.document, latest.document)
