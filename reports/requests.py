"""Asking for a report: assemble the content, reuse an identical version or queue a new one, retry, final.

A request assembles the content (fast: database reads), hashes it with the outline version and the versions of the
PDF and Word renderers, and reuses a version with the same hash; otherwise it stores a new version with the content
snapshot and enqueues the background task after the transaction commits. Every step that hands the evaluation to
someone else (to an internal review level, to 征求意见, to the bureau, approval) requests a version of exactly that
state after the step has committed and attaches it to the step (``on_hand_off``): the receiver reads that version.
On approval it is the final report. A failure there is recorded on a failed version, shown on the report page with
its reason and a retry; it never undoes the step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from evaluations.models import FROZEN_STATES, Evaluation, Role, StateChange, Transition, roles_of
from evaluations.queries import access
from reports.assembly import assemble_report
from reports.content import content_hash
from reports.jobs import LEASE, can_retry, describe_failure, final_report
from reports.models import ReportOutline, ReportStatus, ReportVersion
from reports.rendering import renderer_version
from reports.selection import SHARED_HAND_OFF_STATES, outline_for, report_title
from reports.tasks import render_report_task
from reports.typography import fonts_description
from reports.word import renderer_version as word_renderer_version

logger = logging.getLogger(__name__)


class ReportRequestError(ValueError):
    """A render that cannot be requested now; the message says why, in Chinese."""


# The steps that hand the evaluation to someone else, each with a report of the state it hands on.
HAND_OFF_STEPS = frozenset({Transition.SUBMIT_REVIEW, Transition.PASS_REVIEW, Transition.SUBMIT, Transition.APPROVE})


def can_request(user, evaluation: Evaluation) -> bool:
    """The team's evaluators at any state (a report of the current state: during review too), and admins."""
    return Role.ADMIN in roles_of(user) or access.is_preparer(user, evaluation)


@dataclass
class Assembled:
    outline: ReportOutline
    data: dict
    digest: str
    title: str
    draft: bool
    problem_count: int
    summary: str
    fonts: str


def assemble(evaluation: Evaluation, *, list_problems: bool = True) -> Assembled:
    outline = outline_for(evaluation)
    title = report_title(evaluation)
    content = assemble_report(evaluation, outline, title=title, list_problems=list_problems)
    data = content.to_dict()
    digest = content_hash(data, outline.key, str(outline.version), renderer_version(), word_renderer_version())
    summary = f"{content.total} 分 {content.grade}" if content.total else "未计分"
    fonts = fonts_description(content.typography, content.fonts)
    return Assembled(outline, data, digest, title, content.draft, len(content.problems), summary, fonts)


def _enqueue(version: ReportVersion) -> None:
    _enqueue_id(version.pk)


def _enqueue_id(version_id: int) -> None:
    transaction.on_commit(lambda: render_report_task.enqueue(version_id))


def recover_stale_renders(evaluation_id: int | None = None) -> list[int]:
    """Queue again every render whose worker died (lease lapsed); returns their ids. Each is taken over by
    a conditional update on the lease it had, so two recoveries at once requeue it once."""
    cutoff = timezone.now() - LEASE
    lapsed = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    stale = ReportVersion.objects.filter(lapsed, status=ReportStatus.RENDERING)
    if evaluation_id is not None:
        stale = stale.filter(evaluation_id=evaluation_id)
    recovered = []
    for pk, lease in stale.values_list("pk", "lease"):
        taken = ReportVersion.objects.filter(pk=pk, status=ReportStatus.RENDERING, lease=lease).update(
            status=ReportStatus.QUEUED, lease="", progress=0, stage="上次生成中断，已重新排队", started_at=None
        )
        if taken:
            logger.warning("报告版本 %s 的生成进程已中断（租约过期），重新排队", pk)
            _enqueue_id(pk)
            recovered.append(pk)
    return recovered


def request_render(
    evaluation: Evaluation, user, *, final: bool = False, list_problems: bool = True
) -> tuple[ReportVersion, bool]:
    """(version, created): a version with the same content is reused (a failed one is queued again).

    An approved evaluation's report is its final report: only ``final`` requests (request_final_render) may add a
    version to it; any other request reuses a version of the same content or is refused. ``list_problems`` False:
    a version for the unit and the bureau (a draft without the check's list)."""
    recover_stale_renders(evaluation.pk)
    assembled = assemble(evaluation, list_problems=list_problems)
    with transaction.atomic():
        same = _same_content(evaluation, assembled.digest)
        if same is not None:
            if same.status == ReportStatus.FAILED:
                _requeue(same)
            return same, False
        if evaluation.state in FROZEN_STATES and not final:
            raise ReportRequestError("评价已批准，报告以最终报告为准，不再生成新的版本。")
        number = (ReportVersion.objects.filter(evaluation=evaluation).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                version = ReportVersion.objects.create(
                    evaluation=evaluation,
                    number=number,
                    outline=assembled.outline,
                    title=assembled.title,
                    summary=assembled.summary,
                    fonts=assembled.fonts,
                    content_hash=assembled.digest,
                    content=assembled.data,
                    is_draft=assembled.draft,
                    problem_count=assembled.problem_count,
                    author=user if getattr(user, "is_authenticated", False) else None,
                    stage="等待后台任务",
                )
        except IntegrityError:  # a request for the same content (or the same number) committed meanwhile
            same = _same_content(evaluation, assembled.digest)
            if same is not None:
                return same, False
            raise ReportRequestError("另一份报告刚刚提交生成，请稍后刷新页面再试。") from None
        _enqueue(version)
    return version, True


def _same_content(evaluation: Evaluation, digest: str) -> ReportVersion | None:
    return (
        ReportVersion.objects.select_for_update()
        .filter(evaluation=evaluation, content_hash=digest)
        .order_by("-number")
        .first()
    )


def _requeue(version: ReportVersion) -> None:
    ReportVersion.objects.filter(pk=version.pk).update(
        status=ReportStatus.QUEUED,
        progress=0,
        stage="等待后台任务",
        error="",
        started_at=None,
        finished_at=None,
        lease="",  # a worker still holding the old claim can no longer record its result
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


def request_final_render(evaluation: Evaluation, user) -> ReportVersion:
    """On approval: the final report, rendered from the approved (frozen) data and marked final.

    Identical content already rendered is reused rather than rendered again; a finished final report is the
    record and stays the final report.
    """
    finished = final_report(evaluation)
    if finished is not None:
        return finished
    version, _ = request_render(evaluation, user, final=True)
    ReportVersion.objects.filter(evaluation=evaluation, is_final=True).exclude(pk=version.pk).update(is_final=False)
    ReportVersion.objects.filter(pk=version.pk).update(is_final=True)
    version.is_final = True
    return version


def request_final_after_failure(evaluation: Evaluation, user, error: BaseException) -> ReportVersion:
    """Record that the final report could not even be assembled, so the report page shows why and offers a retry."""
    ReportVersion.objects.filter(evaluation=evaluation, is_final=True).update(is_final=False)
    return record_failure(evaluation, user, error, final=True)


def record_failure(evaluation: Evaluation, user, error: BaseException, *, final: bool = False) -> ReportVersion:
    """A version that could not even be assembled: stored as failed with the reason, so the page says why."""
    number = (ReportVersion.objects.filter(evaluation=evaluation).aggregate(n=Max("number"))["n"] or 0) + 1
    outline = outline_for(evaluation)
    return ReportVersion.objects.create(
        evaluation=evaluation,
        number=number,
        outline=outline,
        title=report_title(evaluation),
        status=ReportStatus.FAILED,
        stage="失败",
        error=describe_failure(error),
        content_hash="",
        is_final=final,
        author=user if getattr(user, "is_authenticated", False) else None,
    )


def on_hand_off(sender, change: StateChange, **kwargs) -> None:
    """After a hand-off step has committed: the report of the state it hands on, attached to the step (on
    approval, the final report). Its failure never undoes the step."""
    if change.transition not in HAND_OFF_STEPS:
        return
    evaluation = Evaluation.objects.get(pk=change.evaluation_id)
    final = change.transition == Transition.APPROVE
    outside = change.to_state in SHARED_HAND_OFF_STATES  # read by the unit and the bureau
    try:
        with transaction.atomic():
            if final:
                version = request_final_render(evaluation, change.actor)
            else:
                version = request_render(evaluation, change.actor, list_problems=not outside)[0]
            version.hand_offs.add(change)
    except Exception as error:  # shown on the report page with its reason; retried from there
        logger.exception("「%s」%s后生成报告失败", evaluation, change.get_transition_display())
        if final:
            failed = request_final_after_failure(evaluation, change.actor, error)
        else:
            failed = record_failure(evaluation, change.actor, error)
        failed.hand_offs.add(change)


def can_request_final(user, evaluation: Evaluation) -> bool:
    """Once approved, the team's evaluators, the commissioning bureau and admins may (re)request the final report."""
    if evaluation.state not in FROZEN_STATES:
        return False
    return (
        Role.ADMIN in roles_of(user)
        or access.is_preparer(user, evaluation)
        or access.is_commissioning_bureau_user(user, evaluation)
    )
