"""Workflow, consultation, the bureau's review, audit trail, new version and inbox pages (issue 6).

Thin views: every write goes through evaluations.domain.workflow or .review, which check role,
organisation and state on the server; a refusal comes back as a Chinese message, never a traceback.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from evaluations.domain import review as review_service
from evaluations.domain.editions import EditionError, open_new_edition
from evaluations.domain.freezing import is_frozen
from evaluations.domain.workflow import TRANSITIONS, TransitionError, available_transitions, perform
from evaluations.interfaces.audit_filter import AuditFilterForm
from evaluations.interfaces.check_display import check_display
from evaluations.interfaces.lists import QueueTable
from evaluations.models import (
    LEVEL_LABELS,
    ConsultationComment,
    ConsultationDecision,
    EvaluationState,
)
from evaluations.models.roles import Role, roles_of
from evaluations.queries import access
from evaluations.queries import review as review_queries
from evaluations.queries.audit import PARTS, change_log, timeline_for_user
from evaluations.queries.commissions import commission_inbox
from evaluations.queries.inbox import inbox_page
from evaluations.queries.signoff import level_statuses, missing_levels_text, missing_review_levels, signatures
from evaluations.queries.tree import indicator_rows
from evaluations.sections import sections_for
from evaluations.views.signoff import SIGNING_STEPS, refusal_message


def _workspace(request, pk):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    return evaluation, access.can_view_scores(request.user, evaluation)


# --- transitions and timeline ---------------------------------------------------------------------------


@login_required
@require_POST
def transition(request, pk: int, name: str):
    evaluation, _ = _workspace(request, pk)
    if name not in TRANSITIONS:
        raise Http404("未知的操作。")
    if name == "approve":  # approval is confirmed, with its opinion, on a page of its own
        return redirect("evaluation-approve", pk=evaluation.pk)
    try:
        perform(evaluation, name, user=request.user, comment=request.POST.get("comment", ""))
    except TransitionError as error:
        messages.error(request, refusal_message(error, evaluation))
    else:
        evaluation.refresh_from_db()
        messages.success(request, f"已执行“{TRANSITIONS[name].label}”，评价现处于“{evaluation.get_state_display()}”。")
    return redirect("evaluation-detail", pk=evaluation.pk)


AUDIT_PAGE_SIZE = 25


def _audit_page(request, evaluation, log, **extra):
    """The change log, filtered by part and person and paginated (Django's Paginator)."""
    form = AuditFilterForm(request.GET or None, parts=PARTS, people=log.people)
    part, person = form.selection()
    page = Paginator(log.filtered(part=part, person=person), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluations/review/audit.html",
        {
            "evaluation": evaluation,
            "show_scores": True,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(part or person is not None),
            **extra,
        },
    )


@login_required
def audit(request, pk: int):
    """The firm reads its change log (every step and every save, in words); the unit and the bureau read the
    hand-offs between organisations (queries.access decides, queries.audit words it)."""
    evaluation, show_scores = _workspace(request, pk)
    if not access.can_view_change_log(request.user, evaluation):
        steps = timeline_for_user(request.user, evaluation)
        context = {"evaluation": evaluation, "show_scores": show_scores, "steps": steps}
        return render(request, "evaluations/review/timeline.html", context)
    return _audit_page(request, evaluation, change_log(evaluation))


@login_required
def indicator_history(request, pk: int, indicator_pk: int):
    evaluation, _ = _workspace(request, pk)
    if not access.can_view_change_log(request.user, evaluation):
        raise PermissionDenied("修改记录是评价机构的工作记录，只对评价小组开放。")
    indicator = get_object_or_404(evaluation.indicators, pk=indicator_pk)
    return _audit_page(request, evaluation, change_log(evaluation, indicator=indicator), indicator=indicator)


# --- consultation (征求意见) ----------------------------------------------------------------------------


@login_required
def consultation(request, pk: int):
    evaluation, show_scores = _workspace(request, pk)
    if not show_scores:
        raise PermissionDenied("征求意见开始后，被评价单位才能查看评价报告初稿和问题清单。")
    if request.method == "POST":
        return _consultation_post(request, evaluation)
    comments = access.consultation_comments_for_user(request.user, evaluation)
    return render(
        request,
        "evaluations/review/consultation.html",
        {
            "evaluation": evaluation,
            "show_scores": show_scores,
            "comments": comments,
            "findings": evaluation.findings.all(),
            "sections": sections_for(evaluation.kind),
            "leaves": [row.indicator for row in indicator_rows(evaluation) if row.is_leaf],
            "can_comment": access.can_comment_in_consultation(request.user, evaluation),
            "can_answer": evaluation.state == EvaluationState.CONSULTATION
            and access.is_on_team(request.user, evaluation, access.EVALUATOR_TEAM_ROLES)
            and Role.EVALUATOR in roles_of(request.user),
            "decisions": ConsultationDecision.choices,
        },
    )


def _pk(value) -> int:
    """A posted object id, or 404 for anything that is not one (never a 500 on garbage input)."""
    text = str(value or "")
    if not text.isdigit():
        raise Http404("未找到该对象。")
    return int(text)


def _target(evaluation, value: str) -> dict:
    """'finding-3' / 'indicator-12' / 'section-background' / '' → keyword arguments of the services."""
    kind, _, key = (value or "").partition("-")
    if kind == "finding":
        return {"finding": get_object_or_404(evaluation.findings, pk=_pk(key))}
    if kind == "indicator":
        return {"indicator": get_object_or_404(evaluation.indicators, pk=_pk(key))}
    if kind == "section":
        return {"section_key": key}
    return {}


def _consultation_post(request, evaluation):
    try:
        with transaction.atomic():
            if request.POST.get("action") == "answer":
                comment = get_object_or_404(
                    ConsultationComment, pk=_pk(request.POST.get("comment")), evaluation=evaluation
                )
                review_service.answer_consultation_comment(
                    comment=comment,
                    user=request.user,
                    decision=request.POST.get("decision", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, "已答复。")
            else:
                review_service.add_consultation_comment(
                    evaluation=evaluation,
                    user=request.user,
                    text=request.POST.get("text", ""),
                    **_target(evaluation, request.POST.get("target", "")),
                )
                messages.success(request, "意见已提交，评价小组将逐条答复。")
    except review_service.ReviewError as error:
        messages.error(request, str(error))
    return redirect("evaluation-consultation", pk=evaluation.pk)


@login_required
def consultation_ledger(request, pk: int):
    """The ledger of comments and answers, printable as an annex (财监〔2021〕4号 第十八条)."""
    evaluation, show_scores = _workspace(request, pk)
    if not show_scores:
        raise PermissionDenied("征求意见开始后才能查看意见台账。")
    comments = access.consultation_comments_for_user(request.user, evaluation)
    return render(request, "evaluations/review/ledger.html", {"evaluation": evaluation, "comments": comments})


# --- the bureau's queue and review ----------------------------------------------------------------------


@login_required
def review_queue(request):
    if Role.BUREAU not in roles_of(request.user) and Role.ADMIN not in roles_of(request.user):
        raise PermissionDenied("只有财政局审核人员可以查看审核队列。")
    evaluations = access.evaluations_for_user(request.user).select_related("evaluated_unit", "evaluating_firm")
    state = request.GET.get("state", EvaluationState.SUBMITTED)
    if state in EvaluationState.values:
        evaluations = evaluations.filter(state=state)
    year = request.GET.get("year", "")
    if year.isdigit():
        evaluations = evaluations.filter(year=int(year))
    unit = request.GET.get("unit", "").strip()
    if unit:
        evaluations = evaluations.filter(evaluated_unit__name__icontains=unit)
    table = QueueTable(evaluations)
    RequestConfig(request, paginate={"per_page": 20}).configure(table)
    return render(
        request,
        "evaluations/review/queue.html",
        {
            "table": table,
            "states": EvaluationState.choices,
            "state": state,
            "year": year,
            "unit": unit,
        },
    )


@login_required
def review(request, pk: int):
    evaluation, _ = _workspace(request, pk)
    is_bureau = access.is_commissioning_bureau_user(request.user, evaluation)
    if not is_bureau and Role.ADMIN not in roles_of(request.user):
        raise PermissionDenied("只有委托单位的财政局审核人员可以审核本评价。")
    if request.method == "POST" and request.POST.get("action") == "return":
        return _return(request, evaluation)
    show_scores = access.can_view_scores(request.user, evaluation)
    rows = indicator_rows(evaluation) if show_scores else []
    signed = signatures(evaluation)
    return render(
        request,
        "evaluations/review/review.html",
        {
            "levels": level_statuses(evaluation, signed),
            "bureau_signatures": [s for s in signed if not s.is_internal],
            "evaluation": evaluation,
            "show_scores": show_scores,
            "rows": rows,
            # the consistency check is the firm's own quality control; the bureau decides the explanations
            "check": check_display(evaluation) if access.can_view_check(request.user, evaluation) else None,
            "explanations": review_queries.explanations_to_decide(evaluation)
            if evaluation.state == EvaluationState.SUBMITTED and access.can_view_explanations(request.user, evaluation)
            else 0,
            "changes": review_queries.changes_since_last_review(evaluation),
            "transitions": available_transitions(request.user, evaluation),
            "sections": sections_for(evaluation.kind),
            "leaves": [row.indicator for row in rows if row.is_leaf],
            "previous_comments": evaluation.review_comments.select_related("finding", "indicator", "author"),
            "timeline": timeline_for_user(request.user, evaluation),
        },
    )


def _return(request, evaluation):
    texts, targets = request.POST.getlist("item_text"), request.POST.getlist("item_target")
    try:
        items = [
            {**_target(evaluation, target), "text": text}
            for target, text in zip(targets, texts, strict=False)
            if text.strip()
        ]
        review_service.return_with_comments(
            evaluation=evaluation, user=request.user, comment=request.POST.get("comment", ""), items=items
        )
    except (review_service.ReviewError, TransitionError) as error:
        messages.error(request, str(error))
        return redirect("evaluation-review", pk=evaluation.pk)
    messages.success(request, "已退回评价小组修改，审核意见将显示在相应章节和指标处。")
    return redirect("review-queue")


# --- new version and inbox ---------------------------------------------------------------------------


@login_required
@require_POST
def new_version(request, pk: int):
    evaluation, _ = _workspace(request, pk)
    try:
        new = open_new_edition(evaluation, user=request.user)
    except EditionError as error:
        messages.error(request, str(error))
        return redirect("evaluation-detail", pk=evaluation.pk)
    messages.success(request, f"已开启新版本“{new.title}”；已批准的版本保持不变。")
    return redirect("evaluation-detail", pk=new.pk)


@login_required
def my_inbox(request):
    items, page = inbox_page(request.user, request.GET.get("page"))
    context = {"items": items, "page": page, "commission_items": commission_inbox(request.user)}
    return render(request, "evaluations/review/inbox.html", context)


def workflow_context(request, evaluation, show_scores: bool) -> dict:
    """What templates/evaluations/review/_workflow_panel.html needs (the evaluation page includes it)."""
    states_with_consultation = {
        EvaluationState.CONSULTATION,
        EvaluationState.SUBMITTED,
        EvaluationState.RETURNED,
        EvaluationState.APPROVED,
        EvaluationState.RECTIFICATION,
    }
    transitions = available_transitions(request.user, evaluation)
    names = {t.name for t in transitions}
    return {
        "transitions": transitions,
        # The reviewer's pass and return share one opinion box (复核意见); approval has its confirmation page.
        "plain_transitions": [t for t in transitions if t.name not in {*SIGNING_STEPS, "approve"}],
        "signing": [t for t in transitions if t.name in SIGNING_STEPS],
        "can_approve": "approve" in names,
        "missing_levels": missing_levels_text(missing_review_levels(evaluation)) if "submit_review" in names else "",
        "signoff_page": access.can_view_signoff_page(request.user, evaluation),
        "timeline": timeline_for_user(request.user, evaluation)[-5:],
        "internal": access.reads_internal_work(request.user, evaluation),
        "show_scores": show_scores,
        "level_label": LEVEL_LABELS.get(evaluation.review_level, ""),
        "consultation": show_scores and (evaluation.state in states_with_consultation),
        "open_comments": review_queries.unanswered_comments(evaluation).count(),
        "is_bureau": access.is_commissioning_bureau_user(request.user, evaluation),
        "rectification": evaluation.state == EvaluationState.RECTIFICATION,
        "frozen": show_scores and is_frozen(evaluation),
        "can_new_version": access.can_open_new_edition(request.user, evaluation),
        "review_comments": review_queries.open_review_comments(evaluation)
        if access.can_read_review_comments(request.user, evaluation)
        else [],
    }
