"""检查说明: the check's errors with the team's explanations, and the current reviewer's decisions on them
(thin views over evaluations.domain.explanations)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from evaluations.domain import explanations as explanation_service
from evaluations.domain.errors import EditError
from evaluations.interfaces.check_display import problem_link
from evaluations.models import Explanation
from evaluations.queries import access
from evaluations.queries.explanations import explanation_board


def _explanation(evaluation, raw: str) -> Explanation:
    explanation = Explanation.objects.filter(evaluation=evaluation, pk=int(raw)).first() if raw.isdigit() else None
    if explanation is None:
        raise Http404("该说明不存在或已被撤回。")
    return explanation


# What a post without the page's fingerprint of the explanation is taken to have seen: never the current one, so
# it is refused like a save made on an older text (a missing fingerprint must not skip the check).
MISSING = "（表单缺少）"


@login_required
@require_http_methods(["GET", "POST"])
def explanations(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    if not access.can_view_explanations(request.user, evaluation):
        raise PermissionDenied("检查说明只对评价小组和审核本评价的财政局开放。")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "explain":
                explanation_service.explain(
                    evaluation=evaluation,
                    user=request.user,
                    key=request.POST.get("key", ""),
                    text=request.POST.get("text", ""),
                    seen=request.POST.get("seen", MISSING),
                )
                messages.success(request, "说明已保存，将由下一位复核（审核）人员认可。")
            elif action == "withdraw":
                explanation = _explanation(evaluation, request.POST.get("explanation", ""))
                explanation_service.withdraw(explanation=explanation, user=request.user)
                messages.success(request, "说明已撤回。")
            elif action in ("accept", "reject"):
                explanation = _explanation(evaluation, request.POST.get("explanation", ""))
                explanation_service.decide(
                    explanation=explanation,
                    user=request.user,
                    accept=action == "accept",
                    comment=request.POST.get("comment", ""),
                    seen=request.POST.get("seen", MISSING),
                )
                messages.success(request, "已认可该说明。" if action == "accept" else "已记录不认可的理由。")
            else:
                messages.error(request, "无法识别的操作，请刷新页面后重试。")
        except EditError as error:
            messages.error(request, str(error))
        return redirect("evaluation-explanations", pk=evaluation.pk)
    board = explanation_board(evaluation)
    internal = access.reads_internal_work(request.user, evaluation)
    for problem in board.rows:
        if problem.explanation is not None:  # what this page shows: a save or decision on older words is refused
            problem.explanation.seen = explanation_service.fingerprint(problem.explanation)
            problem.explanation.comment_shown = access.shows_decision_comment(
                problem.explanation, evaluation, internal=internal
            )
    return render(
        request,
        "evaluations/review/explanations.html",
        {
            "evaluation": evaluation,
            "show_scores": True,  # the workspace tabs: whoever reads explanations reads the scores
            "board": board,
            "internal": internal,
            "links": [problem_link(evaluation, problem) for problem in board.rows],
            "can_explain": access.can_edit_evaluation(request.user, evaluation),
            "decision_refusal": explanation_service.decision_refusal(request.user, evaluation),
        },
    )
