"""评价任务: the bureau commissions, the firm accepts (the evaluation is created) or declines; thin views over
evaluations.domain.commissions. Another organisation's commission answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.domain.commissions import (
    accept_commission,
    create_commission,
    decline_commission,
    withdraw_commission,
)
from evaluations.domain.errors import EditError
from evaluations.interfaces.setup_forms import CommissionAcceptForm, CommissionDeclineForm, CommissionForm
from evaluations.models import CommissionState, Role, roles_of
from evaluations.queries import access
from evaluations.queries.commissions import commission_list
from evaluations.views.evaluations import _add_errors

PER_PAGE = 20


def _require_commission_roles(request) -> None:
    if not roles_of(request.user) & {Role.BUREAU, Role.EVALUATOR, Role.ADMIN}:
        raise PermissionDenied("评价任务由财政局下达、评价机构办理；您的账号没有相关权限。")


@login_required
def commissions(request):
    """The bureau's commissions, or those sent to the evaluator's firm, newest first, with their state."""
    _require_commission_roles(request)
    rows = commission_list(request.user)
    state = request.GET.get("state", "")
    if state in CommissionState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/setup/commissions.html",
        {
            "page": page,
            "state": state,
            "states": CommissionState.choices,
            "can_create": access.can_create_commission(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commission_create(request):
    if not access.can_create_commission(request.user):
        raise PermissionDenied("只有财政局审核人员可以下达评价任务。")
    initial = {"evaluated_unit": request.GET.get("unit", ""), "project": request.GET.get("project", "")}
    form = CommissionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            commission = create_commission(user=request.user, **form.cleaned_data)
        except EditError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"已向「{commission.firm}」下达评价任务「{commission}」，待其接受。")
            return redirect("commission-detail", pk=commission.pk)
    no_units = not form.fields["evaluated_unit"].queryset.exists()  # a bureau without 所属地区 has none
    return render(request, "evaluations/setup/commission_form.html", {"form": form, "no_units": no_units})


@login_required
def commission_detail(request, pk: int):
    commission = access.get_commission_for_user(request.user, pk)
    can_answer = access.can_answer_commission(request.user, commission)
    return render(
        request,
        "evaluations/setup/commission_detail.html",
        {
            "commission": commission,
            "can_answer": can_answer,
            "can_withdraw": access.can_withdraw_commission(request.user, commission),
            "decline_form": CommissionDeclineForm() if can_answer else None,
            "evaluation_visible": commission.evaluation_id is not None
            and access.evaluations_for_user(request.user).filter(pk=commission.evaluation_id).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commission_accept(request, pk: int):
    commission = access.get_commission_for_user(request.user, pk)
    if not access.can_answer_commission(request.user, commission):
        messages.error(
            request, f"该评价任务{commission.get_state_display()}，或您不是受托评价机构的评价人员，不能接受。"
        )
        return redirect("commission-detail", pk=commission.pk)
    form = CommissionAcceptForm(
        request.POST or None, commission=commission, user=request.user, initial={"project": request.GET.get("project")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = accept_commission(commission=commission, user=request.user, **form.cleaned_data)
        except EditError as error:
            _add_errors(form, error)
        else:
            filled = list(evaluation.data_tables.filter(rows__isnull=False).distinct())
            note = f"已根据项目登记的预算数据预填 {'、'.join(str(t) for t in filled)}。" if filled else ""
            messages.success(
                request,
                f"已接受评价任务并新建评价「{evaluation.title}」，您是本评价的项目经理。{note}请组建评价小组。",
            )
            return redirect("evaluation-team", pk=evaluation.pk)
    register_url = reverse("project-create") + f"?unit={commission.evaluated_unit_id}&year={commission.year}"
    register_url += "&next=" + reverse("commission-accept", args=[commission.pk])
    return render(
        request,
        "evaluations/setup/commission_accept.html",
        {"commission": commission, "form": form, "register_url": register_url},
    )


@login_required
@require_POST
def commission_decline(request, pk: int):
    commission = access.get_commission_for_user(request.user, pk)
    form = CommissionDeclineForm(request.POST)
    if form.is_valid():
        try:
            decline_commission(commission=commission, user=request.user, reason=form.cleaned_data["reason"])
        except EditError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已谢绝评价任务「{commission}」，{commission.bureau}将看到您填写的原因。")
    else:
        messages.error(request, "；".join(form.errors["reason"]))
    return redirect("commission-detail", pk=commission.pk)


@login_required
@require_POST
def commission_withdraw(request, pk: int):
    commission = access.get_commission_for_user(request.user, pk)
    try:
        withdraw_commission(commission=commission, user=request.user)
    except EditError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已撤回评价任务「{commission}」。")
    return redirect("commission-detail", pk=commission.pk)
