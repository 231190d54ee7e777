"""What every rule kind is built from: its description, reading its parameters and inputs, and its result.

A computation works on exact fractions only (``rubrics.numbers.exact`` reads every number) and returns an
``Outcome``: the exact value, not yet clamped nor rounded, and its Chinese sentence. Where the sentence shows a
calculation, the calculation is an ``Expr``: its text and its value are built together from the same operands,
so the printed formula always computes the printed result.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from rubrics.numbers import exact, exact_text, fixed, percent, round_score, written

ZERO = Fraction(0)
ONE = Fraction(1)
HUNDRED = Fraction(100)

# number: a figure · flag: true/false · indices: checklist item numbers (0-based) · shares: {"item": share 0..1}
# grade: a grade_map grade · text: free text · level: a graded level's label · faults: {"item": count}
# option: an either_of option number (0-based) · option_inputs: the chosen option's own inputs (an object)
INPUT_TYPES = ("number", "flag", "indices", "shares", "grade", "text", "level", "faults", "option", "option_inputs")

# Parameter types for a form (see ParamField); the last five are tables, described by their columns.
PARAM_TYPES = ("number", "percent", "choice", "text", "index", "bands", "items", "levels", "grade_map", "options")
TABLE_TYPES = ("bands", "items", "levels", "grade_map", "options")
COLUMN_TYPES = ("number", "percent", "integer", "text", "rule")


# --- errors -----------------------------------------------------------------------------------------


class RuleError(ValueError):
    """The rule's parameters (or the weight) are unusable; one Chinese message per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = list(messages)


class InputError(ValueError):
    """An input is missing, not a number or impossible (e.g. a target of 0 that would divide)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def show(value: Any) -> str:
    """A value quoted in a message: “文字”, 12.5, [1, 2]."""
    if isinstance(value, str):
        return f"“{value}”"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # circular structures
        return repr(value)


# --- describing a kind --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputField:
    """One input of a rule kind, as a form shows it.

    ``type`` is one of ``INPUT_TYPES``; ``percent`` marks an input that is always a percent number (99.71 means
    99.71 %), ``unit`` a unit that never changes ("%", "分"); ``hint`` says when to fill it.
    """

    name: str
    label: str
    type: str = "number"
    percent: bool = False
    unit: str = ""
    hint: str = ""
    description: str = ""  # how messages name it, when not the label

    def __post_init__(self) -> None:
        if self.type not in INPUT_TYPES:
            raise ValueError(f"unknown input type {self.type!r}")
        if self.percent and not self.unit:
            object.__setattr__(self, "unit", "%")

    @property
    def desc(self) -> str:
        """How a message names the input: 实际值, 超标率，百分数."""
        if self.description:
            return self.description
        return f"{self.label}，百分数" if self.percent else self.label


@dataclass(frozen=True)
class Column:
    """One column of a table-typed parameter (a row per band, item, level, grade or option).

    ``type`` is one of ``COLUMN_TYPES``: number, percent (a percent number), integer, text, or rule (a nested
    rule: a kind chosen from the catalogue and its own parameters).
    """

    name: str
    label: str
    type: str = "number"
    required: bool = True
    unit: str = ""
    hint: str = ""

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"unknown column type {self.type!r}")


@dataclass(frozen=True)
class ParamField:
    """One parameter of a rule kind, as a form made for that kind shows it (never as JSON, never by its code).

    ``type`` is one of ``PARAM_TYPES``: number; percent (a percent number: 80 means 80 %); choice (one of
    ``choices``, each (value, Chinese label)); text; index (a checklist item, stored 0-based, shown 1-based);
    or a table whose rows have ``columns``, stored as the rule document writes it: bands [[bound, points], …]
    and levels [[label, lower, upper], …] as lists in column order; items [{text, points, max_faults}, …] and
    options [{label, rule: {kind, …}}, …] as objects keyed by column name; grade_map {grade: points}.
    ``default`` is the value used when the parameter is left out (None: none; tuples stand for JSON lists).
    """

    name: str
    label: str
    type: str = "number"
    required: bool = False
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    hint: str = ""
    columns: tuple[Column, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"unknown parameter type {self.type!r}")
        if (self.type == "choice") != bool(self.choices):
            raise ValueError(f"{self.name}: choices go with the choice type")
        if (self.type in TABLE_TYPES) != bool(self.columns):
            raise ValueError(f"{self.name}: columns go with the table types")

    def choice_label(self, value: str) -> str:
        """The Chinese label of one of the choices (the value itself when unknown)."""
        return dict(self.choices).get(value, value)


Config = dict[str, Any]


@dataclass(frozen=True)
class RuleKind:
    """A rule kind: its Chinese label, parameter names, inputs, parameter reader and computation, and what a
    parameter editor shows: a one-line ``summary``, an ``example`` wording from a real report, ``param_fields``."""

    name: str
    label: str
    params: tuple[str, ...]
    fields: tuple[InputField, ...]
    read: Callable[[Params], Config] = field(repr=False, compare=False)
    compute: Callable[[Config, Inputs, Fraction], Outcome] = field(repr=False, compare=False)
    unit: str = ""  # the unit the explanation gives the actual value when the rule names none
    summary: str = ""
    example: str = ""
    param_fields: tuple[ParamField, ...] = ()

    def __post_init__(self) -> None:
        if tuple(f.name for f in self.param_fields) != self.params:
            raise ValueError(f"{self.name}: param_fields must describe exactly {self.params}")

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def input_field(self, name: str) -> InputField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def param_field(self, name: str) -> ParamField:
        for f in self.param_fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class RuleRead:
    """A rule read with ``rubrics.engine``'s reader: its kind (None when unknown), its configuration, its
    errors (the rule cannot be used) and its findings (it scores, but the check reports them)."""

    kind: RuleKind | None
    config: Config
    messages: list[str]
    problems: list[str]


# How a kind that holds other rules (either_of) reads them: (kind, params, weight) → RuleRead.
ReadRule = Callable[[Any, Any, Fraction | None], RuleRead]


# --- reading parameters: collect every problem, do not stop at the first --------------------------

REQUIRED: Any = object()


class Params:
    """A rule's parameters being read: ``messages`` are errors, ``problems`` findings that do not block scoring."""

    def __init__(self, raw: Mapping[str, Any], weight: Fraction | None) -> None:
        self.raw = raw
        self.weight = weight
        self.messages: list[str] = []
        self.problems: list[str] = []

    def fail(self, name: str, desc: str, why: str) -> None:
        self.messages.append(f"参数 {name}（{desc}）{why}")

    def number(
        self,
        name: str,
        desc: str,
        default: Any = REQUIRED,
        *,
        minimum: Fraction | None = None,
        positive: bool = False,
        maximum: Fraction | None = None,
    ) -> Fraction | None:
        value = self.raw.get(name)
        if value is None:
            if default is REQUIRED:
                self.messages.append(f"缺少参数 {name}（{desc}）")
                return None
            return default
        number = exact(value)
        if number is None:
            self.fail(name, desc, f"必须是数字，现为 {show(value)}")
            return None
        if positive and number <= 0:
            self.fail(name, desc, f"必须大于 0，现为 {written(number)}")
            return None
        if minimum is not None and number < minimum:
            self.fail(name, desc, f"不能小于 {written(minimum)}，现为 {written(number)}")
            return None
        if maximum is not None and number > maximum:
            self.fail(name, desc, f"不能大于 {written(maximum)}，现为 {written(number)}")
            return None
        return number

    def points(self, name: str, desc: str, value: Any) -> Fraction | None:
        """Points of a band or a grade: a number in 0..weight."""
        number = exact(value)
        if number is None:
            self.fail(name, desc, f"必须是数字，现为 {show(value)}")
        elif number < 0:
            self.fail(name, desc, f"不能为负数，现为 {written(number)}")
        elif self.weight is not None and number > self.weight:
            self.fail(name, desc, f"为 {written(number)} 分，超过权重 {written(self.weight)} 分")
        else:
            return number
        return None

    def choice(self, name: str, desc: str, options: tuple[tuple[str, str], ...], default: str) -> str:
        """One of ``options``, each (value, Chinese label); the message names both: ceil（不足一档按一档计）."""
        value = self.raw.get(name)
        if value is None:
            return default
        values = [option for option, _ in options]
        if not isinstance(value, str) or value not in values:
            allowed = "、".join(f"{option}（{label}）" for option, label in options)
            self.fail(name, desc, f"只能是 {allowed}，现为 {show(value)}")
            return default
        return value

    def text(self, name: str, desc: str, default: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(name, desc, f"必须是文字，现为 {show(value)}")
            return default
        return value.strip()


def no_params(p: Params) -> Config:
    return {}


# --- reading inputs: the first problem raises ---------------------------------------------------


class Inputs:
    """A leaf's inputs, read by the names and labels of its kind's fields."""

    def __init__(self, raw: Mapping[str, Any], fields: tuple[InputField, ...]) -> None:
        self.raw = raw
        self._fields = {f.name: f for f in fields}

    def desc(self, name: str) -> str:
        return self._fields[name].desc if name in self._fields else name

    def present(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def number(
        self,
        name: str,
        *,
        non_negative: bool = False,
        maximum: Fraction | None = None,
        integer: bool = False,
    ) -> Fraction:
        desc = self.desc(name)
        if not self.present(name):
            raise InputError(name, f"缺少输入 {name}（{desc}）")
        value = self.raw[name]
        number = exact(value)
        if number is None:
            raise InputError(name, f"输入 {name}（{desc}）必须是数字，现为 {show(value)}")
        if non_negative and number < 0:
            raise InputError(name, f"输入 {name}（{desc}）不能为负数，现为 {written(number)}")
        if maximum is not None and number > maximum:
            raise InputError(name, f"输入 {name}（{desc}）不能大于 {written(maximum)}，现为 {written(number)}")
        if integer and number.denominator != 1:
            raise InputError(name, f"输入 {name}（{desc}）必须是整数，现为 {written(number)}")
        return number

    def flag(self, name: str) -> bool:
        desc = self.desc(name)
        if name not in self.raw or self.raw[name] is None:
            raise InputError(name, f"缺少输入 {name}（{desc}）")
        value = self.raw[name]
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise InputError(name, f"输入 {name}（{desc}）只能是 true 或 false，现为 {show(value)}")


# --- formulas: text and value built together --------------------------------------------------------

_ATOM, _PRODUCT, _SUM, _NEGATIVE = 3, 2, 1, 0


@dataclass(frozen=True)
class Expr:
    """A calculation as printed and its exact value: ``num(3) * num(5) / num(24)`` is "3 × 5 ÷ 24", 5/8.

    ``rank`` is how tightly the text binds (atom, product, sum); operands are parenthesized where precedence
    needs it, so reading the text left to right with × ÷ before + − gives ``value``.
    """

    text: str
    value: Fraction
    rank: int = _ATOM

    def _within(self, rank: int) -> str:
        return self.text if self.rank >= rank else f"({self.text})"

    def __add__(self, other: Expr) -> Expr:
        return Expr(f"{self.text} + {other._within(_PRODUCT)}", self.value + other.value, _SUM)

    def __sub__(self, other: Expr) -> Expr:
        return Expr(f"{self.text} - {other._within(_PRODUCT)}", self.value - other.value, _SUM)

    def __mul__(self, other: Expr) -> Expr:
        return Expr(f"{self._within(_PRODUCT)} × {other._within(_PRODUCT)}", self.value * other.value, _PRODUCT)

    def __truediv__(self, other: Expr) -> Expr:
        return Expr(f"{self._within(_PRODUCT)} ÷ {other._within(_ATOM)}", self.value / other.value, _PRODUCT)


def _rank(text: str) -> int:
    if text.startswith("-"):
        return _NEGATIVE
    return _PRODUCT if "/" in text else _ATOM


def num(value: Fraction | int) -> Expr:
    """An exact operand as written: 3, 1.5, 99.707871, 1/3 (a value no decimal writes exactly)."""
    text = exact_text(value)
    return Expr(text, Fraction(value), _rank(text))


def pct(value: Fraction) -> Expr:
    """An exact percent operand: 80% (0.8), (100/3)%."""
    text = exact_text(value)
    shown = text if _rank(text) == _ATOM else f"({text})"
    return Expr(f"{shown}%", value / HUNDRED, _PRODUCT)


def shown(value: Fraction) -> Expr:
    """A computed figure as printed, with 2 decimals: 1.50 (its value is the rounded one)."""
    rounded = Fraction(round_score(value))
    return Expr(fixed(value), rounded, _NEGATIVE if rounded < 0 else _ATOM)


def shown_pct(value: Fraction) -> Expr:
    """A computed percent as printed: 96.80% (its value is the rounded one, 0.968)."""
    rounded = Fraction(round_score(value))
    return Expr(percent(value), rounded / HUNDRED, _NEGATIVE if rounded < 0 else _PRODUCT)


def total(terms: list[Expr]) -> Expr:
    result = terms[0]
    for term in terms[1:]:
        result = result + term
    return result


# --- outcome of one rule, before clamping and rounding ---------------------------------------------


@dataclass(frozen=True)
class Outcome:
    value: Fraction  # exact, not clamped
    text: str  # the sentence; when there is a formula, it is followed by "：formula = result 分"
    formula: str | None = None
    problems: tuple[str, ...] = ()  # findings about these inputs that do not change the score (over_limit)


def full(text: str, weight: Fraction) -> Outcome:
    return Outcome(weight, f"{text}，得满分 {written(weight)} 分")


def calculated(text: str, calculation: Expr, *rounded: Expr) -> Outcome:
    """The exact calculation's value, printed with the first rounded form that gives the same printed result.

    ``rounded`` are the same calculation with computed figures as printed (96.80%, 1.50); one is shown only when
    a person repeating it with a calculator gets the printed result, else the exact operands are (3 × 5 ÷ 24).
    """
    result = round_score(calculation.value)
    for candidate in rounded:
        if round_score(candidate.value) == result:
            return Outcome(calculation.value, text, candidate.text)
    return Outcome(calculation.value, text, calculation.text)


def points_text(value: Fraction) -> str:
    """Points as written (1.5), or as they count when written with more than 2 decimals (0.125 → 0.13)."""
    return written(value) if (value * 100).denominator == 1 else fixed(value)


def ceil(value: Fraction) -> Fraction:
    return Fraction(math.ceil(value))


def floor(value: Fraction) -> Fraction:
    return Fraction(math.floor(value))


def item_index(value: Any, count: int) -> int | None:
    """A 0-based item number given as an int or digit text ("2"), when it is one of ``count`` items."""
    number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < count:
        return None
    return number
