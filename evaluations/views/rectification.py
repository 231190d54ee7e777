"""Rectification (整改) pages: the items of an evaluation, one item with its finding, recommendations, the unit's
report and evidence, the bureau's acceptance and the history, and the evidence downloads.

Thin views over evaluations.domain.rectification: every action is checked there (and shown here) with
evaluations.queries.access.rectification_refusal; a refusal comes back as a Chinese message and changes nothing.
Another organisation's evaluation, item or file answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from evaluations.datatables.spec import CellError, parse_date
from evaluations.domain import evidence as evidence_service
from evaluations.domain import rectification as service
from evaluations.domain.locking import StaleObjectError
from evaluations.queries import access
from evaluations.queries.rectification import item_detail, items_of, status_counts
from evaluations.views import helpers

# The actions a form may post, and who takes them (access.rectification_refusal).
UNIT_ACTIONS = {"save", "submit", "remove_evidence"}
BUREAU_ACTIONS = {"accept", "return", "remind", "deadline"}


@login_required
@require_GET
def rectification(request, pk: int):
    evaluation = helpers.evaluation(request, pk)
    items = items_of(evaluation)
    return render(
        request,
        "evaluations/review/rectification.html",
        helpers.context(
            request,
            evaluation,
            items=items,
            counts=status_counts(items),
            overdue=sum(1 for item in items if item.is_overdue),
            is_unit=access.is_evaluated_unit_user(request.user, evaluation),
            is_bureau=access.is_commissioning_bureau_user(request.user, evaluation),
        ),
    )


@login_required
def rectification_item(request, pk: int, item_pk: int):
    evaluation = helpers.evaluation(request, pk)
    item = access.get_rectification_item_for_user(request.user, evaluation, item_pk)
    posted = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in UNIT_ACTIONS | BUREAU_ACTIONS:
            raise Http404("未知的操作。")
        try:
            done = _act(request, item, action)
        except (service.RectificationError, StaleObjectError) as error:
            messages.error(request, str(error))
            posted = {"measures": request.POST.get("measures"), "comment": request.POST.get("comment", "")}
            status = 400
        else:
            messages.success(request, done)
            return redirect("rectification-item", pk=evaluation.pk, item_pk=item.pk)
    detail = item_detail(item)
    can = {
        action: access.can_act_on_rectification(request.user, item, action)
        for action in (access.REPORT, access.DECIDE, access.REMIND, access.SET_DEADLINE)
    }
    return render(
        request,
        "evaluations/review/rectification_item.html",
        helpers.context(
            request,
            evaluation,
            item=item,
            detail=detail,
            can=can,
            waiting=access.rectification_refusal(request.user, item, access.REPORT)
            if access.is_responsible_unit_user(request.user, item)
            else "",
            measures=item.measures if posted.get("measures") is None else posted["measures"],
            comment=posted.get("comment", ""),
            accept=evidence_service.ACCEPT_ATTRIBUTE,
            accepted_text=evidence_service.ACCEPTED_TEXT,
        ),
        status=status,
    )


def _act(request, item, action: str) -> str:
    """Perform one posted action; the success message."""
    user, post = request.user, request.POST
    if action in {"save", "submit"}:
        service.report(
            item=item,
            user=user,
            expected_version=helpers.version(request),
            measures=post.get("measures", ""),
            uploads=request.FILES.getlist("files"),
            submit=action == "submit",
        )
        return "已提交验收，等待财政局验收。" if action == "submit" else "整改情况已保存（尚未提交验收）。"
    if action == "remove_evidence":
        evidence = item.evidence.filter(pk=_pk(post.get("evidence"))).first()
        if evidence is None:
            raise Http404("未找到该佐证材料。")
        service.remove_evidence(evidence=evidence, user=user)
        return f"已删除「{evidence.original_name}」。"
    if action == "accept":
        service.accept(item=item, user=user, expected_version=helpers.version(request), comment=post.get("comment", ""))
        return "已验收通过。"
    if action == "return":
        service.send_back(
            item=item, user=user, expected_version=helpers.version(request), comment=post.get("comment", "")
        )
        return "已退回整改，责任单位的待办中会显示退回意见。"
    if action == "remind":
        service.remind(item=item, user=user, comment=post.get("comment", ""))
        return "已催办，责任单位的待办中会显示。"
    deadline = _date(post.get("deadline", ""))
    service.set_deadline(item=item, user=user, deadline=deadline, comment=post.get("comment", ""))
    return "整改期限已调整。"


def _pk(value) -> int:
    text = str(value or "")
    if not text.isdigit():
        raise Http404("未找到该对象。")
    return int(text)


def _date(text: str):
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except CellError as error:
        raise service.RectificationError(f"整改期限：{error}") from None


@login_required
@require_GET
def rectification_file(request, pk: int, item_pk: int, file_pk: int):
    evaluation = helpers.evaluation(request, pk)
    item = access.get_rectification_item_for_user(request.user, evaluation, item_pk)
    evidence = item.evidence.filter(pk=file_pk).first()
    if evidence is None:
        raise Http404("未找到该佐证材料，或您无权查看。")
    return helpers.evidence_file_response(evidence)
