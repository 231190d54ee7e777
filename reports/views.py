"""Thin views of the report page: list versions, request a render, poll progress, retry, download (PDF or Word),
settings.

Every view fetches the evaluation through evaluations.queries.access (another organisation's evaluation → 404);
reading reports needs can_view_scores (unit users only once the draft is shared → 403 before),
the team sees every version, the unit and the bureau only those handed to them (selection.visible_versions);
requesting a render needs requests.can_request (the team's evaluators at any state, and admins); once approved,
the final report can be requested again by the team, the commissioning bureau and admins (requests.can_request_final).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from evaluations.domain.locking import StaleObjectError, save_versioned
from evaluations.models import FROZEN_STATES, Role, StateChange, roles_of
from evaluations.queries import access
from evaluations.queries.audit import step_words
from evaluations.queries.consistency import check
from reports import requests as report_requests
from reports.archive import ArchiveNotReady, build_archive, verify_pdf
from reports.jobs import can_retry, final_report
from reports.models import ReportSettings, ReportStatus, ReportVersion
from reports.selection import (
    latest_hand_off,
    outline_for,
    outlines_for,
    report_title,
    settings_for,
    visible_versions,
)
from reports.word import DOCX_TYPE

LIST_FIELDS = (
    "pk",
    "evaluation_id",
    "number",
    "outline__name",
    "outline__version",
    "title",
    "summary",
    "status",
    "progress",
    "stage",
    "error",
    "content_hash",
    "is_draft",
    "problem_count",
    "file",
    "word_file",
    "sha256",
    "pages",
    "size",
    "render_seconds",
    "author__full_name",
    "author__username",
    "created_at",
    "started_at",
    "finished_at",
)


def _evaluation(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    if not access.can_view_scores(request.user, evaluation):
        raise PermissionDenied("评价报告在评价小组征求意见后向被评价单位开放。")
    return evaluation


def _versions(request, evaluation):
    """The versions this user may read (selection.visible_versions), each with the steps that handed it on that
    this user reads (the unit and the bureau: the hand-offs between organisations, never the internal levels)."""
    internal = access.reads_internal_work(request.user, evaluation)
    steps = StateChange.objects.select_related("actor").filter(access.steps_condition(internal=internal))
    versions = list(
        visible_versions(request.user, evaluation)
        .select_related("outline", "author")
        .prefetch_related(Prefetch("hand_offs", queryset=steps))
        .defer("content")
    )
    for version in versions:
        for step in version.hand_offs.all():
            step.label = step_words(step, internal=internal)[0]
    return versions


def _is_admin(user) -> bool:
    return Role.ADMIN in roles_of(user)


class ReportSettingsForm(forms.Form):
    outline = forms.ModelChoiceField(label="报告提纲", queryset=None, required=False, empty_label="默认（最新提纲）")
    title = forms.CharField(label="报告标题", max_length=200, required=False, help_text="留空则为“评价名称 + 报告”。")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outline"].queryset = outlines_for(evaluation.kind)


def _status_row(version: ReportVersion, evaluation) -> dict:
    done = version.status == ReportStatus.DONE and bool(version.file)
    return {
        "number": version.number,
        "status": version.status,
        "status_label": version.get_status_display(),
        "progress": version.progress,
        "stage": version.stage,
        "error": version.error,
        "active": version.is_active,
        "pages": version.pages,
        "size": version.size,
        "download_url": reverse("evaluation-report-download", args=[evaluation.pk, version.number]) if done else "",
        "word_url": reverse("evaluation-report-word", args=[evaluation.pk, version.number])
        if done and version.word_file
        else "",
    }


@login_required
@require_GET
def report_list(request, pk: int):
    evaluation = _evaluation(request, pk)
    report_requests.recover_stale_renders(evaluation.pk)
    versions = _versions(request, evaluation)
    chosen = settings_for(evaluation)
    internal = access.reads_internal_work(request.user, evaluation)
    result = check(evaluation) if access.can_view_check(request.user, evaluation) else None
    form = None
    if _is_admin(request.user):
        form = ReportSettingsForm(
            evaluation=evaluation,
            initial={
                "outline": chosen.outline_id if chosen else None,
                "title": chosen.title if chosen else "",
                "version": chosen.version if chosen else 0,
            },
        )
    for version in versions:
        version.retryable = can_retry(version)
    latest = latest_hand_off(versions)
    return render(
        request,
        "reports/versions.html",
        {
            "evaluation": evaluation,
            "show_scores": True,
            "versions": versions,
            "outline": outline_for(evaluation),
            "report_title": report_title(evaluation),
            "can_request": report_requests.can_request(request.user, evaluation),
            "can_request_final": report_requests.can_request_final(request.user, evaluation),
            "final": final_report(evaluation),
            "final_attempt": next((version for version in versions if version.is_final), None),
            "frozen": evaluation.state in FROZEN_STATES,
            "internal": internal,
            "error_count": len(result.errors) if result else 0,
            "todo_count": len(result.todos) if result else 0,
            "problem_count": len(result.problems) if result else 0,
            "settings_form": form,
            "any_active": any(version.is_active for version in versions),
            "handed": {"step": latest[0], "version": latest[1]} if latest else None,
        },
    )


@login_required
@require_GET
def report_status(request, pk: int):
    evaluation = _evaluation(request, pk)
    report_requests.recover_stale_renders(evaluation.pk)  # the progress poll notices a worker that died
    rows = [_status_row(version, evaluation) for version in _versions(request, evaluation)]
    return JsonResponse({"versions": rows, "active": any(row["active"] for row in rows)})


@login_required
@require_POST
def report_generate(request, pk: int):
    evaluation = _evaluation(request, pk)
    if not report_requests.can_request(request.user, evaluation):
        raise PermissionDenied("只有评价小组的评价人员和系统管理员可以生成报告。")
    try:
        with transaction.atomic():
            version, created = report_requests.request_render(evaluation, request.user)
    except report_requests.ReportRequestError as error:
        messages.error(request, str(error))
        return redirect("evaluation-reports", pk=evaluation.pk)
    if created:
        messages.success(request, f"已提交生成第 {version.number} 版报告，报告在后台生成，本页会自动显示进度。")
    elif version.status == ReportStatus.DONE:
        messages.info(request, f"报告内容与第 {version.number} 版相同，未重复生成，可直接下载第 {version.number} 版。")
    else:
        messages.info(request, f"相同内容的第 {version.number} 版已在生成队列中，请等待其完成。")
    return redirect("evaluation-reports", pk=evaluation.pk)


@login_required
@require_POST
def report_retry(request, pk: int, number: int):
    evaluation = _evaluation(request, pk)
    version = get_object_or_404(ReportVersion, evaluation=evaluation, number=number)
    final = version.is_final and report_requests.can_request_final(request.user, evaluation)
    if not final and not report_requests.can_request(request.user, evaluation):
        raise PermissionDenied("只有评价小组的评价人员和系统管理员可以重新生成报告。")
    try:
        with transaction.atomic():
            if final and not version.content:  # assembled again from the approved data
                version = report_requests.request_final_render(evaluation, request.user)
            else:
                report_requests.retry(version)
    except report_requests.ReportRequestError as error:
        messages.error(request, str(error))
    except Exception as error:  # the final report could not be assembled: recorded and shown, never a 500
        report_requests.request_final_after_failure(evaluation, request.user, error)
        messages.error(request, "最终报告仍未能生成，原因见下方列表；可稍后重试。")
    else:
        messages.success(request, f"已重新提交第 {version.number} 版报告的生成。")
    return redirect("evaluation-reports", pk=evaluation.pk)


def _download(request, pk: int, number: int, *, word: bool):
    """A rendered file of a version this user may read (selection.visible_versions): the PDF or the Word file."""
    evaluation = _evaluation(request, pk)
    version = get_object_or_404(visible_versions(request.user, evaluation).defer("content"), number=number)
    stored = version.word_file if word else version.file
    if version.status != ReportStatus.DONE or not stored:
        raise Http404("该版本报告尚未生成完成。" if not word else "该版本没有 Word 文件，请重新生成报告。")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("报告文件不存在，请重新生成。") from None
    if word:
        return FileResponse(handle, as_attachment=True, filename=version.word_download_name, content_type=DOCX_TYPE)
    return FileResponse(handle, as_attachment=True, filename=version.download_name, content_type="application/pdf")


@login_required
@require_GET
def report_download(request, pk: int, number: int):
    return _download(request, pk, number, word=False)


@login_required
@require_GET
def report_download_word(request, pk: int, number: int):
    """The Word file of a version, for the last edits: the same visibility as its PDF."""
    return _download(request, pk, number, word=True)


@login_required
@require_POST
def report_settings(request, pk: int):
    evaluation = _evaluation(request, pk)
    if not _is_admin(request.user):
        raise PermissionDenied("只有系统管理员可以更改报告提纲。")
    form = ReportSettingsForm(request.POST, evaluation=evaluation)
    if not form.is_valid():
        messages.error(request, "报告设置未保存：" + "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("evaluation-reports", pk=evaluation.pk)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            current = ReportSettings.objects.filter(evaluation=evaluation).first()
            if current is None:
                if data["version"] != 0:
                    raise StaleObjectError(evaluation, data["version"], 0, [])
                ReportSettings.objects.create(evaluation=evaluation, outline=data["outline"], title=data["title"])
            else:
                current.outline, current.title = data["outline"], data["title"].strip()
                save_versioned(current, expected_version=data["version"], fields=["outline", "title"])
    except StaleObjectError as error:
        messages.error(request, f"报告设置已被他人修改，本次未保存，请刷新后重试。（{error}）")
    else:
        messages.success(request, "报告设置已保存，下次生成报告时生效。")
    return redirect("evaluation-reports", pk=evaluation.pk)


@login_required
@require_POST
def report_final(request, pk: int):
    """An approved evaluation without a finished final report: request it (again) from the approved data."""
    evaluation = _evaluation(request, pk)
    if not report_requests.can_request_final(request.user, evaluation):
        raise PermissionDenied("评价批准后，评价小组、委托的财政局和系统管理员可以生成最终报告。")
    try:
        with transaction.atomic():
            version = report_requests.request_final_render(evaluation, request.user)
    except Exception as error:  # shown on the report page, never a traceback; the approval stands
        report_requests.request_final_after_failure(evaluation, request.user, error)
        messages.error(request, "最终报告未能生成，原因见下方列表；可稍后重试。")
    else:
        messages.success(request, f"已提交生成最终报告（第 {version.number} 版），完成后可下载并归档。")
    return redirect("evaluation-reports", pk=evaluation.pk)


@login_required
def report_verify(request, pk: int):
    """Anyone who may read the report can check a downloaded PDF against the SHA-256 stored at approval."""
    evaluation = _evaluation(request, pk)
    final = final_report(evaluation)
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要核验的 PDF 文件。")
        elif final is None:
            messages.error(request, "本评价尚无已批准的最终报告。")
        else:
            result = verify_pdf(evaluation, upload)
    return render(
        request,
        "reports/verify.html",
        {"evaluation": evaluation, "show_scores": True, "final": final, "result": result},
    )


@login_required
@require_GET
def report_archive(request, pk: int):
    """The archive ZIP of an approved evaluation; refused with the reason until its final report exists."""
    evaluation = _evaluation(request, pk)
    try:
        data, filename = build_archive(evaluation)
    except ArchiveNotReady as error:
        messages.error(request, str(error))
        return redirect("evaluation-reports", pk=evaluation.pk)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
