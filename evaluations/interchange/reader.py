"""The one reader of perf-eval/1 documents (DESIGN §10).

``score``, ``import_evaluation``, the template import and opening a new edition all read a document here, so
they accept and refuse exactly the same documents; ``score`` additionally needs every leaf scorable
(rubrics.document.score_indicators). Indicators are read by rubrics.document; this module adds the header and
the extension keys an exported evaluation carries (tables, narrative, team, findings, recommendations,
experiences); report sections and indicator analyses are sanitised here like the editor's. No database: what a
document asks of the database (organisations, accounts, an evaluation it replaces) is checked when importing
(evaluations.domain.importing).

A header fact the document leaves out (the evaluated unit, the commissioning bureau, the firm …) is not
invented: the importer takes it from its options or the importing user, or says which one is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from evaluations.datatables import TABLES, tables_for_kind
from evaluations.datatables.figures import compute_figures
from evaluations.datatables.rows import TableInputError, parse_rows
from evaluations.models import OrganisationKind, TeamRole
from evaluations.narrative_html import clean_section_html
from evaluations.sections import sections_for
from rubrics.document import (
    DocumentError,
    Indicator,
    format_errors,
    iso_date,
    read_grades,
    read_indicators,
    read_na_policy,
    rescore,
    show,
    text_value,
)
from rubrics.engine import DEFAULT_NA_POLICY
from rubrics.models import EvaluationKind
from rubrics.numbers import exact_text

# header key, alias used by the built-in documents, organisation kind, what it is called, importer option
ORGANISATIONS = (
    ("agency", None, OrganisationKind.UNIT, "被评价单位", "--unit"),
    ("commissioning_bureau", "commissioner", OrganisationKind.BUREAU, "委托单位", "--bureau"),
    ("evaluating_firm", "evaluator", OrganisationKind.FIRM, "评价机构", "--firm"),
)


@dataclass
class ParsedDocument:
    """A valid document: every value it gives is usable. Header facts it leaves out are None."""

    kind: str | None = None
    title: str | None = None
    year: int | None = None
    organisations: dict[str, str | None] = field(default_factory=dict)  # header key → name
    project: str | None = None
    grades: list | None = None
    na_policy: str = DEFAULT_NA_POLICY  # how leaves marked 不适用 count (DESIGN §4.1)
    period: tuple[dt.date, dt.date] | None = None
    report_date: dt.date | None = None
    cover_names_firm: bool = True  # false: the report is issued in the unit's name, its cover names no firm
    template: str | None = None
    stated: set[str] = field(default_factory=set)  # header keys the document gives (valid or not)
    indicators: list[Indicator] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)  # rows as the document writes them
    table_values: dict[str, list[dict]] = field(default_factory=dict)  # the same rows read (Decimal, date …)
    narrative: dict[str, str] = field(default_factory=dict)
    team: list[dict] = field(default_factory=list)  # "user" is a username or None
    findings: list[dict] = field(default_factory=list)  # "indicators" are indices into ``indicators``
    recommendations: list[dict] = field(default_factory=list)  # "finding" is an index into ``findings``
    experiences: list[dict] = field(default_factory=list)


def _optional_text(header: dict, key: str, label: str, max_length: int, errors: list[str]) -> str | None:
    value = header.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # left blank: not stated (an importer supplies it or says it is missing)
    if not isinstance(value, str):
        errors.append(f"evaluation.{key}（{label}）必须是文字，现为 {show(value)}")
        return None
    if len(value.strip()) > max_length:
        errors.append(f"evaluation.{key}（{label}）最多 {max_length} 个字，现为 {len(value.strip())} 个字")
    return value.strip()


def _read_header(doc: dict, parsed: ParsedDocument, errors: list[str]) -> None:
    header = doc.get("evaluation")
    if header is None:
        return
    if not isinstance(header, dict):
        errors.append(f"evaluation（评价信息）必须是对象，现为 {show(header)}")
        return
    parsed.stated = {key for key, value in header.items() if value is not None and value != ""}
    for key, alias, *_ in ORGANISATIONS:
        if alias in parsed.stated:
            parsed.stated.add(key)
    kind = header.get("kind")
    if kind is not None and kind not in EvaluationKind.values:
        errors.append(f"evaluation.kind（评价类型）必须是 {'、'.join(EvaluationKind.values)} 之一，现为 {show(kind)}")
    parsed.kind = kind if kind in EvaluationKind.values else None
    parsed.title = _optional_text(header, "title", "评价名称", 200, errors)
    year = header.get("year")
    if year is not None:
        if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2999:
            parsed.year = year
        else:
            errors.append(f"evaluation.year（评价年度）必须是四位整数年份，现为 {show(year)}")
    for key, alias, _, label, _ in ORGANISATIONS:
        source = alias if alias and header.get(key) is None and header.get(alias) is not None else key
        parsed.organisations[key] = _optional_text(header, source, label, 200, errors)
    parsed.project = _optional_text(header, "project", "评价项目", 200, errors)
    parsed.grades = read_grades(header, errors)
    parsed.na_policy = read_na_policy(header, errors)
    period = header.get("period")
    if period is not None:
        label = "evaluation.period（评价期间）"
        if not isinstance(period, list) or len(period) != 2:
            errors.append(f"{label}必须是 [起, 止] 两个日期，现为 {show(period)}")
        else:
            start, end = iso_date(period[0], f"{label}起", errors), iso_date(period[1], f"{label}止", errors)
            if start and end and start > end:
                errors.append(f"{label}：起始日 {start} 晚于截止日 {end}")
            elif start and end:
                parsed.period = (start, end)
            elif (start is None) != (end is None):
                errors.append(f"{label}必须写明起止两个日期")
    parsed.report_date = iso_date(header.get("report_date"), "evaluation.report_date（报告日期）", errors)
    names_firm = header.get("cover_names_firm", True)
    if isinstance(names_firm, bool):
        parsed.cover_names_firm = names_firm
    else:
        errors.append(f"evaluation.cover_names_firm（封面列出评价机构）只能是 true 或 false，现为 {show(names_firm)}")
    template = header.get("template")
    if template is not None and not isinstance(template, str):
        errors.append(f"evaluation.template（来源模板）必须是模板名称或 null，现为 {show(template)}")
    parsed.template = template if isinstance(template, str) and template else None


def _needs_kind(doc: dict, key: str, label: str, parsed: ParsedDocument, errors: list[str]) -> bool:
    if doc.get(key) is not None and parsed.kind is None:
        errors.append(f"{key}（{label}）：文档未写明 evaluation.kind（评价类型），无法核对{label}")
        return False
    return doc.get(key) is not None


def _read_tables(doc: dict, parsed: ParsedDocument, errors: list[str]) -> None:
    if not _needs_kind(doc, "tables", "基础数据表", parsed, errors):
        return
    tables = doc["tables"]
    if not isinstance(tables, dict):
        errors.append(f"tables（基础数据表）必须是 {{表格代码: [行, …]}} 对象，现为 {show(tables)}")
        return
    known = [spec.key for spec in tables_for_kind(parsed.kind)]
    for key, rows in tables.items():
        spec = TABLES.get(key)
        if key not in known or spec is None:
            errors.append(f"tables：未知的表格 {show(key)}（本类评价可用：{'、'.join(known)}）")
            continue
        name = f"{spec.code} {spec.title}"
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            errors.append(f"tables.{key}（{name}）必须是行的列表，每行是 {{列代码: 值}} 对象")
            continue
        try:
            parsed.table_values[key] = parse_rows(spec, rows)
        except TableInputError as exc:
            errors += [f"{name} {problem}" for problem in exc.problems]
            continue
        parsed.tables[key] = rows


def _follow_bindings(parsed: ParsedDocument) -> None:
    """A bound input follows the document's tables, exactly as it does once imported (DESIGN §5): the value the
    tables give replaces the one written in ``inputs``, so ``score`` and the imported evaluation agree."""
    if parsed.kind is None or not parsed.table_values:
        return
    figures = compute_figures(parsed.kind, parsed.table_values)
    for node in parsed.indicators:
        changed = False
        for name, key in node.bindings.items():
            figure = figures.get(key)
            if figure is not None and figure.value is not None:
                node.inputs[name] = exact_text(figure.value)
                changed = True
        if changed:
            rescore(node)


def _read_narrative(doc: dict, parsed: ParsedDocument, errors: list[str]) -> None:
    if not _needs_kind(doc, "narrative", "报告正文", parsed, errors):
        return
    narrative = doc["narrative"]
    if not isinstance(narrative, dict):
        errors.append(f"narrative（报告正文）必须是 {{章节代码: 正文}} 对象，现为 {show(narrative)}")
        return
    known = [section.key for section in sections_for(parsed.kind)]
    for key, text in narrative.items():
        if key not in known:
            errors.append(f"narrative：未知的报告章节 {show(key)}（本类评价可用：{'、'.join(known)}）")
        elif not isinstance(text, str):
            errors.append(f"narrative.{key}：正文必须是文字，现为 {show(text)}")
        else:  # plain text (one paragraph a line) becomes <p>s; HTML is sanitised like the editor's
            parsed.narrative[key] = clean_section_html(text)


def _list(doc: dict, key: str, label: str, errors: list[str]) -> list[dict]:
    items = doc.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        errors.append(f"{key}（{label}）必须是对象的列表，现为 {show(items)}")
        return []
    return items


def _read_team(doc: dict, parsed: ParsedDocument, errors: list[str]) -> None:
    names: set[str] = set()
    accounts: set[str] = set()
    for number, member in enumerate(_list(doc, "team", "评价小组", errors), start=1):
        where = f"team 第 {number} 人"
        name = text_value(member, "name", 50, where, errors).strip()
        if not name:
            errors.append(f"{where}：缺少姓名 name")
        elif name in names:
            errors.append(f"{where}：姓名「{name}」重复（同一评价中按姓名区分成员）")
        names.add(name)
        role = member.get("role") or TeamRole.MEMBER
        if role not in TeamRole.values:
            errors.append(f"{where}：角色 role 必须是 {'、'.join(TeamRole.values)} 之一，现为 {show(role)}")
        username = member.get("user")
        if username is not None and (not isinstance(username, str) or not username.strip()):
            errors.append(f"{where}（{name}）：系统账号 user 必须是用户名或 null，现为 {show(username)}")
            username = None
        elif username is not None:
            if username in accounts:
                errors.append(f"{where}（{name}）：系统账号 {show(username)} 已分配给另一名成员")
            accounts.add(username)
        parsed.team.append(
            {
                "name": name,
                "group": text_value(member, "group", 50, where, errors),
                "qualification": text_value(member, "qualification", 100, where, errors),
                "duty": text_value(member, "duty", 100, where, errors),
                "role": role,
                "user": username,
                "order": number,
            }
        )


def _item(item: dict, where: str, errors: list[str]) -> dict:
    title = text_value(item, "title", 200, where, errors).strip()
    if not title:
        errors.append(f"{where}：缺少标题 title")
    return {"title": title, "text": text_value(item, "text", None, where, errors)}


def _read_items(doc: dict, parsed: ParsedDocument, errors: list[str]) -> None:
    paths = {node.path: i for i, node in enumerate(parsed.indicators)}
    for number, item in enumerate(_list(doc, "findings", "存在的问题", errors), start=1):
        where = f"findings 第 {number} 项"
        finding = _item(item, where, errors)
        finding["indicators"] = []
        refs = item.get("indicators") or []
        for ref in refs if isinstance(refs, list) else [refs]:
            path = tuple(ref) if isinstance(ref, list) and all(isinstance(p, str) for p in ref) else None
            if path in paths:
                finding["indicators"].append(paths[path])
            else:
                errors.append(
                    f"{where}：关联指标 {show(ref)} 不在指标体系中（应写作指标名称路径，如 [一级, 二级, 三级]）"
                )
        parsed.findings.append(finding)
    for number, item in enumerate(_list(doc, "recommendations", "建议", errors), start=1):
        where = f"recommendations 第 {number} 项"
        recommendation = _item(item, where, errors)
        index = item.get("finding")
        valid = isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(parsed.findings)
        if index is not None and not valid:
            errors.append(f"{where}：finding 应为 findings 中的序号（从 0 起数）或 null，现为 {show(index)}")
        recommendation["finding"] = index if valid else None
        parsed.recommendations.append(recommendation)
    for number, item in enumerate(_list(doc, "experiences", "经验做法", errors), start=1):
        parsed.experiences.append(_item(item, f"experiences 第 {number} 项", errors))


def read_document(doc: Any) -> ParsedDocument:
    """Check the whole document; raise DocumentError listing every problem found."""
    parsed, errors = read_document_partly(doc)
    if errors:
        raise DocumentError(errors)
    return parsed


def read_document_partly(doc: Any) -> tuple[ParsedDocument, list[str]]:
    """What can be read of the document, and every problem found (so an importer can add its own to the list)."""
    parsed = ParsedDocument()
    errors = format_errors(doc)
    if errors:
        return parsed, errors
    _read_header(doc, parsed, errors)
    parsed.indicators, indicator_errors = read_indicators(doc.get("indicators"))
    errors += indicator_errors
    for node in parsed.indicators:  # an analysis is rich text like a section: plain text becomes <p>s
        node.analysis = clean_section_html(node.analysis)
    _read_tables(doc, parsed, errors)
    _follow_bindings(parsed)
    _read_narrative(doc, parsed, errors)
    _read_team(doc, parsed, errors)
    _read_items(doc, parsed, errors)
    return parsed, errors
