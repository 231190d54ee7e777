"""Rectification (整改): one item per finding once the bureau starts following up, updated by unit and bureau."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from evaluations.domain.locking import save_versioned
from evaluations.domain.user_actions import records_user_action
from evaluations.models import Evaluation, RectificationItem, RectificationStatus
from evaluations.queries.access import can_update_rectification, is_commissioning_bureau_user

RECTIFICATION_DAYS = 90


class RectificationError(ValueError):
    """A refused update; the message says why, in Chinese."""


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


@records_user_action
@transaction.atomic
def update_rectification(
    *,
    item: RectificationItem,
    user,
    expected_version: int,
    status: str,
    measures: str,
    deadline: dt.date | None = None,
    upload=None,
) -> RectificationItem:
    item.evaluation.refresh_from_db(fields=["state"])  # decide on the stored state, not a cached object
    if not can_update_rectification(user, item):
        raise RectificationError("只有责任单位和委托的财政局可以在整改跟踪阶段更新整改事项。")
    if status not in RectificationStatus.values:
        raise RectificationError("整改状态无效。")
    if status == RectificationStatus.DONE and not (measures or "").strip():
        raise RectificationError("标记为“已完成”前，请填写整改措施及完成情况。")
    fields = ["status", "measures", "updated_by"]
    item.status, item.measures, item.updated_by = status, (measures or "").strip(), user
    if deadline is not None:
        if not is_commissioning_bureau_user(user, item.evaluation):
            raise RectificationError("整改期限由委托的财政局确定。")
        item.deadline = deadline
        fields.append("deadline")
    if upload is not None:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        item.completion_file = upload
        item.completion_file_name = upload.name
        item.completion_sha256 = digest.hexdigest()
        fields += ["completion_file", "completion_file_name", "completion_sha256"]
    return save_versioned(item, expected_version=expected_version, fields=fields, user=user)
