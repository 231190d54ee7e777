"""The figures the data holds, each with the words prose names it by (``vocabulary``), its unit and its value.

A derived figure of §5, a table's 合计 (or a single-row table's cell), a group's subtotal, a row's cell and a
figure computed from one row. Values are exact (Fraction); comparing a quoted number rounds the figure once,
half-up, to the digits the quote shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from evaluations.datatables import spec_for
from evaluations.datatables.figures import Figure
from evaluations.queries.consistency.vocabulary import FIGURE_TERMS, ROW_FIGURES, ROW_NAMES, ROW_TERMS, TABLE_TERMS
from rubrics.numbers import HUNDRED, WAN, exact, money, percent, plain, round_half_up, written

MONEY_UNITS = ("万元", "元")
DROPPED = "“”\"‘’'「」『』"  # quotation marks: labels are compared without them
_QUOTES = str.maketrans("", "", DROPPED)
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")


def normalised(text: str) -> str:
    """Text as labels are compared: without quotation marks and spaces ("“三公”经费预算" → "三公经费预算")."""
    return "".join(text.translate(_QUOTES).split())


def row_name(name: str) -> str:
    """A row's name as prose writes it: without the outline number ("六、其他收入" → "其他收入")."""
    return normalised(_ORDINAL.sub("", name or ""))


def same_as_quoted(quoted: Decimal, value) -> bool:
    """A number quoted in text agrees with the data when it is the data rounded once, half-up, to the digits the
    quote shows: 99.71 or 99.7 for 99.7079…%, 5178.1 for 5,178.100120 万元; 3540.56 is not 3540.5679 (3540.57)."""
    places = max(0, -quoted.as_tuple().exponent)
    return round_half_up(value, places) == quoted


def in_unit(value: Fraction, unit: str, wanted: str) -> Fraction:
    """An amount converted between 元 and 万元 (a percentage stays what it is)."""
    if unit == wanted or unit not in MONEY_UNITS or wanted not in MONEY_UNITS:
        return value
    return value / WAN if wanted == "万元" else value * WAN


@dataclass(frozen=True)
class Quantity:
    key: str  # stable: figure:budget_execution_rate, total:dept_projects.paid, row:sub_item_budgets:生活扶助金.adjusted
    label: str  # in a message: 基础表4 部门年度专项项目完成情况表的实际支付资金数合计
    value: Fraction
    unit: str  # "%", "万元" or "元"
    terms: tuple[str, ...]
    table: str = ""
    row: str = ""  # the row's name (normalised) for a row's cell or figure
    formula: str = ""

    def shown(self, unit: str) -> str:
        """The figure as the report prints it, in the unit of the quote: 3,540.57 万元, 68.38%."""
        if self.unit == "%":
            return percent(self.value)
        value = in_unit(self.value, self.unit, unit)
        return f"{money(value) if abs(value) >= 1000 else plain(value)} {unit}"


def _column_label(spec, column: str) -> str:
    """A column's label as a sentence names it ("其中：在用价值" → "在用价值")."""
    return spec.column(column).label.removeprefix("其中：")


def _table_label(table: str, column: str, *, single: bool, group: tuple[str, str] | None = None) -> str:
    spec = spec_for(table)
    head = f"{spec.code} {spec.title}" if spec.code != spec.title else spec.title
    label = _column_label(spec, column)
    if single:
        return f"{head}的{label}"
    if group is not None:
        return f"{head}中{group[1]}的{label}合计"
    return f"{head}的{label}合计"


def _sum(rows: list[dict], column: str) -> Fraction | None:
    values = [exact(row[column]) for row in rows if row.get(column) is not None]
    return sum(values, Fraction(0)) if values else None


def table_quantities(tables: dict[str, list[dict]]) -> list[Quantity]:
    found = []
    for (table, column), entries in TABLE_TERMS.items():
        rows = tables.get(table)
        if not rows:
            continue
        spec = spec_for(table)
        for entry in entries:
            chosen = [row for row in rows if entry.group is None or row.get(entry.group[0]) == entry.group[1]]
            value = _sum(chosen, column)
            if value is None:
                continue
            group = f":{entry.group[1]}" if entry.group else ""
            found.append(
                Quantity(
                    f"total:{table}.{column}{group}",
                    _table_label(table, column, single=spec.single_row, group=entry.group),
                    value,
                    spec.column(column).unit,
                    entry.terms,
                    table,
                )
            )
    return found


def row_quantities(tables: dict[str, list[dict]]) -> list[Quantity]:
    """Each named row's cells and figures; rows of the same name (区级 and 上级 funds of one project) add up."""
    found = []
    for table, name_column in ROW_NAMES.items():
        spec = spec_for(table)
        named: dict[str, list[dict]] = {}
        for row in tables.get(table) or []:
            name = row_name(row.get(name_column) or "")
            if name:
                named.setdefault(name, []).append(row)
        for name, rows in named.items():
            cells = {column.key: _sum(rows, column.key) for column in spec.columns if column.unit in MONEY_UNITS}
            head = f"{spec.code}「{name}」"
            for (term_table, column), terms in ROW_TERMS.items():
                if term_table == table and cells.get(column) is not None:
                    unit = spec.column(column).unit
                    label = f"{head}的{_column_label(spec, column)}"
                    found.append(
                        Quantity(f"row:{table}:{name}.{column}", label, cells[column], unit, terms, table, name)
                    )
            for figure in ROW_FIGURES.get(table, ()):
                quantity = _row_figure(table, name, head, figure, cells, spec.column(figure.first).unit)
                if quantity is not None:
                    found.append(quantity)
    return found


def _row_figure(table, name, head, figure, cells, unit) -> Quantity | None:
    first, second = cells.get(figure.first), cells.get(figure.second)
    if first is None or second is None:
        return None
    spec = spec_for(table)
    first_text = f"{_column_label(spec, figure.first)} {written(first)} {unit}"
    second_text = f"{_column_label(spec, figure.second)} {written(second)} {unit}"
    key, label = f"row:{table}:{name}.{figure.label}", f"{head}的{figure.label}"
    if figure.formula == "difference":
        value = abs(first - second)
        formula = f"{first_text} − {second_text} = {plain(value)} {unit}"
        return Quantity(key, label, value, unit, figure.terms, table, name, formula)
    if figure.formula == "change_rate":
        if first == 0:
            return None
        change = abs(first - second)
        value = change / first * HUNDRED
        formula = f"{first_text} − {second_text} = {plain(change)} {unit}，{plain(change)} ÷ {written(first)} × 100%"
    else:
        if second == 0:
            return None
        value = first / second * HUNDRED
        formula = f"{first_text} ÷ {second_text} × 100%"
    return Quantity(key, label, value, "%", figure.terms, table, name, f"{formula} = {percent(value)}")


def figure_quantities(figures: dict[str, Figure]) -> list[Quantity]:
    """The derived percentages of §5, named by their label and the other names reports give them."""
    found = []
    for figure in figures.values():
        if figure.value is None or figure.unit != "%":
            continue
        terms = (normalised(figure.label), *FIGURE_TERMS.get(figure.key, ()))
        found.append(
            Quantity(
                f"figure:{figure.key}",
                f"基础数据计算的{figure.label}",
                figure.value,
                "%",
                terms,
                figure.table,
                "",
                figure.formula,
            )
        )
    return found


def data_quantities(tables: dict[str, list[dict]], figures: dict[str, Figure]) -> list[Quantity]:
    return [*figure_quantities(figures), *table_quantities(tables), *row_quantities(tables)]
