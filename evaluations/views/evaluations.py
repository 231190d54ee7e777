"""Evaluation list, creation and team management (thin views over evaluations.domain.creation and .team)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from evaluations.domain.basics import fingerprint as basics_fingerprint
from evaluations.domain.basics import update_basics
from evaluations.domain.creation import create_evaluation
from evaluations.domain.errors import ALL, EditError
from evaluations.domain.team import member_snapshot, remove_member, save_member
from evaluations.interfaces.forms import (
    EvaluationBasicsForm,
    EvaluationCreateForm,
    EvaluationFilterForm,
    TeamMemberForm,
)
from evaluations.interfaces.lists import EvaluationTable
from evaluations.models import Commission, TeamMember
from evaluations.models.roles import ROLE_DESCRIPTIONS, Role, roles_of
from evaluations.queries import access
from evaluations.queries.signoff import level_statuses, missing_levels_text, missing_review_levels
from rubrics.text import load_json

PER_PAGE = 20


class KnownCountPaginator(Paginator):
    """A paginator that can be told the number of objects, saving the COUNT query."""

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property


def _add_errors(form, error: EditError) -> None:
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def list_context(request) -> dict:
    """The filterable, sortable, paginated table of the evaluations the user may see (home and list)."""
    roles = roles_of(request.user)
    visible = access.evaluations_for_user(request.user)
    form = EvaluationFilterForm(request.GET or None, evaluations=visible)
    evaluations = form.apply(visible).select_related("evaluated_unit", "commissioning_bureau", "project")
    # Unit users do not see scores in the list: drafts are not theirs to read.
    table = EvaluationTable(evaluations, show_scores=bool(roles - {Role.UNIT}))
    paginate = {"per_page": PER_PAGE, "paginator_class": KnownCountPaginator}
    if not form.filtering:
        paginate["count"] = form.total  # the filter's choices query already counted them
    RequestConfig(request, paginate=paginate).configure(table)
    return {
        "table": table,
        "filter_form": form,
        "filtered": form.filtering,
        # The button for evaluators; the creation page checks their firm (one query less on every list).
        "can_create": Role.EVALUATOR in roles and request.user.organisation_id is not None,
        "can_commission": Role.BUREAU in roles and access.can_create_commission(request.user),
        "role_descriptions": [ROLE_DESCRIPTIONS[r] for r in sorted(roles)],
    }


@login_required
def evaluation_list(request):
    return render(request, "evaluations/home.html", {**list_context(request), "page_title": "评价列表"})


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create(request):
    if not access.can_create_evaluation(request.user):
        raise PermissionDenied("只有评价机构的评价人员可以新建评价。")
    form = EvaluationCreateForm(
        request.POST or None,
        user=request.user,
        initial={"evaluated_unit": request.GET.get("unit", ""), "project": request.GET.get("project", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation = create_evaluation(
                user=request.user,
                kind=data["kind"],
                title=data["title"],
                evaluated_unit=data["evaluated_unit"],
                project=data.get("project"),
                year=data["year"],
                period_start=data.get("period_start"),
                period_end=data.get("period_end"),
                commissioning_bureau=data["commissioning_bureau"],
                report_date=data.get("report_date"),
                template=data["template"],
            )
        except EditError as error:
            _add_errors(form, error)
        else:
            filled = list(evaluation.data_tables.filter(rows__isnull=False).distinct())
            note = f"已根据预算数据预填 {'、'.join(str(t) for t in filled)}。" if filled else ""
            messages.success(request, f"已新建评价「{evaluation.title}」，您是本评价的项目经理。{note}")
            return redirect("evaluation-detail", pk=evaluation.pk)
    return render(request, "evaluations/manage/create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_team(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    manage = access.can_manage_team(request.user, evaluation)
    members = list(evaluation.team.select_related("user").order_by("order", "pk"))
    editing = None
    form = None
    if request.method == "POST":
        if not manage:
            raise PermissionDenied("只有本评价小组的项目经理或系统管理员可以调整评价小组。")
        action = request.POST.get("action")
        member = None
        if request.POST.get("member"):
            member = _posted_member(evaluation, request.POST.get("member", ""))
            if member is None:
                messages.error(request, "该成员已被他人移出评价小组，请核对。")
                return redirect("evaluation-team", pk=evaluation.pk)
        snapshot = _snapshot(request.POST.get("snapshot"))
        if action == "remove" and member is not None:
            try:
                remove_member(evaluation=evaluation, actor=request.user, member=member, snapshot=snapshot)
            except EditError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"已将「{member.name}」移出评价小组。")
            return redirect("evaluation-team", pk=evaluation.pk)
        form = TeamMemberForm(request.POST, evaluation=evaluation, instance=member)
        editing = member
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = save_member(
                        evaluation=evaluation,
                        actor=request.user,
                        values=form.cleaned_data,
                        member=member,
                        snapshot=snapshot if member is not None else None,
                    )
            except EditError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"已{'修改' if member else '添加'}成员「{saved.name}」。")
                return redirect("evaluation-team", pk=evaluation.pk)
    elif manage:
        edit_pk = request.GET.get("edit")
        editing = next((m for m in members if str(m.pk) == edit_pk), None) if edit_pk else None
        if edit_pk and editing is None:
            raise Http404("该成员不在本评价小组中。")
        form = TeamMemberForm(evaluation=evaluation, instance=editing)
    for member in members:
        member.snapshot = json.dumps(member_snapshot(member), ensure_ascii=False)
    return render(
        request,
        "evaluations/manage/team.html",
        {
            "evaluation": evaluation,
            "show_scores": access.can_view_scores(request.user, evaluation),
            "members": members,
            "manage": manage,
            "form": form,
            "editing": editing,
            "snapshot": json.dumps(member_snapshot(editing), ensure_ascii=False) if editing else "",
            "cancel_url": reverse("evaluation-team", args=[evaluation.pk]),
            "ALL": ALL,
            "levels": level_statuses(evaluation, []),
            "missing_levels": missing_levels_text(missing_review_levels(evaluation)),
        },
    )


def _posted_member(evaluation, raw: str) -> TeamMember | None:
    """The member a form names: another evaluation's member (or garbage) is 404; None if removed meanwhile."""
    if not raw.isdigit():
        raise Http404("该成员不在本评价小组中。")
    member = TeamMember.objects.filter(pk=int(raw)).first()
    if member is not None and member.evaluation_id != evaluation.pk:
        raise Http404("该成员不在本评价小组中。")
    return member


def _snapshot(raw: str | None) -> dict | None:
    if not raw:
        return None
    try:
        value = load_json(raw)
    except ValueError:  # JsonShapeError too: a tampered snapshot is no snapshot (the save then refuses)
        return None
    return value if isinstance(value, dict) else None


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_basics(request, pk: int):
    """评价名称、评价期间、报告日期: the team corrects them while the evaluation is editable; others read them."""
    evaluation = access.get_evaluation_for_user(request.user, pk)
    can_edit = access.can_edit_evaluation(request.user, evaluation)
    initial = {
        "title": evaluation.title,
        "period_start": evaluation.period_start,
        "period_end": evaluation.period_end,
        "report_date": evaluation.report_date,
        "seen": basics_fingerprint(evaluation),
    }
    form = EvaluationBasicsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有本评价小组的评价人员在评价可编辑时才能修改基本信息。")
        if form.is_valid():
            try:
                data = dict(form.cleaned_data)
                seen = data.pop("seen")
                if "seen" not in request.POST:  # without it a save cannot tell whether it overwrites a change
                    raise EditError(
                        "表单缺少打开页面时的基本信息，无法确认是否已被他人修改；本次未保存，请刷新页面后再修改。"
                    )
                changed = update_basics(evaluation=evaluation, user=request.user, seen=seen, **data)
            except EditError as error:
                _add_errors(form, error)
            else:
                if changed:
                    messages.success(request, f"已保存：{'、'.join(changed)}。")
                else:
                    messages.info(request, "基本信息没有变化。")
                return redirect("evaluation-detail", pk=evaluation.pk)
    return render(
        request,
        "evaluations/manage/basics.html",
        {
            "evaluation": evaluation,
            "form": form,
            "can_edit": can_edit,
            "show_scores": access.can_view_scores(request.user, evaluation),  # the workspace tabs
            "commission": Commission.objects.filter(evaluation=evaluation).select_related("bureau").first(),
        },
    )
