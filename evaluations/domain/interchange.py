"""An evaluation as one perf-eval/1 document (DESIGN §10), and back.

The export carries everything stored, in extension keys the score command ignores, so ``score FILE`` still
scores it. The import checks the whole document first and raises DocumentImportError listing every problem
(nothing is written then); otherwise it creates the evaluation, or replaces the one with the same unit, year
and title in place, and recomputes its scores so stored scores equal the engine's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from evaluations.datatables import TABLES, tables_for_kind
from evaluations.domain.creation import save_evaluation, set_team_member
from evaluations.domain.datatables import TableInputError, parse_rows, save_table
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.templates import (
    TEXT_FIELDS,
    DocNode,
    DocumentImportError,
    document_grades,
    format_errors,
    plain_json,
    read_indicators,
    show,
    sync_tree,
    text_value,
)
from evaluations.domain.upsert import upsert
from evaluations.models import (
    Evaluation,
    EvaluationIndicator,
    Experience,
    Finding,
    NarrativeSection,
    Organisation,
    OrganisationKind,
    Project,
    Recommendation,
    TeamRole,
    User,
)
from evaluations.queries.access import EDITABLE_STATES
from evaluations.sections import sections_for
from rubrics.engine import InputError, RuleError, as_decimal, compute_score, round_score
from rubrics.interchange import FORMAT, json_number
from rubrics.models import EvaluationKind, IndicatorTemplate

__all__ = ["DocumentImportError", "export_document", "import_document"]

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_SCORE = Decimal("9999.99")  # EvaluationIndicator.awarded_score: 6 digits, 2 decimals
ORGANISATION_ROLES = (  # header key, alias used by the built-in documents, kind, what it is called
    ("agency", None, OrganisationKind.UNIT, "被评价单位"),
    ("commissioning_bureau", "commissioner", OrganisationKind.BUREAU, "委托单位"),
    ("evaluating_firm", "evaluator", OrganisationKind.FIRM, "评价机构"),
)


# --- export ---------------------------------------------------------------------------------------


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _export_node(indicator: EvaluationIndicator, children: list[dict]) -> dict:
    node: dict[str, Any] = {"name": indicator.name, "weight": json_number(indicator.weight)}
    for key, (model_field, _) in TEXT_FIELDS.items():
        if getattr(indicator, model_field):
            node[key] = getattr(indicator, model_field)
    if not children:  # rule, bindings, inputs and the awarded score only mean something on a leaf
        if indicator.rule_kind:
            node["rule"] = {"kind": indicator.rule_kind, **(indicator.rule_params or {})}
        if indicator.bindings:
            node["bind"] = indicator.bindings
        node["inputs"] = indicator.inputs or {}
    if indicator.actual_display:
        node["actual_display"] = indicator.actual_display
    if not children and indicator.awarded_score is not None:
        node["score"] = json_number(indicator.awarded_score)
        if indicator.override_reason:
            node["reason"] = indicator.override_reason
    if indicator.analysis:
        node["analysis"] = indicator.analysis
    if indicator.evidence_obtained:  # 附件 3 现场调研记录: what was obtained, and when
        node["evidence_obtained"] = indicator.evidence_obtained
    if indicator.research_start or indicator.research_end:
        node["research"] = [_iso(indicator.research_start), _iso(indicator.research_end)]
    if indicator.is_custom:
        node["custom"] = True
    if children:
        node["children"] = children
    return node


def _export_tree(evaluation: Evaluation) -> tuple[list[dict], dict[int, tuple[list[str], int]]]:
    """The indicator tree, and each indicator's path and position in tree order (for findings)."""
    rows = list(evaluation.indicators.order_by("order", "pk"))
    kids: dict[int | None, list[EvaluationIndicator]] = {}
    for row in rows:
        kids.setdefault(row.parent_id, []).append(row)
    paths: dict[int, tuple[list[str], int]] = {}

    def build(parent_id: int | None, path: list[str]) -> list[dict]:
        nodes = []
        for row in kids.get(parent_id, []):
            paths[row.pk] = ([*path, row.name], len(paths))
            nodes.append(_export_node(row, build(row.pk, [*path, row.name])))
        return nodes

    return build(None, []), paths


def _export_tables(evaluation: Evaluation) -> dict[str, list[dict]]:
    stored = {table.key: table for table in evaluation.data_tables.prefetch_related("rows")}
    tables: dict[str, list[dict]] = {}
    for spec in tables_for_kind(evaluation.kind):  # the registry's order, so exports are stable
        if spec.key in stored:
            rows = sorted(stored[spec.key].rows.all(), key=lambda row: (row.order, row.pk))
            tables[spec.key] = [spec.dump_row(spec.load_row(row.values)) for row in rows]
    return tables


def _export_narrative(evaluation: Evaluation) -> dict[str, str]:
    stored = {section.key: section.text for section in evaluation.narrative.all()}
    outline = [section.key for section in sections_for(evaluation.kind)]
    keys = [key for key in outline if key in stored] + sorted(set(stored) - set(outline))
    return {key: stored[key] for key in keys}


def export_document(evaluation: Evaluation) -> dict:
    """Everything stored about the evaluation as a perf-eval/1 document of plain JSON values."""
    evaluation = Evaluation.objects.select_related(
        "evaluated_unit", "project", "commissioning_bureau", "evaluating_firm", "template"
    ).get(pk=evaluation.pk)
    indicators, paths = _export_tree(evaluation)
    findings = list(evaluation.findings.order_by("order", "pk").prefetch_related("indicators"))
    finding_index = {finding.pk: i for i, finding in enumerate(findings)}
    return {
        "format": FORMAT,
        "evaluation": {
            "kind": evaluation.kind,
            "title": evaluation.title,
            "year": evaluation.year,
            "agency": evaluation.evaluated_unit.name,
            "project": evaluation.project.name if evaluation.project else None,
            "grades": evaluation.grades,
            "commissioning_bureau": evaluation.commissioning_bureau.name,
            "evaluating_firm": evaluation.evaluating_firm.name,
            "period": [_iso(evaluation.period_start), _iso(evaluation.period_end)],
            "report_date": _iso(evaluation.report_date),
            "template": evaluation.template.name if evaluation.template else None,
        },
        "indicators": indicators,
        "tables": _export_tables(evaluation),
        "narrative": _export_narrative(evaluation),
        "team": [
            {
                "name": member.name,
                "group": member.group,
                "qualification": member.qualification,
                "role": member.role,
                "duty": member.duty,
                "user": member.user.username if member.user else None,
            }
            for member in evaluation.team.order_by("order", "pk").select_related("user")
        ],
        "findings": [
            {
                "title": finding.title,
                "text": finding.text,
                "indicators": [
                    paths[pk][0] for pk in sorted((i.pk for i in finding.indicators.all()), key=lambda k: paths[k][1])
                ],
            }
            for finding in findings
        ],
        "recommendations": [
            {"title": item.title, "text": item.text, "finding": finding_index.get(item.finding_id)}
            for item in evaluation.recommendations.order_by("order", "pk")
        ],
        "experiences": [
            {"title": item.title, "text": item.text} for item in evaluation.experiences.order_by("order", "pk")
        ],
    }


# --- import: read and check everything ------------------------------------------------------------


@dataclass
class _Plan:
    """A checked document, ready to write."""

    kind: str = ""
    title: str = ""
    year: int = 0
    organisations: dict[str, str] = field(default_factory=dict)  # header key → name
    project: str | None = None
    grades: list = field(default_factory=list)
    period: tuple[dt.date | None, dt.date | None] = (None, None)
    report_date: dt.date | None = None
    template: str | None = None
    nodes: list[DocNode] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)
    team: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    recommendations: list[dict] = field(default_factory=list)
    experiences: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _date(value: Any, where: str, errors: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    errors.append(f"{where}：日期应写作 2023-10-01 这样的 ISO 格式，现为 {show(value)}")
    return None


def _required_text(header: dict, key: str, label: str, max_length: int, errors: list[str]) -> str:
    value = header.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"evaluation.{key}（{label}）必须填写，现为 {show(value)}")
        return ""
    if len(value.strip()) > max_length:
        errors.append(f"evaluation.{key}（{label}）最多 {max_length} 个字，现为 {len(value.strip())} 个字")
    return value.strip()


def _read_period(period: Any, year: int, errors: list[str]) -> tuple[dt.date | None, dt.date | None]:
    """[start, end] as ISO dates; the calendar year when the document gives no period."""
    if period is None:
        return (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else (None, None)
    if not isinstance(period, list) or len(period) != 2:
        errors.append(f"evaluation.period（评价期间）必须是 [起, 止] 两个日期，现为 {show(period)}")
        return None, None
    start = _date(period[0], "evaluation.period（评价期间）起", errors)
    end = _date(period[1], "evaluation.period（评价期间）止", errors)
    if start and end and start > end:
        errors.append(f"evaluation.period（评价期间）：起始日 {start} 晚于截止日 {end}")
    return start, end


def _read_header(doc: dict, plan: _Plan) -> None:
    header = doc.get("evaluation")
    errors = plan.errors
    if not isinstance(header, dict):
        errors.append(f"缺少评价信息 evaluation（对象），现为 {show(header)}")
        return
    kind = header.get("kind")
    if kind in EvaluationKind.values:
        plan.kind = kind
    else:
        errors.append(f"evaluation.kind（评价类型）必须是 {'、'.join(EvaluationKind.values)} 之一，现为 {show(kind)}")
    plan.title = _required_text(header, "title", "评价名称", 200, errors)
    year = header.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2999:
        plan.year = year
    else:
        errors.append(f"evaluation.year（评价年度）必须是四位整数年份，现为 {show(year)}")
    for key, alias, _, label in ORGANISATION_ROLES:
        source = alias if alias and header.get(key) is None and header.get(alias) is not None else key
        plan.organisations[key] = _required_text(header, source, label, 200, errors)
    project = header.get("project")
    if project is not None and (not isinstance(project, str) or len(project.strip()) > 200):
        errors.append(f"evaluation.project（评价项目）必须是 200 字以内的项目名称或 null，现为 {show(project)}")
    plan.project = project.strip() if isinstance(project, str) and project.strip() else None
    if plan.kind == EvaluationKind.PROJECT and plan.project is None:
        errors.append("evaluation.project（评价项目）：项目支出绩效评价必须写明项目名称")
    plan.grades = document_grades(doc, errors)
    plan.period = _read_period(header.get("period"), plan.year, errors)
    plan.report_date = _date(header.get("report_date"), "evaluation.report_date（报告日期）", errors)
    template = header.get("template")
    if template is not None and not isinstance(template, str):
        errors.append(f"evaluation.template（来源模板）必须是模板名称或 null，现为 {show(template)}")
    plan.template = template if isinstance(template, str) and template else None


def _present(inputs: dict, name: str) -> bool:
    value = inputs.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _read_leaf(node: DocNode, errors: list[str]) -> None:
    data, values = node.data, node.values
    inputs = data.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        errors.append(f"{node.where}：输入 inputs 必须是对象，现为 {show(inputs)}")
        inputs = None
    values["inputs"] = plain_json(inputs or {})
    score = data.get("score")
    values["awarded_score"] = None
    if score is not None:
        number = as_decimal(score)
        if number is None or abs(number) > MAX_SCORE:
            errors.append(f"{node.where}：评定得分 score 必须是数字，现为 {show(score)}")
        else:
            values["awarded_score"] = round_score(number)
    values["override_reason"] = text_value(data, "reason", None, node.where, errors).strip()
    kind, weight = values.get("rule_kind"), values.get("weight")
    if not kind or weight is None or not isinstance(inputs, dict):
        return
    # An evaluation in progress may lack inputs (recompute lists it as unscored), and bound inputs follow
    # the tables; but an input that is given must be usable.
    given = {name: value for name, value in inputs.items() if name not in values.get("bindings", {})}
    try:
        compute_score(kind, values["rule_params"], given, weight)
    except InputError as exc:
        if _present(given, exc.field):
            errors.append(f"{node.where}：{exc.message}")
    except RuleError:
        pass  # already reported by read_indicators


def _read_research(research: Any, where: str, errors: list[str]) -> tuple[dt.date | None, dt.date | None]:
    """The field-research dates [start, end] (ISO dates, either may be null); both unset when omitted."""
    if research is None:
        return None, None
    if not isinstance(research, list) or len(research) != 2:
        errors.append(f"{where}：research（现场调研时间）必须是 [开始, 结束] 两个日期，现为 {show(research)}")
        return None, None
    start = _date(research[0], f"{where}：research（现场调研时间）开始", errors)
    end = _date(research[1], f"{where}：research（现场调研时间）结束", errors)
    if start and end and start > end:
        errors.append(f"{where}：research（现场调研时间）开始日 {start} 晚于结束日 {end}")
    return start, end


def _read_indicators(doc: dict, plan: _Plan) -> None:
    nodes, errors = read_indicators(doc.get("indicators"))
    plan.errors += errors
    for node in nodes:
        where = node.where
        node.values["actual_display"] = text_value(node.data, "actual_display", 200, where, plan.errors)
        node.values["analysis"] = text_value(node.data, "analysis", None, where, plan.errors)
        node.values["evidence_obtained"] = text_value(node.data, "evidence_obtained", None, where, plan.errors)
        node.values["research_start"], node.values["research_end"] = _read_research(
            node.data.get("research"), where, plan.errors
        )
        custom = node.data.get("custom", False)
        if not isinstance(custom, bool):
            plan.errors.append(f"{where}：custom（个性指标）只能是 true 或 false，现为 {show(custom)}")
        node.values["is_custom"] = custom is True
        if node.leaf:
            _read_leaf(node, plan.errors)
        else:
            node.values.update(inputs={}, awarded_score=None, override_reason="")
    plan.nodes = nodes


def _read_tables(doc: dict, plan: _Plan) -> None:
    tables = doc.get("tables")
    if tables is None:
        return
    if not isinstance(tables, dict):
        plan.errors.append(f"tables（基础数据表）必须是 {{表格代码: [行, …]}} 对象，现为 {show(tables)}")
        return
    known = [spec.key for spec in tables_for_kind(plan.kind)] if plan.kind else list(TABLES)
    for key, rows in tables.items():
        spec = TABLES.get(key)
        if key not in known or spec is None:
            plan.errors.append(f"tables：未知的表格 {show(key)}（本类评价可用：{'、'.join(known)}）")
            continue
        name = f"{spec.code} {spec.title}"
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            plan.errors.append(f"tables.{key}（{name}）必须是行的列表，每行是 {{列代码: 值}} 对象")
            continue
        try:
            parse_rows(spec, rows)
        except TableInputError as exc:
            plan.errors += [f"{name} {problem}" for problem in exc.problems]
            continue
        plan.tables[key] = rows


def _read_narrative(doc: dict, plan: _Plan) -> None:
    narrative = doc.get("narrative")
    if narrative is None:
        return
    if not isinstance(narrative, dict):
        plan.errors.append(f"narrative（报告正文）必须是 {{章节代码: 正文}} 对象，现为 {show(narrative)}")
        return
    known = [section.key for section in sections_for(plan.kind)] if plan.kind else []
    for key, text in narrative.items():
        if plan.kind and key not in known:
            plan.errors.append(f"narrative：未知的报告章节 {show(key)}（本类评价可用：{'、'.join(known)}）")
        elif not isinstance(text, str):
            plan.errors.append(f"narrative.{key}：正文必须是文字，现为 {show(text)}")
        else:
            plan.narrative[key] = text


def _list(doc: dict, key: str, label: str, plan: _Plan) -> list[dict]:
    items = doc.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        plan.errors.append(f"{key}（{label}）必须是对象的列表，现为 {show(items)}")
        return []
    return items


def _read_team(doc: dict, plan: _Plan) -> None:
    members = _list(doc, "team", "评价小组", plan)
    usernames = {m.get("user") for m in members if isinstance(m.get("user"), str)}
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    names: set[str] = set()
    taken: set[int] = set()
    for number, member in enumerate(members, start=1):
        where = f"team 第 {number} 人"
        name = text_value(member, "name", 50, where, plan.errors).strip()
        if not name:
            plan.errors.append(f"{where}：缺少姓名 name")
        elif name in names:
            plan.errors.append(f"{where}：姓名「{name}」重复（同一评价中按姓名区分成员）")
        names.add(name)
        role = member.get("role") or TeamRole.MEMBER
        if role not in TeamRole.values:
            plan.errors.append(f"{where}：角色 role 必须是 {'、'.join(TeamRole.values)} 之一，现为 {show(role)}")
        username, user = member.get("user"), None
        if username is not None:
            user = users.get(username) if isinstance(username, str) else None
            if user is None:
                plan.errors.append(
                    f"{where}（{name}）：系统账号 {show(username)} 不存在，请先创建该账号或将 user 改为 null"
                )
            elif user.pk in taken:
                plan.errors.append(f"{where}（{name}）：系统账号 {show(username)} 已分配给另一名成员")
            else:
                taken.add(user.pk)
        plan.team.append(
            {
                "name": name,
                "group": text_value(member, "group", 50, where, plan.errors),
                "qualification": text_value(member, "qualification", 100, where, plan.errors),
                "duty": text_value(member, "duty", 100, where, plan.errors),
                "role": role,
                "user": user,
                "order": number,
            }
        )


def _item(item: dict, where: str, plan: _Plan) -> dict:
    title = text_value(item, "title", 200, where, plan.errors).strip()
    if not title:
        plan.errors.append(f"{where}：缺少标题 title")
    return {"title": title, "text": text_value(item, "text", None, where, plan.errors)}


def _read_items(doc: dict, plan: _Plan) -> None:
    paths = {node.path: i for i, node in enumerate(plan.nodes)}
    for number, item in enumerate(_list(doc, "findings", "存在的问题", plan), start=1):
        where = f"findings 第 {number} 项"
        finding = _item(item, where, plan)
        finding["indicators"] = []
        refs = item.get("indicators") or []
        for ref in refs if isinstance(refs, list) else [refs]:
            path = tuple(ref) if isinstance(ref, list) and all(isinstance(p, str) for p in ref) else None
            if path in paths:
                finding["indicators"].append(paths[path])
            else:
                plan.errors.append(
                    f"{where}：关联指标 {show(ref)} 不在指标体系中（应写作指标名称路径，如 [一级, 二级, 三级]）"
                )
        plan.findings.append(finding)
    for number, item in enumerate(_list(doc, "recommendations", "建议", plan), start=1):
        where = f"recommendations 第 {number} 项"
        recommendation = _item(item, where, plan)
        index = item.get("finding")
        valid = isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(plan.findings)
        if index is not None and not valid:
            plan.errors.append(f"{where}：finding 应为 findings 中的序号（从 0 起数）或 null，现为 {show(index)}")
        recommendation["finding"] = index if valid else None
        plan.recommendations.append(recommendation)
    for number, item in enumerate(_list(doc, "experiences", "经验做法", plan), start=1):
        plan.experiences.append(_item(item, f"experiences 第 {number} 项", plan))


def _read_database(plan: _Plan) -> None:
    """What the document asks of rows already in the database: organisation kinds, a replaceable evaluation."""
    for key, _, kind, label in ORGANISATION_ROLES:
        organisation = Organisation.objects.filter(name=plan.organisations.get(key)).first()
        if organisation is not None and organisation.kind != kind:
            plan.errors.append(
                f"{label}「{organisation.name}」已登记为{organisation.get_kind_display()}，不能作为{label}"
            )
    existing = Evaluation.objects.filter(
        evaluated_unit__name=plan.organisations.get("agency"), year=plan.year, title=plan.title
    ).first()
    if existing is not None and existing.state not in EDITABLE_STATES:
        plan.errors.append(f"评价「{existing.title}」当前状态为“{existing.get_state_display()}”，不能再通过导入修改")


def read_document(doc: Any) -> _Plan:
    """Check the whole document; raise DocumentImportError listing every problem."""
    errors = format_errors(doc)
    if errors:
        raise DocumentImportError(errors)
    plan = _Plan()
    _read_header(doc, plan)
    _read_indicators(doc, plan)
    _read_tables(doc, plan)
    _read_narrative(doc, plan)
    _read_team(doc, plan)
    _read_items(doc, plan)
    _read_database(plan)
    if plan.errors:
        raise DocumentImportError(plan.errors)
    return plan


# --- import: write --------------------------------------------------------------------------------


def _write_header(plan: _Plan, user: Any) -> Evaluation:
    orgs = {
        key: upsert(Organisation, lookup={"name": plan.organisations[key]}, values={"kind": kind})
        for key, _, kind, _ in ORGANISATION_ROLES
    }
    unit = orgs["agency"]
    project = upsert(Project, lookup={"unit": unit, "name": plan.project}) if plan.project else None
    evaluation = save_evaluation(
        kind=plan.kind,
        title=plan.title,
        evaluated_unit=unit,
        year=plan.year,
        commissioning_bureau=orgs["commissioning_bureau"],
        evaluating_firm=orgs["evaluating_firm"],
        project=project,
        period_start=plan.period[0],
        period_end=plan.period[1],
        report_date=plan.report_date,
        created_by=user,
    )
    # A template is only the evaluation's provenance: one not installed here is left unset, not an error.
    template = IndicatorTemplate.objects.filter(name=plan.template).first() if plan.template else None
    changed = [
        name for name, value in (("grades", plan.grades), ("template", template)) if getattr(evaluation, name) != value
    ]
    for name in changed:
        setattr(evaluation, name, plan.grades if name == "grades" else template)
    if changed:
        evaluation.save(update_fields=[*changed, "updated_at"])
    return evaluation


def _write_tables(evaluation: Evaluation, plan: _Plan, user: Any) -> None:
    evaluation.data_tables.exclude(key__in=list(plan.tables)).delete()
    for key, rows in plan.tables.items():
        save_table(evaluation=evaluation, key=key, rows=rows, user=user, recompute=False)


def _write_narrative(evaluation: Evaluation, plan: _Plan) -> None:
    evaluation.narrative.exclude(key__in=list(plan.narrative)).delete()
    stored = {section.key: section for section in evaluation.narrative.all()}
    for key, text in plan.narrative.items():
        section = stored.get(key)
        if section is None:
            NarrativeSection.objects.create(evaluation=evaluation, key=key, text=text)
        elif section.text != text:
            # A new version, so someone editing the section meanwhile is told rather than overwritten.
            section.text, section.version = text, section.version + 1
            section.save(update_fields=["text", "version", "updated_at"])


def _write_team(evaluation: Evaluation, plan: _Plan) -> None:
    wanted = {member["name"]: member for member in plan.team}
    evaluation.team.exclude(name__in=list(wanted)).delete()
    # Unlink accounts that move to another member first, so no intermediate state breaks "one user per team".
    for member in evaluation.team.all():
        user = wanted[member.name]["user"]
        if member.user_id is not None and member.user_id != (user.pk if user else None):
            member.user = None
            member.save(update_fields=["user"])
    for member in plan.team:
        set_team_member(evaluation=evaluation, **member)


def _write_items(evaluation: Evaluation, plan: _Plan, indicators: list[EvaluationIndicator]) -> None:
    # No row points at these but recommendations (rewritten here too), so they are simply rewritten.
    evaluation.recommendations.all().delete()
    evaluation.findings.all().delete()
    evaluation.experiences.all().delete()
    findings = []
    for order, item in enumerate(plan.findings, start=1):
        finding = Finding.objects.create(evaluation=evaluation, title=item["title"], text=item["text"], order=order)
        finding.indicators.set([indicators[i] for i in item["indicators"]])
        findings.append(finding)
    Recommendation.objects.bulk_create(
        Recommendation(
            evaluation=evaluation,
            title=item["title"],
            text=item["text"],
            order=order,
            finding=findings[item["finding"]] if item["finding"] is not None else None,
        )
        for order, item in enumerate(plan.recommendations, start=1)
    )
    Experience.objects.bulk_create(
        Experience(evaluation=evaluation, title=item["title"], text=item["text"], order=order)
        for order, item in enumerate(plan.experiences, start=1)
    )


@transaction.atomic
def import_document(doc: Any, *, user: Any = None) -> Evaluation:
    """Create or replace (same unit, year and title) the evaluation a document describes; all or nothing."""
    plan = read_document(doc)
    evaluation = _write_header(plan, user)
    # Indicators are written as rows, not through full_clean(): EvaluationIndicator.clean() refuses an
    # awarded score without a reason, which a document may hold (§10: a problem to report, not an error).
    # Everything clean() checks otherwise (rule parameters, tree) was checked by read_indicators.
    indicators = sync_tree(
        evaluation.indicators.all(),
        plan.nodes,
        lambda values: EvaluationIndicator(evaluation=evaluation, **values),
        lambda node: dict(node.values),
    )
    _write_tables(evaluation, plan, user)
    _write_narrative(evaluation, plan)
    _write_team(evaluation, plan)
    _write_items(evaluation, plan, indicators)
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    return evaluation
