"""The score table as an Excel file (评分表): what the scoring page shows, for reviewers and last edits offline.

Level names as merged cells, 权重, 标杆值 and 实际完成值 as every page prints them (from the rule and the bound
figures: queries/targets), 得分 with 2 decimals, the 计分说明; a 小计 row per level-1 indicator and the closing
rows (合计, or 适用指标合计 and 按百分制折算 when leaves are 不适用). Read-only: nothing is read back from it.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from evaluations.domain.scoring_inputs import humanize
from evaluations.interfaces.spreadsheet import put
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.queries.tree import not_applicable_note
from rubrics.numbers import round_score
from rubrics.tree import IndicatorTree, TreeNode

LEVEL_NAMES = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标", "六级指标")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
NOTE = Font(color="666666", size=9)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
SCORE_FORMAT = "0.00"


def _score(node: TreeNode) -> Decimal | str | None:
    if not node.applicable:
        return "不适用"
    return node.score


def _put(sheet, row: int, column: int, value, *, number: str = "", font=None, fill=None, align=WRAP) -> None:
    cell = put(sheet, row, column, float(value) if isinstance(value, Decimal) else value)
    if isinstance(value, Decimal) and number:
        cell.number_format = number
    cell.border, cell.alignment = BORDER, align
    if font:
        cell.font = font
    if fill:
        cell.fill = fill


def build_score_sheet(evaluation: Evaluation, tree: IndicatorTree[EvaluationIndicator]) -> bytes:
    """The workbook of one evaluation's score table; ``tree`` comes from indicator_tree(..., texts=True)."""
    depth = max(tree.depth, 1)
    book = Workbook()
    sheet = book.active
    sheet.title = "评分表"
    headers = [
        *(LEVEL_NAMES[i] if i < len(LEVEL_NAMES) else f"{i + 1}级指标" for i in range(depth)),
        "权重",
        "标杆值",
        "实际完成值",
        "得分",
        "计分说明",
    ]
    width = len(headers)
    put(sheet, 1, 1, f"{evaluation.title}  评分表").font = TITLE
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    grades = "；".join(f"{label} ≥ {low} 分" for low, label in evaluation.grades)
    put(sheet, 2, 1, f"评价等级：{grades}。得分保留两位小数（四舍五入）。").font = NOTE
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for column, text in enumerate(headers, start=1):
        _put(sheet, 3, column, text, font=BOLD, fill=HEAD_FILL, align=CENTER)
    row = 4
    for root in tree.roots:
        start = row
        for leaf in root.leaves():
            path = [*leaf.ancestors(), leaf]
            for level in range(depth):
                _put(sheet, row, level + 1, path[level].name if level < len(path) else "")
            if leaf.level < depth:  # a leaf above the deepest level spans the level columns to its right
                sheet.merge_cells(start_row=row, start_column=leaf.level, end_row=row, end_column=depth)
            item = leaf.item
            _put(sheet, row, depth + 1, leaf.weight, number="0.##")
            _put(sheet, row, depth + 2, getattr(item, "shown_target", "") or "--", align=CENTER)
            _put(sheet, row, depth + 3, getattr(item, "shown_actual", "") or "--", align=CENTER)
            _put(sheet, row, depth + 4, _score(leaf), number=SCORE_FORMAT)
            _put(sheet, row, depth + 5, humanize(item.score_explanation))
            row += 1
        _merge_levels(sheet, root, start, depth)
        if not root.is_leaf:
            _put(sheet, row, 1, root.name, fill=TOTAL_FILL)
            _put(sheet, row, 2, "小计", font=BOLD, fill=TOTAL_FILL, align=CENTER)
            if depth > 2:
                sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=depth)
            _put(sheet, row, depth + 1, root.weight, number="0.##", font=BOLD, fill=TOTAL_FILL)
            for column in (depth + 2, depth + 3, depth + 5):
                _put(sheet, row, column, "", fill=TOTAL_FILL)
            _put(sheet, row, depth + 4, _score(root), number=SCORE_FORMAT, font=BOLD, fill=TOTAL_FILL)
            row += 1
    closing = [("合计", sum((r.weight for r in tree.roots), Decimal(0)), tree.total)]
    if tree.has_not_applicable:
        weight, score = tree.applicable_sums
        closing = [("适用指标合计", weight, score), ("按百分制折算", Decimal(100), tree.total)]
    for label, weight, score in closing:
        _put(sheet, row, 1, label, font=BOLD, fill=TOTAL_FILL, align=CENTER)
        if depth > 1:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=depth)
        _put(sheet, row, depth + 1, weight, number="0.##", font=BOLD, fill=TOTAL_FILL)
        for column in (depth + 2, depth + 3):
            _put(sheet, row, column, "--", fill=TOTAL_FILL, align=CENTER)
        _put(sheet, row, depth + 4, None if score is None else round_score(score), number=SCORE_FORMAT, font=BOLD)
        _put(sheet, row, depth + 5, f"评价等级：{evaluation.grade}" if label != "适用指标合计" else "", fill=TOTAL_FILL)
        row += 1
    note = not_applicable_note(tree, evaluation.na_policy)
    if note:
        put(sheet, row + 1, 1, note).font = NOTE
        sheet.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=width)
    for column, size in enumerate([16] * depth + [8, 14, 14, 9, 60], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _merge_levels(sheet, root: TreeNode, start: int, depth: int) -> None:
    """Merge each inner indicator's cell over the rows of its leaves, as the report's score table does."""
    row = start
    for leaf in root.leaves():
        for node in leaf.ancestors():
            if node.leaves()[0] is leaf and node.leaf_count > 1:
                column = node.level
                end = row + node.leaf_count - 1
                sheet.merge_cells(start_row=row, start_column=column, end_row=end, end_column=column)
        row += 1
