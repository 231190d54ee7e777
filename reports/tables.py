"""Tables of the report, built from the data as plain Table/Cell dataclasses.

Merged cells: leading group columns (categories, indicator levels) are merged with rowspan. A merged
cell split across two pages keeps its label only on the first (WeasyPrint), so tables with merged
labels are cut into bodies (<tbody>) that are never split (keep_bodies), each repeating its labels;
a group too tall for one page is cut into several bodies by an estimate of its height.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from evaluations.datatables.spec import DATE, INTEGER, MONEY, NUMBER, PERCENT, TableSpec
from reports.content import Cell, Column, Table
from reports.numbering import cn_date, cn_number, money, percent, plain, rate

# Geometry used to estimate row heights (must agree with static/reports/report.css).
PORTRAIT_WIDTH_MM = 160
LANDSCAPE_WIDTH_MM = 257
PT_MM = 0.3528
BODY_TABLE_PT, SMALL_TABLE_PT = 10.5, 9
PORTRAIT_LINES, LANDSCAPE_LINES = 40, 30  # lines a body may take so that it fits on a page with a heading
SCORE_TABLE_WHOLE_ROWS = 36  # rows of single-line cells that fit on one portrait page with the header


def text_em(text: str) -> float:
    """Width of a text in em: CJK and full-width characters 1, others about half."""
    return sum(1 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def estimate_lines(texts: Sequence[str], widths: Sequence[float], *, wide: bool, small: bool) -> float:
    """Estimated height of a row in lines, from its cells' texts and their column widths (percent)."""
    table_mm = LANDSCAPE_WIDTH_MM if wide else PORTRAIT_WIDTH_MM
    size_mm = (SMALL_TABLE_PT if small else BODY_TABLE_PT) * PT_MM
    lines = 1.0
    for text, width in zip(texts, widths, strict=False):
        capacity = max((table_mm * width / 100 - 2.5) / size_mm, 1)
        cell = sum(max(math.ceil(text_em(part) / capacity), 1) for part in (text or "").split("\n"))
        lines = max(lines, cell)
    return lines + 0.35


# --- merged tree tables -----------------------------------------------------------------------------


@dataclass
class TreeRow:
    labels: list[str]  # merged label columns, outermost first (may be shorter than the table's label columns)
    cells: list[Cell]  # the row's own cells; the first one widens over label columns the row lacks
    lines: float = 1.0
    subtotal: bool = False
    prefix: list[Cell] = field(default_factory=list)  # cells before the label columns (序号)


def _runs(rows: list[TreeRow], level: int) -> list[list[TreeRow]]:
    runs: list[list[TreeRow]] = []
    for row in rows:
        key = tuple(row.labels[: level + 1])
        if runs and tuple(runs[-1][0].labels[: level + 1]) == key:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _chunk(rows: list[TreeRow], limit: float) -> list[list[TreeRow]]:
    chunks: list[list[TreeRow]] = [[]]
    used = 0.0
    for row in rows:
        if chunks[-1] and used + row.lines > limit and not row.subtotal:
            chunks.append([])
            used = 0.0
        chunks[-1].append(row)
        used += row.lines
    return chunks


def _pack(rows: list[TreeRow], level: int, levels: int, limit: float) -> list[list[TreeRow]]:
    bodies: list[list[TreeRow]] = []
    for run in _runs(rows, level):
        height = sum(row.lines for row in run)
        deeper = level + 1 < levels and any(len(row.labels) > level + 1 for row in run)
        if height <= limit:
            bodies.append(run)
        elif deeper:
            bodies.extend(_pack(run, level + 1, levels, limit))
        else:
            bodies.extend(_chunk(run, limit))
    # A lone subtotal row joins the body before it (same group), so it is not printed on its own.
    merged: list[list[TreeRow]] = []
    for body in bodies:
        if merged and all(row.subtotal for row in body) and merged[-1][0].labels[:1] == body[0].labels[:1]:
            merged[-1].extend(body)
        else:
            merged.append(body)
    return merged


def tree_bodies(
    rows: list[TreeRow], levels: int, limit: float, *, widen_labels: bool = False
) -> list[list[list[Cell]]]:
    """Bodies of cells: label columns merged with rowspan inside each body, labels repeated per body.

    A row with fewer labels than the table has label columns widens its first own cell over the
    missing ones, or, with widen_labels, its last label (when every row merged with it lacks them too).
    """
    bodies = []
    for body in _pack(rows, 0, levels, limit) if levels else [rows]:
        out: list[list[Cell]] = [[Cell(**vars(cell)) for cell in row.prefix] for row in body]
        widened: set[int] = set()
        for level in range(levels):
            index = 0
            while index < len(body):
                row = body[index]
                if len(row.labels) <= level:
                    index += 1
                    continue
                prefix = row.labels[: level + 1]
                span = 1
                while index + span < len(body) and body[index + span].labels[: level + 1] == prefix:
                    span += 1
                cell = Cell(row.labels[level], rowspan=span, role="level")
                run = body[index : index + span]
                if widen_labels and all(len(r.labels) == level + 1 for r in run) and level + 1 < levels:
                    cell.colspan += levels - level - 1
                    widened.update(range(index, index + span))
                out[index].append(cell)
                index += span
        for position, row in enumerate(body):
            cells = [Cell(**vars(cell)) for cell in row.cells]
            missing = levels - min(len(row.labels), levels)
            if cells and missing and position not in widened:
                cells[0].colspan += missing
            out[position].extend(cells)
        bodies.append(out)
    return bodies


# --- indicator trees ----------------------------------------------------------------------------------


@dataclass
class IndicatorNode:
    """An evaluation indicator with its children and its (sub)total score."""

    indicator: object  # EvaluationIndicator
    level: int
    children: list[IndicatorNode] = field(default_factory=list)
    parent: IndicatorNode | None = None

    @property
    def name(self) -> str:
        return self.indicator.name

    @property
    def weight(self) -> Decimal:
        return self.indicator.weight

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def score(self) -> Decimal | None:
        if self.is_leaf:
            return self.indicator.score
        scores = [child.score for child in self.children]
        return None if any(score is None for score in scores) else sum(scores, Decimal(0))

    def leaves(self) -> list[IndicatorNode]:
        if self.is_leaf:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def ancestors(self) -> list[IndicatorNode]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


def build_tree(indicators: Iterable) -> list[IndicatorNode]:
    """The roots of the indicator tree, children in their order."""
    nodes = sorted(indicators, key=lambda n: (n.order, n.pk))
    by_parent: dict = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)

    def make(indicator, level: int, parent: IndicatorNode | None) -> IndicatorNode:
        node = IndicatorNode(indicator, level, parent=parent)
        node.children = [make(child, level + 1, node) for child in by_parent.get(indicator.pk, [])]
        return node

    return [make(root, 1, None) for root in by_parent.get(None, [])]


def all_leaves(roots: list[IndicatorNode]) -> list[IndicatorNode]:
    return [leaf for root in roots for leaf in root.leaves()]


def tree_depth(roots: list[IndicatorNode]) -> int:
    return max((leaf.level for leaf in all_leaves(roots)), default=1)


def level_header(level: int) -> str:
    return f"{cn_number(level)}级指标"


def weighted_label(node: IndicatorNode) -> str:
    return f"{node.name}（{plain(node.weight)}分）"


def score_text(value: Decimal | None) -> str:
    return plain(value) if value is not None else "未计分"


def _widths(label_width: float, levels: int, rest: Sequence[float]) -> list[Column]:
    """Label columns of label_width each, then the given widths scaled to fill 100 %."""
    remaining = 100 - label_width * levels
    scale = remaining / sum(rest)
    return [Column(label_width) for _ in range(levels)] + [Column(round(width * scale, 2)) for width in rest]


def score_full_table(roots: list[IndicatorNode], total: Decimal | None) -> Table:
    """表3-1: every leaf with weight, benchmark, actual and score; 小计 per level 1 and 合计."""
    depth = tree_depth(roots)
    levels = depth - 1
    columns = _widths(10, levels, [30, 8, 14, 14, 9])
    for column in columns[levels + 1 :]:
        column.align = "center"
    head = [
        [Cell(level_header(level + 1)) for level in range(levels)]
        + [Cell(level_header(depth)), Cell("权重"), Cell("标杆值"), Cell("实际完成值"), Cell("得分")]
    ]
    rows: list[TreeRow] = []
    for root in roots:
        for leaf in root.leaves():
            labels = [node.name for node in leaf.ancestors()]
            rows.append(
                TreeRow(
                    labels,
                    [
                        Cell(leaf.name),
                        Cell(plain(leaf.weight), align="num"),
                        Cell(leaf.indicator.benchmark or "--", align="center"),
                        Cell(leaf.indicator.actual_display or "--", align="center"),
                        Cell(score_text(leaf.score), align="num"),
                    ],
                    lines=estimate_lines(
                        [leaf.name, leaf.indicator.benchmark, leaf.indicator.actual_display],
                        [columns[levels].width, columns[levels + 2].width, columns[levels + 3].width],
                        wide=False,
                        small=False,
                    ),
                )
            )
        if not root.is_leaf:
            rows.append(
                TreeRow(
                    [root.name],
                    [
                        Cell("小计", role="subtotal", align="center"),
                        Cell(plain(root.weight), align="num", role="subtotal"),
                        Cell("--", align="center", role="subtotal"),
                        Cell("--", align="center", role="subtotal"),
                        Cell(score_text(root.score), align="num", role="subtotal"),
                    ],
                    subtotal=True,
                )
            )
    bodies = tree_bodies(rows, levels, PORTRAIT_LINES)
    weight = sum((root.weight for root in roots), Decimal(0))
    bodies.append(
        [
            [
                Cell("合计", colspan=levels + 1, role="total", align="center"),
                Cell(plain(weight), align="num", role="total"),
                Cell("--", align="center", role="total"),
                Cell("--", align="center", role="total"),
                Cell(score_text(total), align="num", role="total"),
            ]
        ]
    )
    # Kept on one page when it fits: WeasyPrint may split the first body when the page also holds the
    # grade footnote (the paragraph just before the table), and the split body would lose its labels.
    whole = sum(len(body) for body in bodies) <= SCORE_TABLE_WHOLE_ROWS
    return Table("score_full", "绩效评价体系得分表", columns, head, bodies, keep_bodies=True, whole=whole)


def score_summary_table(roots: list[IndicatorNode], total: Decimal | None, title: str) -> Table:
    """绩效得分整体情况表: 指标, 权重, 分值, 得分率 per level-1 indicator, with 合计."""
    columns = [Column(46), Column(16, "center"), Column(18, "center"), Column(20, "center")]
    head = [[Cell("指标"), Cell("权重"), Cell("分值"), Cell("得分率")]]
    rows = [
        [
            Cell(root.name),
            Cell(plain(root.weight), align="num"),
            Cell(score_text(root.score), align="num"),
            Cell(percent(rate(root.score, root.weight)), align="num"),
        ]
        for root in roots
    ]
    weight = sum((root.weight for root in roots), Decimal(0))
    rows.append(
        [
            Cell("合计", role="total", align="center"),
            Cell(plain(weight), align="num", role="total"),
            Cell(score_text(total), align="num", role="total"),
            Cell(percent(rate(total, weight)), align="num", role="total"),
        ]
    )
    return Table("score_summary", title, columns, head, [rows])


def leaf_score_table(node: IndicatorNode) -> Table:
    """The leaves of one level-1 indicator: 指标, 权重, 分值, 得分率, 合计 (seed 004 section 四)."""
    leaves = node.leaves()
    depths = {leaf.level for leaf in leaves}
    header = level_header(depths.pop()) if len(depths) == 1 else "指标"
    columns = [Column(46), Column(16, "center"), Column(18, "center"), Column(20, "center")]
    head = [[Cell(header), Cell("权重"), Cell("分值"), Cell("得分率")]]
    rows = [
        [
            Cell(leaf.name),
            Cell(plain(leaf.weight), align="num"),
            Cell(score_text(leaf.score), align="num"),
            Cell(percent(rate(leaf.score, leaf.weight)), align="num"),
        ]
        for leaf in leaves
    ]
    rows.append(
        [
            Cell("合计", role="total", align="center"),
            Cell(plain(node.weight), align="num", role="total"),
            Cell(score_text(node.score), align="num", role="total"),
            Cell(percent(rate(node.score, node.weight)), align="num", role="total"),
        ]
    )
    return Table(f"leaf_scores_{node.indicator.pk}", f"{node.name}指标得分情况表", columns, head, [rows])


def completion_rate(indicator) -> Decimal | None:
    """实际 ÷ 目标 for indicators scored by completion (ratio rules), from their inputs."""
    if indicator.rule_kind != "ratio":
        return None
    inputs = indicator.inputs or {}
    try:
        actual, target = Decimal(str(inputs["actual"])), Decimal(str(inputs["target"]))
    except (KeyError, ArithmeticError, ValueError):
        return None
    return actual / target * 100 if target else None


def completion_table(node: IndicatorNode) -> Table:
    """表3-3-like: the leaves of a level-2 indicator with planned, actual and 完成率."""
    columns = [Column(8, "center"), Column(40), Column(18, "center"), Column(18, "center"), Column(16, "center")]
    head = [[Cell("序号"), Cell("指标名称"), Cell("计划完成值"), Cell("实际完成值"), Cell("完成率")]]
    rows = []
    for number, leaf in enumerate(node.leaves(), start=1):
        value = completion_rate(leaf.indicator)
        rows.append(
            [
                Cell(str(number), align="center"),
                Cell(leaf.name),
                Cell(leaf.indicator.benchmark or "--", align="center"),
                Cell(leaf.indicator.actual_display or "--", align="center"),
                Cell(percent(value) if value is not None else "--", align="num"),
            ]
        )
    return Table(f"completion_{node.indicator.pk}", f"{node.name}完成情况表", columns, head, [rows])


def indicator_annex_table(roots: list[IndicatorNode]) -> Table:
    """The full indicator system (landscape annex): levels merged, 指标解释, 评分标准, 标杆值, 实际完成值, 得分."""
    depth = tree_depth(roots)
    levels = depth - 1
    columns = _widths(7.5, levels, [9, 5, 22, 32, 8, 8, 5.5])
    for index in (levels + 1, levels + 4, levels + 5, levels + 6):
        columns[index].align = "center"
    head = [
        [Cell(level_header(level + 1)) for level in range(levels)]
        + [
            Cell(level_header(depth)),
            Cell("权重"),
            Cell("指标解释"),
            Cell("评分标准"),
            Cell("标杆值"),
            Cell("实际完成值"),
            Cell("得分"),
        ]
    ]
    rows = []
    widths = [column.width for column in columns[levels:]]
    for leaf in all_leaves(roots):
        indicator = leaf.indicator
        texts = [
            leaf.name,
            plain(leaf.weight),
            indicator.explanation,
            indicator.standard,
            indicator.benchmark,
            indicator.actual_display,
            "",
        ]
        rows.append(
            TreeRow(
                [weighted_label(node) for node in leaf.ancestors()],
                [
                    Cell(leaf.name),
                    Cell(plain(leaf.weight), align="num"),
                    Cell(indicator.explanation),
                    Cell(indicator.standard),
                    Cell(indicator.benchmark or "--", align="center"),
                    Cell(indicator.actual_display or "--", align="center"),
                    Cell(score_text(leaf.score), align="num"),
                ],
                lines=estimate_lines(texts, widths, wide=True, small=True),
            )
        )
    bodies = tree_bodies(rows, levels, LANDSCAPE_LINES)
    weight = sum((root.weight for root in roots), Decimal(0))
    total = sum((root.score for root in roots), Decimal(0)) if all(r.score is not None for r in roots) else None
    bodies.append(
        [
            [
                Cell("总分", colspan=levels + 1, role="total", align="center"),
                Cell(plain(weight), align="num", role="total"),
                Cell("", colspan=4, role="total"),
                Cell(score_text(total), align="num", role="total"),
            ]
        ]
    )
    return Table("indicator_annex", "绩效评价指标体系评分表", columns, head, bodies, size="small", keep_bodies=True)


def indicator_system_table(roots: list[IndicatorNode], title: str) -> Table:
    """The indicator system as designed (seed 004 section 三): levels with weights, 指标解释, 指标说明."""
    depth = tree_depth(roots)
    levels = depth - 1
    columns = _widths(12, levels, [14, 30, 40])
    head = [
        [Cell(level_header(level + 1)) for level in range(levels)]
        + [Cell(level_header(depth)), Cell("指标解释"), Cell("评分标准")]
    ]
    widths = [column.width for column in columns[levels:]]
    rows = []
    for leaf in all_leaves(roots):
        texts = [weighted_label(leaf), leaf.indicator.explanation, leaf.indicator.standard]
        rows.append(
            TreeRow(
                [weighted_label(node) for node in leaf.ancestors()],
                [Cell(weighted_label(leaf)), Cell(leaf.indicator.explanation), Cell(leaf.indicator.standard)],
                lines=estimate_lines(texts, widths, wide=False, small=True),
            )
        )
    return Table(
        "indicator_system",
        title,
        columns,
        head,
        tree_bodies(rows, levels, PORTRAIT_LINES),
        size="small",
        keep_bodies=True,
    )


# --- data-collection tables ---------------------------------------------------------------------------


def format_value(column, value) -> str:
    if value is None:
        return ""
    if column.kind == MONEY:
        return money(value)
    if column.kind == PERCENT:
        return percent(value)
    if column.kind in (NUMBER, INTEGER):
        return plain(value, "0.000001") if column.kind == NUMBER else str(value)
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
        [Cell(column.label if column.unit == unit else column.header), Cell(format_value(column, row.get(column.key)))]
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
                shown = percent(value / grand * 100, fixed=True) if value is not None and grand else ""
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
    if not started:
        cells.append(Cell("合计", colspan=lead, role="total", align="center"))
    return cells


def _sum(rows: list[dict], key: str) -> Decimal | int | None:
    values = [row.get(key) for row in rows if row.get(key) is not None]
    return sum(values) if values else None


def staffing_table(rows: list[dict], title: str) -> Table:
    """人员情况一览表 (seed 004): 核定编制数 and 实际在岗人数 side by side, each with its 合计."""
    quota = [
        ("quota_admin", "行政编制"),
        ("quota_public", "事业编制"),
        ("quota_welfare", "公益岗位"),
        ("quota_dispatch", "劳务派遣"),
    ]
    staff = [
        ("staff_admin", "行政编制"),
        ("staff_public", "事业编制"),
        ("staff_welfare", "公益岗位"),
        ("staff_workers", "机关工勤"),
    ]
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
