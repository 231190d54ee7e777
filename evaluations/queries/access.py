"""Who may see and do what: named checks and one selector per object type.

Every view goes through these. An object the user may not see answers 404, so the
existence of another organisation's evaluation is not revealed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from evaluations.models import Evaluation, EvaluationState, Evidence, TeamRole
from evaluations.models.roles import Role, roles_of

EDITABLE_STATES = {
    EvaluationState.DRAFT,
    EvaluationState.COLLECTING,
    EvaluationState.SCORING,
    # 征求意见: the team revises the draft for the comments it adopts before submitting (财监〔2021〕4号 第十八条).
    EvaluationState.CONSULTATION,
    EvaluationState.RETURNED,
}
EVALUATOR_TEAM_ROLES = {TeamRole.MANAGER, TeamRole.LEAD, TeamRole.MEMBER}


def evaluations_for_user(user) -> QuerySet[Evaluation]:
    """The evaluations a user may see.

    admin: all; evaluator and internal reviewer: those whose team they are on;
    unit user: those of their own unit; bureau reviewer: those their bureau commissioned.
    """
    roles = roles_of(user)
    if not roles:
        return Evaluation.objects.none()
    if Role.ADMIN in roles:
        return Evaluation.objects.all()
    condition = Q(pk__in=[])
    if roles & {Role.EVALUATOR, Role.INTERNAL_REVIEWER}:
        condition |= Q(team__user=user)
    if user.organisation_id is not None:
        if Role.UNIT in roles:
            condition |= Q(evaluated_unit_id=user.organisation_id)
        if Role.BUREAU in roles:
            condition |= Q(commissioning_bureau_id=user.organisation_id)
    return Evaluation.objects.filter(condition).distinct()


def get_evaluation_for_user(user, pk) -> Evaluation:
    """The evaluation with this pk if the user may see it, else 404."""
    try:
        return evaluations_for_user(user).get(pk=pk)
    except (Evaluation.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该评价，或您无权查看。") from None


SHARED_WITH_UNIT_STATES = {
    EvaluationState.CONSULTATION,
    EvaluationState.SUBMITTED,
    EvaluationState.APPROVED,
    EvaluationState.RECTIFICATION,
}


def can_view_scores(user, evaluation: Evaluation) -> bool:
    """Unit users see data tables and evidence requests, not scores or drafts, until the draft is shared."""
    roles = roles_of(user)
    if roles & {Role.ADMIN, Role.BUREAU}:
        return True
    if roles & {Role.EVALUATOR, Role.INTERNAL_REVIEWER} and is_on_team(user, evaluation):
        return True
    return evaluation.state in SHARED_WITH_UNIT_STATES


def is_on_team(user, evaluation: Evaluation, roles: set[str] | None = None) -> bool:
    members = evaluation.team.filter(user=user)
    if roles is not None:
        members = members.filter(role__in=roles)
    return members.exists()


def can_edit_evaluation(user, evaluation: Evaluation) -> bool:
    """Evaluators of the team edit the data while the evaluation is in an editable state."""
    return (
        Role.EVALUATOR in roles_of(user)
        and evaluation.state in EDITABLE_STATES
        and is_on_team(user, evaluation, EVALUATOR_TEAM_ROLES)
    )


def evidence_for_user(user) -> QuerySet[Evidence]:
    return Evidence.objects.filter(evaluation__in=evaluations_for_user(user))


UNIT_FILLING_STATES = {EvaluationState.DRAFT, EvaluationState.COLLECTING, EvaluationState.RETURNED}


def is_evaluated_unit_user(user, evaluation: Evaluation) -> bool:
    return Role.UNIT in roles_of(user) and user.organisation_id == evaluation.evaluated_unit_id


def can_edit_tables(user, evaluation: Evaluation) -> bool:
    """The team's evaluators, and the evaluated unit while it is asked for data, fill the base tables."""
    if can_edit_evaluation(user, evaluation):
        return True
    return is_evaluated_unit_user(user, evaluation) and evaluation.state in UNIT_FILLING_STATES


def can_upload_evidence(user, evaluation: Evaluation) -> bool:
    return can_edit_tables(user, evaluation)


def can_score(user, evaluation: Evaluation) -> bool:
    """Indicator inputs, overrides and the indicator system: the team's evaluators only."""
    return can_edit_evaluation(user, evaluation)


def can_edit_narrative(user, evaluation: Evaluation) -> bool:
    return can_edit_evaluation(user, evaluation)


def can_download_evidence(user, evidence: Evidence) -> bool:
    """Whoever may see the evaluation may download its evidence (the selector already limits that)."""
    return evidence_for_user(user).filter(pk=evidence.pk).exists()


def can_manage_team(user, evaluation: Evaluation) -> bool:
    """The team's 项目经理 (an evaluator) or an admin, while the evaluation is not frozen."""
    from evaluations.domain.freezing import FROZEN_STATES

    if evaluation.state in FROZEN_STATES:
        return False
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return True
    return Role.EVALUATOR in roles and is_on_team(user, evaluation, {TeamRole.MANAGER})


def can_delete_evidence(user, evidence: Evidence) -> bool:
    """The uploader, or an evaluator of the team, while the evaluation still takes evidence."""
    evaluation = evidence.evaluation
    if not can_upload_evidence(user, evaluation):
        return False
    return evidence.uploaded_by_id == user.pk or can_edit_evaluation(user, evaluation)
