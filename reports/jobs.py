"""The background side of report versions: rendering a queued version, and reading what was rendered.

``run_render`` is the task body (reports.tasks): it writes the PDF and the Word file from the same content snapshot
(the snapshot is cleared afterwards); progress and the outcome are recorded on the ReportVersion row, failures
included, so the report page can show them and offer a retry.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from evaluations.models import Evaluation
from reports import rendering, word
from reports.models import ReportStatus, ReportVersion

logger = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=15)  # a render still "running" after this is taken as lost (worker stopped)


def is_stale(version: ReportVersion) -> bool:
    since = version.started_at or version.created_at
    return version.is_active and since is not None and timezone.now() - since > STALE_AFTER


def can_retry(version: ReportVersion) -> bool:
    return version.status == ReportStatus.FAILED or is_stale(version)


def _progress(version_id: int):
    def update(percent: int, stage: str) -> None:
        ReportVersion.objects.filter(pk=version_id).update(progress=percent, stage=stage)

    return update


def describe_failure(error: BaseException, stage: str = "排版") -> str:
    if isinstance(error, OSError):
        return f"写入或读取文件失败（{error.strerror or error}）。请检查存储空间后重试。"
    if isinstance(error, MemoryError):
        return "内存不足，报告未能生成。请稍后重试。"
    detail = str(error).strip()[:300] or type(error).__name__
    return f"{stage}时出错：{detail}。请重试；如仍失败，请联系系统管理员。"


def run_render(version_id: int) -> ReportVersion | None:
    """Render a queued version (the background task body). Failures are recorded on the version, not raised."""
    claimed = ReportVersion.objects.filter(pk=version_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RENDERING, started_at=timezone.now(), progress=5, stage="开始生成", error=""
    )
    version = ReportVersion.objects.filter(pk=version_id).first()
    if not claimed or version is None:
        return version  # already rendered, being rendered elsewhere, or deleted
    started = time.monotonic()
    progress = _progress(version_id)
    stage = "排版"
    try:
        result = rendering.render_pdf_document(version.content, progress=progress)
        digest = hashlib.sha256(result.pdf).hexdigest()
        name = f"report-{version.evaluation_id}-v{version.number}"
        version.file.save(f"{name}.pdf", ContentFile(result.pdf), save=False)
        stage = "生成 Word 文件"
        progress(90, "写入 Word")
        document = word.render_word_document(version.content, word.word_style(version.content.get("typography")))
        version.word_file.save(f"{name}.docx", ContentFile(document.docx), save=False)
    except Exception as error:  # recorded for the user; the worker keeps running
        logger.exception("报告版本 %s 生成失败", version_id)
        if version.file:  # a PDF written before the Word file failed: not kept (the retry writes both)
            version.file.delete(save=False)
        ReportVersion.objects.filter(pk=version_id).update(
            status=ReportStatus.FAILED, error=describe_failure(error, stage), stage="失败", finished_at=timezone.now()
        )
        version.refresh_from_db()
        return version
    ReportVersion.objects.filter(pk=version_id).update(
        status=ReportStatus.DONE,
        progress=100,
        stage="完成",
        file=version.file.name,
        word_file=version.word_file.name,
        sha256=digest,
        pages=result.pages,
        size=len(result.pdf),
        render_seconds=Decimal(f"{time.monotonic() - started:.2f}"),
        finished_at=timezone.now(),
        content={},  # the PDF (and the Word file) are the record now; the snapshot was only needed to render
    )
    version.refresh_from_db()
    return version


def final_report(evaluation: Evaluation) -> ReportVersion | None:
    """The finished final report of an approved evaluation, or None (not approved, or still rendering)."""
    return (
        ReportVersion.objects.filter(evaluation=evaluation, is_final=True, status=ReportStatus.DONE)
        .exclude(file="")
        .first()
    )
