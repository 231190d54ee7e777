"""The evaluation workflow: the one door through which an evaluation changes state.

草稿 → 数据采集 → 评分 → 内部复核（按评价机构配置的级数逐级）→ 征求意见 → 已提交 → 退回修改 / 已批准 → 整改跟踪.
Each transition checks the current state, the actor's role and organisation and the
separation of duties on the server, requires a comment where it sends work back, and
leaves a StateChange row (the timeline). Views, admin actions and commands call perform().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from evaluations.domain.signals import evaluation_transitioned
from evaluations.models import Evaluation, EvaluationState, StateChange, TeamRole
from evaluations.models.roles import Role, roles_of

S = EvaluationState
PREPARER_ROLES = {TeamRole.MANAGER, TeamRole.LEAD, TeamRole.MEMBER}
REVIEW_ROLES = {1: TeamRole.REVIEW_1, 2: TeamRole.REVIEW_2, 3: TeamRole.REVIEW_3}
LEVEL_LABELS = {1: "一级审核", 2: "二级复核", 3: "三级审核"}


class TransitionError(ValueError):
    """A transition refused; the message says why, in Chinese."""


def _team_roles(user, evaluation: Evaluation) -> set[str]:
    return set(evaluation.team.filter(user=user).values_list("role", flat=True))


PREPARER_TRANSITIONS = {"start_collecting", "start_scoring", "submit_review", "submit"}


def prepared_by(user, evaluation: Evaluation) -> bool:
    """Whether the user took part in preparing the evaluation: a preparer role now, or a preparer step taken."""
    if _team_roles(user, evaluation) & PREPARER_ROLES:
        return True
    return evaluation.state_changes.filter(actor=user, transition__in=PREPARER_TRANSITIONS).exists()


def _preparer(user, evaluation: Evaluation) -> str | None:
    if Role.EVALUATOR not in roles_of(user) or not _team_roles(user, evaluation) & PREPARER_ROLES:
        return "只有本评价小组的评价人员可以执行此操作。"
    return None


def _internal_reviewer(user, evaluation: Evaluation) -> str | None:
    level = evaluation.review_level
    label = LEVEL_LABELS.get(level, f"第{level}级复核")
    team_roles = _team_roles(user, evaluation)
    if Role.INTERNAL_REVIEWER not in roles_of(user) or REVIEW_ROLES.get(level) not in team_roles:
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


def _ready_to_submit(evaluation: Evaluation) -> str | None:
    """Every consultation comment answered, and no error left in the consistency check."""
    from evaluations.queries.consistency import check_evaluation, has_errors

    open_comments = evaluation.consultation_comments.filter(decision="").count()
    if open_comments:
        return f"还有 {open_comments} 条征求意见尚未答复（采纳或不予采纳并说明理由），请先逐条答复。"
    problems = check_evaluation(evaluation)
    if has_errors(problems):
        count = sum(problem.severity == "error" for problem in problems)
        return f"一致性检查还有 {count} 个错误，请先在评价页面逐条处理后再提交。"
    return None


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
        Transition("start_collecting", "开始数据采集", frozenset({S.DRAFT}), _preparer),
        Transition("start_scoring", "开始评分", frozenset({S.COLLECTING}), _preparer),
        Transition("submit_review", "提交内部复核", frozenset({S.SCORING, S.RETURNED}), _preparer),
        Transition("pass_review", "复核通过", frozenset({S.INTERNAL_REVIEW}), _internal_reviewer, style="success"),
        Transition(
            "reject_review",
            "退回修改",
            frozenset({S.INTERNAL_REVIEW}),
            _internal_reviewer,
            comment_required=True,
            style="outline-danger",
        ),
        Transition("submit", "提交财政局审核", frozenset({S.CONSULTATION}), _preparer, guard=_ready_to_submit),
        Transition("approve", "批准", frozenset({S.SUBMITTED}), _bureau_reviewer, style="success"),
        Transition(
            "return",
            "退回修改",
            frozenset({S.SUBMITTED}),
            _bureau_reviewer,
            comment_required=True,
            style="outline-danger",
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
        raise TransitionError(f"“{transition.label}”必须填写意见，说明需要修改的内容。")
    if transition.guard is not None:
        reason = transition.guard(evaluation)
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
    evaluation_transitioned.send(sender=Evaluation, change=change)
    return change


def _after_submit(change: StateChange) -> None:
    from evaluations.domain.review import snapshot_submission

    snapshot_submission(change)  # what the bureau reviews, to show later what changed


def _after_rectification(change: StateChange) -> None:
    from evaluations.domain.review import create_rectification_items

    create_rectification_items(change.evaluation)


AFTER_TRANSITION = {"submit": _after_submit, "start_rectification": _after_rectification}


def timeline(evaluation: Evaluation) -> list[StateChange]:
    return list(evaluation.state_changes.select_related("actor"))
