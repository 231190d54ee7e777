"""A rule as the editor holds it (a draft): its kind, what is typed in each box, the parameters read from that,
and what is wrong with them, message by message next to the box concerned.

Two ways in: ``rule_from_data`` reads the editor's posted boxes, ``draft_from_rule`` shows a stored rule in them.
``RuleDraft.check`` adds the engine's own verdict (``validate_params`` / ``validate_rule``), so the editor refuses
exactly what the admin, the import and the scoring refuse. Pure Python: no Django.

Box names, under the editor's prefix P (the form field's name): ``P-kind``; ``P-label`` and ``P-unit`` (every
kind); ``P-<kind>-<param>``; a table's cells ``P-<kind>-<param>-<row>-<column>``; an either_of option's own rule
is an editor of its own, prefixed ``P-either_of-options-<row>-rule``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rubrics.engine import COMMON_PARAM_FIELDS, RULE_KINDS, Column, ParamField, validate_params, validate_rule
from rubrics.rule_editor.typed import Unreadable, read_index, read_number, shown, shown_index
from rubrics.rule_editor.wording import OPTION_MESSAGE, param_of, people, without_indicator

TABLE_TYPES = ("bands", "items", "levels", "grade_map", "options")
MAX_ROWS = 100  # no indicator needs more bands, items or options; a bigger post is not a rule
NESTED_EXCLUDED = "either_of"  # an option of either_of may be any other kind (the catalogue's "nestable")
GENERAL = ""  # errors about the rule as a whole


@dataclass
class RuleDraft:
    kind: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # param → typed text; a table → rows ({column: text})
    params: dict[str, Any] = field(default_factory=dict)  # what could be read, as stored
    errors: dict[str, list[str]] = field(default_factory=dict)  # param ("" for the rule) → messages for people
    refused: set[str] = field(default_factory=set)  # params whose boxes could not be read
    options: list[RuleDraft] = field(default_factory=list)  # either_of: each option's rule, in params order
    verdict: list[str] = field(default_factory=list)  # the engine's messages, as it wrote them

    def add(self, param: str, message: str) -> None:
        messages = self.errors.setdefault(param, [])
        if message not in messages:
            messages.append(message)

    def refuse(self, param: str, message: str) -> None:
        self.refused.add(param)
        self.add(param, message)

    def place(self, message: str) -> None:
        """Pin an engine message (or an indicator's: 指标「…」：…) to its box; the engine's word on a box whose
        typed value was already refused is left out (the editor's own message says it better)."""
        message = without_indicator(message)
        match = OPTION_MESSAGE.match(message) if self.kind == "either_of" else None
        if match and 0 < int(match.group(1)) <= len(self.options):
            self.options[int(match.group(1)) - 1].place(match.group(2))
            return
        param = param_of(self.kind, message)
        if param not in self.refused:
            self.add(param, people(self.kind, message))

    def check(self, weight: Any = None, *, with_weight: bool = False) -> list[str]:
        """Add the engine's messages (the weight's too, ``with_weight``); return every message for people.
        The engine's own words stay in ``verdict``, for pinning them again on a draft drawn later."""
        if self.kind in RULE_KINDS:
            check = validate_rule if with_weight else validate_params
            self.verdict = check(self.kind, self.params, weight)
            for message in self.verdict:
                self.place(message)
        return self.messages()

    @property
    def rule(self) -> dict[str, Any]:
        """The rule as a document writes it: {"kind": …, **params}."""
        return {"kind": self.kind, **self.params}

    def messages(self) -> list[str]:
        """Every message, an option's prefixed with its place: 「可选的考核指标」第 2 项：…."""
        found = [message for messages in self.errors.values() for message in messages]
        for i, option in enumerate(self.options, start=1):
            found += [f"「可选的考核指标」第 {i} 项：{message}" for message in option.messages()]
        return found


def spec_fields(kind: str) -> tuple[ParamField, ...]:
    spec = RULE_KINDS.get(kind)
    return spec.param_fields if spec is not None else ()


def box(prefix: str, kind: str, param: ParamField) -> str:
    """The name of a parameter's box (a table's cells add -<row>-<column>)."""
    if param in COMMON_PARAM_FIELDS:
        return f"{prefix}-{param.name}"
    return f"{prefix}-{kind}-{param.name}"


# --- reading posted boxes ----------------------------------------------------------------------------------


def typed(value: Any) -> str:
    """A box's text as typed, trimmed (number boxes fold full-width characters when read, text keeps them)."""
    return "" if value is None else str(value).strip()


def rule_from_data(data: Mapping[str, Any], prefix: str, *, nested: bool = False) -> RuleDraft:
    """The rule typed in the editor named ``prefix``: every box read, every unreadable box named."""
    kind = typed(data.get(f"{prefix}-kind"))
    draft = RuleDraft(kind=kind)
    for param in COMMON_PARAM_FIELDS:
        text = typed(data.get(box(prefix, kind, param)))
        draft.values[param.name] = text
        if text:
            draft.params[param.name] = text
    if not kind:
        return draft
    if kind not in RULE_KINDS or (nested and kind == NESTED_EXCLUDED):
        draft.kind = ""
        draft.add(GENERAL, "请从列表中选择计分规则")
        return draft
    fields = spec_fields(kind)
    for param in sorted(fields, key=lambda p: p.type == "index"):  # an item number needs the items first
        name = box(prefix, kind, param)
        if param.type in TABLE_TYPES:
            _read_table(data, name, param, draft)
        else:
            _read_box(typed(data.get(name)), param, draft)
    draft.params = {p.name: draft.params[p.name] for p in (*fields, *COMMON_PARAM_FIELDS) if p.name in draft.params}
    return draft


def _read_box(text: str, param: ParamField, draft: RuleDraft) -> None:
    draft.values[param.name] = text
    if not text:
        if param.required:
            draft.refuse(param.name, f"请填写「{param.label}」")
        return
    try:
        if param.type == "choice":
            if text not in dict(param.choices):
                raise Unreadable("请从列表中选择")
            value: Any = None if text == param.default else text
        elif param.type == "index":
            value = read_index(text, len(draft.values.get("items", ())))
        elif param.type == "text":
            value = text
        else:
            value = read_number(text, percent=param.type == "percent")
    except Unreadable as error:
        draft.refuse(param.name, f"「{param.label}」{error.why}")
        return
    if value is not None:
        draft.params[param.name] = value


def _row_numbers(data: Mapping[str, Any], base: str) -> list[int]:
    pattern = re.compile(re.escape(base) + r"-(\d{1,6})-")
    return sorted({int(m.group(1)) for key in data if (m := pattern.match(key))})


def _read_table(data: Mapping[str, Any], name: str, param: ParamField, draft: RuleDraft) -> None:
    rows: list[dict[str, Any]] = []
    for number in _row_numbers(data, name)[:MAX_ROWS]:
        row: dict[str, Any] = {}
        for column in param.columns:
            cell = f"{name}-{number}-{column.name}"
            row[column.name] = (
                rule_from_data(data, cell, nested=True) if column.type == "rule" else typed(data.get(cell))
            )
        if any(value.kind if isinstance(value, RuleDraft) else value for value in row.values()):
            rows.append(row)  # a row left blank is no row
    draft.values[param.name] = rows
    if param.type == "options":
        draft.options = [row["rule"] for row in rows]
    if not rows:
        if param.required:
            draft.refuse(param.name, f"请填写「{param.label}」（至少一行）")
        return
    stored = _stored_table(param, rows, draft)
    if stored is not None and stored != _default_table(param):
        draft.params[param.name] = stored


def _stored_table(param: ParamField, rows: list[dict[str, Any]], draft: RuleDraft) -> Any:
    """The table as stored, or None (and the table refused) when a cell cannot be read."""
    read_rows: list[dict[str, Any]] = []
    for position, row in enumerate(rows, start=1):
        read: dict[str, Any] = {}
        for column in param.columns:
            where = f"「{param.label}」第 {position} 行"
            if column.type == "rule":
                option: RuleDraft = row[column.name]
                read[column.name] = option
                if not option.kind and not option.errors:
                    draft.refuse(param.name, f"{where}请选择「{column.label}」")
                continue
            try:
                read[column.name] = _cell(row[column.name], column)
            except Unreadable as error:
                draft.refuse(param.name, f"{where}的「{column.label}」{error.why}")
                continue
            # An option's missing name is the engine's to report: its rule is still checked meanwhile.
            if read[column.name] is None and column.required and param.type != "options":
                draft.refuse(param.name, f"{where}缺少「{column.label}」")
        read_rows.append(read)
    if param.name in draft.refused:
        return None
    return _as_stored(param, read_rows, draft)


def _cell(text: str, column: Column) -> Any:
    if not text:
        return None
    if column.type == "text":
        return text
    return read_number(text, percent=column.type == "percent", integer=column.type == "integer")


def _as_stored(param: ParamField, rows: list[dict[str, Any]], draft: RuleDraft) -> Any:
    names = [column.name for column in param.columns]
    if param.type in ("bands", "levels"):
        return [[row[name] for name in names] for row in rows]
    if param.type == "items":
        return [{name: row[name] for name in names if row[name] is not None} for row in rows]
    if param.type == "grade_map":
        table: dict[str, Any] = {}
        for position, row in enumerate(rows, start=1):
            if row["grade"] in table:
                draft.refuse(param.name, f"「{param.label}」第 {position} 行的等级“{row['grade']}”与前面的行重复")
            table[row["grade"]] = row["points"]
        return None if param.name in draft.refused else table
    # options: each a name and its own rule
    return [{"label": row["label"] or "", "rule": row["rule"].rule} for row in rows]


def _default_table(param: ParamField) -> Any:
    if param.default is None:
        return None
    return [list(row) for row in param.default]


# --- showing a stored rule ---------------------------------------------------------------------------------


def draft_from_rule(kind: str, params: Any) -> RuleDraft:
    """A stored rule in the editor's boxes: numbers as written (0.1, 1/3), item numbers 1-based, tables as rows."""
    params = dict(params) if isinstance(params, Mapping) else {}
    draft = RuleDraft(kind=kind if kind in RULE_KINDS else "", params=params)
    for param in COMMON_PARAM_FIELDS:
        draft.values[param.name] = str(params.get(param.name) or "")
    for param in spec_fields(draft.kind):
        value = params.get(param.name)
        if param.type in TABLE_TYPES:
            if value is None:
                value = _default_table(param)
            draft.values[param.name] = _shown_rows(param, value, draft)
        elif param.type == "index":
            draft.values[param.name] = shown_index(value)
        elif param.type in ("choice", "text"):
            draft.values[param.name] = "" if value is None else str(value)
        else:
            draft.values[param.name] = shown(value)
    return draft


def _shown_rows(param: ParamField, value: Any, draft: RuleDraft) -> list[dict[str, Any]]:
    names = [column.name for column in param.columns]
    if param.type == "grade_map":
        pairs = value.items() if isinstance(value, Mapping) else ()
        return [{"grade": str(grade), "points": shown(points)} for grade, points in pairs]
    rows = []
    for item in value if isinstance(value, list | tuple) else ():
        if param.type == "options":
            option = item if isinstance(item, Mapping) else {}
            rule = option.get("rule") if isinstance(option.get("rule"), Mapping) else {}
            nested = draft_from_rule(str(rule.get("kind", "")), {k: v for k, v in rule.items() if k != "kind"})
            draft.options.append(nested)
            rows.append({"label": str(option.get("label") or ""), "rule": nested})
        elif isinstance(item, Mapping):
            rows.append({name: _shown_cell(item.get(name)) for name in names})
        elif isinstance(item, list | tuple):
            rows.append({name: _shown_cell(cell) for name, cell in zip(names, item, strict=False)})
        else:  # a checklist item written as its text alone
            rows.append({names[0]: str(item)})
    return rows


def _shown_cell(value: Any) -> str:
    return value if isinstance(value, str) else shown(value)
