"""评价任务: a bureau commissions an evaluation, the firm accepts it (the evaluation is created by
evaluations.domain.creation, its accepting evaluator becomes 项目经理) or declines it; the bureau may withdraw an
unanswered one. Every input is checked first; nothing is written when something is wrong."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from evaluations.domain.creation import create_evaluation
from evaluations.domain.errors import EditError, FieldErrors, text_of
from evaluations.models import (
    STANDING_COMMISSION_STATES,
    Commission,
    CommissionState,
    Evaluation,
    Organisation,
    OrganisationKind,
    Project,
    User,
)
from evaluations.queries import access
from rubrics.models import EvaluationKind, IndicatorTemplate

MAX_OUTLINE = 5000
MAX_REASON = 1000


def _lock(commission: Commission) -> Commission:
    return Commission.objects.select_for_update().get(pk=commission.pk)


def _still_open(commission: Commission) -> None:
    if commission.state != CommissionState.OPEN:
        raise EditError(f"该评价任务{commission.get_state_display()}，不能再办理。")


def deadline_problem(deadline: date, today: date | None = None) -> str:
    """What is wrong with a commission's deadline ("" when nothing): it is today or later."""
    today = today or timezone.localdate()
    if deadline < today:
        return f"报告提交期限（{deadline}）已经过去，请选择今天（{today}）或以后的日期。"
    return ""


@transaction.atomic
def create_commission(
    *,
    user: User,
    evaluated_unit: Organisation | None,
    kind: str,
    year: int | None,
    firm: Organisation | None,
    deadline: date | None,
    project: Project | None = None,
    outline: str = "",
    today: date | None = None,
) -> Commission:
    """The bureau reviewer's bureau commissions ``firm`` to evaluate a unit of the bureau (a project of it, or the
    department as a whole) for ``year``, with the report due by ``deadline`` (today or later)."""
    if not access.can_create_commission(user):
        raise EditError("只有财政局审核人员可以下达评价任务。")
    bureau = user.organisation
    today = today or timezone.localdate()
    errors = FieldErrors()
    outline = text_of(outline)
    if evaluated_unit is None:
        errors.add("evaluated_unit", "请选择被评价单位。")
    elif not access.units_for_user(user).filter(pk=evaluated_unit.pk).exists():
        errors.add(
            "evaluated_unit",
            f"「{evaluated_unit}」不是{bureau}负责的单位（所属地区应为“{bureau.region or '未填写'}”）。",
        )
    if kind not in EvaluationKind.values:
        errors.add("kind", "请选择评价类型（项目支出绩效评价或部门整体绩效评价）。")
    elif kind == EvaluationKind.DEPARTMENT and project is not None:
        errors.add("project", "部门整体绩效评价针对整个部门，不选择评价项目。")
    if project is not None and evaluated_unit is not None and project.unit_id != evaluated_unit.pk:
        errors.add("project", f"项目「{project}」属于「{project.unit}」，不属于被评价单位「{evaluated_unit}」。")
    if year is None or not 2000 <= year <= 2100:
        errors.add("year", f"评价年度应为 2000 到 2100 之间的四位年份，现为 {year if year is not None else '空'}。")
    if firm is None:
        errors.add("firm", "请选择承担评价的评价机构。")
    elif firm.kind != OrganisationKind.FIRM:
        errors.add("firm", f"「{firm}」不是评价机构。")
    if deadline is None:
        errors.add("deadline", "请填写报告提交期限。")
    elif problem := deadline_problem(deadline, today):
        errors.add("deadline", problem)
    if len(outline) > MAX_OUTLINE:
        errors.add("outline", f"评价要求与报告提纲最多 {MAX_OUTLINE} 个字，现为 {len(outline)} 个字。")
    if not errors:
        standing = (
            Commission.objects.filter(
                evaluated_unit=evaluated_unit,
                kind=kind,
                project=project,
                year=year,
                state__in=STANDING_COMMISSION_STATES,
            )
            .exclude(state=CommissionState.ACCEPTED, evaluation__isnull=True)  # its evaluation was deleted
            .first()
        )
        if standing is not None:
            errors.add(
                "__all__",
                f"已有同一评价对象的评价任务「{standing}」（{standing.firm}，{standing.get_state_display()}），"
                "请勿重复下达；如需改派，请先撤回原任务。",
            )
    errors.raise_if_any()
    commission = Commission(
        bureau=bureau,
        evaluated_unit=evaluated_unit,
        kind=kind,
        project=project,
        year=year,
        firm=firm,
        outline=outline,
        deadline=deadline,
        created_by=user,
    )
    commission._change_reason = "下达评价任务"  # read by simple_history for the trail
    commission.save()
    return commission


@transaction.atomic
def accept_commission(
    *,
    commission: Commission,
    user: User,
    template: IndicatorTemplate | None,
    title: str,
    period_start: date | None,
    period_end: date | None,
    project: Project | None = None,
) -> Evaluation:
    """The firm's evaluator accepts: the evaluation is created (template copied, tables prefilled from the
    project's registered figures) with the accepting evaluator as 项目经理. A project commission that names no
    project takes ``project``: one of the unit's projects the firm may see (registered first if need be)."""
    if not access.can_answer_commission(user, commission):
        _still_open(commission)
        raise EditError("只有受托评价机构的评价人员可以接受该评价任务。")
    errors = FieldErrors()
    if commission.kind == EvaluationKind.PROJECT and commission.project_id is None:
        if project is None:
            errors.add("project", "该任务未指定项目：请选择被评价单位的项目（尚未登记的请先登记项目）。")
        elif not access.projects_for_user(user).filter(pk=project.pk, unit_id=commission.evaluated_unit_id).exists():
            errors.add("project", f"项目「{project}」不是被评价单位「{commission.evaluated_unit}」的项目。")
    else:
        project = commission.project
    if period_start is None:
        errors.add("period_start", "请填写评价期间起。")
    if period_end is None:
        errors.add("period_end", "请填写评价期间止。")
    locked = _lock(commission)
    _still_open(locked)
    try:  # the creation service checks the rest (title, template, period); its messages join these ones
        evaluation = create_evaluation(
            user=user,
            kind=locked.kind,
            title=title,
            evaluated_unit=locked.evaluated_unit,
            year=locked.year,
            commissioning_bureau=locked.bureau,
            template=template,
            project=project,
            period_start=period_start,
            period_end=period_end,
        )
    except EditError as error:
        for field, messages in error.errors.items():
            if field not in errors:  # one message per field: ours is the more precise one
                for message in messages:
                    errors.add(field, message)
    errors.raise_if_any()  # also after a successful creation: the transaction is rolled back, nothing is kept
    locked.state, locked.evaluation = CommissionState.ACCEPTED, evaluation
    if locked.project_id is None and project is not None:
        locked.project = project
    locked.answered_by, locked.answered_at = user, timezone.now()
    locked._change_reason = f"接受评价任务，新建评价「{evaluation}」"
    locked.save()
    commission.refresh_from_db()
    return evaluation


@transaction.atomic
def decline_commission(*, commission: Commission, user: User, reason: str) -> Commission:
    """The firm declines with a reason the bureau reads (e.g. a conflict of interest, no capacity by the deadline)."""
    if not access.can_answer_commission(user, commission):
        _still_open(commission)
        raise EditError("只有受托评价机构的评价人员可以谢绝该评价任务。")
    reason = text_of(reason)
    if not reason:
        raise EditError({"reason": ["请填写谢绝的原因，财政局将据此另行安排。"]})
    if len(reason) > MAX_REASON:
        raise EditError({"reason": [f"谢绝原因最多 {MAX_REASON} 个字，现为 {len(reason)} 个字。"]})
    locked = _lock(commission)
    _still_open(locked)
    locked.state, locked.decline_reason = CommissionState.DECLINED, reason
    locked.answered_by, locked.answered_at = user, timezone.now()
    locked._change_reason = "谢绝评价任务"
    locked.save()
    commission.refresh_from_db()
    return commission


@transaction.atomic
def withdraw_commission(*, commission: Commission, user: User) -> Commission:
    """The bureau withdraws a commission the firm has not answered (to correct it, or to send it elsewhere)."""
    if not access.can_withdraw_commission(user, commission):
        _still_open(commission)
        raise EditError("只有下达该任务的财政局可以撤回评价任务。")
    locked = _lock(commission)
    _still_open(locked)
    locked.state = CommissionState.WITHDRAWN
    locked._change_reason = "撤回评价任务"
    locked.save()
    commission.refresh_from_db()
    return commission
