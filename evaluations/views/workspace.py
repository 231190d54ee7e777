"""Thin views: each one asks evaluations.queries.access who may see what, then renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from evaluations.interfaces.check_display import check_display
from evaluations.interfaces.scoring_page import summary
from evaluations.queries import access
from evaluations.queries.tree import indicator_tree
from evaluations.views.evaluations import list_context
from evaluations.views.review import workflow_context
from rubrics.engine import readable


@login_required
def home(request):
    """The user's evaluations: the same filterable, sortable table as the evaluation list."""
    return render(request, "evaluations/home.html", {**list_context(request), "page_title": "我的评价"})


@login_required
def evaluation_detail(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    evaluation = (
        type(evaluation)
        .objects.select_related("evaluated_unit", "project", "commissioning_bureau", "evaluating_firm", "template")
        .get(pk=evaluation.pk)
    )
    show_scores = access.can_view_scores(request.user, evaluation)
    shown_check = check_display(evaluation) if access.can_view_check(request.user, evaluation) else None
    scored = indicator_tree(evaluation, texts=True) if show_scores else None
    rows = scored.nodes if scored else []
    for row in rows:  # the stored sentence may name an input by its code (缺少输入 met): shown in words
        row.explanation = readable(row.indicator.score_explanation)
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
            "check": shown_check,
            "workflow": workflow_context(request, evaluation, show_scores),
        },
    )
