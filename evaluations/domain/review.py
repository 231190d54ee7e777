"""征求意见 and the bureau's return with comments: the writes around those workflow steps."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from evaluations.domain.workflow import perform, preparer_refusal
from evaluations.models import (
    ConsultationComment,
    ConsultationDecision,
    Evaluation,
    EvaluationState,
    ReviewComment,
    StateChange,
)
from evaluations.queries.access import can_comment_in_consultation
from evaluations.sections import section_keys


class ReviewError(ValueError):
    """A refused comment, answer or update; the message says why, in Chinese."""


def _check_target(evaluation: Evaluation, *, finding=None, indicator=None, section_key: str = "") -> None:
    if finding is not None and finding.evaluation_id != evaluation.pk:
        raise ReviewError("所选问题不属于本评价。")
    if indicator is not None and indicator.evaluation_id != evaluation.pk:
        raise ReviewError("所选指标不属于本评价。")
    if section_key and section_key not in section_keys(evaluation.kind):
        raise ReviewError(f"本评价没有章节“{section_key}”。")


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
    refusal = preparer_refusal(user, evaluation)
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
