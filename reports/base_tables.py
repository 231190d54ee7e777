"""The report's data tables: the base data-collection tables (附件 2), the team, the field-research record,
the derived figures and the open problems, as plain Table/Cell dataclasses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from evaluations.datatables.spec import DATE, INTEGER, MONEY, NUMBER, NUMERIC_KINDS, PERCENT, RateColumn, TableSpec
from reports.content import Cell, Column, Table
from reports.layout import LANDSCAPE_LINES, PORTRAIT_LINES, TreeRow, estimate_lines, text_em, tree_bodies
from rubrics.numbers import cn_date, money, percent, percent_of, round_score, written


def format_value(column, value) -> str:
    if value is None:
        return ""
    if column.kind == MONEY:  # every digit entered (0.068 万元), so a derived figure's operands can be found here
        return written(value, min_places=2, grouping=True)
    if column.kind == PERCENT:
        return percent(value, trim=True)
    if column.kind in (NUMBER, INTEGER):
        return written(value) if column.kind == NUMBER else str(value)
    if column.kind == DATE:
        return cn_date(value)
    return str(value)


def _header(column, unit_note: str) -> str:
    unit = unit_note.removeprefix("单位：")
    return column.label if not column.unit or column.unit == unit else column.header


def single_row_table(spec: TableSpec, rows: list[dict], title: str) -> Table:
    """A form of key figures (one row) as a two-column table: 项目 | 数值."""
    row = rows[0] if rows else {}
    columns = [Column(60), Column(40, "num")]
    unit = spec.unit_note.removeprefix("单位：")
    body = [
        [
            Cell(column.label if column.unit == unit else column.header),
            Cell(format_value(column, row.get(column.key)), align="num" if column.kind in NUMERIC_KINDS else ""),
        ]
        for column in spec.columns
    ]
    return Table(spec.key, title, columns, [[Cell("项目"), Cell("数值")]], [body], unit_note=spec.unit_note)


def data_table(spec: TableSpec, rows: list[dict], title: str | None = None, *, wide: bool = False) -> Table:
    """Any declared data-collection table: 序号, its columns (leading groups merged), 占比 and 合计."""
    title = title or spec.title
    if spec.single_row:
        return single_row_table(spec, rows, title)
    share = spec.share_of
    groups = [column.key for column in spec.columns[: len(spec.group_columns)] if column.key in spec.group_columns]
    widths = [max(text_em(str(len(rows))), 2) + 1.5]
    head_cells = [Cell("序号")]
    aligns = ["center"]
    for column in spec.columns:
        numeric = column.kind in (MONEY, NUMBER, PERCENT, INTEGER)
        widths.append(_width(column, [format_value(column, row.get(column.key)) for row in rows]))
        head_cells.append(Cell(_header(column, spec.unit_note)))
        aligns.append("num" if numeric else "")
        if column.key == share:
            widths.append(6)
            head_cells.append(Cell("占比"))
            aligns.append("num")
        for rate in _rates_after(spec, column.key):
            widths.append(max(text_em(rate.label) * 0.6, 5) + 1.5)
            head_cells.append(Cell(rate.label))
            aligns.append("num")
    scale = 100 / sum(widths)
    columns = [Column(round(width * scale, 2), align) for width, align in zip(widths, aligns, strict=True)]
    small = wide or len(columns) > 7
    grand = sum((row.get(share) or Decimal(0) for row in rows), Decimal(0)) if share else None

    tree_rows: list[TreeRow] = []
    for number, row in enumerate(rows, start=1):
        cells, texts = [], []
        for column in spec.columns[len(groups) :]:
            text = format_value(column, row.get(column.key))
            numeric = column.kind in (MONEY, NUMBER, PERCENT, INTEGER)
            cells.append(Cell(text, align="num" if numeric else ""))
            texts.append(text)
            if column.key == share:
                value = row.get(share)
                shown = percent(percent_of(value, grand)) if value is not None and grand else ""
                cells.append(Cell(shown, align="num"))
                texts.append(shown)
            for rate in _rates_after(spec, column.key):
                shown = _rate_text(row.get(rate.numerator), row.get(rate.denominator))
                cells.append(Cell(shown, align="num"))
                texts.append(shown)
        labels = _group_labels([row.get(key) for key in groups])
        all_texts = [str(number), *labels, *[""] * (len(groups) - len(labels)), *texts]
        tree_rows.append(
            TreeRow(
                labels,
                cells,
                lines=estimate_lines(all_texts, [c.width for c in columns], wide=wide, small=small),
                prefix=[Cell(str(number), align="center")],
            )
        )
    if groups:
        limit = LANDSCAPE_LINES if wide else PORTRAIT_LINES
        bodies = tree_bodies(tree_rows, len(groups), limit, widen_labels=True)
    else:
        bodies = [[row.prefix + row.cells for row in tree_rows]]
    if rows and (spec.total_columns or share):
        bodies.append([_total_row(spec, rows, groups, grand)])
    return Table(
        spec.key,
        title,
        columns,
        [head_cells],
        bodies if rows else [],
        unit_note=spec.unit_note,
        size="small" if small else "",
        keep_bodies=bool(groups),
        empty_text="" if rows else "（未填报）",
    )


def _rates_after(spec: TableSpec, key: str) -> list[RateColumn]:
    return [rate for rate in spec.rates if rate.numerator == key]


def _rate_text(numerator, denominator) -> str:
    """支付进度率 of a row or of the totals: exact, rounded once when written; "" where it cannot be computed."""
    return percent(percent_of(numerator, denominator), none="")


def _width(column, values: list[str]) -> float:
    """Relative width of a column from what it holds: long texts wider, numbers as wide as their longest."""
    header = text_em(column.label)
    lengths = [text_em(value) for value in values if value]
    if column.kind in (MONEY, NUMBER, PERCENT, INTEGER, DATE):
        return max(max(lengths, default=2), min(header, 6), 3) + 1.5
    mean = sum(lengths) / len(lengths) if lengths else 2
    return min(max(mean**0.75, header * 0.6, 3), 28) + 1.5


def _group_labels(values: list) -> list[str]:
    """Group labels of a row; an empty inner group value ends the labels (the outer cell widens)."""
    labels = []
    for value in values:
        if value in (None, ""):
            break
        labels.append(str(value))
    return labels


def _total_row(spec: TableSpec, rows: list[dict], groups: list[str], grand: Decimal | None) -> list[Cell]:
    """合计: the label over the leading non-summed columns, then each summed column's total."""
    shown = [column for column in spec.columns if column.key not in groups]
    cells: list[Cell] = []
    lead = len(groups) + 1  # group columns and 序号
    started = False
    for column in shown:
        if not started and not column.total and column.key != spec.share_of:
            lead += 1
            continue
        if not started:
            cells.append(Cell("合计", colspan=lead, role="total", align="center"))
            started = True
        if column.total or column.key == spec.share_of:
            values = [row.get(column.key) for row in rows if row.get(column.key) is not None]
            value = sum(values, Decimal(0)) if values else None
            cells.append(Cell(format_value(column, value), align="num", role="total"))
        else:
            cells.append(Cell("", role="total"))
        if column.key == spec.share_of:
            cells.append(Cell("100.00%" if grand else "", align="num", role="total"))
        for rate in _rates_after(spec, column.key):
            rate_total = _rate_text(_sum(rows, rate.numerator), _sum(rows, rate.denominator))
            cells.append(Cell(rate_total, align="num", role="total"))
    if not started:
        cells.append(Cell("合计", colspan=lead, role="total", align="center"))
    return cells


def _sum(rows: list[dict], key: str) -> Decimal | int | None:
    values = [row.get(key) for row in rows if row.get(key) is not None]
    return sum(values) if values else None


# 人员编制 by kind, as 基础表1 and the 人员情况一览表 break them down (keys of the dept_staffing table).
QUOTA = (
    ("quota_admin", "行政编制"),
    ("quota_public", "事业编制"),
    ("quota_welfare", "公益岗位"),
    ("quota_dispatch", "劳务派遣"),
)
STAFF = (
    ("staff_admin", "行政编制"),
    ("staff_public", "事业编制"),
    ("staff_welfare", "公益岗位"),
    ("staff_workers", "机关工勤"),
)


def headcount(row: dict, kinds) -> int | None:
    """编制人数 or 在职人数 of one unit (or of the 合计 values): the sum over the kinds given, None when none is."""
    present = [row.get(key) for key, _ in kinds if row.get(key) is not None]
    return sum(present) if present else None


def staffing_table(rows: list[dict], title: str) -> Table:
    """人员情况一览表 (seed 004): 核定编制数 and 实际在岗人数 side by side, each with its 合计."""
    quota, staff = QUOTA, STAFF
    columns = [Column(20)] + [Column(8, "num") for _ in range(10)]
    head = [
        [Cell("单位", rowspan=2), Cell("核定编制数", colspan=5), Cell("实际在岗人数", colspan=5)],
        [Cell(label) for _, label in quota] + [Cell("合计")] + [Cell(label) for _, label in staff] + [Cell("合计")],
    ]

    def line(label: str, values: dict, role: str = "") -> list[Cell]:
        cells = [Cell(label, role=role)]
        for group in (quota, staff):
            numbers = [values.get(key) for key, _ in group]
            cells += [Cell("" if n is None else str(n), align="num", role=role) for n in numbers]
            present = [n for n in numbers if n is not None]
            cells.append(Cell(str(sum(present)) if present else "", align="num", role=role))
        return cells

    body = [line(row.get("unit") or "", row) for row in rows]
    if rows:
        body.append(line("合计", {key: _sum(rows, key) for key, _ in quota + staff}, role="total"))
    return Table(
        "dept_staffing", title, columns, head, [body], unit_note="单位：人", empty_text="" if rows else "（未填报）"
    )


def budget_summary_table(rows: list[dict], title: str) -> Table:
    """收支预算总表 (seed 004): 收入 and 支出 side by side, each with its 总计."""
    income = [row for row in rows if row.get("side") == "收入"]
    spending = [row for row in rows if row.get("side") == "支出"]
    columns = [Column(32), Column(18, "num"), Column(32), Column(18, "num")]
    head = [
        [Cell("收入", colspan=2), Cell("支出", colspan=2)],
        [Cell("项目"), Cell("预算数"), Cell("项目"), Cell("预算数")],
    ]
    body = []
    for index in range(max(len(income), len(spending))):
        cells = []
        for side in (income, spending):
            row = side[index] if index < len(side) else {}
            cells += [Cell(row.get("item") or ""), Cell(money(row.get("budget")), align="num")]
        body.append(cells)
    if rows:
        body.append(
            [
                Cell("收入总计", role="total", align="center"),
                Cell(money(_sum(income, "budget")), align="num", role="total"),
                Cell("支出总计", role="total", align="center"),
                Cell(money(_sum(spending, "budget")), align="num", role="total"),
            ]
        )
    return Table(
        "dept_budget_summary",
        title,
        columns,
        head,
        [body],
        unit_note="单位：万元",
        empty_text="" if rows else "（未填报）",
    )


def budget_vs_final_table(rows: list[dict], title: str) -> Table:
    """预、决算支出对比表 (seed 004): classification merged, 小计 per classification."""
    columns = [Column(18), Column(42), Column(20, "num"), Column(20, "num")]
    head = [[Cell("分类"), Cell("项目"), Cell("预算支出"), Cell("决算支出")]]
    tree_rows = []
    for classification in dict.fromkeys(row.get("classification") for row in rows):
        group = [row for row in rows if row.get("classification") == classification]
        for row in group:
            tree_rows.append(
                TreeRow(
                    [classification or ""],
                    [
                        Cell(row.get("item") or ""),
                        Cell(money(row.get("budget")), align="num"),
                        Cell(money(row.get("final")), align="num"),
                    ],
                )
            )
        tree_rows.append(
            TreeRow(
                [classification or ""],
                [
                    Cell("小计", role="subtotal", align="center"),
                    Cell(money(_sum(group, "budget")), align="num", role="subtotal"),
                    Cell(money(_sum(group, "final")), align="num", role="subtotal"),
                ],
                subtotal=True,
            )
        )
    return Table(
        "dept_budget_vs_final",
        title,
        columns,
        head,
        tree_bodies(tree_rows, 1, PORTRAIT_LINES),
        unit_note="单位：万元",
        keep_bodies=True,
        empty_text="" if rows else "（未填报）",
    )


def _amount(value) -> str:
    return written(value, min_places=2, grouping=True)


def batches_note(batches: list[dict], uses: list[dict], uses_name: str, unit: str = "万元") -> str:
    """Why the 资金发放批次表 adds up to another total than 表1-1: what 表1-1 pays outside the batches, what the
    batches list that 表1-1 does not, and the items whose batches add up to another amount (the check lists
    those as errors). "" when the two totals agree."""
    uses_name += " " if uses_name[-1:].isascii() else ""  # "表1-1 为", "项目资金使用情况表为"
    batch_total, use_total = _sum(batches, "amount"), _sum(uses, "amount")
    if batch_total is None or use_total is None or round_score(batch_total) == round_score(use_total):
        return ""
    batched = {row.get("item") for row in batches}
    used = {row.get("item") for row in uses}
    outside = [row for row in uses if row.get("item") not in batched and row.get("amount") is not None]
    extra = [item for item in dict.fromkeys(row.get("item") for row in batches) if item and item not in used]
    differing = []
    for row in uses:
        paid = _sum([batch for batch in batches if batch.get("item") == row.get("item")], "amount")
        if paid is not None and row.get("amount") is not None and round_score(paid) != round_score(row["amount"]):
            printed = f"{uses_name}为 {_amount(row['amount'])} {unit}"
            differing.append(f"{row['item']}各批次合计 {_amount(paid)} {unit}（{printed}）")
    reasons = []
    if outside:
        listed = "、".join(f"{row['item']} {_amount(row['amount'])} {unit}" for row in outside)
        reasons.append(f"本表只列分批次发放的资金，不含{listed}")
    if extra:
        reasons.append(f"本表另列{uses_name}未单列的{'、'.join(extra)}")
    if differing:
        reasons.append("、".join(differing) + "，两表记录不一致")
    gap = _amount(abs(batch_total - use_total))
    lead = (
        f"注：本表发放金额合计 {_amount(batch_total)} {unit}，{uses_name}实际支付金额合计 {_amount(use_total)} {unit}，"
        f"相差 {gap} {unit}"
    )
    return lead + ("：" + "；".join(reasons) if reasons else "") + "。"


def team_table(members: Iterable) -> Table:
    """工作组人员及分工: 评价组 merged, 人员, 专业资格或技术职称, 本次评价分工."""
    columns = [Column(18), Column(16), Column(32), Column(34)]
    head = [[Cell("评价组"), Cell("人员"), Cell("专业资格或技术职称"), Cell("本次评价分工")]]
    rows = [
        TreeRow(
            [member.group] if member.group else [],
            [Cell(member.name), Cell(member.qualification), Cell(member.duty or member.get_role_display())],
        )
        for member in members
    ]
    return Table("team", "工作组人员及分工表", columns, head, tree_bodies(rows, 1, PORTRAIT_LINES), keep_bodies=True)


def field_research_table(rows: list) -> Table:
    """附件 3 现场调研记录: one row per leaf indicator."""
    columns = [Column(5, "center"), Column(13), Column(26), Column(20), Column(22), Column(14, "center")]
    head = [
        [Cell("序号"), Cell("调研内容", colspan=2), Cell("调研资料说明"), Cell("现场调研资料"), Cell("现场调研时间")]
    ]
    body = []
    for row in rows:
        body.append(
            [
                Cell(str(row.number), align="center"),
                Cell(row.name),
                Cell(row.content),
                Cell(row.required),
                Cell(row.obtained or "—"),
                Cell(row.period or "—", align="center"),
            ]
        )
    return Table(
        "field_research", "现场调研记录", columns, head, [body], size="small", empty_text="" if rows else "（无）"
    )


def figures_table(figures: Iterable) -> Table:
    """派生数据: every figure the data-collection tables give (evaluations.datatables.figures), with its arithmetic."""
    columns = [Column(5, "center"), Column(20), Column(60), Column(15, "center")]
    head = [[Cell("序号"), Cell("派生数据"), Cell("计算过程"), Cell("结果")]]
    body = [
        [Cell(str(number), align="center"), Cell(figure.label), Cell(figure.formula), Cell(figure.display, align="num")]
        for number, figure in enumerate(figures, start=1)
    ]
    return Table(
        "figures",
        "派生数据（由基础数据计算）",
        columns,
        head,
        [body],
        size="small",
        empty_text="" if body else "（基础数据尚不足以计算）",
    )


def problems_table(problems: list) -> Table:
    columns = [Column(7, "center"), Column(9, "center"), Column(26), Column(58)]
    head = [[Cell("序号"), Cell("类别"), Cell("位置"), Cell("问题")]]
    body = [
        [Cell(str(number), align="center"), Cell(p.severity, align="center"), Cell(p.where), Cell(p.message)]
        for number, p in enumerate(problems, start=1)
    ]
    return Table("problems", "尚未解决的问题清单", columns, head, [body], size="small")


TableBuilder = Callable[[list[dict], str], Table]
SPECIAL_TABLES: dict[str, TableBuilder] = {
    "dept_staffing": staffing_table,
    "dept_budget_summary": budget_summary_table,
    "dept_budget_vs_final": budget_vs_final_table,
}
