"""The report's indicator tables: score tables (表3-1, 得分情况表), completion tables, the indicator system and
the annex, built from the one indicator tree read model (rubrics.tree.IndicatorTree)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from reports.content import Cell, Column, Table
from reports.layout import (
    LANDSCAPE_LINES,
    PORTRAIT_LINES,
    SCORE_TABLE_WHOLE_ROWS,
    TreeRow,
    estimate_lines,
    tree_bodies,
    widths_filling,
)
from rubrics.numbers import cn_number, percent, percent_of, plain
from rubrics.tree import IndicatorTree, TreeNode


def leaves_of(roots: list[TreeNode]) -> list[TreeNode]:
    return [leaf for root in roots for leaf in root.leaves()]


def depth_of(roots: list[TreeNode]) -> int:
    return max((leaf.level for leaf in leaves_of(roots)), default=1)


def rate_text(score: Decimal | None, weight: Decimal | None) -> str:
    """得分率 as report prose writes it: 100%, 82.38% (— when unscored)."""
    return percent(percent_of(score, weight), trim=True)


def rate_text_of(value) -> str:
    return percent(value, trim=True)


def level_header(level: int) -> str:
    return f"{cn_number(level)}级指标"


def weighted_label(node: TreeNode) -> str:
    return f"{node.name}（{plain(node.weight)}分）"


def score_text(value: Decimal | None) -> str:
    return plain(value) if value is not None else "未计分"


def node_score(node: TreeNode) -> str:
    """A node's score as the tables print it; 不适用 for one left out of the total (DESIGN §4.1)."""
    return score_text(node.score) if node.applicable else "不适用"


def node_rate(node: TreeNode) -> str:
    """A node's 得分率, over its applicable weight when a leaf below is 不适用."""
    return rate_text_of(node.rate) if node.applicable else "--"


def rescaled_rows(
    sums: tuple[Decimal, Decimal | None], total: Decimal | None, label_span: int, blanks: int, *, rates: bool = False
) -> list[list[Cell]]:
    """The closing rows when leaves are left out as 不适用: the applicable leaves' sum (``sums``, from the tree),
    then the total brought to 100 (the reader can add the subtotals up to the first; the conclusion explains
    the second)."""
    weight, summed = sums
    rows = []
    for label, row_weight, score in (("适用指标合计", weight, summed), ("按百分制折算", Decimal(100), total)):
        row = [
            Cell(label, colspan=label_span, role="total", align="center"),
            Cell(plain(row_weight), align="num", role="total"),
            *(Cell("--", align="center", role="total") for _ in range(blanks)),
            Cell(score_text(score), align="num", role="total"),
        ]
        if rates:
            row.append(Cell(rate_text(score, row_weight), align="num", role="total"))
        rows.append(row)
    return rows


def score_full_table(tree: IndicatorTree, total: Decimal | None) -> Table:
    """表3-1: every leaf with weight, benchmark, actual and score; 小计 per level 1 and 合计."""
    roots = tree.roots
    depth = depth_of(roots)
    levels = depth - 1
    columns = widths_filling(10, levels, [30, 8, 14, 14, 9])
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
                        Cell(leaf.indicator.shown_target or "--", align="center"),
                        Cell(leaf.indicator.shown_actual or "--", align="center"),
                        Cell(node_score(leaf), align="num"),
                    ],
                    lines=estimate_lines(
                        [leaf.name, leaf.indicator.shown_target, leaf.indicator.shown_actual],
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
                        Cell(node_score(root), align="num", role="subtotal"),
                    ],
                    subtotal=True,
                )
            )
    bodies = tree_bodies(rows, levels, PORTRAIT_LINES)
    weight = sum((root.weight for root in roots), Decimal(0))
    if tree.has_not_applicable:
        bodies.append(rescaled_rows(tree.applicable_sums, total, levels + 1, 2))
    else:
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


def score_summary_table(tree: IndicatorTree, total: Decimal | None, title: str) -> Table:
    """绩效得分整体情况表: 指标, 权重, 分值, 得分率 per level-1 indicator, with 合计."""
    roots = tree.roots
    columns = [Column(46), Column(16, "center"), Column(18, "center"), Column(20, "center")]
    head = [[Cell("指标"), Cell("权重"), Cell("分值"), Cell("得分率")]]
    rows = [
        [
            Cell(root.name),
            Cell(plain(root.weight), align="num"),
            Cell(node_score(root), align="num"),
            Cell(node_rate(root), align="num"),
        ]
        for root in roots
    ]
    weight = sum((root.weight for root in roots), Decimal(0))
    if tree.has_not_applicable:
        rows += rescaled_rows(tree.applicable_sums, total, 1, 0, rates=True)
    else:
        rows.append(
            [
                Cell("合计", role="total", align="center"),
                Cell(plain(weight), align="num", role="total"),
                Cell(score_text(total), align="num", role="total"),
                Cell(rate_text(total, weight), align="num", role="total"),
            ]
        )
    return Table("score_summary", title, columns, head, [rows])


def leaf_score_table(node: TreeNode) -> Table:
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
            Cell(node_score(leaf), align="num"),
            Cell(node_rate(leaf), align="num"),
        ]
        for leaf in leaves
    ]
    rows.append(
        [
            Cell("合计", role="total", align="center"),
            Cell(plain(node.weight), align="num", role="total"),
            Cell(node_score(node), align="num", role="total"),
            Cell(node_rate(node), align="num", role="total"),
        ]
    )
    return Table(f"leaf_scores_{node.indicator.pk}", f"{node.name}指标得分情况表", columns, head, [rows])


def completion_rate(indicator) -> Fraction | None:
    """实际 ÷ 目标 for indicators scored by completion (ratio rules), from their inputs."""
    if indicator.rule_kind != "ratio":
        return None
    inputs = indicator.inputs or {}
    return percent_of(inputs.get("actual"), inputs.get("target"))


def completion_table(node: TreeNode) -> Table:
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
                Cell(leaf.indicator.shown_target or "--", align="center"),
                Cell(leaf.indicator.shown_actual or "--", align="center"),
                Cell(rate_text_of(value) if value is not None else "--", align="num"),
            ]
        )
    return Table(f"completion_{node.indicator.pk}", f"{node.name}完成情况表", columns, head, [rows])


def indicator_annex_table(tree: IndicatorTree, total: Decimal | None) -> Table:
    """The full indicator system (landscape annex): levels merged, 指标解释, 评分标准, 标杆值, 实际完成值, 得分."""
    roots = tree.roots
    depth = depth_of(roots)
    levels = depth - 1
    columns = widths_filling(7.5, levels, [9, 5, 22, 32, 8, 8, 5.5])
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
    for leaf in leaves_of(roots):
        indicator = leaf.indicator
        texts = [
            leaf.name,
            plain(leaf.weight),
            indicator.explanation,
            indicator.standard,
            indicator.shown_target,
            indicator.shown_actual,
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
                    Cell(indicator.shown_target or "--", align="center"),
                    Cell(indicator.shown_actual or "--", align="center"),
                    Cell(node_score(leaf), align="num"),
                ],
                lines=estimate_lines(texts, widths, wide=True, small=True),
            )
        )
    bodies = tree_bodies(rows, levels, LANDSCAPE_LINES)
    weight = sum((root.weight for root in roots), Decimal(0))
    if tree.has_not_applicable:
        bodies.append(rescaled_rows(tree.applicable_sums, total, levels + 1, 4))
    else:
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


def indicator_system_table(roots: list[TreeNode], title: str) -> Table:
    """The indicator system as designed (seed 004 section 三): levels with weights, 指标解释, 指标说明."""
    depth = depth_of(roots)
    levels = depth - 1
    columns = widths_filling(12, levels, [14, 30, 40])
    head = [
        [Cell(level_header(level + 1)) for level in range(levels)]
        + [Cell(level_header(depth)), Cell("指标解释"), Cell("评分标准")]
    ]
    widths = [column.width for column in columns[levels:]]
    rows = []
    for leaf in leaves_of(roots):
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
