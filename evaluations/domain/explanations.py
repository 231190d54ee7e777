"""说明 on check errors: the team explains a finding that states a true fact instead of falsifying the fact; the
reviewer who holds the evaluation next (the internal reviewer of the current level, then the bureau) accepts or
rejects it with a comment. Accepted explanations stop blocking (queries.consistency) and are printed in the report.

Who may decide is who may pass the current review step: the same rule as the workflow's, never a second copy."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from evaluations.domain.errors import EditError, FieldErrors, text_of
from evaluations.domain.user_actions import records_user_action
from evaluations.domain.workflow import TRANSITIONS, refusal
from evaluations.models import Evaluation, EvaluationState, Explanation, ExplanationStatus, User
from evaluations.queries.access import can_edit_evaluation
from evaluations.queries.consistency import ERROR, EXPLAINED, check_evaluation

MAX_TEXT = 2000
# The step whose performer decides explanations, per state.
DECIDING_STEP = {EvaluationState.INTERNAL_REVIEW: "pass_review", EvaluationState.SUBMITTED: "approve"}


def fingerprint(explanation: Explanation | None) -> str:
    """What a page saw of an explanation ("" for none): it changes whenever the team rewrites the text, so a save
    or a decision made on an older text is refused instead of silently overwriting or approving unread words."""
    return f"{explanation.pk}:{explanation.created_at.isoformat()}" if explanation is not None else ""


def _refuse_if_changed(explanation: Explanation | None, seen: str | None) -> None:
    if seen is not None and seen != fingerprint(explanation):
        raise EditError("该说明在您打开页面后已被修改或撤回，本次未保存。请刷新页面，阅读最新内容后再操作。")


def decision_refusal(user: User, evaluation: Evaluation) -> str | None:
    """Why this user may not accept or reject explanations now, or None."""
    step = DECIDING_STEP.get(evaluation.state)
    if step is None:
        return "只有在内部复核或财政局审核期间，由当前的复核（审核）人员认可或不认可说明。"
    return refusal(TRANSITIONS[step], user, evaluation)


@records_user_action
@transaction.atomic
def explain(*, evaluation: Evaluation, user: User, key: str, text: str, seen: str | None = None) -> Explanation:
    """Write (or rewrite) the team's explanation of the current check error ``key``; it waits for review again.
    ``seen``: the fingerprint of the explanation the page showed (None: not checked)."""
    if not can_edit_evaluation(user, evaluation):
        raise EditError("只有本评价小组的评价人员在评价可编辑时才能填写说明。")
    current = Explanation.objects.select_for_update().filter(evaluation=evaluation, key=key).first()
    _refuse_if_changed(current, seen)
    errors = FieldErrors()
    text = text_of(text)
    if not text:
        errors.add("text", "请写明说明的内容：为什么该项检查结果不需要修改数据。")
    elif len(text) > MAX_TEXT:
        errors.add("text", f"说明最多 {MAX_TEXT} 个字，现为 {len(text)} 个字。")
    problem = next((p for p in check_evaluation(evaluation) if p.key == key and p.severity in (ERROR, EXPLAINED)), None)
    if problem is None:
        errors.add("key", "该检查错误已不存在（可能已经修正），无需说明。请刷新页面。")
    errors.raise_if_any()
    explanation, _ = Explanation.objects.update_or_create(
        evaluation=evaluation,
        key=key,
        defaults={
            "where": problem.where,
            "message": problem.message,
            "text": text,
            "author": user,
            "status": ExplanationStatus.PENDING,
            "decided_by": None,
            "decided_at": None,
            "decision_comment": "",
        },
    )
    return explanation


@records_user_action
@transaction.atomic
def withdraw(*, explanation: Explanation, user: User) -> None:
    """The team takes an explanation back (the fact was corrected after all, or it was written by mistake)."""
    if not can_edit_evaluation(user, explanation.evaluation):
        raise EditError("只有本评价小组的评价人员在评价可编辑时才能撤回说明。")
    explanation.delete()


@records_user_action
@transaction.atomic
def decide(*, explanation: Explanation, user: User, accept: bool, comment: str, seen: str | None = None) -> Explanation:
    """Accept or reject an explanation; a rejection must say why. The decision is recorded with who and when.
    ``seen``: the fingerprint of the text the reviewer read (None: not checked)."""
    reason = decision_refusal(user, explanation.evaluation)
    if reason:
        raise EditError(reason)
    _refuse_if_changed(Explanation.objects.select_for_update().filter(pk=explanation.pk).first(), seen)
    comment = text_of(comment)
    if not accept and not comment:
        raise EditError({"comment": ["不认可说明时请写明理由，以便评价小组修改。"]})
    if len(comment) > MAX_TEXT:
        raise EditError({"comment": [f"复核意见最多 {MAX_TEXT} 个字，现为 {len(comment)} 个字。"]})
    explanation.status = ExplanationStatus.ACCEPTED if accept else ExplanationStatus.REJECTED
    explanation.decided_by = user
    explanation.decided_at = timezone.now()
    explanation.decision_comment = comment
    explanation.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    return explanation
