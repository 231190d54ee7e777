"""Stored values in the words the pages use, for the change log (evaluations.queries.audit): never a stored code,
a Python or JSON literal or a 0-based index. Score inputs as the scoring page shows them (checklist points ①②③,
是/否, 93%, the chosen option by its name), grades as a scale, and long texts as the passages that changed."""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rubrics.engine import NOT_APPLICABLE, RULE_KINDS, InputField
from rubrics.numbers import circled, exact, with_unit, written

TIME_FORMAT = "%Y-%m-%d %H:%M"
CONTEXT = 24  # characters kept on each side of a changed passage
PASSAGES_SHOWN = 3


@dataclass(frozen=True)
class Passage:
    """A changed passage of a long text: the words around, and its parts, changed or not (changes close to each
    other make one passage)."""

    before: str
    parts: tuple[tuple[str, bool], ...]
    after: str

    @property
    def changed(self) -> str:
        return "…".join(text for text, changed in self.parts if changed)

    def __str__(self) -> str:
        return self.before + "".join(text for text, _ in self.parts) + self.after


TOKEN = re.compile(r"[0-9０-９.,%]+|[A-Za-z]+|\s+|.", re.DOTALL)


def passages(old: str, new: str) -> tuple[list[Passage], list[Passage], int]:
    """The changed passages of two texts (old side, new side) and how many there are in all. Compared by words
    (a number, a Latin word, one Chinese character), so 1.09% → 117.65% is one change, not a changed digit."""
    old_tokens, new_tokens = TOKEN.findall(old), TOKEN.findall(new)
    old_at = [0, *itertools.accumulate(len(token) for token in old_tokens)]
    new_at = [0, *itertools.accumulate(len(token) for token in new_tokens)]
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    blocks: list[list[tuple[int, int, int, int]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        span = (old_at[i1], old_at[i2], new_at[j1], new_at[j2])
        last = blocks[-1][-1] if blocks else None
        if last and span[0] - last[1] <= 2 * CONTEXT and span[2] - last[3] <= 2 * CONTEXT:
            blocks[-1].append(span)  # close to the previous change: one passage
        else:
            blocks.append([span])

    def side(text: str, spans: list[tuple[int, int]]) -> Passage:
        start, end = spans[0][0], spans[-1][1]
        lead, tail = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
        parts: list[tuple[str, bool]] = []
        for index, (first, last) in enumerate(spans):
            if index:
                parts.append((text[spans[index - 1][1] : first], False))
            parts.append((text[first:last], True))
        before = ("…" if lead > 0 else "") + text[lead:start]
        after = text[end:tail] + ("…" if tail < len(text) else "")
        return Passage(before, tuple(part for part in parts if part[0]), after)

    shown = blocks[:PASSAGES_SHOWN]
    return (
        [side(old, [(b[0], b[1]) for b in block]) for block in shown],
        [side(new, [(b[2], b[3]) for b in block]) for block in shown],
        len(blocks),
    )


def in_words(value: Any) -> str:
    """Any stored value in words, never a Python or JSON literal."""
    if value is None or value == "" or value == [] or value == {}:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal | int | float):
        return written(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime(TIME_FORMAT) if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dict):
        return "；".join(f"{in_words(key)}：{in_words(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "、".join(in_words(item) for item in value)
    return str(value)


def _index(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _points(values: Any) -> str:
    """Checklist points as the scoring page numbers them: [0, 2] → ①③."""
    if not isinstance(values, list | tuple) or not values:
        return "无"
    indices = sorted(i for i in (_index(v) for v in values) if i is not None)
    return "".join(circled(i) for i in indices) or "无"


def _per_point(values: Any, unit: str) -> str:
    """{"1": 50} → ② 50%; {"0": 2} → ① 2 项."""
    if not isinstance(values, dict) or not values:
        return "无"
    parts = []
    for key, amount in sorted(values.items(), key=lambda item: (_index(item[0]) is None, _index(item[0]) or 0)):
        index = _index(key)
        point = circled(index) if index is not None else str(key)
        parts.append(f"{point} {with_unit(written(amount), unit)}" if unit else f"{point} {written(amount)}")
    return "、".join(parts)


def _options(params: Any) -> list[dict]:
    options = (params or {}).get("options") if isinstance(params, dict) else None
    return [option for option in options if isinstance(option, dict)] if isinstance(options, list) else []


def input_value(input_field: InputField, value: Any, params: Any, inputs: dict, unit: str = "") -> str:
    """One score input as the scoring page shows it (``unit``: the one beside its box)."""
    kind = input_field.type
    if value is None or value == "":
        return "（空）"
    if kind == "flag":
        return "是" if value is True else ("否" if value is False else in_words(value))
    if kind == "indices":
        return _points(value)
    if kind == "shares":
        return _per_point(value, "%")
    if kind == "faults":
        return _per_point(value, "项")
    if kind == "option":
        index, options = _index(value), _options(params)
        if index is not None and index < len(options):
            return str(options[index].get("label") or f"第 {index + 1} 项")
        return in_words(value)
    if kind == "option_inputs":
        index, options = _index(inputs.get("option")), _options(params)
        rule = options[index].get("rule") if index is not None and index < len(options) else None
        if isinstance(rule, dict) and isinstance(value, dict):
            nested = {key: item for key, item in rule.items() if key != "kind"}
            return "；".join(
                f"{label}：{text}" for label, text in _inputs_in_words(str(rule.get("kind", "")), nested, value)
            )
        return in_words(value)
    if kind == "number":
        number = exact(value)
        return with_unit(written(number), unit or input_field.unit) if number is not None else in_words(value)
    return in_words(value)


def input_field_of(kind: str, name: str) -> InputField | None:
    if name == NOT_APPLICABLE.name:
        return NOT_APPLICABLE
    spec = RULE_KINDS.get(kind)
    if spec is None:
        return None
    try:
        return spec.input_field(name)
    except KeyError:
        return None


def _inputs_in_words(kind: str, params: Any, inputs: dict) -> list[tuple[str, str]]:
    result = []
    for name, value in inputs.items():
        input_field = input_field_of(kind, name)
        if input_field is None:
            result.append((str(name), in_words(value)))
        else:
            result.append((input_field.label, input_value(input_field, value, params, inputs)))
    return result


def grades_in_words(value: Any) -> str:
    """[[90, "优"], [80, "良"] …] → 优 ≥ 90 分；良 ≥ 80 分 …"""
    if not isinstance(value, list):
        return in_words(value)
    parts = []
    for item in value:
        if isinstance(item, list | tuple) and len(item) == 2:
            parts.append(f"{item[1]} ≥ {written(item[0])} 分")
    return "；".join(parts) or in_words(value)
