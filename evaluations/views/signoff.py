"""Sign-off pages: each internal reviewer's queue (复核队列), an evaluation's sign-off record with the opinion form of
the level that waits (复核签署), and the bureau's confirmation of approval (批准确认).

Thin views: the workflow (evaluations.domain.workflow.perform) checks who may sign what and requires the opinion;
the signature is written there, with the step.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from evaluations.domain.workflow import TRANSITIONS, TransitionError, available_transitions, perform, refusal
from evaluations.interfaces.check_display import check_display
from evaluations.interfaces.forms import ApprovalForm
from evaluations.models import LEVEL_LABELS, ExplanationStatus
from evaluations.queries import access
from evaluations.queries.signoff import level_statuses, signatures, signed_by, waiting_for

SIGNING_STEPS = ("pass_review", "reject_review")
FIX_PAGES = {"team": ("evaluation-team", "前往评价小组添加人员 →")}


def refusal_message(error: TransitionError, evaluation):
    """A refusal as the page shows it: the reason, and a link to where it is put right when there is one."""
    page = FIX_PAGES.get(error.fix)
    if page is None:
        return str(error)
    name, text = page
    url = reverse(name, args=[evaluation.pk])
    return format_html('{} <a href="{}" class="alert-link">{}</a>', str(error), url, text)


@login_required
def signoff_queue(request):
    """What waits for this reviewer at their level, oldest hand-off first, and what they signed lately."""
    if not access.has_signoff_queue(request.user):
        raise PermissionDenied("只有评价机构的内部复核人员有复核队列。")
    page = Paginator(waiting_for(request.user), 20).get_page(request.GET.get("page"))
    for evaluation in page:
        evaluation.level_label = LEVEL_LABELS.get(evaluation.review_level, "")
    return render(request, "evaluations/review/signoff_queue.html", {"page": page, "signed": signed_by(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def signoff(request, pk: int):
    """The evaluation's sign-off record; the reviewer of the level that waits signs it here with an opinion."""
    evaluation = access.get_evaluation_for_user(request.user, pk)
    if not access.can_view_signoff_page(request.user, evaluation):
        raise PermissionDenied("复核签署记录只向评价小组和委托的财政局审核人员开放。")
    opinion = ""
    if request.method == "POST":
        step = request.POST.get("decision", "")
        opinion = request.POST.get("comment", "")
        if step not in SIGNING_STEPS:
            messages.error(request, "请选择“复核通过”或“退回修改”。")
        else:
            level_label = LEVEL_LABELS.get(evaluation.review_level, "")
            try:
                perform(evaluation, step, user=request.user, comment=opinion)
            except TransitionError as error:
                messages.error(request, refusal_message(error, evaluation))
            else:
                evaluation.refresh_from_db()
                done = "通过" if step == "pass_review" else "退回修改"
                messages.success(
                    request, f"已签署{level_label}（{done}），评价现处于“{evaluation.get_state_display()}”。"
                )
                return redirect("signoff-queue")
    internal = access.can_view_internal_signoffs(request.user, evaluation)
    signed = signatures(evaluation)
    steps = [t for t in available_transitions(request.user, evaluation) if t.name in SIGNING_STEPS]
    pending = evaluation.explanations.filter(status=ExplanationStatus.PENDING)
    return render(
        request,
        "evaluations/review/signoff.html",
        {
            "evaluation": evaluation,
            "show_scores": access.can_view_scores(request.user, evaluation),
            "levels": level_statuses(evaluation, signed),
            "signatures": signed,
            "show_internal": internal,
            "steps": steps,
            "level_label": LEVEL_LABELS.get(evaluation.review_level, ""),
            "opinion": opinion,
            "pending_explanations": pending.count() if steps else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def approve(request, pk: int):
    """批准 asks for confirmation and the approval opinion (审批意见) on a page of its own: what is approved
    (score, grade, the check, who signed the internal levels) is in front of the reviewer when they confirm."""
    evaluation = access.get_evaluation_for_user(request.user, pk)
    if not access.is_commissioning_bureau_user(request.user, evaluation):
        raise PermissionDenied("只有委托该评价的财政局审核人员可以批准。")
    reason = refusal(TRANSITIONS["approve"], request.user, evaluation)
    if reason:
        messages.error(request, reason)
        return redirect("evaluation-detail", pk=evaluation.pk)
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(evaluation, "approve", user=request.user, comment=form.cleaned_data["opinion"])
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "已批准，评价现处于“已批准”。最终报告正在生成。")
            return redirect("evaluation-detail", pk=evaluation.pk)
    signed = signatures(evaluation)
    return render(
        request,
        "evaluations/review/approve.html",
        {
            "evaluation": evaluation,
            "show_scores": True,
            "form": form,
            "levels": level_statuses(evaluation, signed),
            "check": check_display(evaluation) if access.can_view_check(request.user, evaluation) else None,
        },
    )
