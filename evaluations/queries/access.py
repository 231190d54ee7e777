"""Who may see and do what: every permission predicate, and one selector per object type.

Every view, service and admin path asks here. An object the user may not see answers 404, so the
existence of another organisation's evaluation is not revealed. The workflow's refusals
(evaluations.domain.workflow) are built from these predicates and add the state and separation-of-duty rules.

Confidentiality by audience: the firm's own people on an evaluation (its team) and admins read its internal work;
the evaluated unit and the commissioning bureau read only what was handed to them (reads_internal_work and the
predicates and selectors after it). Pages, downloads, exports and the archive all ask these.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from evaluations.models import (
    EDITABLE_STATES,
    FROZEN_STATES,
    PREPARER_ROLES,
    SHARED_WITH_UNIT_STATES,
    STANDING_COMMISSION_STATES,
    UNIT_FILLING_STATES,
    UNIT_REPORTING_STATUSES,
    Commission,
    CommissionState,
    Evaluation,
    EvaluationState,
    Evidence,
    Organisation,
    OrganisationKind,
    Project,
    RectificationItem,
    RectificationStatus,
    Role,
    StateChange,
    TeamMember,
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
    Each evaluation once, without DISTINCT: team membership is an EXISTS, not a join.
    """
    roles = roles_of(user)
    if not roles:
        return Evaluation.objects.none()
    if Role.ADMIN in roles:
        return Evaluation.objects.all()
    condition = Q(pk__in=[])
    if roles & {Role.EVALUATOR, Role.INTERNAL_REVIEWER}:
        condition |= Exists(TeamMember.objects.filter(evaluation=OuterRef("pk"), user=user))
    if user.organisation_id is not None:
        if Role.UNIT in roles:
            condition |= Q(evaluated_unit_id=user.organisation_id)
        if Role.BUREAU in roles:
            condition |= Q(commissioning_bureau_id=user.organisation_id)
    return Evaluation.objects.filter(condition)


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


# --- rectification (整改): the unit reports, the bureau accepts -------------------------------------------

REPORT, DECIDE, REMIND, SET_DEADLINE = "report", "decide", "remind", "set_deadline"


def rectification_items_for_user(user) -> QuerySet[RectificationItem]:
    """The items of the evaluations the user may see."""
    return RectificationItem.objects.filter(evaluation__in=evaluations_for_user(user))


def get_rectification_item_for_user(user, evaluation: Evaluation, item_pk) -> RectificationItem:
    """The evaluation's item with this pk (the evaluation already checked), else 404: another evaluation's or
    organisation's item is not revealed."""
    try:
        return evaluation.rectification_items.select_related("finding", "responsible_unit").get(pk=item_pk)
    except (RectificationItem.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该整改事项，或您无权查看。") from None


def is_responsible_unit_user(user, item: RectificationItem) -> bool:
    return Role.UNIT in roles_of(user) and user.organisation_id == item.responsible_unit_id


def rectification_refusal(user, item: RectificationItem, action: str) -> str | None:
    """Why the user may not take this action on the item now (None: they may). REPORT (measures, evidence,
    submitting) is the responsible unit's while the item waits for it; DECIDE (验收通过 or 退回), REMIND (催办)
    and SET_DEADLINE are the commissioning bureau's. Nobody accepts their own report: the unit never decides."""
    evaluation = item.evaluation
    if evaluation.state != EvaluationState.RECTIFICATION:
        return f"该评价当前处于“{evaluation.get_state_display()}”状态，整改事项只能在整改跟踪阶段办理。"
    status = item.get_status_display()
    if action == REPORT:
        if not is_responsible_unit_user(user, item):
            return f"只有责任单位（{item.responsible_unit}）可以报送整改措施和佐证材料；财政局负责验收。"
        if item.status == RectificationStatus.SUBMITTED:
            return "该整改事项已提交验收，正等待财政局验收，不能再修改；如被退回，可修改后重新提交。"
        if item.status not in UNIT_REPORTING_STATUSES:
            return "该整改事项已验收，不能再修改整改情况。"
        return None
    if not is_commissioning_bureau_user(user, evaluation):
        if action == DECIDE:
            return "只有委托的财政局可以验收或退回整改事项；责任单位不能验收自己报送的整改。"
        return "只有委托的财政局可以催办整改事项或调整整改期限。"
    if item.status == RectificationStatus.ACCEPTED:
        return "该整改事项已验收，不能再验收、退回、催办或调整期限。"
    if action == DECIDE and item.status != RectificationStatus.SUBMITTED:
        return f"该整改事项当前为“{status}”，责任单位提交验收后才能验收或退回。"
    if action == REMIND and item.status not in UNIT_REPORTING_STATUSES:
        return "该整改事项已提交验收，正等待财政局验收，无需催办责任单位。"
    return None


def can_act_on_rectification(user, item: RectificationItem, action: str) -> bool:
    return rectification_refusal(user, item, action) is None


def can_open_new_edition(user, evaluation: Evaluation) -> bool:
    """Someone who prepared an approved evaluation may open its next edition."""
    return evaluation.state in FROZEN_STATES and prepared_by(user, evaluation)


# --- commissions (评价任务) and the projects they are about ----------------------------------------------


def _organisation_of_kind(user, kind: str) -> Organisation | None:
    organisation = getattr(user, "organisation", None)
    return organisation if organisation is not None and organisation.kind == kind else None


def units_for_user(user) -> QuerySet[Organisation]:
    """The evaluated units a user may choose (commission, project registration, new evaluation).

    admin: all; an evaluator of a firm: all (a firm works for any bureau, also without a commission);
    a bureau reviewer: the units of the bureau's region (所属地区 equal and not empty): the units it funds.
    """
    units = Organisation.objects.filter(kind=OrganisationKind.UNIT)
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return units
    if Role.EVALUATOR in roles and _organisation_of_kind(user, OrganisationKind.FIRM) is not None:
        return units
    bureau = _organisation_of_kind(user, OrganisationKind.BUREAU)
    if Role.BUREAU in roles and bureau is not None and bureau.region:
        return units.filter(region=bureau.region)
    return units.none()


def projects_for_user(user) -> QuerySet[Project]:
    """The projects a user may see, choose and edit (sub-items and budget figures included).

    admin: all; a bureau reviewer: the projects of its units; an evaluator of a firm: the projects the firm
    registered and those of the units it evaluates or has a standing commission for. Others: none.
    """
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return Project.objects.all()
    condition = Q(pk__in=[])
    firm = _organisation_of_kind(user, OrganisationKind.FIRM)
    if Role.EVALUATOR in roles and firm is not None:
        evaluated = Evaluation.objects.filter(evaluating_firm=firm).values("evaluated_unit_id")
        commissioned = Commission.objects.filter(firm=firm, state__in=STANDING_COMMISSION_STATES).values(
            "evaluated_unit_id"
        )
        condition |= Q(registered_by=firm) | Q(unit_id__in=evaluated) | Q(unit_id__in=commissioned)
    if Role.BUREAU in roles and _organisation_of_kind(user, OrganisationKind.BUREAU) is not None:
        condition |= Q(unit__in=units_for_user(user))
    return Project.objects.filter(condition)


def get_project_for_user(user, pk) -> Project:
    """The project with this pk if the user may see it, else 404."""
    try:
        return projects_for_user(user).get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该项目，或您无权查看。") from None


def can_register_project(user) -> bool:
    """Evaluators of a firm and bureau reviewers register a unit's project, its sub-items and budget figures."""
    roles = roles_of(user)
    return (
        Role.ADMIN in roles
        or (Role.EVALUATOR in roles and _organisation_of_kind(user, OrganisationKind.FIRM) is not None)
        or (Role.BUREAU in roles and _organisation_of_kind(user, OrganisationKind.BUREAU) is not None)
    )


def commissions_for_user(user) -> QuerySet[Commission]:
    """admin: all; a bureau reviewer: its bureau's commissions; an evaluator: those sent to their firm."""
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return Commission.objects.all()
    condition = Q(pk__in=[])
    if user.organisation_id is not None:
        if Role.BUREAU in roles:
            condition |= Q(bureau_id=user.organisation_id)
        if Role.EVALUATOR in roles:
            condition |= Q(firm_id=user.organisation_id)
    return Commission.objects.filter(condition)


def get_commission_for_user(user, pk) -> Commission:
    """The commission with this pk if the user may see it, else 404."""
    try:
        return commissions_for_user(user).get(pk=pk)
    except (Commission.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该评价任务，或您无权查看。") from None


def can_create_commission(user) -> bool:
    """A bureau reviewer commissions evaluations in the name of their bureau."""
    return Role.BUREAU in roles_of(user) and _organisation_of_kind(user, OrganisationKind.BUREAU) is not None


def can_answer_commission(user, commission: Commission) -> bool:
    """An evaluator of the commissioned firm accepts (and becomes 项目经理) or declines an open commission."""
    return (
        commission.state == CommissionState.OPEN
        and Role.EVALUATOR in roles_of(user)
        and user.organisation_id == commission.firm_id
    )


def can_withdraw_commission(user, commission: Commission) -> bool:
    """The commissioning bureau withdraws a commission the firm has not answered yet."""
    return (
        commission.state == CommissionState.OPEN
        and Role.BUREAU in roles_of(user)
        and user.organisation_id == commission.bureau_id
    )


# --- sign-off (签署) --------------------------------------------------------------------------------------


def can_view_internal_signoffs(user, evaluation: Evaluation) -> bool:
    """The internal levels' opinions (复核意见) are the firm's: its team on the evaluation and admins, never the
    evaluated unit or the bureau (they see that the levels were signed, not what was written)."""
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return True
    return bool(roles & {Role.EVALUATOR, Role.INTERNAL_REVIEWER}) and is_on_team(user, evaluation)


def can_view_signoff_page(user, evaluation: Evaluation) -> bool:
    """The sign-off page: the firm's team (all levels, with opinions) and the commissioning bureau (who signed
    which level and when; its own decisions with their opinions)."""
    return can_view_internal_signoffs(user, evaluation) or is_commissioning_bureau_user(user, evaluation)


def has_signoff_queue(user) -> bool:
    """Internal reviewers have a queue of what waits for them at their level (复核队列)."""
    return Role.INTERNAL_REVIEWER in roles_of(user)
