"""Importing a perf-eval/1 document as an evaluation: all or nothing.

The document is read by the one reader (evaluations.interchange.reader), so whatever ``score`` accepts imports.
Then what the document asks of the database is checked (organisations of the right kind, team accounts that
exist, an evaluation it would replace that may still change), and header facts the document leaves out are
taken from the importer's options or the importing user's organisation, never invented. Any problem raises
DocumentImportError listing every one; nothing is written then. Otherwise the evaluation of the same unit,
year and title is created or replaced in place, and its scores are recomputed so stored scores equal the
engine's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from evaluations.domain.creation import save_evaluation, set_team_member
from evaluations.domain.datatables import save_table
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.tree_sync import indicator_values, sync_tree
from evaluations.domain.upsert import upsert
from evaluations.domain.user_actions import records_user_action
from evaluations.interchange.reader import ORGANISATIONS, ParsedDocument, read_document_partly
from evaluations.models import (
    EDITABLE_STATES,
    Evaluation,
    EvaluationIndicator,
    Experience,
    Finding,
    NarrativeSection,
    Organisation,
    Project,
    Recommendation,
    User,
)
from rubrics.document import DocumentError, Indicator, format_errors, show
from rubrics.models import EvaluationKind, IndicatorTemplate, default_grades


class DocumentImportError(DocumentError):
    """The document cannot be imported; ``errors`` holds one Chinese line per problem. Nothing was written."""


@dataclass(frozen=True)
class ImportDefaults:
    """Header facts for a document that does not state them (import_evaluation --unit, --bureau, --firm …)."""

    kind: str | None = None
    title: str | None = None
    year: int | None = None
    agency: str | None = None
    project: str | None = None
    commissioning_bureau: str | None = None
    evaluating_firm: str | None = None


@dataclass
class _Plan:
    """A document with every header fact settled, ready to write."""

    parsed: ParsedDocument
    kind: str = ""
    title: str = ""
    year: int = 0
    organisations: dict[str, str] = field(default_factory=dict)
    project: str | None = None
    team_users: dict[str, User] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was imported differently from the document, and why


_OPTION_OF = {"kind": "--kind", "title": "--title", "year": "--year", "project": "--project"}
_FACT_LABELS = {"kind": "评价类型", "title": "评价名称", "year": "评价年度", "project": "评价项目"}


def _missing(key: str, label: str, option: str) -> str:
    return f"文档未写明{label}（evaluation.{key}），请在文档中写明，或导入时用 {option} 指定"


def _settle_header(parsed: ParsedDocument, defaults: ImportDefaults, user: Any, errors: list[str]) -> _Plan:
    plan = _Plan(parsed)
    for key in ("kind", "title", "year"):
        value = getattr(parsed, key) or getattr(defaults, key)
        if value is None and key not in parsed.stated:  # a value given but invalid is reported by the reader
            errors.append(_missing(key, _FACT_LABELS[key], _OPTION_OF[key]))
        setattr(plan, key, value or getattr(plan, key))
    if plan.kind and plan.kind not in EvaluationKind.values:
        errors.append(f"评价类型必须是 {'、'.join(EvaluationKind.values)} 之一，现为“{plan.kind}”")
    if parsed.kind and defaults.kind and parsed.kind != defaults.kind:
        errors.append(f"文档的评价类型为 {parsed.kind}，与指定的 {defaults.kind} 不一致")
    own = getattr(user, "organisation", None)
    for key, _, kind, label, option in ORGANISATIONS:
        name = parsed.organisations.get(key) or getattr(defaults, key)
        if name is None and own is not None and own.kind == kind:
            name = own.name  # the importing user's own firm or bureau
        if name is None and key not in parsed.stated:
            errors.append(_missing(key, label, option + (" 或以该单位的账号导入" if key != "agency" else "")))
        else:
            plan.organisations[key] = name
    plan.project = parsed.project or defaults.project
    if plan.kind == EvaluationKind.PROJECT and plan.project is None and "project" not in parsed.stated:
        errors.append(_missing("project", "评价项目", "--project") + "（项目支出绩效评价必须有评价项目）")
    return plan


def _check_database(plan: _Plan, errors: list[str]) -> None:
    """What the document asks of rows already in the database."""
    for key, _, kind, label, _ in ORGANISATIONS:
        name = plan.organisations.get(key)
        organisation = Organisation.objects.filter(name=name).first() if name else None
        if organisation is not None and organisation.kind != kind:
            errors.append(f"{label}「{organisation.name}」已登记为{organisation.get_kind_display()}，不能作为{label}")
    unit = plan.organisations.get("agency")
    existing = (
        Evaluation.objects.filter(evaluated_unit__name=unit, year=plan.year, title=plan.title).first()
        if unit and plan.year and plan.title
        else None
    )
    if existing is not None and existing.state not in EDITABLE_STATES:
        errors.append(f"评价「{existing.title}」当前状态为“{existing.get_state_display()}”，不能再通过导入修改")
    usernames = {member["user"] for member in plan.parsed.team if member["user"]}
    plan.team_users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    for number, member in enumerate(plan.parsed.team, start=1):
        if member["user"] and member["user"] not in plan.team_users:
            # An account is this installation's matter (an evaluation exported elsewhere names that system's
            # accounts): the member is kept with name, role and qualification, unlinked, and the import says so.
            plan.notes.append(
                f"team 第 {number} 人（{member['name']}）：本系统没有账号 {show(member['user'])}，"
                "该成员已导入但未关联账号，可在“评价小组”中关联"
            )


def _evaluation_values(node: Indicator) -> dict[str, Any]:
    values = indicator_values(node)
    values.update(
        actual_display=node.actual_display,
        analysis=node.analysis,
        evidence_obtained=node.evidence_obtained,
        research_content=node.research_content,
        research_order=node.research_order,
        research_start=node.research[0],
        research_end=node.research[1],
        is_custom=node.is_custom,
        inputs=node.inputs if node.leaf else {},
        awarded_score=node.awarded if node.leaf else None,
        override_reason=node.reason if node.leaf else "",
    )
    return values


def _write_header(plan: _Plan, user: Any) -> Evaluation:
    kinds = {key: kind for key, _, kind, _, _ in ORGANISATIONS}
    orgs = {
        key: upsert(Organisation, lookup={"name": name}, values={"kind": kinds[key]})
        for key, name in plan.organisations.items()
    }
    unit = orgs["agency"]
    project = upsert(Project, lookup={"unit": unit, "name": plan.project}) if plan.project else None
    period = plan.parsed.period or (dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31))
    evaluation = save_evaluation(
        kind=plan.kind,
        title=plan.title,
        evaluated_unit=unit,
        year=plan.year,
        commissioning_bureau=orgs["commissioning_bureau"],
        evaluating_firm=orgs["evaluating_firm"],
        project=project,
        period_start=period[0],
        period_end=period[1],
        report_date=plan.parsed.report_date,
        created_by=user,
    )
    # A template is only the evaluation's provenance: one not installed here is left unset, not an error.
    name = plan.parsed.template
    template = IndicatorTemplate.objects.filter(name=name).first() if name else None
    wanted = {
        "grades": plan.parsed.grades or default_grades(),
        "na_policy": plan.parsed.na_policy,
        "template": template,
        "cover_names_firm": plan.parsed.cover_names_firm,
    }
    changed = [key for key, value in wanted.items() if getattr(evaluation, key) != value]
    for key in changed:
        setattr(evaluation, key, wanted[key])
    if changed:
        evaluation.save(update_fields=[*changed, "updated_at"])
    return evaluation


def _write_tables(evaluation: Evaluation, parsed: ParsedDocument, user: Any) -> None:
    evaluation.data_tables.exclude(key__in=list(parsed.tables)).delete()
    for key, rows in parsed.tables.items():
        save_table(evaluation=evaluation, key=key, rows=rows, user=user, recompute=False)


def _write_narrative(evaluation: Evaluation, parsed: ParsedDocument) -> None:
    evaluation.narrative.exclude(key__in=list(parsed.narrative)).delete()
    stored = {section.key: section for section in evaluation.narrative.all()}
    for key, text in parsed.narrative.items():
        section = stored.get(key)
        if section is None:
            NarrativeSection.objects.create(evaluation=evaluation, key=key, text=text)
        elif section.text != text:
            # A new version, so someone editing the section meanwhile is told rather than overwritten.
            section.text, section.version = text, section.version + 1
            section.save(update_fields=["text", "version", "updated_at"])


def _write_team(evaluation: Evaluation, plan: _Plan) -> None:
    members = [{**member, "user": plan.team_users.get(member["user"])} for member in plan.parsed.team]
    wanted = {member["name"]: member for member in members}
    evaluation.team.exclude(name__in=list(wanted)).delete()
    # Unlink accounts that move to another member first, so no intermediate state breaks "one user per team".
    for member in evaluation.team.all():
        user = wanted[member.name]["user"]
        if member.user_id is not None and member.user_id != (user.pk if user else None):
            member.user = None
            member.save(update_fields=["user"])
    for member in members:
        set_team_member(evaluation=evaluation, **member)


def _write_items(evaluation: Evaluation, parsed: ParsedDocument, indicators: list[EvaluationIndicator]) -> None:
    # No row points at these but recommendations (rewritten here too), so they are simply rewritten.
    evaluation.recommendations.all().delete()
    evaluation.findings.all().delete()
    evaluation.experiences.all().delete()
    findings = []
    for order, item in enumerate(parsed.findings, start=1):
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
        for order, item in enumerate(parsed.recommendations, start=1)
    )
    Experience.objects.bulk_create(
        Experience(evaluation=evaluation, title=item["title"], text=item["text"], order=order)
        for order, item in enumerate(parsed.experiences, start=1)
    )


def plan_import(doc: Any, *, user: Any = None, defaults: ImportDefaults | None = None) -> _Plan:
    """Read and check everything; raise DocumentImportError listing every problem."""
    if errors := format_errors(doc):
        raise DocumentImportError(errors)
    parsed, errors = read_document_partly(doc)
    plan = _settle_header(parsed, defaults or ImportDefaults(), user, errors)
    _check_database(plan, errors)
    if errors:
        raise DocumentImportError(errors)
    return plan


@records_user_action
@transaction.atomic
def import_document(doc: Any, *, user: Any = None, defaults: ImportDefaults | None = None) -> Evaluation:
    """Create or replace (same unit, year and title) the evaluation a document describes; all or nothing.

    ``evaluation.import_notes`` lists what was imported differently from the document (an unknown account).
    """
    plan = plan_import(doc, user=user, defaults=defaults)
    evaluation = _write_header(plan, user)
    # Indicators are written as rows, not through full_clean(): EvaluationIndicator.clean() refuses an
    # awarded score without a reason, which a document may hold (§10: a problem to report, not an error).
    # Everything clean() checks otherwise (rule parameters, awarded range, tree) the reader checked.
    indicators = sync_tree(
        evaluation.indicators.all(),
        plan.parsed.indicators,
        lambda values: EvaluationIndicator(evaluation=evaluation, **values),
        _evaluation_values,
    )
    _write_tables(evaluation, plan.parsed, user)
    _write_narrative(evaluation, plan.parsed)
    _write_team(evaluation, plan)
    _write_items(evaluation, plan.parsed, indicators)
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    evaluation.import_notes = plan.notes
    return evaluation
