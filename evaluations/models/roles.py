"""The five roles, as Django groups. A user's roles are the groups they belong to."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    EVALUATOR = "评价人员"
    UNIT = "被评价单位"
    INTERNAL_REVIEWER = "内部复核"
    BUREAU = "财政审核"
    ADMIN = "管理员"


ROLE_DESCRIPTIONS = {
    Role.EVALUATOR: "评价机构的评价人员：填写数据、评分、撰写报告",
    Role.UNIT: "被评价单位联系人：填报基础数据、上传佐证材料、反馈意见",
    Role.INTERNAL_REVIEWER: "评价机构的内部复核人员：一级审核、二级复核、三级审核",
    Role.BUREAU: "财政局审核人：审核批准或退回评价报告",
    Role.ADMIN: "系统管理员：维护单位、用户和指标体系模板",
}


def roles_of(user) -> frozenset[Role]:
    """The user's roles, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        if user.is_superuser:
            cached = cached | {Role.ADMIN}
        user._roles_cache = cached
    return cached


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)
