"""Importing a perf-eval/1 document as an evaluation: all or nothing, in bulk.

The document is read by the one reader (evaluations.interchange.reader), so whatever ``score`` accepts imports.
Then what the document asks of the database is checked (organisations of the right kind, team accounts that
exist, an evaluation it would replace that may still change), and header facts the document leaves out are
taken from the importer's options or the importing user's organisation, never invented. Any problem raises
DocumentImportError listing every one; nothing is written then. Otherwise the evaluation of the same unit,
year and title is created or replaced in place.

The writes are bulk writes, so the queries of one import do not grow with its indicators, rows, sections or
team: the indicators are scored in memory first (evaluations.domain.scoring.score_unsaved: what
``recompute_scores`` would store), then every kind of row is written in one statement (indicators one per
level), each with its history records (django-simple-history's bulk helpers, carrying the user action's mark).
Replacing an evaluation writes only what changed; rows the document no longer has are deleted one by one (with
their history and the freezing guard), so only dropping rows costs queries per row. Organisations, projects,
templates and accounts are looked up through ``ImportLookups``, which ``import_evaluation`` shares across all
the documents of one run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from evaluations.datatables import spec_for
from evaluations.datatables.figures import compute_figures
from evaluations.domain.scoring import level_one_row, score_unsaved, store_level_one
from evaluations.domain.tree_sync import indicator_values, match_tree, write_tree
from evaluations.domain.user_actions import history_defaults, records_user_action
from evaluations.interchange.reader import ORGANISATIONS, ParsedDocument, read_document_partly
from evaluations.models import (
    EDITABLE_STATES,
    DataTable,
    Evaluation,
    EvaluationIndicator,
    Experience,
    Finding,
    LevelOneScore,
    NarrativeSection,
    Organisation,
    Project,
    Recommendation,
    TableRow,
    TeamMember,
    User,
)
from evaluations.queries.datatables import loaded_tables
from evaluations.queries.tree import indicator_tree
from rubrics.document import DocumentError, Indicator, format_errors, show
from rubrics.engine import ENGINE_VERSION
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


_MISSING = object()


class ImportLookups:
    """The rows several imports share, each read once: organisations and templates by name, accounts by username,
    projects by unit and name (a name known to be absent is remembered too).

    A row an import creates is remembered only if that import succeeds: ``document()`` forgets what a failing
    one added, as its transaction takes the rows back. Meant for one run of imports (``import_evaluation``):
    rows others change meanwhile are not seen.
    """

    def __init__(self) -> None:
        self._organisations: dict[str, Organisation | None] = {}
        self._templates: dict[str, IndicatorTemplate | None] = {}
        self._users: dict[str, User | None] = {}
        self._projects: dict[tuple[int, str], Project] = {}
        self._added: list[tuple[dict, Any, Any]] | None = None  # (cache, key, previous) of the running import

    @contextmanager
    def document(self) -> Iterator[None]:
        outer = self._added is None
        if outer:
            self._added = []
        try:
            yield
        except BaseException:
            if outer:
                for cache, key, previous in reversed(self._added):
                    if previous is _MISSING:
                        cache.pop(key, None)
                    else:
                        cache[key] = previous
            raise
        finally:
            if outer:
                self._added = None

    def _remember(self, cache: dict, key: Any, value: Any) -> None:
        if self._added is not None:
            self._added.append((cache, key, cache.get(key, _MISSING)))
        cache[key] = value

    def _many(self, cache: dict, model: type[models.Model], field_name: str, keys: set[str]) -> dict:
        unknown = {key for key in keys if key not in cache}
        if unknown:
            found = {getattr(row, field_name): row for row in model.objects.filter(**{f"{field_name}__in": unknown})}
            for key in unknown:
                cache[key] = found.get(key)  # read, not added: true whatever becomes of the running import
        return {key: cache[key] for key in keys}

    def organisations(self, names: set[str]) -> dict[str, Organisation | None]:
        return self._many(self._organisations, Organisation, "name", names)

    def users(self, usernames: set[str]) -> dict[str, User | None]:
        return self._many(self._users, User, "username", usernames)

    def template(self, name: str | None) -> IndicatorTemplate | None:
        return self._many(self._templates, IndicatorTemplate, "name", {name})[name] if name else None

    def organisation(self, name: str, kind: str) -> Organisation:
        """The organisation of this name, created (of this kind) when there is none."""
        organisation = self.organisations({name})[name]
        if organisation is None:
            organisation = Organisation(name=name, kind=kind)
            organisation.full_clean()
            organisation.save()
            self._remember(self._organisations, name, organisation)
        return organisation

    def project(self, unit: Organisation, name: str) -> Project:
        """The unit's project of this name, created when there is none."""
        key = (unit.pk, name)
        project = self._projects.get(key)
        if project is None:
            project = Project.objects.filter(unit=unit, name=name).first()
            if project is None:
                project = Project(unit=unit, name=name)
                project.full_clean()
                project.save()
                self._remember(self._projects, key, project)
            else:
                self._projects[key] = project
        return project


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
    existing: Evaluation | None = None  # the evaluation this document replaces
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


def _check_database(plan: _Plan, errors: list[str], lookups: ImportLookups) -> None:
    """What the document asks of rows already in the database."""
    organisations = lookups.organisations({name for name in plan.organisations.values() if name})
    for key, _, kind, label, _ in ORGANISATIONS:
        name = plan.organisations.get(key)
        organisation = organisations.get(name) if name else None
        if organisation is not None and organisation.kind != kind:
            errors.append(f"{label}「{organisation.name}」已登记为{organisation.get_kind_display()}，不能作为{label}")
    unit = organisations.get(plan.organisations.get("agency") or "")
    existing = (
        Evaluation.objects.filter(evaluated_unit=unit, year=plan.year, title=plan.title).first()
        if unit is not None and plan.year and plan.title  # a unit not registered yet has no evaluation to replace
        else None
    )
    if existing is not None and existing.state not in EDITABLE_STATES:
        errors.append(f"评价「{existing.title}」当前状态为“{existing.get_state_display()}”，不能再通过导入修改")
    plan.existing = existing
    users = lookups.users({member["user"] for member in plan.parsed.team if member["user"]})
    plan.team_users = {username: user for username, user in users.items() if user is not None}
    for number, member in enumerate(plan.parsed.team, start=1):
        if member["user"] and member["user"] not in plan.team_users:
            # An account is this installation's matter (an evaluation exported elsewhere names that system's
            # accounts): the member is kept with name, role and qualification, unlinked, and the import says so.
            plan.notes.append(
                f"team 第 {number} 人（{member['name']}）：本系统没有账号 {show(member['user'])}，"
                "该成员已导入但未关联账号，可在“评价小组”中关联"
            )


# --- writing -------------------------------------------------------------------------------------------------


def _decimal(value: Any, places: int) -> Any:
    """A number as a DecimalField of ``places`` stores and reads it back (4 → 4.00), so the in-memory scoring
    computes from the same values as a recompute from the stored rows would."""
    return value.quantize(Decimal(1).scaleb(-places)) if isinstance(value, Decimal) else value


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
    values["weight"] = _decimal(values["weight"], 2)
    values["awarded_score"] = _decimal(values["awarded_score"], 2)
    return values


def _header_values(plan: _Plan, lookups: ImportLookups) -> dict[str, Any]:
    kinds = {key: kind for key, _, kind, _, _ in ORGANISATIONS}
    orgs = {key: lookups.organisation(name, kinds[key]) for key, name in plan.organisations.items()}
    unit = orgs["agency"]
    period = plan.parsed.period or (dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31))
    return {
        "kind": plan.kind,
        "title": plan.title,
        "evaluated_unit": unit,
        "year": plan.year,
        "project": lookups.project(unit, plan.project) if plan.project else None,
        "commissioning_bureau": orgs["commissioning_bureau"],
        "evaluating_firm": orgs["evaluating_firm"],
        "period_start": period[0],
        "period_end": period[1],
        "report_date": plan.parsed.report_date,
        # A template is only the evaluation's provenance: one not installed here is left unset, not an error.
        "template": lookups.template(plan.parsed.template),
        "grades": plan.parsed.grades or default_grades(),
        "na_policy": plan.parsed.na_policy,
        "cover_names_firm": plan.parsed.cover_names_firm,
    }


# Foreign keys to rows in hand (looked up or just created): full_clean need not query whether they exist.
_HELD = ["evaluated_unit", "project", "commissioning_bureau", "evaluating_firm", "template", "created_by"]


def _write_evaluation(plan: _Plan, values: dict[str, Any], user: Any) -> Evaluation:
    """Create the evaluation, or bring the one replaced up to these values (only the fields that differ)."""
    evaluation = plan.existing
    if evaluation is None:
        evaluation = Evaluation(**values, created_by=user if getattr(user, "pk", None) else None)
        evaluation.full_clean(exclude=_HELD)
        evaluation.save()
        return evaluation
    changed = [key for key, value in values.items() if getattr(evaluation, key) != value]
    for key in changed:
        setattr(evaluation, key, values[key])
    if changed:
        evaluation.full_clean(exclude=_HELD)
        evaluation.save(update_fields=[*changed, "updated_at"])
    return evaluation


def _lock(evaluation: Evaluation) -> Evaluation:
    """The evaluation to replace, locked before its rows are read: a concurrent import or save of it waits for
    this one. Its rows are bulk-written, past the freezing guard, so its state is checked again under the lock."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.state not in EDITABLE_STATES:
        raise DocumentImportError(
            [f"评价「{evaluation.title}」当前状态为“{evaluation.get_state_display()}”，不能再通过导入修改"]
        )
    return evaluation


def _stored_rows(rows_by_key: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The document's tables (rows as read: Decimal, date …) as they are stored (as a table save stores them)."""
    dumped = {}
    for key, rows in rows_by_key.items():
        spec = spec_for(key)
        dumped[key] = [spec.dump_row(row) for row in rows]
    return dumped


def _write_tables(evaluation: Evaluation, tables: dict[str, list[dict]], user: Any, replacing: bool) -> None:
    """Make the stored tables equal the document's: a table whose rows differ gets them all anew and a new
    version (its history record keeps the rows, as a table save does); an unchanged table is left alone."""
    user = user if getattr(user, "pk", None) else None
    stored: dict[str, DataTable] = {}
    stored_rows: dict[int, list[dict]] = {}
    if replacing:
        evaluation.data_tables.exclude(key__in=list(tables)).delete()
        stored = {table.key: table for table in evaluation.data_tables.all()}
        rows = TableRow.objects.filter(table__evaluation=evaluation).order_by("order", "pk")
        for table_id, values in rows.values_list("table_id", "values"):
            stored_rows.setdefault(table_id, []).append(values)
    created, changed = [], []
    for key, rows in tables.items():
        table = stored.get(key)
        if table is None:
            created.append(DataTable(evaluation=evaluation, key=key, updated_by=user, snapshot=rows))
        elif stored_rows.get(table.pk, []) != rows:
            table.version += 1
            table.updated_by, table.snapshot, table.updated_at = user, rows, timezone.now()
            changed.append(table)
    if changed:
        # Rows are deleted in one statement: nothing points at them, nothing records them (the table's history
        # does), and the evaluation is editable (checked under lock); Django's delete would fetch each row to
        # send it past the freezing guard.
        stale = TableRow.objects.filter(table__in=changed)
        stale._raw_delete(stale.db)
        fields = ["version", "updated_by", "snapshot", "updated_at"]
        bulk_update_with_history(changed, DataTable, fields, **history_defaults())
    if created:
        bulk_create_with_history(created, DataTable, **history_defaults())
    TableRow.objects.bulk_create(
        TableRow(table=table, order=order, values=values)
        for table in [*changed, *created]
        for order, values in enumerate(table.snapshot, start=1)
    )


def _write_narrative(evaluation: Evaluation, narrative: dict[str, str], replacing: bool) -> None:
    stored: dict[str, NarrativeSection] = {}
    if replacing:
        evaluation.narrative.exclude(key__in=list(narrative)).delete()
        stored = {section.key: section for section in evaluation.narrative.all()}
    created, changed = [], []
    for key, text in narrative.items():
        section = stored.get(key)
        if section is None:
            created.append(NarrativeSection(evaluation=evaluation, key=key, text=text))
        elif section.text != text:
            # A new version, so someone editing the section meanwhile is told rather than overwritten.
            section.text, section.version, section.updated_at = text, section.version + 1, timezone.now()
            changed.append(section)
    if changed:
        bulk_update_with_history(changed, NarrativeSection, ["text", "version", "updated_at"], **history_defaults())
    if created:
        bulk_create_with_history(created, NarrativeSection, **history_defaults())


_TEAM_FIELDS = ("user_id", "role", "group", "qualification", "duty", "order")


def _write_team(evaluation: Evaluation, plan: _Plan, replacing: bool) -> None:
    """Members matched by name: added, updated (only what differs) or removed."""
    wanted = {}
    for member in plan.parsed.team:
        user = plan.team_users.get(member["user"])
        wanted[member["name"]] = {**{k: member[k] for k in _TEAM_FIELDS if k != "user_id"}, "user_id": user and user.pk}
    stored: dict[str, TeamMember] = {}
    if replacing:
        evaluation.team.exclude(name__in=list(wanted)).delete()
        stored = {member.name: member for member in evaluation.team.all()}
    # Unlink accounts that move to another member first, so no intermediate state breaks "one user per team".
    moving = [m for m in stored.values() if m.user_id is not None and m.user_id != wanted[m.name]["user_id"]]
    for member in moving:
        member.user_id = None
    if moving:
        bulk_update_with_history(moving, TeamMember, ["user"], **history_defaults())
    created, changed = [], []
    for name, values in wanted.items():
        member = stored.get(name)
        if member is None:
            created.append(TeamMember(evaluation=evaluation, name=name, **values))
        elif any(getattr(member, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(member, key, value)
            changed.append(member)
    if changed:
        fields = ["user", "role", "group", "qualification", "duty", "order"]
        bulk_update_with_history(changed, TeamMember, fields, **history_defaults())
    if created:
        bulk_create_with_history(created, TeamMember, **history_defaults())


def _sync_items(
    model: type[models.Model], evaluation: Evaluation, stored: list[models.Model], wanted: list[dict[str, Any]]
) -> list[models.Model]:
    """Findings, recommendations or experiences in the document's order: the n-th stored item takes the n-th
    document item's values (written only if they differ), items beyond are added, stored ones beyond removed."""
    rows, created, changed, fields = [], [], [], set()
    for position, values in enumerate(wanted):
        values = {**values, "order": position + 1}
        row = stored[position] if position < len(stored) else None
        if row is None:
            row = model(evaluation=evaluation, **values)
            created.append(row)
        else:
            moved = [key for key, value in values.items() if getattr(row, key) != value]
            for key in moved:
                setattr(row, key, values[key])
            if moved:
                changed.append(row)
                fields.update(moved)
        rows.append(row)
    surplus = [row.pk for row in stored[len(wanted) :]]
    if surplus:
        model.objects.filter(pk__in=surplus).delete()
    if changed:
        names = [model._meta.get_field(key).name for key in sorted(fields)]
        bulk_update_with_history(changed, model, names, **history_defaults())
    if created:
        bulk_create_with_history(created, model, **history_defaults())
    return rows


def _write_items(
    evaluation: Evaluation, parsed: ParsedDocument, indicators: list[EvaluationIndicator], replacing: bool
) -> None:
    def stored(model: type[models.Model]) -> list[models.Model]:
        return list(model.objects.filter(evaluation=evaluation).order_by("order", "pk")) if replacing else []

    findings = _sync_items(
        Finding, evaluation, stored(Finding), [{"title": i["title"], "text": i["text"]} for i in parsed.findings]
    )
    links = Finding.indicators.through
    wanted = {
        (finding.pk, indicators[i].pk)
        for finding, item in zip(findings, parsed.findings, strict=True)
        for i in item["indicators"]
    }
    present: dict[tuple[int, int], int] = {}
    if replacing:
        stored_links = links.objects.filter(finding__evaluation=evaluation)
        present = {(f, i): pk for pk, f, i in stored_links.values_list("pk", "finding_id", "evaluationindicator_id")}
        if gone := [pk for pair, pk in present.items() if pair not in wanted]:
            links.objects.filter(pk__in=gone).delete()  # no history records links (as Finding.indicators.set)
    links.objects.bulk_create(
        links(finding_id=finding_id, evaluationindicator_id=indicator_id)
        for finding_id, indicator_id in sorted(wanted - present.keys())
    )
    recommendations = [
        {
            "title": item["title"],
            "text": item["text"],
            "finding_id": findings[item["finding"]].pk if item["finding"] is not None else None,
        }
        for item in parsed.recommendations
    ]
    _sync_items(Recommendation, evaluation, stored(Recommendation), recommendations)
    experiences = [{"title": item["title"], "text": item["text"]} for item in parsed.experiences]
    _sync_items(Experience, evaluation, stored(Experience), experiences)


def _write_level_one(evaluation: Evaluation, indicators: list[EvaluationIndicator], replacing: bool) -> None:
    roots = indicator_tree(evaluation, indicators).roots
    if replacing:
        store_level_one(evaluation, roots)
    else:
        LevelOneScore.objects.bulk_create(level_one_row(evaluation, root) for root in roots)


def plan_import(
    doc: Any, *, user: Any = None, defaults: ImportDefaults | None = None, lookups: ImportLookups | None = None
) -> _Plan:
    """Read and check everything; raise DocumentImportError listing every problem."""
    if errors := format_errors(doc):
        raise DocumentImportError(errors)
    parsed, errors = read_document_partly(doc)
    plan = _settle_header(parsed, defaults or ImportDefaults(), user, errors)
    _check_database(plan, errors, lookups or ImportLookups())
    if errors:
        raise DocumentImportError(errors)
    return plan


def import_document(
    doc: Any, *, user: Any = None, defaults: ImportDefaults | None = None, lookups: ImportLookups | None = None
) -> Evaluation:
    """Create or replace (same unit, year and title) the evaluation a document describes; all or nothing.

    ``lookups``: share organisations, projects, templates and accounts with other imports of the same run.
    ``evaluation.import_notes`` lists what was imported differently from the document (an unknown account).
    """
    lookups = lookups or ImportLookups()
    with lookups.document():
        return _import(doc, user=user, defaults=defaults, lookups=lookups)


@records_user_action
@transaction.atomic
def _import(doc: Any, *, user: Any, defaults: ImportDefaults | None, lookups: ImportLookups) -> Evaluation:
    plan = plan_import(doc, user=user, defaults=defaults, lookups=lookups)
    parsed, replacing = plan.parsed, plan.existing is not None
    if replacing:
        plan.existing = _lock(plan.existing)
    values = _header_values(plan, lookups)
    tables = _stored_rows(parsed.table_values)
    # Indicators are written as rows, not through full_clean(): EvaluationIndicator.clean() refuses an
    # awarded score without a reason, which a document may hold (§10: a problem to report, not an error).
    # Everything clean() checks otherwise (rule parameters, awarded range, tree) the reader checked.
    match = match_tree(
        plan.existing.indicators.all() if replacing else [],
        parsed.indicators,
        lambda row_values: EvaluationIndicator(**row_values),
        _evaluation_values,
    )
    scored = score_unsaved(
        match.rows,
        match.parents,
        figures=compute_figures(plan.kind, loaded_tables(plan.kind, _table_rows(tables))),
        na_policy=values["na_policy"],
        grades=values["grades"],
    )
    values.update(total_score=scored.total, grade=scored.grade, scored_with=ENGINE_VERSION)
    evaluation = _write_evaluation(plan, values, user)
    for row in match.rows:
        row.evaluation = evaluation
    indicators = write_tree(match, EvaluationIndicator, evaluation.indicators.all())
    _write_tables(evaluation, tables, user, replacing)
    _write_narrative(evaluation, parsed.narrative, replacing)
    _write_team(evaluation, plan, replacing)
    _write_items(evaluation, parsed, indicators, replacing)
    _write_level_one(evaluation, indicators, replacing)
    evaluation.import_notes = plan.notes
    return evaluation


def _table_rows(tables: dict[str, list[dict]]) -> Iterator[tuple[str, dict]]:
    for key, rows in tables.items():
        for values in rows:
            yield key, values
