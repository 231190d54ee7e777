"""Thin views: each one asks evaluations.queries.access who may see what, then renders."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from evaluations.domain.scoring_inputs import humanize
from evaluations.interfaces.scoring_page import summary
from evaluations.queries import access
from evaluations.queries.consistency import ERROR, Problem, check_evaluation
from evaluations.queries.tree import indicator_tree
from evaluations.views.evaluations import list_context
from evaluations.views.review import workflow_context


@login_required
def home(request):
    """The user's evaluations: the same filterable, sortable table as the evaluation list."""
    return render(request, "evaluations/home.html", {**list_context(request), "page_title": "我的评价"})


@dataclass(frozen=True)
class ProblemLink:
    """A consistency problem with the page where it is fixed: kind is indicator/indicators/table/section/item."""

    problem: Problem
    kind: str
    key: str


def problem_link(problem: Problem) -> ProblemLink:
    problem = replace(problem, message=humanize(problem.message))  # no JSON key names on the page
    anchor = problem.anchor or ""
    head, _, key = anchor.partition("-")
    if anchor == "indicators":
        return ProblemLink(problem, "indicators", "")
    if head in ("indicator", "table", "section"):
        return ProblemLink(problem, head, key)
    if head in ("问题", "建议", "经验做法"):
        return ProblemLink(problem, "item", anchor)
    return ProblemLink(problem, "", "")


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
    scored = indicator_tree(evaluation, texts=True) if show_scores else None
    rows = scored.nodes if scored else []
    info = summary(evaluation, scored) if scored else {}
    return render(
        request,
        "evaluations/detail.html",
        {
            "evaluation": evaluation,
            "team": evaluation.team.select_related("user"),
            "rows": rows,
            "show_scores": show_scores,
            "can_score": access.can_score(request.user, evaluation),
            "summary": info,
            "leaf_count": sum(row.is_leaf for row in rows),
            "custom_count": sum(row.indicator.is_custom for row in rows),
            "table_count": evaluation.data_tables.filter(rows__isnull=False).distinct().count(),
            "findings": evaluation.findings.all(),
            "recommendations": evaluation.recommendations.all(),
            "experiences": evaluation.experiences.all(),
            "problems": [problem_link(problem) for problem in problems],
            "error_count": sum(problem.severity == ERROR for problem in problems),
            "workflow": workflow_context(request, evaluation, show_scores),
        },
    )
