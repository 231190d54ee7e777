"""项目登记: evaluators and bureau reviewers register a unit's project, its sub-items and a year's budget figures;
thin views over evaluations.domain.projects. A project the user may not see answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from evaluations.domain.errors import EditError
from evaluations.domain.projects import fingerprint, save_project
from evaluations.interfaces.setup_forms import ProjectForm, SubItemFormSet, TotalsFormSet, last_year
from evaluations.models import BudgetFigure, FundingSource, Project
from evaluations.queries import access
from evaluations.views.evaluations import _add_errors

PER_PAGE = 30


def _require_registrar(request) -> None:
    if not access.can_register_project(request.user):
        raise PermissionDenied("只有评价机构的评价人员和财政局审核人员可以登记项目。")


def _year(request) -> int:
    raw = request.POST.get("year") or request.GET.get("year") or ""
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else last_year()


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


@login_required
def project_list(request):
    _require_registrar(request)
    projects = (
        access.projects_for_user(request.user)
        .select_related("unit")
        .annotate(sub_item_count=Count("sub_items", distinct=True))
    )
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        projects = projects.filter(unit_id=int(unit))
    page = Paginator(projects.order_by("unit__name", "name"), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/setup/projects.html",
        {"page": page, "units": access.units_for_user(request.user).order_by("name"), "unit": unit},
    )


def _initial_rows(project: Project | None, year: int) -> tuple[list[dict], list[dict]]:
    """The funding sources' totals (one row each) and the sub-items with their figures of ``year``."""
    figures = list(BudgetFigure.objects.filter(project=project, year=year)) if project is not None else []
    totals = []
    for source in FundingSource.values:
        own = next((f for f in figures if f.sub_item_id is None and f.funding_source == source), None)
        row = {"funding_source": source}
        if own is not None:
            row.update({name: getattr(own, name) for name in ("initial_budget", "adjusted_budget", "funds_received")})
            row.update({"actual_expenditure": own.actual_expenditure, "carryover": own.carryover, "note": own.note})
        totals.append(row)
    items = []
    for item in project.sub_items.all() if project is not None else []:
        figure = next((f for f in figures if f.sub_item_id == item.pk), None)
        items.append(
            {
                "pk": item.pk,
                "name": item.name,
                "funding_source": item.funding_source,
                "initial_budget": figure.initial_budget if figure else None,
                "adjusted_budget": figure.adjusted_budget if figure else None,
            }
        )
    return totals, items


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int | None = None):
    """Register a project (pk None) or edit one, with its figures of the chosen year (?year=)."""
    _require_registrar(request)
    project = access.get_project_for_user(request.user, pk) if pk is not None else None
    year = _year(request)
    totals, items = _initial_rows(project, year)
    initial = {"year": year, "seen": fingerprint(project, year)}
    if project is not None:
        initial.update({"unit": project.unit_id, "name": project.name, "code": project.code})
        initial["description"] = project.description
    else:
        initial["unit"] = request.GET.get("unit", "")
    data = request.POST if request.method == "POST" else None
    form = ProjectForm(data, user=request.user, project=project, initial=initial)
    totals_formset = TotalsFormSet(data, initial=totals, prefix="totals")
    items_formset = SubItemFormSet(data, initial=items, prefix="items")
    next_url = _next_url(request)
    if request.method == "POST":
        valid = form.is_valid() & totals_formset.is_valid() & items_formset.is_valid()
        if valid:
            values = dict(form.cleaned_data)
            seen = values.pop("seen")
            seen = seen if "seen" in request.POST else None  # a post without it (a script) is not checked
            rows = [{**row, "delete": row.get("DELETE", False)} for row in items_formset.cleaned_data if row]
            try:
                saved = save_project(
                    user=request.user,
                    project=project,
                    totals=[row for row in totals_formset.cleaned_data if row],
                    sub_items=rows,
                    seen=seen,
                    **values,
                )
            except EditError as error:
                _add_errors(form, error)
            else:
                verb = "登记" if saved.created else "保存"
                messages.success(request, f"已{verb}项目「{saved.project}」及其 {year} 年度预算数据。")
                for evaluation, titles in saved.prefilled:
                    messages.info(request, f"评价「{evaluation}」尚空的{'、'.join(titles)}已按登记的数据预填。")
                if next_url:  # back where the registration started, with the unit and the new project chosen
                    joiner = "&" if "?" in next_url else "?"
                    return redirect(f"{next_url}{joiner}unit={saved.project.unit_id}&project={saved.project.pk}")
                return redirect(reverse("project-edit", args=[saved.project.pk]) + f"?year={year}")
    return render(
        request,
        "evaluations/setup/project_form.html",
        {
            "project": project,
            "form": form,
            "totals_formset": totals_formset,
            "items_formset": items_formset,
            "year": year,
            "next_url": next_url,
            "evaluations": project.evaluations.filter(pk__in=access.evaluations_for_user(request.user))
            if project is not None
            else [],
        },
    )
