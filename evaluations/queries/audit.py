"""The readable trail of an evaluation: its workflow timeline and its change log, in words.

One module for the audit page and the archive. States and steps by their Chinese names (the review level named),
fields by their labels, score inputs as the scoring page shows them (checklist points ①②③, 是/否, 97.03%), table
cells as the tables show them, long texts as the passages that changed, the rule as one line, no stored codes,
dicts or lists (the values' words: evaluations.queries.audit_words); times local (settings.TIME_ZONE) to the minute.

The change log is read from django-simple-history and grouped per user action: the records one request (or one
demo step) wrote share a mark (evaluations.domain.user_actions); older records without one are grouped by person
and time. Each action is one entry, filterable by part (评分, 基础数据, 正文, 流程 …) and person. Values are put
into words only for the entries shown (a page of them), so a long history costs the comparison, not the wording.

Who reads what is evaluations.queries.access's decision: the firm reads every step and the change log; the unit
and the bureau read the hand-offs between organisations (access.steps_read_by).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import models
from django.utils import timezone

from evaluations.datatables import TABLES
from evaluations.datatables.figures import compute_figures
from evaluations.datatables.spec import TEXT as TEXT_CELL
from evaluations.datatables.spec import cell_text
from evaluations.models import (
    LEVEL_LABELS,
    DataTable,
    Evaluation,
    EvaluationIndicator,
    EvaluationState,
    Evidence,
    Experience,
    Explanation,
    Finding,
    NarrativeSection,
    Recommendation,
    RectificationItem,
    StateChange,
    TeamMember,
    Transition,
)
from evaluations.narrative_html import plain_text
from evaluations.queries import access
from evaluations.queries.audit_words import (
    PASSAGES_SHOWN,
    TIME_FORMAT,
    Passage,
    grades_in_words,
    in_words,
    input_field_of,
    input_value,
    passages,
)
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.targets import input_unit
from evaluations.sections import SECTIONS
from rubrics.numbers import fixed, with_unit, written
from rubrics.rule_editor.layout import summary as rule_summary

# The parts of an evaluation a change belongs to, in the order the filter lists them.
SCORING, INDICATORS, TABLES_PART, TEXT, EVIDENCE, TEAM, BASICS, WORKFLOW, EXPLANATIONS, RECTIFICATION = (
    "评分",
    "指标体系",
    "基础数据",
    "正文",
    "佐证材料",
    "评价小组",
    "基本信息",
    "流程",
    "检查说明",
    "整改",
)
PARTS = (SCORING, INDICATORS, TABLES_PART, TEXT, EVIDENCE, TEAM, BASICS, WORKFLOW, EXPLANATIONS, RECTIFICATION)
ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
# Records without an action mark, by one person, this close in time, are one action.
UNMARKED_GAP = dt.timedelta(seconds=5)
# Bookkeeping, derived wording, and the state (the timeline says it better): never a change of their own.
IGNORED_FIELDS = {
    "version",
    "updated_at",
    "snapshot",
    "score_explanation",
    "analysis_drafted",
    "scored_with",
    "state",
    "review_level",
    "updated_by",
    "content_type",
    "size",
    "sha256",
    "file",
    "completion_sha256",
    "created_at",
    "uploaded_at",
    "decided_at",  # the entry's own time says when
}
# Written by the scoring service as a consequence of another change.
DERIVED_FIELDS = {"computed_score", "total_score", "grade"}
SCORE_FIELDS = {"computed_score", "awarded_score", "total_score"}
INDICATOR_PARTS = {
    "inputs": SCORING,
    "actual_display": SCORING,
    "computed_score": SCORING,
    "awarded_score": SCORING,
    "override_reason": SCORING,
    "analysis": TEXT,
    "evidence_obtained": TEXT,
    "research_content": TEXT,
    "research_order": TEXT,
    "research_start": TEXT,
    "research_end": TEXT,
}
EVALUATION_PARTS = {"total_score": SCORING, "grade": SCORING, "na_policy": SCORING}
MODEL_PARTS = {
    DataTable: TABLES_PART,
    NarrativeSection: TEXT,
    Finding: TEXT,
    Recommendation: TEXT,
    Experience: TEXT,
    Evidence: EVIDENCE,
    TeamMember: TEAM,
    Explanation: EXPLANATIONS,
    RectificationItem: RECTIFICATION,
}
SHORT_TEXT = 60  # longer texts are shown as the passages that changed


# --- the timeline ----------------------------------------------------------------------------------------


def _state_label(state: str, level: int) -> str:
    label = EvaluationState(state).label if state in EvaluationState.values else state
    if state == EvaluationState.INTERNAL_REVIEW and level in LEVEL_LABELS:
        return f"{label}（{LEVEL_LABELS[level]}）"
    return label


def step_words(change: StateChange, *, internal: bool) -> tuple[str, str, str]:
    """(action, from, to) of a step in words: 二级复核通过, 内部复核（二级复核）→ 内部复核（三级审核）. Outside the
    firm the last level's pass is the draft sent out for comments, and review levels are not named."""
    level = change.review_level
    if not internal:
        action = "发出征求意见稿" if change.transition == Transition.PASS_REVIEW else change.get_transition_display()
        return action, _state_label(change.from_state, 0), _state_label(change.to_state, 0)
    level_name = LEVEL_LABELS.get(level, "")
    if change.transition == Transition.PASS_REVIEW:
        action = f"{level_name}通过" if level_name else "复核通过"
        after = level + 1 if change.to_state == EvaluationState.INTERNAL_REVIEW else 0
        return action, _state_label(change.from_state, level), _state_label(change.to_state, after)
    if change.transition == Transition.REJECT_REVIEW:
        action = f"{level_name}退回修改" if level_name else "内部复核退回修改"
        return action, _state_label(change.from_state, level), _state_label(change.to_state, 0)
    return change.get_transition_display(), _state_label(change.from_state, 0), _state_label(change.to_state, level)


@dataclass(frozen=True)
class Step:
    """One step of the timeline as its reader reads it."""

    when: dt.datetime  # local time
    who: str
    action: str
    from_state: str
    to_state: str
    comment: str

    @property
    def time(self) -> str:
        return self.when.strftime(TIME_FORMAT)

    def row(self) -> list[str]:
        return [self.time, self.who, self.action, self.from_state, self.to_state, self.comment]


TIMELINE_HEADER = ["时间", "操作人", "操作", "原状态", "新状态", "意见"]


def timeline(evaluation: Evaluation, *, internal: bool) -> list[Step]:
    """The steps the reader reads (internal: the firm; otherwise the hand-offs between organisations)."""
    steps = []
    for change in access.steps_read_by(evaluation, internal=internal):
        action, before, after = step_words(change, internal=internal)
        comment = change.comment if access.shows_step_comment(change, internal=internal) else ""
        steps.append(Step(timezone.localtime(change.created_at), str(change.actor), action, before, after, comment))
    return steps


def timeline_for_user(user, evaluation: Evaluation) -> list[Step]:
    return timeline(evaluation, internal=access.reads_internal_work(user, evaluation))


# --- changes in words ------------------------------------------------------------------------------------


@dataclass
class Change:
    """One changed field (or cell, or input) of one object, put into words when first read."""

    part: str
    subject: str
    action: str  # 新增 / 修改 / 删除
    field: str = ""
    old_value: Any = None
    new_value: Any = None
    to_words: Callable[[Any], str] = in_words
    derived: bool = False  # recomputed by the system as a consequence (计算得分, 总分, 等级)
    long_text: bool = False

    @cached_property
    def _texts(self) -> tuple[str, str, list[Passage] | None, list[Passage] | None, int]:
        old, new = self.to_words(self.old_value), self.to_words(self.new_value)
        if self.long_text and max(len(old), len(new)) > SHORT_TEXT and self.old_value and self.new_value:
            old_passages, new_passages, count = passages(old, new)
            return (
                " ".join(map(str, old_passages)),
                " ".join(map(str, new_passages)),
                old_passages,
                new_passages,
                count,
            )
        return old, new, None, None, 0

    @property
    def old(self) -> str:
        return self._texts[0]

    @property
    def new(self) -> str:
        return self._texts[1]

    @property
    def old_passages(self) -> list[Passage] | None:
        return self._texts[2]

    @property
    def new_passages(self) -> list[Passage] | None:
        return self._texts[3]

    @property
    def more_passages(self) -> int:
        """Changed passages not shown."""
        return max(0, self._texts[4] - PASSAGES_SHOWN)

    @property
    def has_values(self) -> bool:
        return bool(self.field)


@dataclass
class Entry:
    """One user action: who, when, and every change it made (or one workflow step)."""

    when: dt.datetime  # local time
    who: str
    user_id: int | None
    changes: list[Change] = field(default_factory=list)
    step: Step | None = None

    @property
    def time(self) -> str:
        return self.when.strftime(TIME_FORMAT)

    @property
    def parts(self) -> list[str]:
        if self.step is not None:
            return [WORKFLOW]
        found = {change.part for change in self.changes if not change.derived} or {c.part for c in self.changes}
        return [part for part in PARTS if part in found]

    @property
    def title(self) -> str:
        """What the action did, in a few words: 修改 指标「预算执行率」 / 新增 问题「…」等 3 项."""
        if self.step is not None:
            return self.step.action
        own = [change for change in self.changes if not change.derived] or self.changes
        subjects: list[tuple[str, str]] = []
        for change in own:
            if (change.action, change.subject) not in subjects:
                subjects.append((change.action, change.subject))
        first_action, first_subject = subjects[0]
        if len(subjects) == 1:
            return f"{first_action} {first_subject}"
        return f"{first_action} {first_subject} 等 {len(subjects)} 项"

    @property
    def many_subjects(self) -> bool:
        """Whether the changes are of more than one object (each line then names its object)."""
        return len({change.subject for change in self.main_changes}) > 1

    @property
    def main_changes(self) -> list[Change]:
        return [change for change in self.changes if not change.derived]

    @property
    def derived_changes(self) -> list[Change]:
        return [change for change in self.changes if change.derived]


# --- reading the history --------------------------------------------------------------------------------


class _Names:
    """Names of the objects a change refers to (indicators, findings, users, figures), each read once."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        self._cache: dict[tuple, str] = {}

    def of(self, model, pk) -> str:
        if pk is None:
            return "（空）"
        key = (model, pk)
        if key not in self._cache:
            found = model._default_manager.filter(pk=pk).first()
            self._cache[key] = str(found) if found is not None else f"（已删除的{model._meta.verbose_name}）"
        return self._cache[key]

    @cached_property
    def sections(self) -> dict[str, str]:
        return {section.key: section.title for sections in SECTIONS.values() for section in sections}

    @cached_property
    def findings(self) -> dict[int, str]:
        return dict(self.evaluation.findings.values_list("pk", "title"))

    @cached_property
    def figures(self) -> dict[str, str]:
        figures = compute_figures(self.evaluation.kind, evaluation_tables(self.evaluation))
        return {key: figure.label for key, figure in figures.items()}


def _subject(record, model, names: _Names) -> str:
    if model is DataTable:
        spec = TABLES.get(record.key)
        return f"{spec.code} {spec.title}" if spec else "基础数据表"
    if model is EvaluationIndicator:
        return f"指标「{record.name}」"
    if model is NarrativeSection:
        return f"报告章节「{names.sections.get(record.key, record.key)}」"
    if model is Evaluation:
        return "评价基本信息"
    if model is Evidence:
        return f"佐证材料「{record.original_name}」"
    if model is TeamMember:
        return f"评价小组成员「{record.name}」"
    if model is Explanation:
        return f"检查说明「{record.where}」"
    if model is RectificationItem:
        return f"整改事项「{names.findings.get(record.finding_id, '（已删除的问题）')}」"
    return f"{model._meta.verbose_name}「{record.title}」"


def _part(model, name: str) -> str:
    if model is EvaluationIndicator:
        return INDICATOR_PARTS.get(name, INDICATORS)
    if model is Evaluation:
        return EVALUATION_PARTS.get(name, BASICS)
    return MODEL_PARTS[model]


def _fieldin_words(model, name: str, names: _Names) -> Callable[[Any], str]:
    """How a value of this field reads."""
    model_field = model._meta.get_field(name)
    choices = dict(model_field.flatchoices) if getattr(model_field, "flatchoices", None) else {}
    if choices:
        return lambda value: str(choices.get(value, in_words(value)))
    if name in SCORE_FIELDS:
        return lambda value: fixed(value) if value is not None else "（空）"
    if name == "weight":
        return lambda value: with_unit(written(value), "分") if value is not None else "（空）"
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        return lambda value: names.of(related, value)
    if name == "grades":
        return grades_in_words
    if name in ("text", "analysis") and model in (NarrativeSection, EvaluationIndicator):
        return lambda value: plain_text(value or "") or "（空）"
    return in_words


def _table_changes(before, record, subject: str, action: str) -> list[Change]:
    """A table save compared cell by cell, each cell as the table page shows it."""
    spec = TABLES.get(record.key)
    old, new = before.snapshot or [], record.snapshot or []
    if spec is None:
        return [Change(TABLES_PART, subject, action, "行数", f"{len(old)} 行", f"{len(new)} 行", str)]
    changes = []
    for index in range(max(len(old), len(new))):
        row_before = old[index] if index < len(old) else {}
        row_after = new[index] if index < len(new) else {}
        for column in spec.columns:
            if row_before.get(column.key) == row_after.get(column.key):
                continue

            def shown(value, column=column) -> str:
                text = cell_text(column, column.from_json(value) if value not in (None, "") else None)
                if not text:
                    return "（空）"
                return with_unit(text, column.unit) if column.unit and column.kind != TEXT_CELL else text

            where = f"第{index + 1}行 {column.label}"
            changes.append(
                Change(
                    TABLES_PART,
                    subject,
                    action,
                    where,
                    row_before.get(column.key),
                    row_after.get(column.key),
                    shown,
                )
            )
    return changes


def _indicator_changes(before, record, subject: str, action: str, names: _Names, changed: set[str]) -> list[Change]:
    """Inputs one by one (as the scoring page names and shows them), the rule as one line, bindings in words."""
    changes = []
    if "inputs" in changed:
        old_inputs = before.inputs if isinstance(before.inputs, dict) else {}
        new_inputs = record.inputs if isinstance(record.inputs, dict) else {}
        for name in list(old_inputs) + [key for key in new_inputs if key not in old_inputs]:
            if old_inputs.get(name) == new_inputs.get(name):
                continue
            input_field = input_field_of(record.rule_kind, name)
            unit = input_unit(record, name)

            def shown(side, input_field=input_field, unit=unit) -> str:
                value, inputs, params = side
                if input_field is None:
                    return in_words(value)
                return input_value(input_field, value, params, inputs, unit)

            changes.append(
                Change(
                    SCORING,
                    subject,
                    action,
                    input_field.label if input_field else "计分输入",
                    (old_inputs.get(name), old_inputs, before.rule_params),
                    (new_inputs.get(name), new_inputs, record.rule_params),
                    shown,
                    # an input bound to the tables follows them: recomputed, not typed
                    derived=name in (record.bindings or {}) and name in (before.bindings or {}),
                )
            )
    if changed & {"rule_kind", "rule_params"}:
        changes.append(
            Change(
                INDICATORS,
                subject,
                action,
                "计分规则",
                (before.rule_kind, before.rule_params),
                (record.rule_kind, record.rule_params),
                lambda value: rule_summary(value[0], value[1] or {}) if value[0] else "未设置",
            )
        )
    if "bindings" in changed:

        def bound(value) -> str:
            if not isinstance(value, dict) or not value:
                return "无"
            parts = []
            for name, key in value.items():
                input_field = input_field_of(record.rule_kind, name)
                label = input_field.label if input_field else "计分输入"
                parts.append(f"{label} ← {names.figures.get(key, '已删除的数据')}")
            return "；".join(parts)

        changes.append(Change(INDICATORS, subject, action, "数据绑定", before.bindings, record.bindings, bound))
    return changes


def _changes(records: list, model, names: _Names) -> list[tuple[Any, list[Change]]]:
    """Each history record with its changes against the previous record of the same object."""
    result = []
    previous: dict = {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        action = ACTIONS.get(record.history_type, "修改")
        subject = _subject(record, model, names)
        if before is None or record.history_type != "~":
            result.append((record, [Change(_part(model, ""), subject, action)]))
            continue
        if model is DataTable:
            found = _table_changes(before, record, subject, action)
            if found:
                result.append((record, found))
            continue
        delta = record.diff_against(before, excluded_fields=IGNORED_FIELDS)
        names_changed = {change.field for change in delta.changes}
        found: list[Change] = []
        if model is EvaluationIndicator:
            found += _indicator_changes(before, record, subject, action, names, names_changed)
        for change in delta.changes:
            name = change.field
            if model is EvaluationIndicator and name in {"inputs", "rule_kind", "rule_params", "bindings"}:
                continue
            model_field = model._meta.get_field(name)
            if model_field.many_to_many:
                related = model_field.related_model
                key = related._meta.model_name

                def listed(value, related=related, key=key) -> str:
                    ids = [item.get(key) for item in value or [] if isinstance(item, dict)]
                    return "、".join(names.of(related, pk) for pk in ids) or "无"

                label = str(model_field.verbose_name)
                found.append(Change(_part(model, name), subject, action, label, change.old, change.new, listed))
                continue
            found.append(
                Change(
                    _part(model, name),
                    subject,
                    action,
                    str(model_field.verbose_name),
                    change.old,
                    change.new,
                    _fieldin_words(model, name, names),
                    derived=name in DERIVED_FIELDS,
                    long_text=isinstance(model_field, models.TextField),
                )
            )
        if found:
            result.append((record, found))
    return result


HISTORY_MODELS = (
    Evaluation,
    EvaluationIndicator,
    DataTable,
    NarrativeSection,
    Evidence,
    Finding,
    Recommendation,
    Experience,
    TeamMember,
    Explanation,
    RectificationItem,
)


def _records(model, **lookup) -> list:
    return list(model.history.filter(**lookup).select_related("history_user").order_by("history_date", "history_id"))


def _who(user) -> str:
    return str(user) if user is not None else "系统"


def _group(changed: list[tuple[Any, list[Change]]]) -> list[Entry]:
    """One entry per user action: the records of one mark; unmarked ones by person and time."""
    changed.sort(key=lambda pair: (pair[0].history_date, pair[0].history_id))
    entries: list[Entry] = []
    by_mark: dict[str, Entry] = {}
    open_unmarked: dict[int | None, tuple[Entry, dt.datetime]] = {}
    for record, changes in changed:
        mark = record.history_change_reason or ""
        if mark.startswith("action:"):
            entry = by_mark.get(mark)
            if entry is None:
                entry = by_mark[mark] = Entry(
                    timezone.localtime(record.history_date), _who(record.history_user), record.history_user_id
                )
                entries.append(entry)
        else:
            last = open_unmarked.get(record.history_user_id)
            if last is not None and record.history_date - last[1] <= UNMARKED_GAP:
                entry = last[0]
            else:
                entry = Entry(
                    timezone.localtime(record.history_date), _who(record.history_user), record.history_user_id
                )
                entries.append(entry)
            open_unmarked[record.history_user_id] = (entry, record.history_date)
        entry.changes += changes
    return entries


@dataclass(frozen=True)
class Person:
    pk: int | None
    name: str


@dataclass
class ChangeLog:
    """The change log of an evaluation, newest first, with who appears in it (for the person filter)."""

    entries: list[Entry]

    @property
    def people(self) -> list[Person]:
        seen: dict[int | None, str] = {}
        for entry in self.entries:
            seen.setdefault(entry.user_id, entry.who)
        return sorted((Person(pk, name) for pk, name in seen.items()), key=lambda person: person.name)

    def filtered(self, *, part: str = "", person: int | None = None) -> list[Entry]:
        """The entries of one part and one person (``person`` 0: the system's own changes)."""
        return [
            entry
            for entry in self.entries
            if (not part or part in entry.parts) and (person is None or (entry.user_id or 0) == person)
        ]


def change_log(evaluation: Evaluation, *, indicator: EvaluationIndicator | None = None) -> ChangeLog:
    """Every recorded change of the evaluation and its parts (of one indicator), one entry per user action, and
    every workflow step (not for one indicator); newest first. For the firm only (access.can_view_change_log)."""
    names = _Names(evaluation)
    changed: list[tuple[Any, list[Change]]] = []
    if indicator is not None:
        changed += _changes(_records(EvaluationIndicator, id=indicator.pk), EvaluationIndicator, names)
    else:
        changed += _changes(_records(Evaluation, id=evaluation.pk), Evaluation, names)
        for model in HISTORY_MODELS[1:]:
            changed += _changes(_records(model, evaluation_id=evaluation.pk), model, names)
    entries = _group(changed)
    if indicator is None:
        for change in access.steps_read_by(evaluation, internal=True):
            action, before, after = step_words(change, internal=True)
            step = Step(timezone.localtime(change.created_at), str(change.actor), action, before, after, change.comment)
            entries.append(Entry(step.when, step.who, change.actor_id, step=step))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return ChangeLog(entries)
