"""征求意见, the bureau's review and rectification: the writes around the workflow transitions."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from evaluations.domain.locking import save_versioned
from evaluations.domain.workflow import _preparer, perform
from evaluations.models import (
    ConsultationComment,
    ConsultationDecision,
    Evaluation,
    EvaluationState,
    RectificationItem,
    RectificationStatus,
    ReviewComment,
    StateChange,
    Submission,
)
from evaluations.models.roles import Role, roles_of
from evaluations.queries.access import is_evaluated_unit_user
from evaluations.sections import section_keys

RECTIFICATION_DAYS = 90


class ReviewError(ValueError):
    """A refused comment, answer or update; the message says why, in Chinese."""


def _check_target(evaluation: Evaluation, *, finding=None, indicator=None, section_key: str = "") -> None:
    if finding is not None and finding.evaluation_id != evaluation.pk:
        raise ReviewError("所选问题不属于本评价。")
    if indicator is not None and indicator.evaluation_id != evaluation.pk:
        raise ReviewError("所选指标不属于本评价。")
    if section_key and section_key not in section_keys(evaluation.kind):
        raise ReviewError(f"本评价没有章节“{section_key}”。")


def is_commissioning_bureau_user(user, evaluation: Evaluation) -> bool:
    return Role.BUREAU in roles_of(user) and user.organisation_id == evaluation.commissioning_bureau_id


def can_comment_in_consultation(user, evaluation: Evaluation) -> bool:
    """财监〔2021〕4号 第十八条: the evaluated unit and the commissioning party are consulted."""
    return evaluation.state == EvaluationState.CONSULTATION and (
        is_evaluated_unit_user(user, evaluation) or is_commissioning_bureau_user(user, evaluation)
    )


@transaction.atomic
def add_consultation_comment(
    *, evaluation: Evaluation, user, text: str, finding=None, indicator=None, section_key: str = ""
) -> ConsultationComment:
    if not can_comment_in_consultation(user, evaluation):
        raise ReviewError("只有被评价单位和委托单位可以在征求意见阶段提出意见。")
    text = (text or "").strip()
    if not text:
        raise ReviewError("请填写意见内容。")
    _check_target(evaluation, finding=finding, indicator=indicator, section_key=section_key)
    return ConsultationComment.objects.create(
        evaluation=evaluation, author=user, text=text, finding=finding, indicator=indicator, section_key=section_key
    )


@transaction.atomic
def answer_consultation_comment(*, comment: ConsultationComment, user, decision: str, reason: str):
    """The team answers each comment 采纳 or 不予采纳, with the reason (第十八条：逐条说明理由)."""
    evaluation = comment.evaluation
    if evaluation.state != EvaluationState.CONSULTATION:
        raise ReviewError("征求意见阶段已结束，不能再答复。")
    refusal = _preparer(user, evaluation)
    if refusal:
        raise ReviewError(refusal)
    if decision not in ConsultationDecision.values:
        raise ReviewError("请选择“采纳”或“不予采纳”。")
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("请说明采纳或不予采纳的理由。")
    comment.decision, comment.reason = decision, reason
    comment.answered_by, comment.answered_at = user, timezone.now()
    comment.save()
    return comment


def unanswered_comments(evaluation: Evaluation):
    return evaluation.consultation_comments.filter(decision="")


@transaction.atomic
def return_with_comments(*, evaluation: Evaluation, user, comment: str, items: list[dict]) -> StateChange:
    """Return the evaluation to the team with a general comment and comments where they apply."""
    for item in items:
        _check_target(
            evaluation,
            finding=item.get("finding"),
            indicator=item.get("indicator"),
            section_key=item.get("section_key", ""),
        )
        if not (item.get("text") or "").strip():
            raise ReviewError("每条审核意见都需要填写内容。")
    change = perform(evaluation, "return", user=user, comment=comment)
    ReviewComment.objects.bulk_create(
        ReviewComment(
            evaluation=evaluation,
            state_change=change,
            author=user,
            text=item["text"].strip(),
            finding=item.get("finding"),
            indicator=item.get("indicator"),
            section_key=item.get("section_key", ""),
        )
        for item in items
    )
    return change


def open_review_comments(evaluation: Evaluation):
    """The comments of the latest return, shown to the team where they apply until resubmission."""
    latest = evaluation.state_changes.filter(transition="return").order_by("-created_at", "-pk").first()
    if latest is None or evaluation.state not in {
        EvaluationState.RETURNED,
        EvaluationState.SCORING,
        EvaluationState.INTERNAL_REVIEW,
        EvaluationState.CONSULTATION,
    }:
        return ReviewComment.objects.none()
    return latest.review_comments.select_related("finding", "indicator", "author")


# --- submission snapshots -------------------------------------------------------------------------------


def snapshot_submission(change: StateChange) -> Submission:
    from evaluations.domain.interchange import export_document

    return Submission.objects.create(
        evaluation=change.evaluation, state_change=change, document=export_document(change.evaluation)
    )


def changes_since_last_review(evaluation: Evaluation) -> list[str] | None:
    """What changed between the submission the bureau last returned and the latest one (None: no earlier one)."""
    from evaluations.queries.submissions import document_changes

    submissions = list(evaluation.submissions.order_by("-created_at", "-pk")[:2])
    if len(submissions) < 2:
        return None
    latest, previous = submissions
    return document_changes(previous.document, latest.document)


# --- rectification ----------------------------------------------------------------------------------------


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


def can_update_rectification(user, item: RectificationItem) -> bool:
    if item.evaluation.state != EvaluationState.RECTIFICATION:
        return False
    unit_user = Role.UNIT in roles_of(user) and user.organisation_id == item.responsible_unit_id
    return unit_user or is_commissioning_bureau_user(user, item.evaluation)


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
        raise ReviewError("只有责任单位和委托的财政局可以在整改跟踪阶段更新整改事项。")
    if status not in RectificationStatus.values:
        raise ReviewError("整改状态无效。")
    if status == RectificationStatus.DONE and not (measures or "").strip():
        raise ReviewError("标记为“已完成”前，请填写整改措施及完成情况。")
    fields = ["status", "measures", "updated_by"]
    item.status, item.measures, item.updated_by = status, (measures or "").strip(), user
    if deadline is not None:
        if not is_commissioning_bureau_user(user, item.evaluation):
            raise ReviewError("整改期限由委托的财政局确定。")
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


def overdue_items(queryset=None):
    items = queryset if queryset is not None else RectificationItem.objects.all()
    return items.filter(deadline__lt=timezone.localdate()).exclude(status=RectificationStatus.DONE)
