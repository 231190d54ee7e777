"""What waits for each user: computed from the data, shown on the home page and as a count in the navigation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from evaluations.models import PREPARER_ROLES, REVIEW_ROLES, Evaluation, EvaluationState, RectificationStatus, TeamRole
from evaluations.models.roles import Role, roles_of
from evaluations.queries.access import evaluations_for_user

S = EvaluationState


@dataclass(frozen=True)
class InboxItem:
    evaluation: Evaluation
    text: str


def inbox(user) -> list[InboxItem]:
    roles = roles_of(user)
    if not roles:
        return []
    visible = evaluations_for_user(user).annotate(
        open_comments=Count("consultation_comments", filter=Q(consultation_comments__decision=""), distinct=True),
        open_items=Count(
            "rectification_items", filter=~Q(rectification_items__status=RectificationStatus.DONE), distinct=True
        ),
    )
    team = {}
    for evaluation_id, role in user.team_memberships.values_list("evaluation_id", "role"):
        team[evaluation_id] = role
    items: list[InboxItem] = []
    for evaluation in visible.order_by("-updated_at"):
        role = team.get(evaluation.pk)
        state = evaluation.state
        if Role.EVALUATOR in roles and role in PREPARER_ROLES:
            if state == S.RETURNED:
                items.append(InboxItem(evaluation, "已被退回修改，请根据审核意见修改后重新提交。"))
            elif state == S.CONSULTATION and evaluation.open_comments:
                items.append(InboxItem(evaluation, f"有 {evaluation.open_comments} 条征求意见待答复。"))
            elif state == S.CONSULTATION:
                items.append(InboxItem(evaluation, "征求意见中：答复全部意见后可提交财政局审核。"))
        if (
            Role.INTERNAL_REVIEWER in roles
            and state == S.INTERNAL_REVIEW
            and role == REVIEW_ROLES.get(evaluation.review_level)
        ):
            items.append(InboxItem(evaluation, f"待您{dict(TeamRole.choices)[role]}。"))
        if Role.UNIT in roles and user.organisation_id == evaluation.evaluated_unit_id:
            if state in {S.DRAFT, S.COLLECTING}:
                items.append(InboxItem(evaluation, "请填报基础数据采集表并上传佐证材料。"))
            elif state == S.CONSULTATION:
                items.append(InboxItem(evaluation, "征求意见：请审阅评价报告初稿和问题清单并提出意见。"))
            elif state == S.RECTIFICATION and evaluation.open_items:
                items.append(InboxItem(evaluation, f"有 {evaluation.open_items} 项整改事项待完成。"))
        if Role.BUREAU in roles and user.organisation_id == evaluation.commissioning_bureau_id:
            if state == S.SUBMITTED:
                items.append(InboxItem(evaluation, "已提交，待您审核。"))
            elif state == S.CONSULTATION:
                items.append(InboxItem(evaluation, "征求意见：可对评价报告初稿提出意见。"))
    return items
