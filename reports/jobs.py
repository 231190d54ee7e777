"""The background side of report versions: rendering a queued version, and reading what was rendered.

``run_render`` is the task body (reports.tasks): it writes the PDF and the Word file from the same content snapshot
(the snapshot is cleared afterwards); progress and the outcome are recorded on the ReportVersion row, failures
included, so the report page can show them and offer a retry.

A render is leased: the worker that claims a version (queued → rendering, atomically: two tasks for one version
never both render) writes a heartbeat while it works, and only the holder of the lease records the outcome. A
version whose heartbeat is older than LEASE lost its worker (killed, machine restarted):
reports.requests.recover_stale_renders queues it again, from the report page's progress poll, from any new request
and from ``manage.py recover_renders`` (run when a worker starts); a slow worker that comes back after that finds
its lease taken and discards its files.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import DatabaseError, connections
from django.utils import timezone

from evaluations.models import Evaluation
from reports import rendering, word
from reports.models import ReportStatus, ReportVersion

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # no heartbeat for this long: the worker is gone and the render is taken over
HEARTBEAT_EVERY = 20  # seconds between a working render's heartbeats (well inside LEASE)
QUEUED_STALE_AFTER = timedelta(minutes=15)  # queued this long with no worker taking it: offered for retry


def is_stale(version: ReportVersion) -> bool:
    """A render that lost its worker (rendering, lease lapsed) or was never picked up."""
    now = timezone.now()
    if version.status == ReportStatus.RENDERING:
        beat = version.heartbeat_at or version.started_at or version.created_at
        return beat is not None and now - beat > LEASE
    return version.status == ReportStatus.QUEUED and now - version.created_at > QUEUED_STALE_AFTER


def can_retry(version: ReportVersion) -> bool:
    return version.status == ReportStatus.FAILED or is_stale(version)


def _progress(version_id: int, lease: str):
    def update(percent: int, stage: str) -> None:
        ReportVersion.objects.filter(pk=version_id, lease=lease).update(
            progress=percent, stage=stage, heartbeat_at=timezone.now()
        )

    return update


class _Heartbeat(threading.Thread):
    """Keeps the lease while one long step (a large PDF) runs without reporting progress."""

    def __init__(self, version_id: int, lease: str):
        super().__init__(name=f"render-heartbeat-{version_id}", daemon=True)
        self.version_id, self.lease, self.done = version_id, lease, threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(HEARTBEAT_EVERY):
                try:
                    ReportVersion.objects.filter(
                        pk=self.version_id, lease=self.lease, status=ReportStatus.RENDERING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError:  # a busy database: the next beat comes well before the lease lapses
                    logger.warning("报告版本 %s 的心跳未能写入", self.version_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)


def describe_failure(error: BaseException, stage: str = "排版") -> str:
    if isinstance(error, OSError):
        return f"写入或读取文件失败（{error.strerror or error}）。请检查存储空间后重试。"
    if isinstance(error, MemoryError):
        return "内存不足，报告未能生成。请稍后重试。"
    detail = str(error).strip()[:300] or type(error).__name__
    return f"{stage}时出错：{detail}。请重试；如仍失败，请联系系统管理员。"


def run_render(version_id: int) -> ReportVersion | None:
    """Render a queued version (the background task body). Failures are recorded on the version, not raised."""
    lease, now = uuid.uuid4().hex, timezone.now()
    claimed = ReportVersion.objects.filter(pk=version_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RENDERING, started_at=now, heartbeat_at=now, lease=lease, progress=5, stage="开始生成",
        error="",
    )  # fmt: skip
    version = ReportVersion.objects.filter(pk=version_id).first()
    if not claimed or version is None:
        return version  # already rendered, being rendered elsewhere, or deleted
    heartbeat = _Heartbeat(version_id, lease)
    heartbeat.start()
    try:
        return _render(version, lease)
    finally:
        heartbeat.stop()


def _render(version: ReportVersion, lease: str) -> ReportVersion:
    version_id = version.pk
    mine = ReportVersion.objects.filter(pk=version_id, lease=lease, status=ReportStatus.RENDERING)
    started = time.monotonic()
    progress = _progress(version_id, lease)
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
        mine.update(
            status=ReportStatus.FAILED, error=describe_failure(error, stage), stage="失败", finished_at=timezone.now()
        )
        version.refresh_from_db()
        return version
    recorded = mine.update(
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
    if not recorded:  # the lease lapsed and another worker took the render over: its result is the one kept
        logger.warning("报告版本 %s：租约已被接管，本次生成的文件不保留", version_id)
        version.file.delete(save=False)
        version.word_file.delete(save=False)
    version.refresh_from_db()
    return version


def final_report(evaluation: Evaluation) -> ReportVersion | None:
    """The finished final report of an approved evaluation, or None (not approved, or still rendering)."""
    return (
        ReportVersion.objects.filter(evaluation=evaluation, is_final=True, status=ReportStatus.DONE)
        .exclude(file="")
        .first()
    )
