"""Typed table specifications and the parsing of cell values into Python values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from rubrics.numbers import ascii_digits, bounded_decimal, date_problem, round_half_up, written
from rubrics.text import clean_text

TEXT, MONEY, NUMBER, INTEGER, PERCENT, DATE = "text", "money", "number", "integer", "percent", "date"
NUMERIC_KINDS = {MONEY, NUMBER, INTEGER, PERCENT}
# What a table is in the report's annex: a table of rows, or facts printed with the forms (基础表) instead:
# the header block of a form (部门名称 / 部门性质 …) or who filled each form and when (填写人 / 联系电话 / 填写日期).
DATA, FORM_HEADER, FORM_SIGNATURES = "data", "form_header", "form_signatures"
FORM_NUMBER = re.compile(r"基础表\d+")
# Money keeps yuan-and-cent precision whatever unit a column is entered in.
MONEY_PLACES = {"元": 2, "万元": 6}  # yuan to the fen: 万元 need 6 decimals


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    unit: str = ""
    required: bool = False
    example: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()
    total: bool = False  # summed in the 合计 row
    negative: bool = False  # amounts and counts are never below 0 unless the column says so (预算调整数)

    @property
    def header(self) -> str:
        """The header as printed and as written in the Excel sheet: 预算数（万元）."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    def parse(self, raw) -> object:
        """The cell's value (Decimal, int, date or str), or None when empty. Raises CellError."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise CellError("必须填写")
            return None
        if self.kind == TEXT:
            text = clean_text(str(raw)).strip()
            if len(text) > MAX_CELL_CHARS:
                raise CellError(f"最多 {MAX_CELL_CHARS} 个字，现为 {len(text)} 个字")
            if self.choices and text not in self.choices:
                raise CellError(f"「{text}」不在可选值（{'、'.join(self.choices)}）中")
            return text
        if self.kind == DATE:
            return parse_date(raw)
        value = parse_decimal(raw, percent_sign=self.kind == PERCENT)
        if value < 0 and not self.negative and self.kind in (MONEY, INTEGER):
            raise CellError(f"不能为负数，现为「{str(raw).strip()}」")
        if self.kind == INTEGER:
            if value != value.to_integral_value():
                raise CellError(f"「{raw}」不是整数")
            return int(value)
        if self.kind == MONEY:
            return round_half_up(value, MONEY_PLACES.get(self.unit, 2))
        return value

    def to_json(self, value) -> object:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def from_json(self, stored) -> object:
        if stored is None:
            return None
        if self.kind == DATE:
            return dt.date.fromisoformat(stored)
        if self.kind == INTEGER:
            return int(stored)
        if self.kind in NUMERIC_KINDS:
            return Decimal(stored)
        return stored


@dataclass(frozen=True)
class RateColumn:
    """A computed percent column: numerator ÷ denominator per row, and total ÷ total in the 合计 row (支付进度率)."""

    label: str
    numerator: str
    denominator: str


@dataclass(frozen=True)
class TableSpec:
    key: str
    code: str  # as printed in the reports: 表1-1, 基础表4
    title: str
    kinds: frozenset[str]
    columns: tuple[Column, ...]
    unit_note: str = ""  # 单位：万元
    description: str = ""
    single_row: bool = False  # a form of key figures rather than a list
    group_columns: tuple[str, ...] = ()  # leading text columns merged when equal (nested categories)
    share_of: str | None = None  # a computed 占比 column over this money column
    rates: tuple[RateColumn, ...] = ()  # computed percent columns, each printed after its numerator column
    remarks: tuple[str, ...] = ()  # the form's 备注 lines as the seed prints them under it; "{year}" → the year
    role: str = DATA
    example_rows: tuple[dict, ...] = field(default=())

    @property
    def form_number(self) -> str:
        """The number of a seed form (基础表4), printed in the report; "" for the product's own sheet codes
        (资金表, 发放表 …), which are not printed, and for the body tables' numbers (表1-1 …)."""
        return self.code if FORM_NUMBER.fullmatch(self.code) else ""

    @property
    def form_title(self) -> str:
        """部门基本情况 of "部门基本情况：固定资产状况" (one part of a form printed in several tables)."""
        return self.title.partition("：")[0]

    @property
    def part_title(self) -> str:
        """固定资产状况 of "部门基本情况：固定资产状况"; "" for a form printed in one table."""
        return self.title.partition("：")[2]

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def total_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.total)

    def parse_row(self, raw: dict) -> tuple[dict, dict[str, str]]:
        """Parse one row of raw cell values: (values, errors by column key)."""
        values, errors = {}, {}
        for column in self.columns:
            try:
                values[column.key] = column.parse(raw.get(column.key))
            except CellError as error:
                errors[column.key] = str(error)
        return values, errors

    def dump_row(self, values: dict) -> dict:
        return {column.key: column.to_json(values.get(column.key)) for column in self.columns}

    def load_row(self, stored: dict) -> dict:
        return {column.key: column.from_json(stored.get(column.key)) for column in self.columns}


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
MAX_CELL_CHARS = 2000  # a text cell: the longest in the seeds (a policy title, a 支出明细) is under 100


def cell_text(column: Column, value) -> str:
    """A stored value as the table pages show it: money with thousands separators and 2 decimals at least."""
    if value is None:
        return ""
    if column.kind == DATE:
        return value.isoformat()
    if column.kind in NUMERIC_KINDS:
        return written(value, min_places=2 if column.kind == MONEY else 0, grouping=column.kind != INTEGER)
    return str(value)


def parse_decimal(raw, *, percent_sign: bool = False) -> Decimal:
    """A cell's number, bounded by rubrics.numbers before any arithmetic; a "%" only where the column is a percent
    ("12%" in a money column is refused, not read as 12). Full-width and Arabic-Indic digits read as ASCII."""
    if isinstance(raw, bool):
        raise CellError(f"「{raw}」不是数字")
    if isinstance(raw, int | Decimal | float):
        value = bounded_decimal(raw)
        if value is None:
            raise CellError(f"「{_shown(raw)}」不是合理的数字（超出可填写的范围）")
        return value
    shown = str(raw).strip()
    text = ascii_digits(shown).replace(",", "").replace("，", "")
    if text.endswith(("%", "％")):
        if not percent_sign:
            raise CellError(f"「{shown}」带有百分号；本列不是百分比，请只填写数字")
        text = text[:-1].rstrip()
    if not _NUMBER.match(text):
        raise CellError(f"「{shown}」不是数字")
    value = bounded_decimal(text)
    if value is None:
        raise CellError(f"「{_shown(shown)}」不是合理的数字（超出可填写的范围）")
    return value


def _shown(raw) -> str:
    """A bad value as quoted in a message: 400 nines are cut to a readable length."""
    text = str(raw)
    return text if len(text) <= 40 else f"{text[:20]}…（共 {len(text)} 位）"


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(raw) -> dt.date:
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    else:
        match = _DATE.match(ascii_digits(str(raw).strip()))
        if not match:
            raise CellError(f"「{_shown(raw)}」不是日期（应写作 2023-01-20 或 2023年1月20日）")
        try:
            day = dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CellError(f"「{raw}」不是有效日期") from None
    problem = date_problem(day)
    if problem:
        raise CellError(problem)
    return day
