"""Registering a unit's project in the app: its name, sub-items (子项目), funding sources and one year's budget
figures (yuan, as BudgetFigure stores them). What is registered here prefills the tables of its evaluations
(evaluations.domain.prefill); an evaluation's own tables are never overwritten."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from evaluations.domain.errors import EditError, FieldErrors, text_of
from evaluations.domain.prefill import prefill_open_evaluations
from evaluations.models import BudgetFigure, Evaluation, FundingSource, Organisation, Project, SubItem, User
from evaluations.queries import access

MAX_NAME = 200
MAX_CODE = 50
# The project's own figures of a year, per funding source; a sub-item's figures are its 年初下达金额 and 指标金额.
TOTAL_FIELDS = ("initial_budget", "adjusted_budget", "funds_received", "actual_expenditure", "carryover")
SUB_ITEM_FIELDS = ("initial_budget", "adjusted_budget")
FIELD_LABELS = {
    "initial_budget": "年初预算",
    "adjusted_budget": "调整后预算",
    "funds_received": "到位资金",
    "actual_expenditure": "实际支出",
    "carryover": "结转结余",
}


@dataclass
class ProjectSaved:
    project: Project
    created: bool
    # The still-empty tables of open evaluations that the saved figures filled: (evaluation, [table titles]).
    prefilled: list[tuple[Evaluation, list[str]]] = field(default_factory=list)


def fingerprint(project: Project | None, year: int | None) -> str:
    """The project and its figures of ``year`` as a page showed them: a save made on older values is refused."""
    if project is None or project.pk is None:
        return ""
    figures = BudgetFigure.objects.filter(project=project, year=year).order_by("pk")
    parts = [project.name, project.code, project.description, str(year)]
    parts += [f"{item.pk}:{item.name}:{item.funding_source}" for item in project.sub_items.order_by("pk")]
    parts += [
        f"{f.pk}:{f.sub_item_id}:{f.funding_source}:" + ":".join(str(getattr(f, name)) for name in TOTAL_FIELDS)
        for f in figures
    ]
    return "|".join(parts)


def _amount(errors: FieldErrors, key: str, label: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        errors.add(key, f"{label}应为数字。")
        return None
    if value < 0:
        errors.add(key, f"{label}不能为负数。")
        return None
    if value != round(value, 2):
        errors.add(key, f"{label}最多精确到分（元的两位小数，即万元的六位小数）。")
        return None
    return value


def _source(errors: FieldErrors, key: str, label: str, value: Any) -> str:
    if value in FundingSource.values:
        return value
    errors.add(key, f"{label}的资金来源应为{'、'.join(FundingSource.labels)}之一。")
    return FundingSource.DISTRICT


def _save(obj) -> None:
    """Model validation as a last guard (e.g. two sub-items swapping names): its message, nothing saved."""
    try:
        obj.full_clean()
    except ValidationError as error:
        raise EditError(error.messages) from None
    obj.save()


@transaction.atomic
def save_project(
    *,
    user: User,
    project: Project | None,
    unit: Organisation | None,
    name: str,
    code: str = "",
    description: str = "",
    year: int | None,
    totals: Sequence[Mapping[str, Any]] = (),
    sub_items: Sequence[Mapping[str, Any]] = (),
    seen: str | None = None,
) -> ProjectSaved:
    """Create or update a project with its sub-items and its budget figures of ``year``; all checked first.

    ``totals``: one row per funding source (``funding_source`` and the TOTAL_FIELDS in yuan, ``note``); a row
    without any amount removes that source's figures of the year. ``sub_items``: ``pk`` (an existing sub-item,
    or None), ``name``, ``funding_source``, ``initial_budget``, ``adjusted_budget`` (yuan) and ``delete``
    (removes the sub-item with its figures of every year). ``seen``: the fingerprint the page showed.
    """
    if not access.can_register_project(user):
        raise EditError("只有评价机构的评价人员和财政局审核人员可以登记项目。")
    if project is not None and not access.projects_for_user(user).filter(pk=project.pk).exists():
        raise EditError("未找到该项目，或您无权修改。")
    errors = FieldErrors()
    name, code, description = text_of(name), text_of(code), text_of(description)
    if project is not None:
        if unit is not None and unit.pk != project.unit_id:
            errors.add(
                "unit", f"项目单位登记后不能更改（现为「{project.unit}」）；如登记错了单位，请为正确的单位新登记项目。"
            )
        unit = project.unit
    elif unit is None:
        errors.add("unit", "请选择项目单位。")
    elif not access.units_for_user(user).filter(pk=unit.pk).exists():
        errors.add("unit", f"「{unit}」不在您可以登记项目的单位之中。")
    if not name:
        errors.add("name", "请填写项目名称。")
    elif len(name) > MAX_NAME:
        errors.add("name", f"项目名称最多 {MAX_NAME} 个字，现为 {len(name)} 个字。")
    elif unit is not None and Project.objects.filter(unit=unit, name=name).exclude(pk=getattr(project, "pk", None)):
        errors.add("name", f"「{unit}」已登记名为「{name}」的项目，请直接选用该项目或换一个名称。")
    if len(code) > MAX_CODE:
        errors.add("code", f"项目编码最多 {MAX_CODE} 个字符，现为 {len(code)} 个。")
    if year is None or not 2000 <= year <= 2100:
        errors.add("year", f"预算年度应为 2000 到 2100 之间的四位年份，现为 {year if year is not None else '空'}。")

    total_rows: dict[str, dict] = {}
    for number, row in enumerate(totals, start=1):
        label = f"项目资金第 {number} 行"
        amounts = {
            key: _amount(errors, "totals", f"{label}的{FIELD_LABELS[key]}", row.get(key)) for key in TOTAL_FIELDS
        }
        note = text_of(row.get("note"))
        if all(value is None for value in amounts.values()) and not note:
            continue
        source = _source(errors, "totals", label, row.get("funding_source"))
        if source in total_rows:
            errors.add("totals", f"{label}：资金来源「{FundingSource(source).label}」已在前面填写，每种来源只填一行。")
        total_rows[source] = {**amounts, "note": note[:200]}

    own = {item.pk: item for item in project.sub_items.all()} if project is not None else {}
    # A row without pk naming a sub-item no other row refers to is that sub-item (a script, or a re-typed row).
    referred = {row.get("pk") for row in sub_items}
    by_name = {item.name: pk for pk, item in own.items() if pk not in referred}
    kept_names: dict[str, int] = {}
    item_rows: list[dict] = []
    for number, row in enumerate(sub_items, start=1):
        pk = row.get("pk")
        if pk is not None and pk not in own:
            errors.add("sub_items", f"子项目第 {number} 行已不属于本项目（可能已被他人删除），请刷新后重新填写。")
            continue
        item_name = text_of(row.get("name"))
        if pk is None:
            pk = by_name.pop(item_name, None)
        label = f"子项目「{item_name}」" if item_name else f"子项目第 {number} 行"
        if row.get("delete"):
            if pk is not None:
                item_rows.append({"pk": pk, "delete": True})
            continue
        amounts = {
            key: _amount(errors, "sub_items", f"{label}的{FIELD_LABELS[key]}", row.get(key)) for key in SUB_ITEM_FIELDS
        }
        if not item_name:
            if pk is not None or any(value is not None for value in amounts.values()):
                errors.add("sub_items", f"子项目第 {number} 行：请填写子项名称（不要的子项请勾选删除）。")
            continue
        if len(item_name) > MAX_NAME:
            errors.add("sub_items", f"{label}：名称最多 {MAX_NAME} 个字。")
        if item_name in kept_names:
            errors.add("sub_items", f"子项目第 {number} 行：「{item_name}」与第 {kept_names[item_name]} 行重名。")
        kept_names[item_name] = number
        if (amounts["initial_budget"] is None) != (amounts["adjusted_budget"] is None):
            errors.add("sub_items", f"{label}：年初下达金额和指标金额请同时填写（表3-2 两列都需要），或都不填。")
        source = _source(errors, "sub_items", label, row.get("funding_source"))
        item_rows.append({"pk": pk, "name": item_name, "funding_source": source, **amounts})
    errors.raise_if_any()

    created = project is None
    if project is None:
        project = Project(unit=unit, registered_by=user.organisation)
    else:
        project = Project.objects.select_for_update().get(pk=project.pk)
        if seen is not None and seen != fingerprint(project, year):
            raise EditError("该项目在您打开页面后已被他人修改，本次未保存。请刷新页面，核对最新内容后再修改。")
    project.name, project.code, project.description = name, code, description
    _save(project)

    figures = BudgetFigure.objects.filter(project=project, year=year)
    for source in FundingSource.values:
        existing = figures.filter(sub_item__isnull=True, funding_source=source)
        if source not in total_rows:
            existing.delete()
            continue
        figure = existing.first() or BudgetFigure(organisation=unit, project=project, year=year, funding_source=source)
        for key, value in total_rows[source].items():
            setattr(figure, key, value)
        _save(figure)

    for row in item_rows:
        if row.get("delete"):
            own[row["pk"]].delete()  # its figures of every year go with it
    for order, row in enumerate((row for row in item_rows if not row.get("delete")), start=1):
        item = own.get(row["pk"]) or SubItem(project=project)
        item.name, item.funding_source, item.order = row["name"], row["funding_source"], order
        _save(item)
        year_figures = figures.filter(sub_item=item)
        if row["initial_budget"] is None:
            year_figures.delete()
            continue
        figure = year_figures.first() or BudgetFigure(organisation=unit, project=project, sub_item=item, year=year)
        figure.funding_source = item.funding_source
        figure.initial_budget, figure.adjusted_budget = row["initial_budget"], row["adjusted_budget"]
        _save(figure)

    prefilled = prefill_open_evaluations(project=project, year=year, user=user)
    return ProjectSaved(project=project, created=created, prefilled=prefilled)
