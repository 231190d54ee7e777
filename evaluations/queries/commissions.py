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


def commission_inbox(user) -> list[CommissionItem]:
    roles = roles_of(user)
    if not roles & {Role.EVALUATOR, Role.BUREAU} or user.organisation_id is None:
        return []
    visible = commission_list(user)
    items: list[CommissionItem] = []
    if Role.EVALUATOR in roles:
        for commission in visible.filter(firm_id=user.organisation_id, state=CommissionState.OPEN).order_by("deadline"):
            items.append(
                CommissionItem(
                    commission,
                    f"{commission.bureau}下达的新评价任务，报告提交期限 {commission.deadline:%Y-%m-%d}：请接受或谢绝。",
                )
            )
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
        for commission in declined.filter(~Exists(replaced)).order_by("-answered_at"):
            reason = commission.decline_reason.rstrip("。；; ")
            items.append(CommissionItem(commission, f"{commission.firm}谢绝了该任务（{reason}）：请另行安排评价机构。"))
    return items
