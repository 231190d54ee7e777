"""The audit trail of an evaluation, read from django-simple-history: who changed what, when, old → new.

Viewable per evaluation and per indicator. Table saves are compared cell by cell from the
snapshots kept on the table's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from evaluations.datatables import TABLES
from evaluations.models import (
    DataTable,
    Evaluation,
    EvaluationIndicator,
    Evidence,
    Experience,
    Finding,
    NarrativeSection,
    Recommendation,
    TeamMember,
)
from evaluations.narrative_html import plain_text
from evaluations.sections import SECTIONS

IGNORED_FIELDS = {"version", "updated_at", "snapshot", "score_explanation", "analysis_drafted"}
ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}


@dataclass(frozen=True)
class AuditEntry:
    when: datetime
    who: str
    action: str  # 新增 / 修改 / 删除
    subject: str  # 指标「预算执行率」, 表1-1 项目资金使用情况表 …
    field: str
    old: str
    new: str


def _text(value) -> str:
    if value is None or value == "":
        return "（空）"
    return str(value)


def _display(field, value) -> str:
    """A stored value as users read it: choice labels (已提交, not submitted)."""
    choices = dict(field.flatchoices) if getattr(field, "flatchoices", None) else {}
    return _text(choices.get(value, value))


def _who(record) -> str:
    user = record.history_user
    return str(user) if user is not None else "系统"


def _subject(record, model) -> str:
    if model is DataTable:
        spec = TABLES.get(record.key)
        return f"{spec.code} {spec.title}" if spec else record.key
    if model is EvaluationIndicator:
        return f"指标「{record.name}」"
    if model is NarrativeSection:
        titles = {section.key: section.title for sections in SECTIONS.values() for section in sections}
        return f"报告章节「{titles.get(record.key, record.key)}」"
    if model is Evaluation:
        return "评价基本信息"
    return f"{model._meta.verbose_name}「{record}」"


def _table_changes(old: list, new: list, key: str) -> list[tuple[str, str, str]]:
    spec = TABLES.get(key)
    if spec is None:
        return [("数据", f"{len(old)} 行", f"{len(new)} 行")]
    changes = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else {}
        after = new[index] if index < len(new) else {}
        for column in spec.columns:
            if before.get(column.key) != after.get(column.key):
                changes.append(
                    (f"第{index + 1}行 {column.header}", _text(before.get(column.key)), _text(after.get(column.key)))
                )
    return changes


def _entries(records: list, model) -> list[AuditEntry]:
    """Diff each history record against the previous one of the same object."""
    entries: list[AuditEntry] = []
    previous: dict = {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        action = ACTIONS.get(record.history_type, "修改")
        subject = _subject(record, model)
        if before is None or record.history_type != "~":
            entries.append(AuditEntry(record.history_date, _who(record), action, subject, "", "", ""))
            continue
        if model is DataTable:
            for field, old, new in _table_changes(before.snapshot or [], record.snapshot or [], record.key):
                entries.append(AuditEntry(record.history_date, _who(record), action, subject, field, old, new))
            continue
        delta = record.diff_against(before, excluded_fields=IGNORED_FIELDS)
        for change in delta.changes:
            label = str(model._meta.get_field(change.field).verbose_name)
            old, new = change.old, change.new
            rich = (model is NarrativeSection and change.field == "text") or (
                model is EvaluationIndicator and change.field == "analysis"
            )
            if rich:  # the words, not the section's or the analysis' HTML
                old, new = plain_text(old), plain_text(new)
            entries.append(
                AuditEntry(record.history_date, _who(record), action, subject, label, _text(old), _text(new))
            )
    return entries


def _records(model, **lookup) -> list:
    return list(model.history.filter(**lookup).select_related("history_user").order_by("history_date", "history_id"))


def evaluation_audit(evaluation: Evaluation) -> list[AuditEntry]:
    """Every recorded change of the evaluation and its parts, newest first."""
    entries = _entries(_records(Evaluation, id=evaluation.pk), Evaluation)
    for model in (
        EvaluationIndicator,
        DataTable,
        NarrativeSection,
        Evidence,
        Finding,
        Recommendation,
        Experience,
        TeamMember,
    ):
        entries += _entries(_records(model, evaluation_id=evaluation.pk), model)
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


def indicator_audit(indicator: EvaluationIndicator) -> list[AuditEntry]:
    entries = _entries(_records(EvaluationIndicator, id=indicator.pk), EvaluationIndicator)
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
