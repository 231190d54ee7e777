"""Creating evaluations from the workspace: a template copied, the team begun, tables prefilled, scores computed.

An import creates its evaluation in evaluations.domain.importing (bulk writes)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from evaluations.domain.basics import period_problems
from evaluations.domain.errors import EditError, FieldErrors, text_of
from evaluations.domain.indicator_tree import copy_template
from evaluations.domain.prefill import prefill_tables
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.team import profile_duty
from evaluations.models import Evaluation, Organisation, OrganisationKind, Project, TeamMember, TeamRole, User
from evaluations.queries.access import can_create_evaluation
from rubrics import tree
from rubrics.models import EvaluationKind, IndicatorTemplate


@transaction.atomic
def create_evaluation(
    *,
    user: User,
    kind: str,
    title: str,
    evaluated_unit: Organisation | None,
    year: int | None,
    commissioning_bureau: Organisation | None,
    template: IndicatorTemplate | None,
    project: Project | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    report_date: date | None = None,
) -> Evaluation:
    """Create an evaluation with a copy of the template's indicator system; the creator manages its team."""
    errors = FieldErrors()
    if not can_create_evaluation(user):
        raise EditError("只有评价机构的评价人员可以新建评价。")
    title = text_of(title)
    if kind not in EvaluationKind.values:
        errors.add("kind", "请选择评价类型（项目支出绩效评价或部门整体绩效评价）。")
    if not title:
        errors.add("title", "请填写评价名称。")
    elif len(title) > 200:
        errors.add("title", f"评价名称最多 200 个字，现为 {len(title)} 个字。")
    if evaluated_unit is None:
        errors.add("evaluated_unit", "请选择被评价单位。")
    elif evaluated_unit.kind != OrganisationKind.UNIT:
        errors.add("evaluated_unit", f"「{evaluated_unit}」不是被评价单位/部门。")
    if commissioning_bureau is None:
        errors.add("commissioning_bureau", "请选择委托单位（财政局）。")
    elif commissioning_bureau.kind != OrganisationKind.BUREAU:
        errors.add("commissioning_bureau", f"「{commissioning_bureau}」不是财政局，不能作为委托单位。")
    if year is None or not 2000 <= year <= 2100:
        errors.add("year", f"评价年度应为 2000 到 2100 之间的四位年份，现为 {year if year is not None else '空'}。")
    if kind == EvaluationKind.PROJECT:
        if project is None:
            errors.add("project", "项目支出绩效评价必须选择评价项目。")
        elif evaluated_unit is not None and project.unit_id != evaluated_unit.pk:
            errors.add("project", f"项目「{project}」属于「{project.unit}」，不属于被评价单位「{evaluated_unit}」。")
    elif kind == EvaluationKind.DEPARTMENT and project is not None:
        errors.add("project", "部门整体绩效评价针对整个部门，不选择评价项目。")
    if year is not None and 2000 <= year <= 2100:
        period_start = period_start or date(year, 1, 1)
        period_end = period_end or date(year, 12, 31)
        for field, messages in period_problems(year, period_start, period_end, report_date).items():
            for message in messages:
                errors.add(field, message)
    if template is None:
        errors.add("template", "请选择要复制的指标体系模板。")
    elif kind in EvaluationKind.values and template.kind != kind:
        errors.add(
            "template",
            f"模板「{template}」适用于{template.get_kind_display()}，与评价类型「{EvaluationKind(kind).label}」不符。",
        )
    elif not template.indicators.exists():
        errors.add("template", f"模板「{template}」还没有指标，不能复制。")
    elif problems := tree.tree_errors(template.tree_nodes()):
        errors.add("template", f"模板「{template}」的指标体系有误：{problems[0]}")
    if not errors and Evaluation.objects.filter(evaluated_unit=evaluated_unit, year=year, title=title).exists():
        errors.add("title", f"「{evaluated_unit}」{year} 年度已有名为「{title}」的评价，请换一个名称。")
    errors.raise_if_any()

    evaluation = Evaluation(
        kind=kind,
        title=title,
        evaluated_unit=evaluated_unit,
        project=project,
        year=year,
        period_start=period_start,
        period_end=period_end,
        commissioning_bureau=commissioning_bureau,
        evaluating_firm=user.organisation,
        report_date=report_date,
        created_by=user,
    )
    evaluation.full_clean()
    evaluation.save()
    copy_template(evaluation=evaluation, template=template)
    TeamMember.objects.create(
        evaluation=evaluation,
        user=user,
        name=user.get_full_name(),
        qualification=user.qualification,  # the team list is filled from the person's profile
        role=TeamRole.MANAGER,
        duty=profile_duty(user, TeamRole.MANAGER),
        order=1,
    )
    prefill_tables(evaluation, user=user)
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    return evaluation
