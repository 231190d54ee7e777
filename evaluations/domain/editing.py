"""Write services of the evaluation workspace: creation, team, indicator-system editing and scoring inputs.

Views, tests and commands call these; each one checks everything first and raises EditError (Chinese
messages keyed by form field, "__all__" for the form as a whole) so nothing is half-saved. Every write
locks the evaluation row, so two people editing the same evaluation are serialised and the score
recomputation that follows each change never works from a stale tree.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction

from evaluations.datatables import spec_for
from evaluations.domain.datatables import TableInputError, save_table
from evaluations.domain.indicators import COPIED_FIELDS, copy_template
from evaluations.domain.locking import StaleObjectError, save_versioned
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.templates import plain_json
from evaluations.models import (
    BudgetFigure,
    Evaluation,
    EvaluationIndicator,
    EvaluationState,
    Organisation,
    OrganisationKind,
    Project,
    TeamMember,
    TeamRole,
    User,
)
from evaluations.models.roles import Role, roles_of
from evaluations.queries import access
from rubrics import tree
from rubrics.engine import RULE_KINDS, InputError, RuleError, as_decimal, compute_score, validate_rule
from rubrics.models import EvaluationKind, IndicatorTemplate, TemplateIndicator

ALL = "__all__"
MAX_WEIGHT = Decimal("9999.99")  # IndicatorFields.weight: 6 digits, 2 decimals
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
FROZEN_STATES = {EvaluationState.APPROVED, EvaluationState.RECTIFICATION}

__all__ = ["EditError", "StaleObjectError"]


class EditError(ValueError):
    """Input that cannot be saved: messages by field ("__all__" for the whole form). Nothing was written."""

    def __init__(self, errors: Mapping[str, Iterable[str]] | Iterable[str] | str):
        if isinstance(errors, str):
            errors = {ALL: [errors]}
        elif not isinstance(errors, Mapping):
            errors = {ALL: list(errors)}
        self.errors: dict[str, list[str]] = {key: list(messages) for key, messages in errors.items() if messages}
        super().__init__("；".join(message for messages in self.errors.values() for message in messages))

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise EditError(self)


def _lock(evaluation: Evaluation) -> Evaluation:
    """Serialise the writers of one evaluation (PostgreSQL row lock; SQLite serialises writes anyway)."""
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def plain_number(value: Any) -> str:
    """A stored number as people write it: 100 (not 1E+2), 99.707871, 0.5."""
    number = as_decimal(value)
    if number is None:
        return "" if value is None else str(value)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


# --- creation ---------------------------------------------------------------------------------------


def can_create_evaluation(user) -> bool:
    """Evaluators of an evaluating firm create evaluations; their firm becomes the evaluating firm."""
    organisation = getattr(user, "organisation", None)
    return Role.EVALUATOR in roles_of(user) and organisation is not None and organisation.kind == OrganisationKind.FIRM


@transaction.atomic
def create_evaluation(
    *,
    user: User,
    kind: str,
    title: str,
    evaluated_unit: Organisation | None,
    year: int | None,
    commissioning_bureau: Organisation | None,
    template: IndicatorTemplate | None,
    project: Project | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    report_date: date | None = None,
) -> Evaluation:
    """Create an evaluation with a copy of the template's indicator system; the creator manages its team."""
    errors = _Errors()
    if not can_create_evaluation(user):
        raise EditError("只有评价机构的评价人员可以新建评价。")
    title = _text(title)
    if kind not in EvaluationKind.values:
        errors.add("kind", "请选择评价类型（项目支出绩效评价或部门整体绩效评价）。")
    if not title:
        errors.add("title", "请填写评价名称。")
    elif len(title) > 200:
        errors.add("title", f"评价名称最多 200 个字，现为 {len(title)} 个字。")
    if evaluated_unit is None:
        errors.add("evaluated_unit", "请选择被评价单位。")
    elif evaluated_unit.kind != OrganisationKind.UNIT:
        errors.add("evaluated_unit", f"「{evaluated_unit}」不是被评价单位/部门。")
    if commissioning_bureau is None:
        errors.add("commissioning_bureau", "请选择委托单位（财政局）。")
    elif commissioning_bureau.kind != OrganisationKind.BUREAU:
        errors.add("commissioning_bureau", f"「{commissioning_bureau}」不是财政局，不能作为委托单位。")
    if year is None or not 2000 <= year <= 2100:
        errors.add("year", f"评价年度应为 2000 到 2100 之间的四位年份，现为 {year if year is not None else '空'}。")
    if kind == EvaluationKind.PROJECT:
        if project is None:
            errors.add("project", "项目支出绩效评价必须选择评价项目。")
        elif evaluated_unit is not None and project.unit_id != evaluated_unit.pk:
            errors.add("project", f"项目「{project}」属于「{project.unit}」，不属于被评价单位「{evaluated_unit}」。")
    elif kind == EvaluationKind.DEPARTMENT and project is not None:
        errors.add("project", "部门整体绩效评价针对整个部门，不选择评价项目。")
    if year is not None and 2000 <= year <= 2100:
        period_start = period_start or date(year, 1, 1)
        period_end = period_end or date(year, 12, 31)
        if period_start > period_end:
            errors.add("period_end", f"评价期间止（{period_end}）不能早于评价期间起（{period_start}）。")
        if report_date is not None and report_date < period_start:
            errors.add("report_date", f"报告日期（{report_date}）不能早于评价期间起（{period_start}）。")
    if template is None:
        errors.add("template", "请选择要复制的指标体系模板。")
    elif kind in EvaluationKind.values and template.kind != kind:
        errors.add(
            "template",
            f"模板「{template}」适用于{template.get_kind_display()}，与评价类型「{EvaluationKind(kind).label}」不符。",
        )
    elif not template.indicators.exists():
        errors.add("template", f"模板「{template}」还没有指标，不能复制。")
    elif problems := tree.tree_errors(template.tree_nodes()):
        errors.add("template", f"模板「{template}」的指标体系有误：{problems[0]}")
    if not errors and Evaluation.objects.filter(evaluated_unit=evaluated_unit, year=year, title=title).exists():
        errors.add("title", f"「{evaluated_unit}」{year} 年度已有名为「{title}」的评价，请换一个名称。")
    errors.raise_if_any()

    evaluation = Evaluation(
        kind=kind,
        title=title,
        evaluated_unit=evaluated_unit,
        project=project,
        year=year,
        period_start=period_start,
        period_end=period_end,
        commissioning_bureau=commissioning_bureau,
        evaluating_firm=user.organisation,
        report_date=report_date,
        created_by=user,
    )
    evaluation.full_clean()
    evaluation.save()
    copy_template(evaluation=evaluation, template=template)
    TeamMember.objects.create(
        evaluation=evaluation,
        user=user,
        name=user.get_full_name(),
        role=TeamRole.MANAGER,
        duty=TeamRole.MANAGER.label,
        order=1,
    )
    prefill_tables(evaluation, user=user)
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    return evaluation


def _wan(yuan: Decimal) -> Decimal:
    return yuan / TEN_THOUSAND  # yuan have 2 decimals, so 万元 have at most 6: exact


def _sum(figures: Iterable[BudgetFigure], field: str) -> Decimal | None:
    values = [getattr(figure, field) for figure in figures if getattr(figure, field) is not None]
    return sum(values, Decimal(0)) if values else None


def _totals(figures: list[BudgetFigure]) -> list[BudgetFigure]:
    """A project's own total rows when it has them, else its sub-item rows (so nothing is counted twice)."""
    own = [figure for figure in figures if figure.sub_item_id is None]
    return own or figures


def prefill_tables(evaluation: Evaluation, user: User | None = None) -> list[str]:
    """Fill the still-empty data tables that the master data (BudgetFigure) can give; return their keys.

    project: 项目资金情况表 from the project's totals of the year, 表3-2 from its sub-items (yuan → 万元);
    department: 基础表4 from the unit's project budgets of the year (元). Scores are not recomputed here.
    """
    filled_tables = set(evaluation.data_tables.filter(rows__isnull=False).values_list("key", flat=True).distinct())
    planned: dict[str, list[dict]] = {}
    if evaluation.kind == EvaluationKind.PROJECT and evaluation.project_id:
        figures = list(
            BudgetFigure.objects.filter(project_id=evaluation.project_id, year=evaluation.year).select_related(
                "sub_item"
            )
        )
        totals = _totals(figures)
        funds = {
            field: _sum(totals, field)
            for field in ("initial_budget", "adjusted_budget", "funds_received", "actual_expenditure")
        }
        if all(value is not None for value in funds.values()):
            sources = sorted({figure.get_funding_source_display() for figure in totals})
            planned["project_funds"] = [
                {**{field: _wan(value) for field, value in funds.items()}, "funding_source": "、".join(sources)}
            ]
        sub_items: dict[int, list[BudgetFigure]] = {}
        for figure in figures:
            if figure.sub_item_id is not None:
                sub_items.setdefault(figure.sub_item_id, []).append(figure)
        rows = []
        for group in sorted(sub_items.values(), key=lambda g: (g[0].sub_item.order, g[0].sub_item_id)):
            initial, adjusted = _sum(group, "initial_budget"), _sum(group, "adjusted_budget")
            if initial is not None and adjusted is not None:
                rows.append({"name": group[0].sub_item.name, "initial": _wan(initial), "adjusted": _wan(adjusted)})
        if rows:
            planned["sub_item_budgets"] = rows
    elif evaluation.kind == EvaluationKind.DEPARTMENT:
        figures = BudgetFigure.objects.filter(
            organisation_id=evaluation.evaluated_unit_id, year=evaluation.year, project__isnull=False
        ).select_related("project")
        by_project: dict[tuple[int, str], list[BudgetFigure]] = {}
        for figure in figures.order_by("pk"):
            by_project.setdefault((figure.project_id, figure.funding_source), []).append(figure)
        rows = []
        for group in by_project.values():
            totals = _totals(group)
            budget = _sum(totals, "adjusted_budget")
            if budget is None:
                budget = _sum(totals, "initial_budget")
            paid = _sum(totals, "actual_expenditure")
            if budget is None or paid is None:
                continue
            rows.append(
                {
                    "source": group[0].get_funding_source_display(),
                    "name": group[0].project.name,
                    "budget": budget,
                    "paid": paid,
                }
            )
        if rows:
            planned["dept_projects"] = rows
    done = []
    for key, rows in planned.items():
        if key in filled_tables or evaluation.kind not in spec_for(key).kinds:
            continue
        spec = spec_for(key)
        raw = [{column: spec.column(column).to_json(value) for column, value in row.items()} for row in rows]
        try:
            save_table(evaluation=evaluation, key=key, rows=raw, user=user, recompute=False)
        except TableInputError:
            continue  # master data that does not fit the table is left for people to enter
        done.append(key)
    return done


# --- team -------------------------------------------------------------------------------------------

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
REVIEW_ROLES = {TeamRole.REVIEW_1, TeamRole.REVIEW_2, TeamRole.REVIEW_3}


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
    if snapshot is None:
        return
    current = member_snapshot(member)
    changed = [field for field in TEAM_FIELDS if str(snapshot.get(field, "")) != current[field]]
    if changed:
        detail = "；".join(
            f"「{TEAM_LABELS[f]}」已由“{_display(f, snapshot.get(f, ''))}”改为“{_display(f, current[f])}”"
            for f in changed
        )
        raise EditError(f"成员「{member.name}」已被他人修改：{detail}。为避免覆盖，本次保存未生效，请核对后重新修改。")


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
    evaluation = _lock(evaluation)
    if not access.can_manage_team(actor, evaluation):
        raise EditError("只有本评价小组的项目经理或系统管理员可以调整评价小组。")
    if member is not None:
        member = TeamMember.objects.select_for_update().get(pk=member.pk, evaluation=evaluation)
        _check_snapshot(member, snapshot)
    errors = _Errors()
    name = _text(values.get("name"))
    role = values.get("role") or TeamRole.MEMBER
    user = values.get("user")
    if not name:
        errors.add("name", "请填写姓名。")
    elif len(name) > 50:
        errors.add("name", f"姓名最多 50 个字，现为 {len(name)} 个字。")
    elif evaluation.team.filter(name=name).exclude(pk=getattr(member, "pk", None)).exists():
        errors.add("name", f"评价小组中已有名为「{name}」的成员；同名时请加以区分（如 张三（财务））。")
    for field, limit in (("group", 50), ("qualification", 100), ("duty", 100)):
        if len(_text(values.get(field))) > limit:
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
        elif role in REVIEW_ROLES and Role.INTERNAL_REVIEWER not in user_roles:
            errors.add("user", f"账号「{user.get_full_name()}」没有“内部复核”角色，不能担任{TeamRole(role).label}。")
        elif role not in REVIEW_ROLES and role in TeamRole.values and Role.EVALUATOR not in user_roles:
            errors.add("user", f"账号「{user.get_full_name()}」没有“评价人员”角色，不能担任{TeamRole(role).label}。")
    if (
        member is not None
        and member.role == TeamRole.MANAGER
        and role != TeamRole.MANAGER
        and not _managers_left(evaluation, member)
    ):
        errors.add("role", f"「{member.name}」是评价小组唯一的项目经理；请先指定另一位项目经理。")
    order = values.get("order")
    if order is None or order == "":
        last = max(evaluation.team.values_list("order", flat=True), default=0)
        order = member.order if member is not None else last + 1
    errors.raise_if_any()
    target = member or TeamMember(evaluation=evaluation)
    target.name, target.role, target.user = name, role, user
    target.group, target.qualification = _text(values.get("group")), _text(values.get("qualification"))
    target.duty, target.order = _text(values.get("duty")), int(order)
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
    evaluation = _lock(evaluation)
    if not access.can_manage_team(actor, evaluation):
        raise EditError("只有本评价小组的项目经理或系统管理员可以调整评价小组。")
    member = TeamMember.objects.select_for_update().filter(pk=member.pk, evaluation=evaluation).first()
    if member is None:
        raise EditError("该成员已被他人移出评价小组。")
    _check_snapshot(member, snapshot)
    if member.role == TeamRole.MANAGER and not _managers_left(evaluation, member):
        raise EditError(f"「{member.name}」是评价小组唯一的项目经理，不能移出；请先指定另一位项目经理。")
    member.delete()


# --- the indicator system ---------------------------------------------------------------------------

EDIT_TEXT_FIELDS = {  # field → (label, max length or None)
    "name": ("指标名称", 200),
    "explanation": ("指标解释", None),
    "standard": ("评分标准", None),
    "benchmark": ("标杆值", 200),
    "unit": ("计量单位", 30),
    "evidence_required": ("所需佐证材料", None),
}


def parse_weight(raw: Any, name: str) -> Decimal:
    """A weight typed by a user: a number 0..9999.99 with at most 2 decimals; EditError otherwise."""
    text = _text(raw)
    if not text:
        raise EditError(f"指标「{name}」的权重不能为空。")
    number = as_decimal(text)
    if number is None:
        raise EditError(f"指标「{name}」的权重必须是数字，现为“{text}”。")
    if number < 0:
        raise EditError(f"指标「{name}」的权重不能为负数，现为 {text}。")
    if number > MAX_WEIGHT:
        raise EditError(f"指标「{name}」的权重不能超过 {MAX_WEIGHT}，现为 {text}。")
    if number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise EditError(f"指标「{name}」的权重最多两位小数，现为 {text}。")
    return number.quantize(CENT)


def parse_params(raw: Any) -> dict:
    """Rule parameters typed as JSON in the editor (decimals read exactly)."""
    text = _text(raw)
    if not text:
        return {}
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise EditError(
            {"rule_params": [f"规则参数不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列附近有误。"]}
        ) from None
    except (ValueError, RecursionError):
        raise EditError({"rule_params": ["规则参数不是有效的 JSON。"]}) from None
    if not isinstance(value, dict):
        raise EditError({"rule_params": ['规则参数必须是 JSON 对象，如 {"cap": 1}。']})
    return plain_json(value)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


@dataclass
class _Tree:
    """The evaluation's indicators, locked, with the tree rules' view of them."""

    evaluation: Evaluation
    nodes: dict[int, EvaluationIndicator]

    @classmethod
    def load(cls, evaluation: Evaluation) -> _Tree:
        evaluation = _lock(evaluation)
        return cls(evaluation, {node.pk: node for node in evaluation.indicators.order_by("order", "pk")})

    def children(self, pk: int | None) -> list[EvaluationIndicator]:
        return [node for node in self.nodes.values() if node.parent_id == pk]

    def descendants(self, pk: int) -> list[EvaluationIndicator]:
        found, frontier = [], [pk]
        while frontier:
            kids = [node for node in self.nodes.values() if node.parent_id in frontier]
            found += kids
            frontier = [kid.pk for kid in kids]
        return found

    def get(self, pk: Any) -> EvaluationIndicator:
        try:
            return self.nodes[int(pk)]
        except (KeyError, TypeError, ValueError):
            raise EditError("该指标已不存在（可能已被他人删除），请刷新页面。") from None

    def rule_nodes(self) -> dict:
        return {pk: tree.Node(pk, node.parent_id, node.name, node.weight) for pk, node in self.nodes.items()}


def _check_plan(before: dict, after: dict, rules: Iterable[tuple[str, str, Any, Decimal]] = ()) -> None:
    """Refuse a change that gives the tree a weight/depth problem it did not have, or a leaf an unusable rule."""
    old = set(tree.tree_errors(before.values()))
    messages = [message for message in tree.tree_errors(after.values()) if message not in old]
    for name, kind, params, weight in rules:
        if not kind:
            messages.append(f"指标「{name}」是末级指标，必须选择计分规则。")
        else:
            messages += [f"指标「{name}」：{message}" for message in validate_rule(kind, params or {}, weight)]
    names: dict[tuple, int] = {}
    for node in after.values():
        names[(node.parent, node.name)] = names.get((node.parent, node.name), 0) + 1
    for (parent, name), count in names.items():
        if count > 1 and count > _count(before, parent, name):
            messages.append(f"同一上级指标下已有名为「{name}」的指标，请改名以便区分。")
    if messages:
        raise EditError(messages)


def _count(nodes: dict, parent: Any, name: str) -> int:
    return sum(1 for node in nodes.values() if node.parent == parent and node.name == name)


def _weights_plan(
    state: _Tree, weights: Mapping[Any, tuple[Any, Any]]
) -> tuple[dict[int, tuple[Decimal, int]], list[str]]:
    """Parse {pk: (raw weight, version)}; keep only the weights that change."""
    changes: dict[int, tuple[Decimal, int]] = {}
    messages: list[str] = []
    for key, (raw, version) in weights.items():
        node = state.get(key)
        try:
            weight = parse_weight(raw, node.name)
        except EditError as error:
            messages += error.messages
            continue
        if weight != node.weight:
            changes[node.pk] = (weight, _version(version, node))
    return changes, messages


def _version(raw: Any, node: EvaluationIndicator) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise EditError(f"指标「{node.name}」缺少版本号，请刷新页面后重新修改。") from None


def _apply_weights(state: _Tree, changes: Mapping[int, tuple[Decimal, int]], user: Any = None) -> None:
    for pk, (weight, version) in changes.items():
        node = state.nodes[pk]
        node.weight = weight
        save_versioned(node, expected_version=version, fields=["weight"], user=user)


def _leaf_rules(state: _Tree, after: dict, pks: Iterable[int]) -> list[tuple[str, str, Any, Decimal]]:
    parents = {node.parent for node in after.values()}
    rules = []
    for pk in pks:
        if pk in after and pk not in parents and pk in state.nodes:
            node = state.nodes[pk]
            rules.append((node.name, node.rule_kind, node.rule_params, after[pk].weight))
    return rules


@transaction.atomic
def set_weights(*, evaluation: Evaluation, weights: Mapping[Any, tuple[Any, Any]], user: Any = None) -> int:
    """Change several weights at once (a parent and its children, or the whole tree); return how many changed."""
    state = _Tree.load(evaluation)
    changes, messages = _weights_plan(state, weights)
    if messages:
        raise EditError(messages)
    before = state.rule_nodes()
    after = dict(before)
    for pk, (weight, _) in changes.items():
        after[pk] = tree.Node(pk, before[pk].parent, before[pk].name, weight)
    _check_plan(before, after, _leaf_rules(state, after, changes))
    _apply_weights(state, changes, user)
    if changes:
        recompute_scores(state.evaluation)
    return len(changes)


def _rule_fields(values: Mapping[str, Any], errors: _Errors) -> tuple[str, Any]:
    kind = _text(values.get("rule_kind"))
    if kind and kind not in RULE_KINDS:
        errors.add("rule_kind", f"未知的计分规则“{kind}”。")
        kind = ""
    params = values.get("rule_params")
    if isinstance(params, str) or params is None:
        try:
            params = parse_params(params)
        except EditError as error:
            for field, messages in error.errors.items():
                for message in messages:
                    errors.add(field, message)
            params = {}
    return kind, params


def _text_fields(values: Mapping[str, Any], errors: _Errors) -> dict[str, str]:
    cleaned = {}
    for field, (label, limit) in EDIT_TEXT_FIELDS.items():
        if field not in values:
            continue
        text = _text(values.get(field))
        if field == "name" and not text:
            errors.add("name", "请填写指标名称。")
        if limit and len(text) > limit:
            errors.add(field, f"{label}最多 {limit} 个字，现为 {len(text)} 个字。")
        cleaned[field] = text
    return cleaned


def _clear_rule(node: EvaluationIndicator) -> list[str]:
    """A leaf that gets children is scored from them: its own rule, inputs and score no longer apply."""
    node.rule_kind, node.rule_params, node.bindings, node.inputs = "", {}, {}, {}
    node.computed_score, node.score_explanation = None, ""
    node.awarded_score, node.override_reason = None, ""
    return [
        "rule_kind",
        "rule_params",
        "bindings",
        "inputs",
        "computed_score",
        "score_explanation",
        "awarded_score",
        "override_reason",
    ]


@transaction.atomic
def add_indicator(
    *,
    evaluation: Evaluation,
    parent_id: int | None,
    parent_version: Any = None,
    source: TemplateIndicator | None = None,
    values: Mapping[str, Any] | None = None,
    weights: Mapping[Any, tuple[Any, Any]] | None = None,
    user: Any = None,
) -> EvaluationIndicator:
    """Add a 个性指标 under parent (None: a level-1 indicator), from the template library or from scratch.

    ``weights`` rebalances other indicators in the same save, so the tree still adds up afterwards.
    A template indicator is copied with its rule, and with its sub-indicators if it has any.
    """
    values = dict(values or {})
    state = _Tree.load(evaluation)
    parent = state.get(parent_id) if parent_id not in (None, "") else None
    errors = _Errors()
    changes, messages = _weights_plan(state, weights or {})
    for message in messages:
        errors.add(ALL, message)
    text = _text_fields(values, errors) if source is None else {}
    kind, params = _rule_fields(values, errors) if source is None else ("", {})
    weight_raw = values.get("weight")
    weight = None
    if source is None or _text(weight_raw):
        name = text.get("name") or (source.name if source else "新指标")
        try:
            weight = parse_weight(weight_raw, name)
        except EditError as error:
            errors.add("weight", error.messages[0])
    if source is not None and source.pk is None:
        errors.add("source", "请选择模板指标。")
    errors.raise_if_any()

    # The planned nodes: the source's subtree, or one new indicator.
    new_nodes: list[tuple[str, dict, Any]] = []  # (key, field values, parent key)
    if source is not None:
        subtree = list(source.template.indicators.order_by("order", "pk"))
        kids: dict[Any, list[TemplateIndicator]] = {}
        for node in subtree:
            kids.setdefault(node.parent_id, []).append(node)

        def collect(node: TemplateIndicator, parent_key: Any) -> None:
            fields = {field: copy.deepcopy(getattr(node, field)) for field in COPIED_FIELDS}
            fields["source"] = node
            new_nodes.append((f"new-{node.pk}", fields, parent_key))
            for kid in kids.get(node.pk, []):
                collect(kid, f"new-{node.pk}")

        collect(source, parent.pk if parent else None)
        if weight is not None:
            new_nodes[0][1]["weight"] = weight
    else:
        fields = {**text, "weight": weight, "rule_kind": kind, "rule_params": params}
        new_nodes.append(("new", fields, parent.pk if parent else None))

    siblings = state.children(parent.pk if parent else None)
    new_nodes[0][1]["order"] = max((node.order for node in siblings), default=0) + 1
    before = state.rule_nodes()
    after = dict(before)
    for pk, (new_weight, _) in changes.items():
        after[pk] = tree.Node(pk, before[pk].parent, before[pk].name, new_weight)
    for key, fields, parent_key in new_nodes:
        after[key] = tree.Node(key, parent_key, fields["name"], fields["weight"])
    parents = {node.parent for node in after.values()}
    rules = [
        (fields["name"], fields.get("rule_kind", ""), fields.get("rule_params"), fields["weight"])
        for key, fields, _ in new_nodes
        if key not in parents
    ]
    rules += _leaf_rules(state, after, changes)
    _check_plan(before, after, rules)

    if parent is not None and not state.children(parent.pk):
        fields = _clear_rule(parent)
        save_versioned(parent, expected_version=_version(parent_version, parent), fields=fields, user=user)
    _apply_weights(state, changes, user)
    created: dict[Any, EvaluationIndicator] = {}
    for key, fields, parent_key in new_nodes:
        parent_obj = created.get(parent_key) if isinstance(parent_key, str) else state.nodes.get(parent_key)
        created[key] = EvaluationIndicator.objects.create(
            evaluation=state.evaluation, parent=parent_obj, is_custom=True, **fields
        )
    recompute_scores(state.evaluation)
    return created[new_nodes[0][0]]


@transaction.atomic
def update_indicator(
    *, evaluation: Evaluation, indicator_id: Any, expected_version: Any, values: Mapping[str, Any], user: Any = None
) -> EvaluationIndicator:
    """Edit an indicator's texts and, for a leaf, its rule (kind and parameters)."""
    state = _Tree.load(evaluation)
    node = state.get(indicator_id)
    version = _version(expected_version, node)
    errors = _Errors()
    text = _text_fields(values, errors)
    is_leaf = not state.children(node.pk)
    kind, params = _rule_fields(values, errors) if is_leaf else ("", {})
    errors.raise_if_any()
    before = state.rule_nodes()
    after = dict(before)
    name = text.get("name", node.name)
    after[node.pk] = tree.Node(node.pk, node.parent_id, name, node.weight)
    _check_plan(before, after, [(name, kind, params, node.weight)] if is_leaf else [])
    fields = list(text)
    for field, value in text.items():
        setattr(node, field, value)
    if is_leaf:
        if kind != node.rule_kind:
            allowed = set(RULE_KINDS[kind].inputs) if kind else set()
            node.bindings = {name: key for name, key in (node.bindings or {}).items() if name in allowed}
            node.inputs = {name: value for name, value in (node.inputs or {}).items() if name in allowed}
            fields += ["bindings", "inputs"]
        node.rule_kind, node.rule_params = kind, params
        fields += ["rule_kind", "rule_params"]
    save_versioned(node, expected_version=version, fields=fields, user=user)
    recompute_scores(state.evaluation)
    return node


@transaction.atomic
def remove_indicator(
    *,
    evaluation: Evaluation,
    indicator_id: Any,
    expected_version: Any,
    weights: Mapping[Any, tuple[Any, Any]] | None = None,
    user: Any = None,
) -> int:
    """Remove an indicator with its sub-indicators; ``weights`` rebalances the rest. Returns how many went."""
    state = _Tree.load(evaluation)
    node = state.get(indicator_id)
    version = _version(expected_version, node)
    gone = {node.pk} | {kid.pk for kid in state.descendants(node.pk)}
    changes, messages = _weights_plan(state, {k: v for k, v in (weights or {}).items() if _pk(k) not in gone})
    if messages:
        raise EditError(messages)
    if node.parent_id is not None and len(state.children(node.parent_id)) == 1:
        parent = state.nodes[node.parent_id]
        raise EditError(
            f"「{node.name}」是「{parent.name}」唯一的下级指标；删除后「{parent.name}」将没有计分规则。"
            f"请删除「{parent.name}」，或先为它添加其他下级指标。"
        )
    before = state.rule_nodes()
    after = {pk: n for pk, n in before.items() if pk not in gone}
    for pk, (new_weight, _) in changes.items():
        after[pk] = tree.Node(pk, before[pk].parent, before[pk].name, new_weight)
    _check_plan(before, after, _leaf_rules(state, after, changes))
    if not EvaluationIndicator.objects.filter(pk=node.pk, version=version).exists():
        current = EvaluationIndicator.objects.get(pk=node.pk)
        raise StaleObjectError(current, version, current.version, [])
    _apply_weights(state, changes, user)
    EvaluationIndicator.objects.filter(pk__in=gone).delete()
    recompute_scores(state.evaluation)
    return len(gone)


def _pk(key: Any) -> int | None:
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def move_indicator(
    *, evaluation: Evaluation, indicator_id: Any, expected_version: Any, direction: str, user: Any = None
) -> None:
    """Move an indicator one place up or down among its siblings."""
    state = _Tree.load(evaluation)
    node = state.get(indicator_id)
    version = _version(expected_version, node)
    siblings = state.children(node.parent_id)
    index = siblings.index(node)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(siblings):
        raise EditError(f"「{node.name}」已经在{'最前' if direction == 'up' else '最后'}。")
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for order, sibling in enumerate(siblings, start=1):
        if sibling.pk == node.pk:
            node.order = order
            save_versioned(node, expected_version=version, fields=["order"], user=user)
        elif sibling.order != order:
            # Only the position moves: the neighbours' content is untouched, so their versions stay.
            EvaluationIndicator.objects.filter(pk=sibling.pk).update(order=order)


# --- scoring inputs ---------------------------------------------------------------------------------

INPUT_LABELS = {
    "actual": "实际值",
    "target": "目标值",
    "rate": "比率",
    "count": "次数",
    "current": "本年数",
    "previous": "上年数",
    "grade": "等级",
    "met": "是否达到要求",
    "survey": "是否开展满意度调查",
    "satisfaction": "满意度",
    "complaint_rate": "投诉率",
    "score": "评定得分",
    "reason": "评分理由",
    "partial": "部分满足比例",
}
KIND_INPUT_LABELS = {
    ("rate_penalty", "rate"): "超标率",
    ("change_rate", "rate"): "变动率",
    ("threshold_else_rate", "actual"): "实际比率",
    ("checklist", "met"): "满足的要点",
}
PERCENT_KINDS = {"threshold_deduct", "bands", "rate_penalty", "change_rate", "threshold_else_rate"}
NUMBER_INPUTS = {"actual", "target", "rate", "current", "previous", "satisfaction", "complaint_rate", "count"}


def input_label(kind: str, name: str) -> str:
    return KIND_INPUT_LABELS.get((kind, name), INPUT_LABELS.get(name, name))


def input_unit(indicator: EvaluationIndicator, name: str) -> str:
    """The unit shown next to an input box: % for rates, the indicator's own unit for counts and amounts."""
    kind, params = indicator.rule_kind, indicator.rule_params or {}
    if name in ("satisfaction", "complaint_rate", "rate"):
        return "%"
    if name == "score":
        return "分"
    if kind == "change_rate" and name in ("current", "previous"):
        return _text(params.get("unit")) if params.get("unit") not in (None, "%") else ""
    if name == "count":
        return _text(params.get("unit")) or "次"
    if name in ("actual", "target"):
        unit = _text(params.get("unit")) or indicator.unit or ("%" if kind in PERCENT_KINDS else "")
        return unit
    return ""


_ENGINE_NAME = re.compile(r"(?:输入 |参数 )?[a-z_]+（([^）]*)）")


def humanize(message: str) -> str:
    """An engine message without its JSON key names: 输入 target（目标值）为 0 → 「目标值」为 0."""
    return _ENGINE_NAME.sub(r"「\1」", message).replace("理由 reason", "理由")


def _get(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return _text(value)


def _getlist(data: Mapping[str, Any], key: str) -> list[str]:
    if hasattr(data, "getlist"):
        return [_text(v) for v in data.getlist(key)]
    value = data.get(key)
    if value is None:
        return []
    return [_text(v) for v in (value if isinstance(value, list | tuple) else [value])]


def _number(text: str, label: str, field: str, errors: _Errors) -> Any:
    cleaned = text.replace(",", "").replace("，", "").rstrip("%％").strip()
    number = as_decimal(cleaned)
    if number is None:
        errors.add(field, f"「{label}」必须是数字，现为“{text}”。")
        return None
    return int(number) if number == number.to_integral_value() else plain_json(number)


def _flag(text: str, label: str, field: str, errors: _Errors) -> bool | None:
    if text in ("1", "true", "yes", "on", "是"):
        return True
    if text in ("0", "false", "no", "off", "否"):
        return False
    if text:
        errors.add(field, f"「{label}」只能选“是”或“否”。")
    return None


def parse_inputs(indicator: EvaluationIndicator, data: Mapping[str, Any]) -> dict:
    """The leaf's inputs from the scoring form (fields ``in-<name>``, ``met``, ``partial-<i>``).

    Bound inputs are never read from the form: they follow the data tables. Raises EditError.
    """
    kind = indicator.rule_kind
    bound = set(indicator.bindings or {})
    inputs = dict(indicator.inputs or {})
    errors = _Errors()
    names = RULE_KINDS[kind].inputs if kind in RULE_KINDS else ()
    for name in names:
        if name in bound:
            posted = _get(data, f"in-{name}")
            stored = plain_number(inputs.get(name))
            if posted and posted != stored:
                errors.add(
                    f"in-{name}",
                    f"「{input_label(kind, name)}」取自基础数据（{indicator.bindings[name]}），不能在此填写；"
                    "请修改对应的基础数据表。",
                )
            continue
        label = input_label(kind, name)
        if kind == "checklist" and name == "met":
            count = len((indicator.rule_params or {}).get("items") or [])
            met = []
            for raw in _getlist(data, "met"):
                if raw.isdigit() and int(raw) < count:
                    met.append(int(raw))
                elif raw:
                    errors.add("met", f"要点序号“{raw}”无效。")
            inputs["met"] = sorted(set(met))
            continue
        if kind == "checklist" and name == "partial":
            count = len((indicator.rule_params or {}).get("items") or [])
            partial = {}
            for index in range(count):
                text = _get(data, f"partial-{index}")
                if not text or text in ("0",):
                    continue
                if "/" in text:
                    partial[str(index)] = text.replace(" ", "")
                else:
                    value = _number(text, f"要点{index + 1}的部分满足比例", f"partial-{index}", errors)
                    if value is not None:
                        partial[str(index)] = value
            if partial:
                inputs["partial"] = partial
            else:
                inputs.pop("partial", None)
            continue
        text = _get(data, f"in-{name}")
        if name in ("met", "survey"):
            value = _flag(text, label, f"in-{name}", errors)
        elif name in NUMBER_INPUTS or name == "score":
            value = _number(text, label, f"in-{name}", errors) if text else None
        else:  # grade, reason
            value = text or None
        if value is None:
            inputs.pop(name, None)
        else:
            inputs[name] = value
    errors.raise_if_any()
    return inputs


def _override(indicator: EvaluationIndicator, data: Mapping[str, Any], errors: _Errors) -> tuple[Any, str]:
    raw, reason = _get(data, "awarded_score"), _get(data, "override_reason")
    if not raw:
        if reason:
            errors.add("awarded_score", "填写了调整理由，但没有填写评定得分；不调整时请清空理由。")
        return None, ""
    number = as_decimal(raw)
    if number is None:
        errors.add("awarded_score", f"评定得分必须是数字，现为“{raw}”。")
        return None, reason
    if not 0 <= number <= indicator.weight:
        errors.add("awarded_score", f"评定得分 {raw} 分超出 0～{plain_number(indicator.weight)} 分的范围。")
    elif number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        errors.add("awarded_score", f"评定得分最多两位小数，现为 {raw}。")
    if not reason:
        errors.add("override_reason", "调整得分必须填写理由（将写入报告和一致性检查）。")
    return number.quantize(CENT, rounding=ROUND_HALF_UP), reason


@transaction.atomic
def save_scoring(
    *, evaluation: Evaluation, indicator_id: Any, expected_version: Any, data: Mapping[str, Any], user: Any = None
) -> EvaluationIndicator:
    """Save one leaf's inputs (and awarded score with its reason) after the engine accepts them; recompute."""
    state = _Tree.load(evaluation)
    node = state.get(indicator_id)
    version = _version(expected_version, node)
    if state.children(node.pk):
        raise EditError(f"「{node.name}」有下级指标，其得分由下级指标汇总，不能直接评分。")
    if not node.rule_kind:
        raise EditError(f"「{node.name}」尚未设置计分规则，请先在指标体系中设置。")
    errors = _Errors()
    try:
        inputs = parse_inputs(node, data)
    except EditError as error:
        for field, messages in error.errors.items():
            for message in messages:
                errors.add(field, message)
        inputs = dict(node.inputs or {})
    awarded, reason = _override(node, data, errors)
    actual_display = _get(data, "actual_display") if "actual_display" in data else node.actual_display
    if len(actual_display) > 200:
        errors.add("actual_display", "实际完成值最多 200 个字。")
    if not errors:
        try:
            compute_score(node.rule_kind, node.rule_params or {}, inputs, node.weight)
        except InputError as error:
            if error.field not in (node.bindings or {}):  # a figure the data do not give yet is not the user's fault
                field = "met" if error.field == "met" and node.rule_kind == "checklist" else f"in-{error.field}"
                if error.field == "partial":
                    field = "partial"
                errors.add(field, humanize(error.message))
        except RuleError as error:
            errors.add(ALL, f"「{node.name}」的计分规则有误，请先在指标体系中修正：{humanize(str(error))}")
    errors.raise_if_any()
    node.inputs, node.awarded_score, node.override_reason = inputs, awarded, reason
    node.actual_display = actual_display
    save_versioned(
        node,
        expected_version=version,
        fields=["inputs", "awarded_score", "override_reason", "actual_display"],
        user=user,
    )
    recompute_scores(state.evaluation)
    node.refresh_from_db()
    return node
