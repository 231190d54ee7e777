"""What waits for someone in the 评价任务 (commissions): the firm's new commissions to accept or decline, and the
bureau's declined ones not yet given to anyone else. Shown in the 待办 beside the evaluations' items."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce

from evaluations.models import STANDING_COMMISSION_STATES, Commission, CommissionState
from evaluations.models.roles import Role, roles_of
from evaluations.queries.access import commissions_for_user


@dataclass(frozen=True)
class CommissionItem:
    commission: Commission
    text: str


def commission_list(user) -> QuerySet[Commission]:
    """The commissions the user may see, with what the list shows of them (a fixed number of queries)."""
    return commissions_for_user(user).select_related("bureau", "evaluated_unit", "project", "firm", "evaluation")


def _waiting(user) -> list[QuerySet[Commission]]:
    """The commissions on which something waits for the user: the firm's open ones, the bureau's declined ones not
    commissioned again."""
    roles = roles_of(user)
    if not roles & {Role.EVALUATOR, Role.BUREAU} or user.organisation_id is None:
        return []
    visible = commission_list(user)
    waiting = []
    if Role.EVALUATOR in roles:
        waiting.append(visible.filter(firm_id=user.organisation_id, state=CommissionState.OPEN).order_by("deadline"))
    if Role.BUREAU in roles:
        # The same subject commissioned again (a department has no project: NULL is compared as 0).
        replaced = Commission.objects.annotate(subject_project=Coalesce("project_id", Value(0))).filter(
            evaluated_unit=OuterRef("evaluated_unit"),
            kind=OuterRef("kind"),
            subject_project=OuterRef("subject_project"),
            year=OuterRef("year"),
            state__in=STANDING_COMMISSION_STATES,
        )
        declined = visible.filter(bureau_id=user.organisation_id, state=CommissionState.DECLINED).annotate(
            subject_project=Coalesce("project_id", Value(0))
        )
        waiting.append(declined.filter(~Exists(replaced)).order_by("-answered_at"))
    return waiting


def commission_inbox_count(user) -> int:
    """How many items commission_inbox() lists (one COUNT per role)."""
    return sum(commissions.order_by().count() for commissions in _waiting(user))


def commission_inbox(user) -> list[CommissionItem]:
    items: list[CommissionItem] = []
    for commissions in _waiting(user):
        for commission in commissions:
            if commission.state == CommissionState.OPEN:
                deadline = f"{commission.deadline:%Y-%m-%d}"
                text = f"{commission.bureau}下达的新评价任务，报告提交期限 {deadline}：请接受或谢绝。"
            else:
                reason = commission.decline_reason.rstrip("。；; ")
                text = f"{commission.firm}谢绝了该任务（{reason}）：请另行安排评价机构。"
            items.append(CommissionItem(commission, text))
    return items
