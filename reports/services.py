"""Report services: which outline an evaluation uses, requesting a render, running it, retrying it.

A request assembles the content (fast: database reads), hashes it with the outline version and the
renderer version, and reuses a version with the same hash; otherwise it stores a new version with the
content snapshot and enqueues the background task after the transaction commits. The task renders
that snapshot, reporting progress on the version row, and records the PDF or why it failed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from evaluations.models import Evaluation
from evaluations.models.roles import Role, roles_of
from reports.assembly import assemble_report, default_title
from reports.content import content_hash
from reports.models import ReportOutline, ReportSettings, ReportStatus, ReportVersion
from reports.outlines import OUTLINES, latest_specs

logger = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=15)  # a render still "running" after this is taken as lost (worker stopped)


class ReportRequestError(ValueError):
    """A render that cannot be requested now; the message says why, in Chinese."""


def ensure_outlines() -> None:
    """Create the outline rows of the code registry that the database lacks (the migration does it too)."""
    for spec in OUTLINES.values():
        ReportOutline.objects.get_or_create(
            key=spec.key,
            version=spec.version,
            defaults={"kind": spec.kind, "name": spec.name, "description": spec.description},
        )


def outlines_for(kind: str):
    return ReportOutline.objects.filter(kind=kind, is_active=True).order_by("key", "-version")


def default_outline(kind: str) -> ReportOutline:
    """The latest active outline of the kind (the highest version of the latest built-in key)."""
    keys = [spec.key for spec in latest_specs() if spec.kind == kind]
    rows = ReportOutline.objects.filter(kind=kind, key__in=keys).order_by("-version", "-pk")
    known = [row for row in rows if (row.key, row.version) in OUTLINES]
    outline = next((row for row in known if row.is_active), None) or next(iter(known), None)
    if outline is None:
        ensure_outlines()
        return default_outline(kind)
    return outline


def settings_for(evaluation: Evaluation) -> ReportSettings | None:
    return ReportSettings.objects.select_related("outline").filter(evaluation=evaluation).first()


def outline_for(evaluation: Evaluation) -> ReportOutline:
    chosen = settings_for(evaluation)
    outline = chosen.outline if chosen else None
    if outline and outline.kind == evaluation.kind and (outline.key, outline.version) in OUTLINES:
        return outline
    return default_outline(evaluation.kind)


def report_title(evaluation: Evaluation) -> str:
    chosen = settings_for(evaluation)
    return (chosen.title.strip() if chosen else "") or default_title(evaluation)


def can_request(user, evaluation: Evaluation) -> bool:
    """The team's evaluators (while they may edit the report text), and admins."""
    from evaluations.queries import access

    return Role.ADMIN in roles_of(user) or access.can_edit_narrative(user, evaluation)


def renderer_version() -> str:
    from reports.rendering import renderer_version as version

    return version()


@dataclass
class Assembled:
    outline: ReportOutline
    data: dict
    digest: str
    title: str
    draft: bool
    problem_count: int
    summary: str


def assemble(evaluation: Evaluation) -> Assembled:
    outline = outline_for(evaluation)
    title = report_title(evaluation)
    content = assemble_report(evaluation, outline, title=title)
    data = content.to_dict()
    digest = content_hash(data, outline.key, str(outline.version), renderer_version())
    summary = f"{content.total} 分 {content.grade}" if content.total else "未计分"
    return Assembled(outline, data, digest, title, content.draft, len(content.problems), summary)


def _enqueue(version: ReportVersion) -> None:
    from reports.tasks import render_report_task

    version_id = version.pk
    transaction.on_commit(lambda: render_report_task.enqueue(version_id))


def request_render(evaluation: Evaluation, user) -> tuple[ReportVersion, bool]:
    """(version, created): a version with the same content is reused (a failed one is queued again)."""
    assembled = assemble(evaluation)
    with transaction.atomic():
        same = (
            ReportVersion.objects.select_for_update()
            .filter(evaluation=evaluation, content_hash=assembled.digest)
            .order_by("-number")
            .first()
        )
        if same is not None:
            if same.status == ReportStatus.FAILED:
                _requeue(same)
            return same, False
        number = (ReportVersion.objects.filter(evaluation=evaluation).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                version = ReportVersion.objects.create(
                    evaluation=evaluation,
                    number=number,
                    outline=assembled.outline,
                    title=assembled.title,
                    summary=assembled.summary,
                    content_hash=assembled.digest,
                    content=assembled.data,
                    is_draft=assembled.draft,
                    problem_count=assembled.problem_count,
                    author=user if getattr(user, "is_authenticated", False) else None,
                    stage="等待后台任务",
                )
        except IntegrityError:
            raise ReportRequestError("另一份报告刚刚提交生成，请稍后刷新页面再试。") from None
        _enqueue(version)
    return version, True


def is_stale(version: ReportVersion) -> bool:
    since = version.started_at or version.created_at
    return version.is_active and since is not None and timezone.now() - since > STALE_AFTER


def can_retry(version: ReportVersion) -> bool:
    return version.status == ReportStatus.FAILED or is_stale(version)


def _requeue(version: ReportVersion) -> None:
    ReportVersion.objects.filter(pk=version.pk).update(
        status=ReportStatus.QUEUED, progress=0, stage="等待后台任务", error="", started_at=None, finished_at=None
    )
    version.refresh_from_db()
    _enqueue(version)


def retry(version: ReportVersion) -> ReportVersion:
    if not can_retry(version):
        raise ReportRequestError("只有生成失败（或长时间没有进展）的版本可以重试。")
    if not version.content:
        raise ReportRequestError("该版本的内容快照已不存在，请重新生成报告。")
    with transaction.atomic():
        _requeue(version)
    return version


def _progress(version_id: int):
    def update(percent: int, stage: str) -> None:
        ReportVersion.objects.filter(pk=version_id).update(progress=percent, stage=stage)

    return update


def describe_failure(error: BaseException) -> str:
    if isinstance(error, OSError):
        return f"写入或读取文件失败（{error.strerror or error}）。请检查存储空间后重试。"
    if isinstance(error, MemoryError):
        return "内存不足，报告未能生成。请稍后重试。"
    detail = str(error).strip()[:300] or type(error).__name__
    return f"排版时出错：{detail}。请重试；如仍失败，请联系系统管理员。"


def run_render(version_id: int) -> ReportVersion | None:
    """Render a queued version (the background task body). Failures are recorded on the version, not raised."""
    claimed = ReportVersion.objects.filter(pk=version_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RENDERING, started_at=timezone.now(), progress=5, stage="开始生成", error=""
    )
    version = ReportVersion.objects.filter(pk=version_id).first()
    if not claimed or version is None:
        return version  # already rendered, being rendered elsewhere, or deleted
    started = time.monotonic()
    try:
        from reports.rendering import render_pdf_document

        result = render_pdf_document(version.content, progress=_progress(version_id))
        digest = hashlib.sha256(result.pdf).hexdigest()
        name = f"report-{version.evaluation_id}-v{version.number}.pdf"
        version.file.save(name, ContentFile(result.pdf), save=False)
    except Exception as error:  # recorded for the user; the worker keeps running
        logger.exception("报告版本 %s 生成失败", version_id)
        ReportVersion.objects.filter(pk=version_id).update(
            status=ReportStatus.FAILED, error=describe_failure(error), stage="失败", finished_at=timezone.now()
        )
        version.refresh_from_db()
        return version
    ReportVersion.objects.filter(pk=version_id).update(
        status=ReportStatus.DONE,
        progress=100,
        stage="完成",
        file=version.file.name,
        sha256=digest,
        pages=result.pages,
        size=len(result.pdf),
        render_seconds=Decimal(f"{time.monotonic() - started:.2f}"),
        finished_at=timezone.now(),
        content={},  # the PDF is the record now; the snapshot was only needed to render (and retry)
    )
    version.refresh_from_db()
    return version


def request_final_render(evaluation: Evaluation, user) -> ReportVersion:
    """On approval: the final report, rendered from the approved (frozen) data and marked final.

    Identical content already rendered is reused rather than rendered again.
    """
    version, _ = request_render(evaluation, user)
    ReportVersion.objects.filter(evaluation=evaluation, is_final=True).exclude(pk=version.pk).update(is_final=False)
    ReportVersion.objects.filter(pk=version.pk).update(is_final=True)
    version.is_final = True
    return version


def final_report(evaluation: Evaluation) -> ReportVersion | None:
    """The finished final report of an approved evaluation, or None (not approved, or still rendering)."""
    return (
        ReportVersion.objects.filter(evaluation=evaluation, is_final=True, status=ReportStatus.DONE)
        .exclude(file="")
        .first()
    )


def on_transition(sender, change, **kwargs) -> None:
    if change.transition == "approve":
        request_final_render(change.evaluation, change.actor)
