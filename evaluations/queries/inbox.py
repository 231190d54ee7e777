"""What waits for each user: computed from the data, shown on the home page and as a count in the navigation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from evaluations.models import (
    PREPARER_ROLES,
    REVIEW_ROLES,
    UNIT_REPORTING_STATUSES,
    Evaluation,
    EvaluationState,
    RectificationItem,
    RectificationStatus,
    StateChange,
    TeamMember,
    TeamRole,
    Transition,
)
from evaluations.models.roles import Role, roles_of
from evaluations.queries.rectification import DUE_SOON_DAYS, overdue_q

S = EvaluationState


@dataclass(frozen=True)
class InboxItem:
    evaluation: Evaluation
    text: str
    page: str = "evaluation-detail"  # the URL name (taking the evaluation's pk) the item links to
    comment: str = ""  # the words of whoever handed the work back, quoted under the text


def _items(condition: Q) -> Count:
    return Count("rectification_items", filter=condition, distinct=True)


def _rectification_counts() -> dict[str, Count]:
    """Per evaluation, what its rectification items wait for: the unit's report or the bureau's acceptance."""
    today = timezone.localdate()
    reporting = Q(rectification_items__status__in=UNIT_REPORTING_STATUSES)
    return {
        "to_report": _items(reporting),
        "sent_back": _items(Q(rectification_items__status=RectificationStatus.RETURNED)),
        "late_report": _items(reporting & overdue_q("rectification_items__")),
        "reminded": _items(reporting & Q(rectification_items__reminded_at__isnull=False)),
        "due_soon": _items(
            reporting
            & Q(rectification_items__deadline__gte=today)
            & Q(rectification_items__deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
        ),
        "to_accept": _items(Q(rectification_items__status=RectificationStatus.SUBMITTED)),
        "overdue": _items(overdue_q("rectification_items__")),
        "overdue_reminded": _items(
            overdue_q("rectification_items__") & Q(rectification_items__reminded_at__isnull=False)
        ),
    }


def _joined(parts: list[str]) -> str:
    return f"（其中{'、'.join(parts)}）" if parts else ""


def unit_rectification_text(evaluation: Evaluation) -> str:
    """What the unit has to do on its items, with the returns, overdue items and reminders among them."""
    parts = [
        f"{label} {count} 项"
        for label, count in (
            ("被退回", evaluation.sent_back),
            ("已逾期", evaluation.late_report),
            ("财政局已催办", evaluation.reminded),
            (f"{DUE_SOON_DAYS} 日内到期", evaluation.due_soon),
        )
        if count
    ]
    return (
        f"整改跟踪：{evaluation.to_report} 项整改事项待报送{_joined(parts)}，请填写整改措施、上传佐证材料并提交验收。"
    )


def bureau_rectification_text(evaluation: Evaluation) -> str:
    parts = []
    if evaluation.to_accept:
        parts.append(f"{evaluation.to_accept} 项整改事项待验收")
    if evaluation.overdue:
        reminded = f"，已催办 {evaluation.overdue_reminded} 项" if evaluation.overdue_reminded else ""
        parts.append(f"{evaluation.overdue} 项逾期未验收{reminded}")
    return "整改跟踪：" + "；".join(parts) + "。"


RETURNS = (Transition.REJECT_REVIEW, Transition.RETURN)


def _returns(evaluations: list[Evaluation]) -> dict[int, StateChange]:
    """The return each evaluation is waiting on: its latest step, when that step sent it back (one query)."""
    latest = [e.latest_change_id for e in evaluations if e.state in {S.SCORING, S.RETURNED} and e.latest_change_id]
    changes = (
        StateChange.objects.filter(pk__in=latest, transition__in=RETURNS)
        .select_related("actor")
        .annotate(items=Count("review_comments"))
    )
    return {change.evaluation_id: change for change in changes}


def _returned_item(evaluation: Evaluation, change: StateChange) -> InboxItem:
    if change.transition == Transition.RETURN:
        extra = f"另有 {change.items} 条具体意见标在相应章节和指标处；" if change.items else ""
        return InboxItem(evaluation, f"{change.headline}，{extra}请修改后重新提交内部复核。", comment=change.comment)
    return InboxItem(evaluation, f"{change.headline}，请修改后重新提交内部复核。", comment=change.comment)


# The evaluations on which something waits for the user, one condition per role (the conditions inbox() turns into
# items): what waits for a role on one evaluation is one item, so counting these rows counts the items.


def _latest_transition() -> Subquery:
    latest = StateChange.objects.filter(evaluation=OuterRef("pk")).order_by("-created_at", "-pk")
    return Subquery(latest.values("transition")[:1])


def _waiting(user, roles) -> list[Q]:
    """Per role of the user, the condition on Evaluation under which an item waits for them. Each condition implies
    that the user may see the evaluation (the team, the evaluated unit, the commissioning bureau)."""
    conditions: list[Q] = []

    def on_team(roles_on_team) -> Q:
        return Q(pk__in=TeamMember.objects.filter(user=user, role__in=roles_on_team).values("evaluation_id"))

    if Role.EVALUATOR in roles:
        returned = Q(state=S.SCORING, latest_transition__in=RETURNS)
        conditions.append(on_team(PREPARER_ROLES) & (Q(state__in=[S.RETURNED, S.CONSULTATION]) | returned))
    if Role.INTERNAL_REVIEWER in roles:
        levels = Q(pk__in=[])
        for level, role in REVIEW_ROLES.items():
            levels |= Q(review_level=level) & on_team([role])
        conditions.append(Q(state=S.INTERNAL_REVIEW) & levels)
    organisation = user.organisation_id
    if Role.UNIT in roles and organisation is not None:
        to_report = RectificationItem.objects.filter(evaluation=OuterRef("pk"), status__in=UNIT_REPORTING_STATUSES)
        conditions.append(
            Q(evaluated_unit_id=organisation)
            & (Q(state__in=[S.DRAFT, S.COLLECTING, S.CONSULTATION]) | Q(state=S.RECTIFICATION) & Exists(to_report))
        )
    if Role.BUREAU in roles and organisation is not None:
        items = RectificationItem.objects.filter(evaluation=OuterRef("pk"))
        to_accept = items.filter(status=RectificationStatus.SUBMITTED)
        conditions.append(
            Q(commissioning_bureau_id=organisation)
            & (
                Q(state__in=[S.SUBMITTED, S.CONSULTATION])
                | Q(state=S.RECTIFICATION) & (Exists(to_accept) | Exists(items.filter(overdue_q())))
            )
        )
    return conditions


def _candidates(user, roles):
    """The evaluations on which anything waits for the user (unordered, unannotated)."""
    conditions = _waiting(user, roles)
    if not conditions:
        return Evaluation.objects.none()
    either = Q(pk__in=[])
    for condition in conditions:
        either |= condition
    return Evaluation.objects.annotate(latest_transition=_latest_transition()).filter(either)


def inbox_count(user) -> int:
    """How many items inbox() lists, without building them: one COUNT per role (a constant number of queries,
    each on indexed columns), for the navigation bar of every page."""
    roles = roles_of(user)
    if not roles:
        return 0
    annotated = Evaluation.objects.annotate(latest_transition=_latest_transition())
    return sum(annotated.filter(condition).order_by().count() for condition in _waiting(user, roles))


INBOX_PAGE = 50  # evaluations per page of the 待办 page


def inbox_page(user, number=1) -> tuple[list[InboxItem], Page]:
    """One page of the inbox: the items of INBOX_PAGE evaluations, most recently changed first, and the page (for
    its links); a fixed number of queries whatever the number of evaluations."""
    roles = roles_of(user)
    pks = _candidates(user, roles).order_by("-updated_at", "-pk").values_list("pk", flat=True)
    page = Paginator(pks, INBOX_PAGE).get_page(number)
    return _items_for(user, roles, list(page.object_list)), page


def inbox(user) -> list[InboxItem]:
    """Everything that waits for the user, most recently changed evaluation first."""
    roles = roles_of(user)
    if not roles:
        return []
    return _items_for(user, roles, list(_candidates(user, roles).values_list("pk", flat=True)))


def _items_for(user, roles, pks: list[int]) -> list[InboxItem]:
    if not pks:
        return []
    latest_change = StateChange.objects.filter(evaluation=OuterRef("pk")).order_by("-created_at", "-pk")
    visible = Evaluation.objects.filter(pk__in=pks).annotate(
        latest_change_id=Subquery(latest_change.values("pk")[:1]),
        open_comments=Count("consultation_comments", filter=Q(consultation_comments__decision=""), distinct=True),
        **_rectification_counts(),
    )
    team = dict(user.team_memberships.filter(evaluation_id__in=pks).values_list("evaluation_id", "role"))
    items: list[InboxItem] = []
    evaluations = list(visible.order_by("-updated_at", "-pk"))
    returned = _returns(evaluations) if Role.EVALUATOR in roles else {}
    for evaluation in evaluations:
        role = team.get(evaluation.pk)
        state = evaluation.state
        if Role.EVALUATOR in roles and role in PREPARER_ROLES:
            if evaluation.pk in returned:  # sent back by a review level or the bureau: who, and what to change
                items.append(_returned_item(evaluation, returned[evaluation.pk]))
            elif state == S.RETURNED:
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
            elif state == S.RECTIFICATION and evaluation.to_report:
                items.append(
                    InboxItem(evaluation, unit_rectification_text(evaluation), page="evaluation-rectification")
                )
        if Role.BUREAU in roles and user.organisation_id == evaluation.commissioning_bureau_id:
            if state == S.SUBMITTED:
                items.append(InboxItem(evaluation, "已提交，待您审核。"))
            elif state == S.CONSULTATION:
                items.append(InboxItem(evaluation, "征求意见：可对评价报告初稿提出意见。"))
            elif state == S.RECTIFICATION and (evaluation.to_accept or evaluation.overdue):
                items.append(
                    InboxItem(evaluation, bureau_rectification_text(evaluation), page="evaluation-rectification")
                )
    return items
