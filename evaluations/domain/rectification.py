"""Rectification (整改) with acceptance (验收): every write on a rectification item.

Once the bureau starts following up an approved evaluation, each finding becomes an item of the evaluated unit,
due in 90 days. The unit reports its measures and uploads evidence (checked like any evidence:
evaluations.domain.evidence) and submits the item for acceptance; the commissioning bureau accepts it or sends it
back with a comment, reminds the unit (催办) and sets the deadline. Each hand-off is a RectificationStep (the
item's history); who may do what is asked of evaluations.queries.access.rectification_refusal, which the pages
use too. A refusal raises RectificationError in Chinese and changes nothing.

待整改 ─提交验收→ 已提交验收 ─验收通过→ 已验收
退回   ─提交验收→ 已提交验收 ─退回整改→ 退回
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from evaluations.domain.evidence import EvidenceRejected, check_upload, delete_with_file, save_checked_file
from evaluations.domain.locking import save_versioned
from evaluations.models import (
    Evaluation,
    RectificationAction,
    RectificationEvidence,
    RectificationItem,
    RectificationStatus,
    RectificationStep,
)
from evaluations.queries.access import DECIDE, REMIND, REPORT, SET_DEADLINE, rectification_refusal

RECTIFICATION_DAYS = 90
MAX_MEASURES = 5000
MAX_COMMENT = 2000


class RectificationError(ValueError):
    """A refused action; the message says why, in Chinese."""


def create_rectification_items(evaluation: Evaluation, *, days: int = RECTIFICATION_DAYS) -> list[RectificationItem]:
    """One item per finding, the evaluated unit responsible, due in `days` days (the bureau may change it)."""
    deadline = timezone.localdate() + dt.timedelta(days=days)
    existing = set(evaluation.rectification_items.values_list("finding_id", flat=True))
    return RectificationItem.objects.bulk_create(
        RectificationItem(
            evaluation=evaluation, finding=finding, responsible_unit=evaluation.evaluated_unit, deadline=deadline
        )
        for finding in evaluation.findings.all()
        if finding.pk not in existing
    )


def _current(item: RectificationItem) -> RectificationItem:
    """The stored item, locked, with its evaluation's stored state: decisions never rest on a cached object."""
    return (
        RectificationItem.objects.select_for_update(of=("self",))
        .select_related("evaluation", "finding", "responsible_unit")
        .get(pk=item.pk)
    )


def _refuse_unless_allowed(user, item: RectificationItem, action: str) -> None:
    reason = rectification_refusal(user, item, action)
    if reason:
        raise RectificationError(reason)


def _text(value, *, label: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise RectificationError(f"{label}最多 {limit} 个字，现为 {len(text)} 个字。")
    return text


# --- the unit's report --------------------------------------------------------------------------------------


def report(
    *,
    item: RectificationItem,
    user,
    expected_version: int,
    measures: str,
    uploads: Sequence[UploadedFile] = (),
    submit: bool = False,
) -> RectificationItem:
    """The responsible unit saves its measures and uploads evidence; with ``submit`` the item goes to the bureau
    for acceptance (measures and at least one evidence file required). All or nothing: a refused file, a missing
    measure or a stale version stores nothing."""
    stored: list[str] = []
    try:
        return _report(item, user, expected_version, measures, uploads, submit, stored)
    except BaseException:
        storage = RectificationEvidence._meta.get_field("file").storage
        for name in stored:  # the rows were rolled back: do not leave their files behind
            storage.delete(name)
        raise


@transaction.atomic
def _report(item, user, expected_version, measures, uploads, submit, stored: list[str]) -> RectificationItem:
    current = _current(item)
    _refuse_unless_allowed(user, current, REPORT)
    measures = _text(measures, label="整改措施及完成情况", limit=MAX_MEASURES)
    try:
        checked = [check_upload(upload) for upload in uploads]
    except EvidenceRejected as error:
        raise RectificationError(f"上传未成功：{error}") from None
    if submit:
        if not measures:
            raise RectificationError("提交验收前，请填写整改措施及完成情况。")
        if not checked and not current.evidence.exists():
            raise RectificationError("提交验收前，请上传整改佐证材料（如整改文件、制度、台账或照片）。")
    current.measures, current.updated_by = measures, user
    fields = ["measures", "updated_by"]
    if submit:
        current.status, current.reminded_at = RectificationStatus.SUBMITTED, None
        fields += ["status", "reminded_at"]
    saved = save_versioned(current, expected_version=expected_version, fields=fields, user=user)
    for upload, info in zip(uploads, checked, strict=True):
        save_checked_file(RectificationEvidence(item=saved, uploaded_by=user), upload, info, stored)
    if submit:
        step = RectificationStep.objects.create(
            item=saved, action=RectificationAction.SUBMIT, actor=user, measures=measures
        )
        saved.evidence.filter(submission__isnull=True).update(submission=step)
    return saved


@transaction.atomic
def remove_evidence(*, evidence: RectificationEvidence, user) -> None:
    """The unit removes a file it has not submitted yet; submitted files stay with their submission."""
    item = _current(evidence.item)
    _refuse_unless_allowed(user, item, REPORT)
    if evidence.submission_id is not None:
        raise RectificationError("已随提交验收报送的佐证材料不能删除；可以补充上传新的材料。")
    delete_with_file(evidence)


# --- the bureau's acceptance and follow-up ------------------------------------------------------------------


@transaction.atomic
def accept(*, item: RectificationItem, user, expected_version: int, comment: str = "") -> RectificationItem:
    """验收通过: the bureau accepts the submitted report it read (the version it opened)."""
    current = _current(item)
    _refuse_unless_allowed(user, current, DECIDE)
    comment = _text(comment, label="验收意见", limit=MAX_COMMENT)
    current.status, current.updated_by = RectificationStatus.ACCEPTED, user
    saved = save_versioned(current, expected_version=expected_version, fields=["status", "updated_by"], user=user)
    RectificationStep.objects.create(item=saved, action=RectificationAction.ACCEPT, actor=user, comment=comment)
    return saved


@transaction.atomic
def send_back(*, item: RectificationItem, user, expected_version: int, comment: str) -> RectificationItem:
    """退回整改: the bureau sends the report back, saying what is missing; the unit reports again."""
    current = _current(item)
    _refuse_unless_allowed(user, current, DECIDE)
    comment = _text(comment, label="退回意见", limit=MAX_COMMENT)
    if not comment:
        raise RectificationError("退回整改必须填写意见，说明还需整改或补充的内容。")
    current.status, current.updated_by = RectificationStatus.RETURNED, user
    saved = save_versioned(current, expected_version=expected_version, fields=["status", "updated_by"], user=user)
    RectificationStep.objects.create(item=saved, action=RectificationAction.RETURN, actor=user, comment=comment)
    return saved


@transaction.atomic
def remind(*, item: RectificationItem, user, comment: str = "") -> RectificationItem:
    """催办: shown in the unit's 待办 until it submits. Not versioned: the unit's open form stays valid."""
    current = _current(item)
    _refuse_unless_allowed(user, current, REMIND)
    comment = _text(comment, label="催办说明", limit=MAX_COMMENT)
    current.reminded_at, current._history_user = timezone.now(), user
    current.save(update_fields=["reminded_at", "updated_at"])
    RectificationStep.objects.create(item=current, action=RectificationAction.REMIND, actor=user, comment=comment)
    return current


@transaction.atomic
def set_deadline(*, item: RectificationItem, user, deadline: dt.date | None, comment: str = "") -> RectificationItem:
    """The bureau sets a new deadline (today or later). Not versioned: it is no part of the unit's report."""
    current = _current(item)
    _refuse_unless_allowed(user, current, SET_DEADLINE)
    comment = _text(comment, label="调整说明", limit=MAX_COMMENT)
    if deadline is None:
        raise RectificationError("请填写新的整改期限。")
    if deadline < timezone.localdate():
        raise RectificationError(f"整改期限 {deadline:%Y-%m-%d} 早于今天，请选择今天或以后的日期。")
    if deadline == current.deadline:
        raise RectificationError(f"整改期限已是 {deadline:%Y-%m-%d}，未作修改。")
    current.deadline, current._history_user = deadline, user
    current.save(update_fields=["deadline", "updated_at"])
    RectificationStep.objects.create(
        item=current, action=RectificationAction.DEADLINE, actor=user, comment=comment, deadline=deadline
    )
    return current
