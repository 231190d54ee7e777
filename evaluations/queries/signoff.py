"""Reads around sign-off: which review levels lack a reviewer, who signed what, and each reviewer's queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from evaluations.models import (
    LEVEL_LABELS,
    REVIEW_ROLES,
    Evaluation,
    EvaluationState,
    ExplanationStatus,
    ReviewSignature,
    Role,
    SignOffDecision,
    StateChange,
    TeamMember,
    Transition,
)


def configured_levels(evaluation: Evaluation) -> list[int]:
    """The internal review levels the evaluation goes through: as many as its evaluating firm configures."""
    return list(range(1, evaluation.evaluating_firm.review_levels + 1))


def level_reviewers(evaluation: Evaluation) -> QuerySet[TeamMember]:
    """The team members who can sign a review level: a review role and an active account with the reviewer role."""
    return evaluation.team.filter(
        role__in=REVIEW_ROLES.values(),
        user__isnull=False,
        user__is_active=True,
        user__groups__name=Role.INTERNAL_REVIEWER.value,
    )


def missing_review_levels(evaluation: Evaluation, *, from_level: int = 1) -> list[int]:
    """The configured levels (from ``from_level`` on) that nobody on the team can sign."""
    covered = set(level_reviewers(evaluation).values_list("role", flat=True))
    levels = configured_levels(evaluation)
    return [level for level in levels if level >= from_level and REVIEW_ROLES[level] not in covered]


def missing_levels_text(levels: list[int]) -> str:
    """ "二级复核、三级审核" for the refusals and the warnings."""
    return "、".join(LEVEL_LABELS[level] for level in levels)


@dataclass(frozen=True)
class LevelStatus:
    """One internal level as the sign-off page shows it: who may sign it and what was signed there."""

    level: int
    label: str
    reviewers: list[TeamMember]
    signatures: list[ReviewSignature]
    current: bool

    @property
    def passed(self) -> ReviewSignature | None:
        """The level's latest signature if it passed (a later return of the whole evaluation starts again)."""
        latest = self.signatures[-1] if self.signatures else None
        return latest if latest is not None and latest.decision == SignOffDecision.PASSED else None


def signatures(evaluation: Evaluation) -> list[ReviewSignature]:
    return list(evaluation.signatures.select_related("signer", "state_change"))


def level_statuses(evaluation: Evaluation, signed: list[ReviewSignature]) -> list[LevelStatus]:
    """Each configured internal level with its reviewers and the signatures since the last submission to review."""
    members = list(evaluation.team.filter(role__in=REVIEW_ROLES.values()).select_related("user"))
    current_round = _since_last_submission(evaluation, signed)
    in_review = evaluation.state == EvaluationState.INTERNAL_REVIEW
    return [
        LevelStatus(
            level=level,
            label=LEVEL_LABELS[level],
            reviewers=[m for m in members if m.role == REVIEW_ROLES[level]],
            signatures=[s for s in current_round if s.level == level],
            current=in_review and evaluation.review_level == level,
        )
        for level in configured_levels(evaluation)
    ]


def _since_last_submission(evaluation: Evaluation, signed: list[ReviewSignature]) -> list[ReviewSignature]:
    """The signatures of the latest round of internal review (after the latest 提交内部复核)."""
    latest = evaluation.state_changes.filter(transition=Transition.SUBMIT_REVIEW).order_by("-pk").first()
    if latest is None:
        return []
    return [s for s in signed if s.is_internal and s.state_change_id > latest.pk]


# --- the reviewer's queue (复核队列) ----------------------------------------------------------------------


def waiting_for(user) -> QuerySet[Evaluation]:
    """The evaluations in internal review whose current level this user signs on the team, oldest hand-off first;
    annotated with when and by whom it reached the level and how many 说明 wait for a decision."""
    at_my_level = Q()
    for level, role in REVIEW_ROLES.items():
        at_my_level |= Q(role=role, evaluation__review_level=level)
    mine = TeamMember.objects.filter(at_my_level, user=user, evaluation__state=EvaluationState.INTERNAL_REVIEW)
    latest = StateChange.objects.filter(evaluation=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        Evaluation.objects.filter(pk__in=mine.values("evaluation_id"))
        .select_related("evaluated_unit", "evaluating_firm")
        .annotate(
            handed_at=Subquery(latest.values("created_at")[:1]),
            handed_by=Subquery(latest.values("actor__full_name")[:1]),
            handed_by_username=Subquery(latest.values("actor__username")[:1]),
            pending_explanations=Count("explanations", filter=Q(explanations__status=ExplanationStatus.PENDING)),
        )
        .order_by("handed_at", "pk")
    )


def signed_by(user, limit: int = 20) -> list[ReviewSignature]:
    """What the user signed lately, newest first (the queue page lists it under what waits)."""
    return list(
        ReviewSignature.objects.filter(signer=user).select_related("evaluation").order_by("-created_at", "-pk")[:limit]
    )
