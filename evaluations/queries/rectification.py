"""Reads of rectification (整改): the items of an evaluation with their finding and recommendations, one item's
history, and which items are overdue (past the deadline and not accepted)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from evaluations.models import (
    OPEN_STATUSES,
    Evaluation,
    Recommendation,
    RectificationAction,
    RectificationEvidence,
    RectificationItem,
    RectificationStatus,
    RectificationStep,
)

DUE_SOON_DAYS = 7  # the unit's 待办 reminds it of items due within a week


def overdue_q(prefix: str = "") -> Q:
    """Past the deadline and not accepted (``prefix``: the path to the item, as "rectification_items__")."""
    return Q(**{f"{prefix}deadline__lt": timezone.localdate(), f"{prefix}status__in": OPEN_STATUSES})


def overdue_items(queryset: QuerySet[RectificationItem] | None = None) -> QuerySet[RectificationItem]:
    items = queryset if queryset is not None else RectificationItem.objects.all()
    return items.filter(overdue_q())


def items_of(evaluation: Evaluation) -> list[RectificationItem]:
    """The evaluation's items in the finding's order, each with its finding, the recommendations made on it, its
    evidence count, latest step and whether it is overdue (a constant number of queries)."""
    today = timezone.localdate()
    items = list(
        evaluation.rectification_items.select_related("finding", "responsible_unit")
        .prefetch_related(Prefetch("finding__recommendations", queryset=Recommendation.objects.order_by("order", "pk")))
        .annotate(evidence_count=Count("evidence", distinct=True))
        .order_by("finding__order", "finding__pk")
    )
    latest: dict[int, RectificationStep] = {}
    for step in RectificationStep.objects.filter(item__in=items).select_related("actor").order_by("created_at", "pk"):
        latest[step.item_id] = step
    for item in items:
        item.is_overdue = item.deadline < today and item.status in OPEN_STATUSES
        item.latest_step = latest.get(item.pk)
    return items


def status_counts(items: list[RectificationItem]) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the order of the state machine."""
    counts = Counter(item.status for item in items)
    return [(value, label, counts[value]) for value, label in RectificationStatus.choices]


@dataclass(frozen=True)
class ItemDetail:
    item: RectificationItem
    recommendations: list[Recommendation]
    steps: list[RectificationStep]  # oldest first, each submission with the files it carried
    submitted_evidence: list[RectificationEvidence]  # sent with a submission, oldest first
    draft_evidence: list[RectificationEvidence]  # uploaded, not yet submitted
    is_overdue: bool
    sent_back: RectificationStep | None  # the return the unit is answering now
    reminder: RectificationStep | None  # the bureau's 催办 the unit has not answered yet


def _latest(steps: list[RectificationStep], action: str) -> RectificationStep | None:
    return next((step for step in reversed(steps) if step.action == action), None)


def item_detail(item: RectificationItem) -> ItemDetail:
    steps = list(
        item.steps.select_related("actor", "actor__organisation").prefetch_related(
            Prefetch("evidence", queryset=RectificationEvidence.objects.order_by("uploaded_at", "pk"))
        )
    )
    return ItemDetail(
        item=item,
        recommendations=list(item.finding.recommendations.order_by("order", "pk")),
        steps=steps,
        submitted_evidence=[file for step in steps for file in step.evidence.all()],
        draft_evidence=list(item.evidence.filter(submission__isnull=True).order_by("uploaded_at", "pk")),
        is_overdue=item.deadline < timezone.localdate() and item.status in OPEN_STATUSES,
        sent_back=_latest(steps, RectificationAction.RETURN) if item.status == RectificationStatus.RETURNED else None,
        reminder=_latest(steps, RectificationAction.REMIND) if item.reminded_at else None,
    )
