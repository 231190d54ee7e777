"""The evaluation workflow: the one door through which an evaluation changes state.

草稿 → 数据采集 → 评分 → 内部复核（按评价机构配置的级数逐级）→ 征求意见 → 已提交 → 退回修改 / 已批准 → 整改跟踪.
Each transition checks the current state, the actor's role and organisation and the
separation of duties on the server, requires a comment where it sends work back or signs a decision
(复核意见, 审批意见), and leaves a StateChange row (the timeline); a decision also leaves its signature
(evaluations.domain.signoff). Views, admin actions and commands call perform().
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from evaluations.domain.rectification import create_rectification_items
from evaluations.domain.signals import evaluation_handed_off
from evaluations.domain.signoff import record_signature
from evaluations.domain.submissions import snapshot_submission
from evaluations.domain.user_actions import records_user_action
from evaluations.models import (
    LEVEL_LABELS,
    REVIEW_ROLES,
    Evaluation,
    EvaluationState,
    Role,
    StateChange,
    roles_of,
)
from evaluations.models import Transition as Step
from evaluations.queries.access import is_preparer, prepared_by, team_roles
from evaluations.queries.consistency import Problem, check
from evaluations.queries.review import unanswered_comments
from evaluations.queries.signoff import configured_levels, missing_levels_text, missing_review_levels

logger = logging.getLogger(__name__)
S = EvaluationState


class TransitionError(ValueError):
    """A transition refused; the message says why, in Chinese. ``items``: the findings of the check that
    refused it (where and what, one line each), for a page to list. ``fix``: the page where it is put right
    ("team": the evaluation's team page), for the page to link."""

    def __init__(self, message: str, items: list[str] | None = None, *, fix: str = "") -> None:
        super().__init__(message)
        self.items = items or []
        self.fix = fix


SHOWN_IN_REFUSAL = 10  # findings spelled out in the refusal itself; the evaluation page lists them all


def _unfinished(evaluation: Evaluation, action: str, *, pending_passes: bool = False) -> TransitionError | None:
    """The refusal while the check, counting every to-do as an error, still finds something that blocks.
    ``pending_passes``: an error explained by the team but not yet decided does not block (on submission the
    bureau decides it; approval needs it accepted)."""
    blocking: list[Problem] = check(evaluation, submitting=True, pending_passes=pending_passes).blocking
    if not blocking:
        return None
    items = [f"{problem.where}：{problem.message}" for problem in blocking]
    listed = "；".join(f"{number}. {item.rstrip('。')}" for number, item in enumerate(items[:SHOWN_IN_REFUSAL], 1))
    more = f"；等共 {len(items)} 项" if len(items) > SHOWN_IN_REFUSAL else ""
    return TransitionError(
        f"一致性检查还有 {len(items)} 项未完成或有错误，不能{action}：{listed}{more}。"
        "请在评价页面的一致性检查中逐项处理；数据属实的错误可在“检查说明”中写明说明，由复核人员认可。",
        items,
    )


def preparer_refusal(user, evaluation: Evaluation) -> str | None:
    """Why the user may not act as a preparer of the evaluation, or None."""
    if not is_preparer(user, evaluation):
        return "只有本评价小组的评价人员可以执行此操作。"
    return None


def _internal_reviewer(user, evaluation: Evaluation) -> str | None:
    level = evaluation.review_level
    label = LEVEL_LABELS.get(level, f"第{level}级复核")
    if Role.INTERNAL_REVIEWER not in roles_of(user) or REVIEW_ROLES.get(level) not in team_roles(user, evaluation):
        return f"只有评价小组中担任{label}的内部复核人员可以执行此操作。"
    if prepared_by(user, evaluation):
        return "您参与了本评价的编制，不能复核自己编制的评价。"
    if level > 1:
        previous = _last_change(evaluation, "pass_review", level - 1)
        if previous is not None and previous.actor_id == user.pk:
            return f"您已签署{LEVEL_LABELS.get(level - 1)}，不能再签署下一级复核。"
    return None


def _bureau_reviewer(user, evaluation: Evaluation) -> str | None:
    if Role.BUREAU not in roles_of(user) or user.organisation_id != evaluation.commissioning_bureau_id:
        return "只有委托该评价的财政局审核人员可以执行此操作。"
    if evaluation.team.filter(user=user).exists() or prepared_by(user, evaluation):
        return "您是本评价小组成员，不能审核本评价。"
    return None


def _reviewers_assigned(evaluation: Evaluation) -> TransitionError | None:
    """Every configured review level has someone on the team who can sign it: review goes to somebody."""
    missing = missing_review_levels(evaluation)
    if not missing:
        return None
    levels = len(configured_levels(evaluation))
    return TransitionError(
        f"本评价须经 {levels} 级内部复核，评价小组中还没有担任{missing_levels_text(missing)}的人员"
        "（须关联本机构具有“内部复核”角色的账号），不能提交内部复核。请项目经理在评价小组页面添加。",
        fix="team",
    )


def _ready_to_submit(evaluation: Evaluation) -> str | TransitionError | None:
    """Every consultation comment answered, and nothing left in the check: no error, no to-do (an empty
    required section, an unfilled placeholder, a leaf without its inputs counts as an error here)."""
    open_comments = unanswered_comments(evaluation).count()
    if open_comments:
        return f"还有 {open_comments} 条征求意见尚未答复（采纳或不予采纳并说明理由），请先逐条答复。"
    return _unfinished(evaluation, "提交财政局审核", pending_passes=True)


def _ready_to_approve(evaluation: Evaluation) -> TransitionError | None:
    """What was submitted is complete and consistent: the same check as at submission, with every explanation
    accepted."""
    return _unfinished(evaluation, "批准")


def _last_change(evaluation: Evaluation, name: str, level: int) -> StateChange | None:
    return evaluation.state_changes.filter(transition=name, review_level=level).order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    actor_check: Callable
    comment_required: bool = False
    guard: Callable | None = None
    style: str = "primary"
    opinion: str = "意见"  # what the comment is called on the page and in the refusal (复核意见, 审批意见)
    returns: bool = False  # sends the work back: the comment says what to change

    def target(self, evaluation: Evaluation) -> tuple[str, int]:
        """The state and review level after the transition."""
        if self.name == "pass_review":
            if evaluation.review_level < evaluation.evaluating_firm.review_levels:
                return S.INTERNAL_REVIEW, evaluation.review_level + 1
            return S.CONSULTATION, 0
        return TARGETS[self.name]


TARGETS = {
    "start_collecting": (S.COLLECTING, 0),
    "start_scoring": (S.SCORING, 0),
    "submit_review": (S.INTERNAL_REVIEW, 1),
    "reject_review": (S.SCORING, 0),
    "submit": (S.SUBMITTED, 0),
    "approve": (S.APPROVED, 0),
    "return": (S.RETURNED, 0),
    "start_rectification": (S.RECTIFICATION, 0),
}

TRANSITIONS = {
    t.name: t
    for t in (
        Transition("start_collecting", "开始数据采集", frozenset({S.DRAFT}), preparer_refusal),
        Transition("start_scoring", "开始评分", frozenset({S.COLLECTING}), preparer_refusal),
        Transition(
            "submit_review",
            "提交内部复核",
            frozenset({S.SCORING, S.RETURNED}),
            preparer_refusal,
            guard=_reviewers_assigned,
        ),
        Transition(
            "pass_review",
            "复核通过",
            frozenset({S.INTERNAL_REVIEW}),
            _internal_reviewer,
            comment_required=True,
            style="success",
            opinion="复核意见",
        ),
        Transition(
            "reject_review",
            "退回修改",
            frozenset({S.INTERNAL_REVIEW}),
            _internal_reviewer,
            comment_required=True,
            style="outline-danger",
            opinion="复核意见",
            returns=True,
        ),
        Transition("submit", "提交财政局审核", frozenset({S.CONSULTATION}), preparer_refusal, guard=_ready_to_submit),
        Transition(
            "approve",
            "批准",
            frozenset({S.SUBMITTED}),
            _bureau_reviewer,
            comment_required=True,
            guard=_ready_to_approve,
            style="success",
            opinion="审批意见",
        ),
        Transition(
            "return",
            "退回修改",
            frozenset({S.SUBMITTED}),
            _bureau_reviewer,
            comment_required=True,
            style="outline-danger",
            opinion="审核意见",
            returns=True,
        ),
        Transition("start_rectification", "进入整改跟踪", frozenset({S.APPROVED}), _bureau_reviewer),
    )
}


def refusal(transition: Transition, user, evaluation: Evaluation) -> str | None:
    """Why this user may not perform the transition now, or None."""
    if evaluation.state not in transition.sources:
        return f"该评价当前处于“{evaluation.get_state_display()}”状态，不能执行“{transition.label}”。"
    return transition.actor_check(user, evaluation)


def available_transitions(user, evaluation: Evaluation) -> list[Transition]:
    """The transitions this user may perform now (guards such as the consistency check are checked on perform)."""
    return [t for t in TRANSITIONS.values() if refusal(t, user, evaluation) is None]


@records_user_action
@transaction.atomic
def perform(evaluation: Evaluation, name: str, *, user, comment: str = "") -> StateChange:
    """Perform a transition, or raise TransitionError saying why not. Nothing changes on refusal."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(f"未知的操作“{name}”。")
    evaluation = Evaluation.objects.select_for_update().select_related("evaluating_firm").get(pk=evaluation.pk)
    reason = refusal(transition, user, evaluation)
    if reason:
        raise TransitionError(reason)
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        purpose = "，说明需要修改的内容" if transition.returns else ""
        raise TransitionError(f"“{transition.label}”必须填写{transition.opinion}{purpose}。")
    if transition.guard is not None:
        reason = transition.guard(evaluation)
        if isinstance(reason, TransitionError):
            raise reason
        if reason:
            raise TransitionError(reason)
    from_state, level = evaluation.state, evaluation.review_level
    evaluation.state, evaluation.review_level = transition.target(evaluation)
    evaluation.save(update_fields=["state", "review_level", "updated_at"])
    change = StateChange.objects.create(
        evaluation=evaluation,
        transition=name,
        from_state=from_state,
        to_state=evaluation.state,
        review_level=level if name in {"pass_review", "reject_review"} else evaluation.review_level,
        actor=user,
        comment=comment,
    )
    after = AFTER_TRANSITION.get(name)
    if after is not None:
        after(change)
    # Whoever receives the evaluation next (the report renderer among them) is told once the step is
    # committed: a failure there must not undo the step, and it is logged and shown where it matters.
    transaction.on_commit(lambda: announce_hand_off(change))
    return change


def announce_hand_off(change: StateChange) -> None:
    for receiver, result in evaluation_handed_off.send_robust(sender=Evaluation, change=change):
        if isinstance(result, Exception):
            logger.error("「%s」%s 之后的处理 %r 失败：%s", change.evaluation, change.transition, receiver, result)


# What each step does besides moving the state, in the same transaction.
AFTER_TRANSITION = {
    Step.SUBMIT: snapshot_submission,  # what the bureau reviews, to show later what changed
    Step.START_RECTIFICATION: lambda change: create_rectification_items(change.evaluation),
    # Each decision is signed by who took it, at the level it was taken, with the opinion (签署).
    Step.PASS_REVIEW: record_signature,
    Step.REJECT_REVIEW: record_signature,
    Step.APPROVE: record_signature,
    Step.RETURN: record_signature,
}


def timeline(evaluation: Evaluation) -> list[StateChange]:
    return list(evaluation.state_changes.select_related("actor"))
