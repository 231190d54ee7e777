"""The evaluation team (评价小组): members, their roles and accounts; only the 项目经理 (or an admin) changes it.

A member is chosen from the evaluating firm's accounts: what the form leaves empty (name, qualification, duty) is
taken from the person's profile. While the evaluation is in internal review, no change may leave a level still to
come without someone to sign it (the same rule 提交内部复核 checks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from evaluations.domain.errors import EditError, FieldErrors, lock, text_of
from evaluations.models import (
    REVIEW_ROLES,
    Evaluation,
    EvaluationState,
    Role,
    TeamMember,
    TeamRole,
    User,
    roles_of,
)
from evaluations.queries import access
from evaluations.queries.signoff import configured_levels, level_reviewers, missing_levels_text

TEAM_FIELDS = ("name", "group", "qualification", "duty", "role", "user", "order")
TEAM_LABELS = {
    "name": "姓名",
    "group": "评价组",
    "qualification": "专业资格或技术职称",
    "duty": "本次评价分工",
    "role": "角色",
    "user": "系统账号",
    "order": "排序",
}


def member_snapshot(member: TeamMember) -> dict[str, str]:
    """What the edit form started from, to tell a later save what somebody else changed meanwhile."""
    return {
        "name": member.name,
        "group": member.group,
        "qualification": member.qualification,
        "duty": member.duty,
        "role": member.role,
        "user": str(member.user_id or ""),
        "order": str(member.order),
    }


def _display(field: str, value: str) -> str:
    if field == "role":
        return TeamRole(value).label if value in TeamRole.values else value
    if field == "user":
        user = User.objects.filter(pk=value).first() if value else None
        return f"{user.get_full_name()}（{user.username}）" if user else "未关联"
    return value or "空"


def _check_snapshot(member: TeamMember, snapshot: Mapping[str, str] | None) -> None:
    if snapshot is None:  # without it a save cannot tell whether it overwrites someone else's change
        raise EditError(
            f"表单缺少成员「{member.name}」修改前的内容，无法确认是否已被他人修改；本次保存未生效，请刷新页面后重新修改。"
        )
    current = member_snapshot(member)
    changed = [field for field in TEAM_FIELDS if str(snapshot.get(field, "")) != current[field]]
    if changed:
        detail = "；".join(
            f"「{TEAM_LABELS[f]}」已由“{_display(f, snapshot.get(f, ''))}”改为“{_display(f, current[f])}”"
            for f in changed
        )
        raise EditError(f"成员「{member.name}」已被他人修改：{detail}。为避免覆盖，本次保存未生效，请核对后重新修改。")


def profile_duty(user: User, role: str) -> str:
    """本次评价分工 as the seeds write it from the person's post and the role: "部门主任、二级复核"."""
    label = TeamRole(role).label if role in TeamRole.values else ""
    parts = [part for part in (user.position.strip(), label) if part]
    return "、".join(dict.fromkeys(parts))  # a 项目经理 who is the team's 项目经理 is named once


def _can_sign(user: User | None) -> bool:
    return user is not None and user.is_active and Role.INTERNAL_REVIEWER in roles_of(user)


def _levels_left_unsigned(
    evaluation: Evaluation, *, without: TeamMember | None, role: str = "", user: User | None = None
) -> list[int]:
    """The levels still to come in internal review that the change (``without`` leaves, ``role``/``user`` joins)
    would leave without a reviewer, and which had one before."""
    if evaluation.state != EvaluationState.INTERNAL_REVIEW:
        return []
    reviewers = level_reviewers(evaluation)
    before = set(reviewers.values_list("role", flat=True))
    after = set(reviewers.exclude(pk=getattr(without, "pk", None)).values_list("role", flat=True))
    if role in REVIEW_ROLES.values() and _can_sign(user):
        after.add(role)
    return [
        level
        for level in configured_levels(evaluation)
        if level >= evaluation.review_level and REVIEW_ROLES[level] in before - after
    ]


def _unsigned_message(name: str, levels: list[int], doing: str) -> str:
    labels = missing_levels_text(levels)
    return (
        f"本评价正在内部复核，{doing}「{name}」后将没有人员签署{labels}；"
        f"请先添加另一位担任{labels}的内部复核人员，再{doing}。"
    )


def _managers_left(evaluation: Evaluation, without: TeamMember) -> bool:
    return evaluation.team.filter(role=TeamRole.MANAGER).exclude(pk=without.pk).exists()


@transaction.atomic
def save_member(
    *,
    evaluation: Evaluation,
    actor: User,
    values: Mapping[str, Any],
    member: TeamMember | None = None,
    snapshot: Mapping[str, str] | None = None,
) -> TeamMember:
    """Add a member (member=None) or change one; linked accounts belong to the evaluating firm, once each."""
    evaluation = lock(evaluation)
    if not access.can_manage_team(actor, evaluation):
        raise EditError("只有本评价小组的项目经理或系统管理员可以调整评价小组。")
    if member is not None:
        member = TeamMember.objects.select_for_update().get(pk=member.pk, evaluation=evaluation)
        _check_snapshot(member, snapshot)
    errors = FieldErrors()
    role = values.get("role") or TeamRole.MEMBER
    user = values.get("user")
    # Chosen from the firm's accounts: what was left empty comes from the person's profile.
    name = text_of(values.get("name")) or (user.get_full_name() if user is not None else "")
    qualification = text_of(values.get("qualification")) or (user.qualification if user is not None else "")
    duty = text_of(values.get("duty")) or (profile_duty(user, role) if user is not None else "")
    if not name:
        errors.add("name", "请选择系统账号或填写姓名。")
    elif len(name) > 50:
        errors.add("name", f"姓名最多 50 个字，现为 {len(name)} 个字。")
    elif evaluation.team.filter(name=name).exclude(pk=getattr(member, "pk", None)).exists():
        errors.add("name", f"评价小组中已有名为「{name}」的成员；同名时请加以区分（如 张三（财务））。")
    for field, value, limit in (
        ("group", text_of(values.get("group")), 50),
        ("qualification", qualification, 100),
        ("duty", duty, 100),
    ):
        if len(value) > limit:
            errors.add(field, f"{TEAM_LABELS[field]}最多 {limit} 个字。")
    if role not in TeamRole.values:
        errors.add("role", "请选择角色。")
    if user is not None:
        user_roles = roles_of(user)
        if user.organisation_id != evaluation.evaluating_firm_id:
            errors.add(
                "user",
                f"账号「{user.get_full_name()}」属于「{user.organisation or '未设置单位'}」，"
                f"不属于本评价的评价机构「{evaluation.evaluating_firm}」。",
            )
        elif evaluation.team.filter(user=user).exclude(pk=getattr(member, "pk", None)).exists():
            errors.add("user", f"账号「{user.get_full_name()}」已在本评价小组中，一个账号只能加入一次。")
        elif role in REVIEW_ROLES.values() and Role.INTERNAL_REVIEWER not in user_roles:
            errors.add("user", f"账号「{user.get_full_name()}」没有“内部复核”角色，不能担任{TeamRole(role).label}。")
        elif role not in REVIEW_ROLES.values() and role in TeamRole.values and Role.EVALUATOR not in user_roles:
            errors.add("user", f"账号「{user.get_full_name()}」没有“评价人员”角色，不能担任{TeamRole(role).label}。")
    if (
        member is not None
        and member.role == TeamRole.MANAGER
        and role != TeamRole.MANAGER
        and not _managers_left(evaluation, member)
    ):
        errors.add("role", f"「{member.name}」是评价小组唯一的项目经理；请先指定另一位项目经理。")
    if member is not None and (unsigned := _levels_left_unsigned(evaluation, without=member, role=role, user=user)):
        errors.add("role" if role != member.role else "user", _unsigned_message(member.name, unsigned, "调整"))
    order = values.get("order")
    if order is None or order == "":
        last = max(evaluation.team.values_list("order", flat=True), default=0)
        order = member.order if member is not None else last + 1
    errors.raise_if_any()
    target = member or TeamMember(evaluation=evaluation)
    target.name, target.role, target.user = name, role, user
    target.group, target.qualification = text_of(values.get("group")), qualification
    target.duty, target.order = duty, int(order)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise EditError({"user": ["该账号已在本评价小组中，一个账号只能加入一次。"]}) from None
    return target


@transaction.atomic
def remove_member(
    *, evaluation: Evaluation, actor: User, member: TeamMember, snapshot: Mapping[str, str] | None = None
) -> None:
    evaluation = lock(evaluation)
    if not access.can_manage_team(actor, evaluation):
        raise EditError("只有本评价小组的项目经理或系统管理员可以调整评价小组。")
    member = TeamMember.objects.select_for_update().filter(pk=member.pk, evaluation=evaluation).first()
    if member is None:
        raise EditError("该成员已被他人移出评价小组。")
    _check_snapshot(member, snapshot)
    if member.role == TeamRole.MANAGER and not _managers_left(evaluation, member):
        raise EditError(f"「{member.name}」是评价小组唯一的项目经理，不能移出；请先指定另一位项目经理。")
    if unsigned := _levels_left_unsigned(evaluation, without=member):
        raise EditError(_unsigned_message(member.name, unsigned, "移出"))
    member.delete()
