"""The 基础表 forms of 附件 2 (基础数据采集表) as seed 004 prints them.

A form is numbered once (基础表1) even where it spans several tables (the header block 部门名称 / 部门性质 /
编制人数 / 在职人数, then 机构设置和人员情况, 固定资产, 流动资产), and its last table closes with the rows the unit
signs: 填写人 / 联系电话 / 填写日期 (the 基础表填写信息 table) and the form's 备注.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from evaluations.datatables.spec import FORM_HEADER, TableSpec
from reports import base_tables
from reports.base_tables import QUOTA, STAFF, headcount
from reports.content import Cell, Column, Paragraph, Table
from rubrics.numbers import circled, cn_date

STAFFING = "dept_staffing"  # the form part whose totals the header block prints


@dataclass(frozen=True)
class FormFacts:
    """What the forms print besides their rows."""

    unit: str  # 部门名称: the evaluated unit
    year: int  # the evaluation year, for 备注 such as "请提供2022年度固定资产新增和处置、报废明细账"
    as_of: dt.date | None = None  # 机构设置和人员情况（截至…）: the end of the evaluation period
    signatures: dict[str, dict] = field(default_factory=dict)  # form number → its 填写信息 row


def signatures(rows: list[dict]) -> dict[str, dict]:
    """The 填写信息 rows by form number; a form listed twice keeps its first row."""
    found: dict[str, dict] = {}
    for row in rows:
        if row.get("form"):
            found.setdefault(row["form"], row)
    return found


def form_blocks(specs: list[TableSpec], tables: dict[str, list[dict]], facts: FormFacts) -> list:
    """One form (the specs sharing a form number, in registry order): its tables, the footer closing the last."""
    number = specs[0].form_number
    printed = []
    for position, spec in enumerate(specs):
        title = f"{number} {spec.title}" if position == 0 else spec.part_title or spec.title
        printed.append(_part(spec, tables, title, facts))
    remarks = [remark.format(year=facts.year) for spec in specs for remark in spec.remarks]
    signature = facts.signatures.get(number)
    if not remarks and signature is None:
        return printed
    return printed[:-1] + with_footer(printed[-1], signature or {}, remarks)


def _part(spec: TableSpec, tables: dict[str, list[dict]], title: str, facts: FormFacts) -> Table:
    rows = tables.get(spec.key) or []
    if spec.role == FORM_HEADER:
        return profile_table(facts.unit, rows[0] if rows else {}, tables.get(STAFFING) or [], title)
    if spec.key == STAFFING:
        as_of = f"（截至{cn_date(facts.as_of)}）" if facts.as_of else ""
        return staffing_form_table(rows, title + as_of)
    return base_tables.data_table(spec, rows, title, wide=True)


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _total(rows: list[dict], kinds) -> int | None:
    counts = [count for count in (headcount(row, kinds) for row in rows) if count is not None]
    return sum(counts) if counts else None


def profile_table(unit: str, profile: dict, staffing: list[dict], title: str) -> Table:
    """基础表1 header block: 部门名称, 部门性质, and the 编制人数 / 在职人数 its staffing part adds up to."""
    columns = [Column(34, "center"), Column(26, "center"), Column(20, "center"), Column(20, "center")]
    head = [[Cell("部门名称"), Cell("部门性质"), Cell("编制人数"), Cell("在职人数")]]
    body = [
        [
            Cell(unit, align="center"),
            Cell(profile.get("nature") or "", align="center"),
            Cell(_count(_total(staffing, QUOTA)), align="center"),
            Cell(_count(_total(staffing, STAFF)), align="center"),
        ]
    ]
    return Table("dept_profile", title, columns, head, [body], unit_note="单位：人", size="small")


def staffing_form_table(rows: list[dict], title: str) -> Table:
    """基础表1 机构设置和人员情况: per unit its 编制人数 and 在职人数 (合计 first, then by kind), and the 合计 row."""
    columns = [Column(5, "center"), Column(19), Column(8, "center")] + [Column(6.8, "num") for _ in range(10)]
    head = [
        [
            Cell("序号", rowspan=2),
            Cell("机构名称", rowspan=2),
            Cell("机构性质", rowspan=2),
            Cell("编制人数", colspan=5),
            Cell("在职人数", colspan=5),
        ],
        [Cell("合计"), *(Cell(label) for _, label in QUOTA), Cell("合计"), *(Cell(label) for _, label in STAFF)],
    ]

    def counts(values: dict, role: str = "") -> list[Cell]:
        cells = []
        for kinds in (QUOTA, STAFF):
            cells.append(Cell(_count(headcount(values, kinds)), align="num", role=role))
            cells += [Cell(_count(values.get(key)), align="num", role=role) for key, _ in kinds]
        return cells

    body = [
        [
            Cell(str(number), align="center"),
            Cell(row.get("unit") or ""),
            Cell(row.get("nature") or "", align="center"),
            *counts(row),
        ]
        for number, row in enumerate(rows, start=1)
    ]
    if rows:
        totals = {key: _total(rows, ((key, label),)) for key, label in (*QUOTA, *STAFF)}
        body.append([Cell("合计", colspan=3, align="center", role="total"), *counts(totals, role="total")])
    return Table(
        STAFFING,
        title,
        columns,
        head,
        [body] if rows else [],
        unit_note="单位：人",
        size="small",
        empty_text="" if rows else "（未填报）",
    )


def _spans(columns: int, parts: int) -> list[int]:
    """Split a row of ``columns`` cells into ``parts`` merged cells, the first ones taking the remainder."""
    base, extra = divmod(columns, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def with_footer(table: Table, signature: dict, remarks: list[str]) -> list:
    """The form's last table closed by 填写人 / 联系电话 / 填写日期 and 备注 rows (paragraphs under a form
    left empty, which prints no table)."""
    filled_on = signature.get("filled_on")
    signed = [
        f"填写人：{signature.get('filled_by') or ''}",
        f"联系电话：{signature.get('phone') or ''}",
        f"填写日期：{cn_date(filled_on) if filled_on else ''}",
    ]
    remark = "备注：" + "".join(f"{circled(index)}{text}" for index, text in enumerate(remarks)) if remarks else ""
    if table.empty_text or not table.bodies:
        lines = ["　　".join(signed), *([remark] if remark else [])]
        return [table, *(Paragraph(line, style="plain") for line in lines)]
    width = len(table.columns)
    if width >= len(signed):
        rows = [[Cell(text, colspan=span) for text, span in zip(signed, _spans(width, len(signed)), strict=True)]]
    else:
        rows = [[Cell("　　".join(signed), colspan=width)]]
    if remark:
        rows.append([Cell(remark, colspan=width)])
    table.bodies.append(rows)
    return [table]
