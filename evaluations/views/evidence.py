"""Evidence (佐证材料): upload, list by indicator and table, download, delete, and what is asked for.

Thin views over evaluations.domain.evidence; the unit uploads what is requested of it, the team links evidence to
indicators and tables. Downloads are attachments, checked against who may see the evaluation.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from evaluations.datatables import tables_for_kind
from evaluations.domain import evidence as evidence_service
from evaluations.models import Evaluation, Evidence
from evaluations.queries import access
from evaluations.queries.tree import indicator_rows
from evaluations.views import helpers


@login_required
def evidence(request, pk: int):
    evaluation = helpers.evaluation(request, pk)
    can_upload = access.can_upload_evidence(request.user, evaluation)
    form = {"description": "", "indicators": set(), "tables": set()}
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied("您不能为这项评价上传佐证材料。")
        form = {
            "description": request.POST.get("description", ""),
            "indicators": set(request.POST.getlist("indicators")),
            "tables": set(request.POST.getlist("tables")),
        }
        try:
            with transaction.atomic():
                created = evidence_service.store_evidence(
                    evaluation=evaluation,
                    uploads=request.FILES.getlist("files"),
                    user=request.user,
                    description=form["description"],
                    indicator_ids=form["indicators"],
                    table_keys=form["tables"],
                )
        except evidence_service.EvidenceRejected as error:
            messages.error(request, f"上传未成功：{error}")
        else:
            names = "、".join(f"「{item.original_name}」" for item in created)
            messages.success(request, f"已上传 {len(created)} 个文件：{names}。")
            return redirect(reverse("evaluation-evidence", args=[evaluation.pk]) + "?tab=files")
    chosen = helpers.indicator_filter(request, evaluation)
    preselect = request.GET.get("for")
    if preselect and not form["indicators"]:
        form["indicators"] = {preselect}
    items = list(evidence_service.evidence_list(evaluation, chosen))
    requests_ = evidence_service.evidence_requests(evaluation)
    may_delete_any = can_upload and access.can_edit_evaluation(request.user, evaluation)
    for item in items:
        item.can_delete = can_upload and (may_delete_any or item.uploaded_by_id == request.user.pk)
        item.size_display = evidence_service.format_size(item.size)
    options = indicator_rows(evaluation)
    for row in options:
        row.label = "\u3000" * (row.level - 1) + row.indicator.name  # indented by level in the <select>
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evaluations/content/evidence.html",
        helpers.context(
            request,
            evaluation,
            items=items,
            requests=requests_,
            provided=sum(1 for r in requests_ if r.evidence),
            chosen=chosen,
            can_upload=can_upload,
            indicator_options=options,
            table_options=tables_for_kind(evaluation.kind),
            form=form,
            accept=evidence_service.ACCEPT_ATTRIBUTE,
            accepted_text=evidence_service.ACCEPTED_TEXT,
            # The evaluated unit comes here for the list of what to provide (when something is asked for);
            # the team, and the unit right after an upload, for the files.
            open_requests=request.GET.get("tab") == "requests"
            or (
                request.GET.get("tab") != "files"
                and not request.GET.get("indicator")
                and bool(requests_)
                and access.is_evaluated_unit_user(request.user, evaluation)
            ),
        ),
        status=status,
    )


def _evidence_of(evaluation: Evaluation, evidence_pk: int) -> Evidence:
    item = evaluation.evidence.filter(pk=evidence_pk).select_related("evaluation").first()
    if item is None:
        raise Http404("未找到该佐证材料，或您无权查看。")
    return item


@login_required
def evidence_download(request, pk: int, evidence_pk: int):
    evaluation = helpers.evaluation(request, pk)
    item = _evidence_of(evaluation, evidence_pk)
    if not access.can_download_evidence(request.user, item):
        raise Http404("未找到该佐证材料，或您无权查看。")
    return helpers.evidence_file_response(item)


@login_required
@require_POST
def evidence_delete(request, pk: int, evidence_pk: int):
    evaluation = helpers.evaluation(request, pk)
    item = _evidence_of(evaluation, evidence_pk)
    if not access.can_delete_evidence(request.user, item):
        raise PermissionDenied("只有上传人或评价小组的评价人员可以在评价可编辑时删除佐证材料。")
    with transaction.atomic():
        evidence_service.delete_evidence(item)
    messages.success(request, f"已删除佐证材料「{item.original_name}」。")
    return redirect("evaluation-evidence", pk=evaluation.pk)


# --- narrative: the outline and its sections ------------------------------------------------------
