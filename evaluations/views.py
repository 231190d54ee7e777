"""Thin views: each one asks evaluations.access who may see what, then renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django_tables2 import RequestConfig

from evaluations import access
from evaluations.consistency import ERROR, check_evaluation
from evaluations.roles import ROLE_DESCRIPTIONS, Role, roles_of
from evaluations.selectors import indicator_rows
from evaluations.tables import EvaluationTable


@login_required
def home(request):
    roles = roles_of(request.user)
    evaluations = access.evaluations_for_user(request.user).select_related("evaluated_unit", "commissioning_bureau")
    # Unit users do not see scores in the list: drafts are not theirs to read.
    show_scores = bool(roles - {Role.UNIT})
    table = EvaluationTable(evaluations, show_scores=show_scores)
    RequestConfig(request, paginate={"per_page": 20}).configure(table)
    return render(
        request,
        "evaluations/home.html",
        {"table": table, "role_descriptions": [ROLE_DESCRIPTIONS[r] for r in sorted(roles)]},
    )


@login_required
def evaluation_detail(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    evaluation = (
        type(evaluation)
        .objects.select_related("evaluated_unit", "project", "commissioning_bureau", "evaluating_firm", "template")
        .get(pk=evaluation.pk)
    )
    show_scores = access.can_view_scores(request.user, evaluation)
    problems = check_evaluation(evaluation) if show_scores else []
    return render(
        request,
        "evaluations/detail.html",
        {
            "evaluation": evaluation,
            "team": evaluation.team.select_related("user"),
            "rows": indicator_rows(evaluation) if show_scores else [],
            "show_scores": show_scores,
            "findings": evaluation.findings.all(),
            "recommendations": evaluation.recommendations.all(),
            "experiences": evaluation.experiences.all(),
            "problems": problems,
            "error_count": sum(problem.severity == ERROR for problem in problems),
        },
    )
