"""Who may see and do what: every permission predicate, and one selector per object type.

Every view, service and admin path asks here. An object the user may not see answers 404, so the
existence of another organisation's evaluation is not revealed. The workflow's refusals
(evaluations.domain.workflow) are built from these predicates and add the state and separation-of-duty rules.

Confidentiality by audience: the firm's own people on an evaluation (its team) and admins read its internal work;
the evaluated unit and the commissioning bureau read only what was handed to them (reads_internal_work and the
predicates and selectors after it). Pages, downloads, exports and the archive all ask these.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from evaluations.models import (
    EDITABLE_STATES,
    FROZEN_STATES,
    PREPARER_ROLES,
    SHARED_WITH_UNIT_STATES,
    UNIT_FILLING_STATES,
    Evaluation,
    EvaluationState,
    Evidence,
    OrganisationKind,
    RectificationItem,
    Role,
    StateChange,
    TeamRole,
    Transition,
    roles_of,
)

# Kept under this name for callers that read it as "the evaluators' roles on a team".
EVALUATOR_TEAM_ROLES = PREPARER_ROLES
# The workflow steps that prepare an evaluation: whoever took one may not review it.
PREPARER_TRANSITIONS = frozenset(
    {Transition.START_COLLECTING, Transition.START_SCORING, Transition.SUBMIT_REVIEW, Transition.SUBMIT}
)


# --- visibility -----------------------------------------------------------------------------------------


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


def evidence_for_user(user) -> QuerySet[Evidence]:
    return Evidence.objects.filter(evaluation__in=evaluations_for_user(user))


# --- who someone is to an evaluation -------------------------------------------------------------------


def team_roles(user, evaluation: Evaluation) -> set[str]:
    """The user's roles on the evaluation's team (项目经理, 一级审核 …); empty when not on it."""
    return set(evaluation.team.filter(user=user).values_list("role", flat=True))


def is_on_team(user, evaluation: Evaluation, roles: set[str] | frozenset[str] | None = None) -> bool:
    members = evaluation.team.filter(user=user)
    if roles is not None:
        members = members.filter(role__in=roles)
    return members.exists()


def prepared_by(user, evaluation: Evaluation) -> bool:
    """Whether the user took part in preparing the evaluation: a preparer role now, or a preparer step taken."""
    if team_roles(user, evaluation) & PREPARER_ROLES:
        return True
    return evaluation.state_changes.filter(actor=user, transition__in=PREPARER_TRANSITIONS).exists()


def is_preparer(user, evaluation: Evaluation) -> bool:
    """An evaluator of the team (项目经理, 主评人, 成员): the people who prepare the evaluation."""
    return Role.EVALUATOR in roles_of(user) and bool(team_roles(user, evaluation) & PREPARER_ROLES)


def is_evaluated_unit_user(user, evaluation: Evaluation) -> bool:
    return Role.UNIT in roles_of(user) and user.organisation_id == evaluation.evaluated_unit_id


def is_commissioning_bureau_user(user, evaluation: Evaluation) -> bool:
    return Role.BUREAU in roles_of(user) and user.organisation_id == evaluation.commissioning_bureau_id


# --- the firm's internal work and what the other side reads -----------------------------------------------


def reads_internal_work(user, evaluation: Evaluation) -> bool:
    """The firm's people on the evaluation's team (evaluators and internal reviewers) and admins read its internal
    work: internal review comments, the consistency check, the change log, drafts not handed on, the internal
    reviewers' decisions. The evaluated unit and the bureau never do."""
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return True
    return bool(roles & {Role.EVALUATOR, Role.INTERNAL_REVIEWER}) and is_on_team(user, evaluation)


def can_view_check(user, evaluation: Evaluation) -> bool:
    """The consistency check (待填, 错误, 提示 and their 去修改 links) is the firm's quality control."""
    return reads_internal_work(user, evaluation)


def can_view_table_checks(user, evaluation: Evaluation) -> bool:
    """The checks of the base tables (合计与明细不符 …): the firm, and the unit while it fills the tables, as
    feedback on the data it enters (like a form's errors); never the bureau."""
    return can_view_check(user, evaluation) or can_edit_tables(user, evaluation)


def can_view_change_log(user, evaluation: Evaluation) -> bool:
    """Who changed which score input, table cell or sentence, and when: the firm's working record."""
    return reads_internal_work(user, evaluation)


def can_read_review_comments(user, evaluation: Evaluation) -> bool:
    """The bureau's comments when returning an evaluation: the team that acts on them and the bureau itself."""
    return reads_internal_work(user, evaluation) or is_commissioning_bureau_user(user, evaluation)


# Steps between organisations: the unit asked for data and relieved of it, the draft sent out for comments,
# the submission to the bureau and the bureau's answers. Internal review steps stay with the firm.
HAND_OFF_TRANSITIONS = frozenset(
    {
        Transition.START_COLLECTING,
        Transition.START_SCORING,
        Transition.SUBMIT,
        Transition.APPROVE,
        Transition.RETURN,
        Transition.START_RECTIFICATION,
    }
)
SENT_FOR_COMMENTS = Q(transition=Transition.PASS_REVIEW, to_state=EvaluationState.CONSULTATION)


def is_hand_off(change: StateChange) -> bool:
    """Whether a step passes the evaluation between organisations (the last internal level sending the draft out
    for comments counts; the levels before it do not)."""
    return change.transition in HAND_OFF_TRANSITIONS or (
        change.transition == Transition.PASS_REVIEW and change.to_state == EvaluationState.CONSULTATION
    )


def steps_read_by(evaluation: Evaluation, *, internal: bool) -> QuerySet[StateChange]:
    """The timeline a reader reads: every step for the firm (internal); the hand-offs between organisations for
    the unit, the bureau and the archive (what an internal reviewer wrote when sending the draft out stays with
    the firm: see shows_step_comment)."""
    return evaluation.state_changes.select_related("actor").filter(steps_condition(internal=internal))


def steps_condition(*, internal: bool) -> Q:
    """The condition on StateChange rows of steps_read_by (for querysets built elsewhere, as a prefetch)."""
    return Q() if internal else Q(transition__in=HAND_OFF_TRANSITIONS) | SENT_FOR_COMMENTS


def steps_for_user(user, evaluation: Evaluation) -> QuerySet[StateChange]:
    return steps_read_by(evaluation, internal=reads_internal_work(user, evaluation))


def shows_step_comment(change: StateChange, *, internal: bool) -> bool:
    """A step's comment for its reader: the firm reads all; others read the comments of hand-offs, never an
    internal reviewer's opinion."""
    return internal or change.transition in HAND_OFF_TRANSITIONS


def shows_decision_comment(explanation, evaluation: Evaluation, *, internal: bool) -> bool:
    """An explanation's decision comment for its reader: the firm reads all; the bureau reads its own decisions,
    not what the firm's internal reviewer wrote when accepting one."""
    decider = explanation.decided_by
    return internal or (decider is not None and decider.organisation_id != evaluation.evaluating_firm_id)


def consultation_comments_for_user(user, evaluation: Evaluation):
    """The 征求意见 comments this user reads: the team, admins and the bureau (whose record the ledger is) all of
    them; the evaluated unit its own comments and their answers."""
    comments = evaluation.consultation_comments.select_related("finding", "indicator", "author", "answered_by")
    if reads_internal_work(user, evaluation) or is_commissioning_bureau_user(user, evaluation):
        return comments
    if is_evaluated_unit_user(user, evaluation):
        return comments.filter(author__organisation_id=user.organisation_id)
    return comments.none()


# --- what someone may do ----------------------------------------------------------------------------------


def can_create_evaluation(user) -> bool:
    """Evaluators of an evaluating firm create evaluations; their firm becomes the evaluating firm."""
    organisation = getattr(user, "organisation", None)
    return Role.EVALUATOR in roles_of(user) and organisation is not None and organisation.kind == OrganisationKind.FIRM


def can_view_scores(user, evaluation: Evaluation) -> bool:
    """The unit and the bureau see data tables and evidence requests, not scores or drafts, until the draft is
    shared for 征求意见; the draft the team revises after a return is not shared either."""
    if reads_internal_work(user, evaluation):
        return True
    return evaluation.state in SHARED_WITH_UNIT_STATES


def can_edit_evaluation(user, evaluation: Evaluation) -> bool:
    """Evaluators of the team edit the data while the evaluation is in an editable state."""
    return (
        Role.EVALUATOR in roles_of(user)
        and evaluation.state in EDITABLE_STATES
        and is_on_team(user, evaluation, PREPARER_ROLES)
    )


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


def can_view_explanations(user, evaluation: Evaluation) -> bool:
    """说明 on check errors are the firm's and the bureau's business: the team (preparers and internal reviewers),
    and the commissioning bureau once the evaluation was submitted to it; never the evaluated unit."""
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return True
    if roles & {Role.EVALUATOR, Role.INTERNAL_REVIEWER} and is_on_team(user, evaluation):
        return True
    return is_commissioning_bureau_user(user, evaluation) and evaluation.state in {
        EvaluationState.SUBMITTED,
        EvaluationState.RETURNED,
        *FROZEN_STATES,
    }


def can_download_evidence(user, evidence: Evidence) -> bool:
    """Whoever may see the evaluation may download its evidence (the selector already limits that)."""
    return evidence_for_user(user).filter(pk=evidence.pk).exists()


def can_manage_team(user, evaluation: Evaluation) -> bool:
    """The team's 项目经理 (an evaluator) or an admin, while the evaluation is not frozen."""
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


def can_comment_in_consultation(user, evaluation: Evaluation) -> bool:
    """财监〔2021〕4号 第十八条: the evaluated unit and the commissioning party are consulted."""
    return evaluation.state == EvaluationState.CONSULTATION and (
        is_evaluated_unit_user(user, evaluation) or is_commissioning_bureau_user(user, evaluation)
    )


def can_update_rectification(user, item: RectificationItem) -> bool:
    """The responsible unit and the commissioning bureau, while the evaluation is in 整改跟踪."""
    if item.evaluation.state != EvaluationState.RECTIFICATION:
        return False
    unit_user = Role.UNIT in roles_of(user) and user.organisation_id == item.responsible_unit_id
    return unit_user or is_commissioning_bureau_user(user, item.evaluation)


def can_open_new_edition(user, evaluation: Evaluation) -> bool:
    """Someone who prepared an approved evaluation may open its next edition."""
    return evaluation.state in FROZEN_STATES and prepared_by(user, evaluation)
