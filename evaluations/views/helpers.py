"""What the workspace's content views share: fetching the evaluation, the permission checks they name, the
version a form was opened at, and the consistency problems anchored on a page's items."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

from evaluations.domain import evidence as evidence_service
from evaluations.models import Evaluation, EvaluationIndicator, Evidence
from evaluations.queries import access
from evaluations.queries.consistency import check_evaluation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, title: str) -> HttpResponse:
    """An Excel download named after ``title`` (characters no file system takes replaced), never cached."""
    name = "".join("_" if char in '\\/:*?"<>|' else char for char in title) + ".xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


def evidence_file_response(item: Evidence) -> FileResponse:
    """A stored evidence file as an attachment (evidence and rectification files alike): only types the app
    accepts are served as such, never rendered in the browser's origin, never cached."""
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError, OSError):
        raise Http404("该佐证材料的文件已不在存储中，请联系系统管理员。") from None
    content_type = item.content_type if item.content_type in evidence_service.SERVED_TYPES else None
    response = FileResponse(handle, content_type=content_type or "application/octet-stream", as_attachment=True)
    response["Content-Disposition"] = evidence_service.content_disposition(item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def evaluation(request, pk: int) -> Evaluation:
    evaluation = access.get_evaluation_for_user(request.user, pk)
    return Evaluation.objects.select_related("evaluated_unit", "project").get(pk=evaluation.pk)


def require_scores(request, evaluation: Evaluation) -> None:
    """Narrative, analysis, findings and the research record are drafts: not for the unit before 征求意见."""
    if not access.can_view_scores(request.user, evaluation):
        raise PermissionDenied("评价报告草稿在征求意见后才向被评价单位开放。")


def require_narrative_editor(request, evaluation: Evaluation) -> None:
    if not access.can_edit_narrative(request.user, evaluation):
        raise PermissionDenied("只有评价小组的评价人员可以在评价可编辑时修改报告内容。")


def version(request, name: str = "version") -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return -1  # never a stored version: the save is refused as stale, nothing is lost


def context(request, evaluation: Evaluation, **extra) -> dict:
    return {
        "evaluation": evaluation,
        "show_scores": access.can_view_scores(request.user, evaluation),
        "can_edit": access.can_edit_narrative(request.user, evaluation),
        **extra,
    }


# The text pages show an empty section or list as empty already: their to-dos are listed on the workspace.
SHOWN_AS_EMPTY = ("empty-section:", "empty-list:")


def problems_by_anchor(request, evaluation: Evaluation, prefixes=None) -> dict[str, list]:
    """The check's problems by the item they are on: for the firm only (the check is its quality control)."""
    problems: dict[str, list] = {}
    if not access.can_view_check(request.user, evaluation):
        return problems
    for problem in check_evaluation(evaluation):
        if problem.key.startswith(SHOWN_AS_EMPTY):
            continue
        if prefixes is None or problem.anchor.startswith(prefixes):
            problems.setdefault(problem.anchor, []).append(problem)
    return problems


# --- evidence -------------------------------------------------------------------------------------


def indicator_filter(request, evaluation: Evaluation) -> EvaluationIndicator | None:
    value = request.GET.get("indicator")
    if not value:
        return None
    try:
        return evaluation.indicators.get(pk=int(value))
    except (ValueError, EvaluationIndicator.DoesNotExist):
        return None
