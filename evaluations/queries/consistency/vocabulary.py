"""The words reports use for the figures the data holds: which label in prose names which figure.

A figure quoted in the text ("总支出 3542.65 万元", "预算执行率 68.42%") is checked when the words just before the
number end with one of these terms. The terms are what the reference reports and the 参考提纲 write; they are
declared here, per table column and per derived figure, so the check never guesses from a seed's sentences.

- ``TABLE_TERMS``: the value of a single-row table's cell, or the 合计 of a column (or of the rows of one
  group, ``group``), named without any row.
- ``ROW_TERMS``: one row's cell, named after the row itself ("子项“生活扶助金”…指标金额 31.89 万元"): they count
  only in a sentence that names the row (or in a paragraph whose topic the row is, named in quotation marks).
- ``ROW_FIGURES``: figures of one row computed from its cells (表3-2 调剂率, 基础表4 资金执行率).
- ``FIGURE_TERMS``: other ways of writing a derived figure (DESIGN §5) besides its own label.
- ``ROW_NAMES``: the column that names the rows of a table.

A term followed by a comparison ("≤ 8%", "不低于 90%") is a threshold, not a figure: only 为/是/达到/共计 …
may stand between a term and its number (``FILLERS``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Words that may stand between a label and its number: "预算执行率为 99.71%", "预算共 0.1 万元".
FILLERS = ("共计", "合计", "总计", "累计", "达到", "约为", "为", "是", "达", "共", "约", "计", "了", "：", ":")

# A money noun or a kind of spending right before a term narrows it to something these tables do not hold:
# 人员经费实际支出, 生活扶助金实际支出, 基本支出预算 are not the department's or the project's 实际支出, 预算.
NARROWING = ("经费", "资金", "费", "款", "金", "基本", "人员", "公用")


@dataclass(frozen=True)
class Terms:
    terms: tuple[str, ...]
    group: tuple[str, str] | None = None  # (column, value): the total of the rows of one group only


TABLE_TERMS: dict[tuple[str, str], tuple[Terms, ...]] = {
    # --- project (项目支出绩效评价) ---
    # "预算资金" may be the year-start or the adjusted budget: either agrees
    ("project_funds", "initial_budget"): (
        Terms(("年初预算", "年初预算资金", "年初预算数", "申报年初预算", "预算资金")),
    ),
    ("project_funds", "adjusted_budget"): (
        Terms(("调整后预算", "指标金额", "预算调整", "全年预算数", "预算资金", "项目预算调整")),
    ),
    ("project_funds", "funds_received"): (Terms(("实际到位资金", "到位资金")),),
    ("project_funds", "actual_expenditure"): (Terms(("实际支出", "实际支付金额", "全年执行数", "实际支付")),),
    ("funds_use", "amount"): (Terms(("实际支付金额", "实际支付", "实际支出")),),
    ("sub_item_budgets", "initial"): (Terms(("年初下达金额", "年初预算")),),
    ("sub_item_budgets", "adjusted"): (Terms(("指标金额", "调整后预算", "预算调整")),),
    # --- department (部门整体绩效评价) ---
    ("dept_budget_summary", "budget"): (
        Terms(("预算收入", "预算总收入", "收入预算"), group=("side", "收入")),
        Terms(("预算支出", "总预算", "年度总预算", "预算资金"), group=("side", "支出")),
    ),
    ("dept_budget_vs_final", "budget"): (Terms(("预算支出",), group=("classification", "功能分类科目")),),
    ("dept_budget_vs_final", "final"): (
        Terms(
            ("决算支出", "决算金额", "总决算", "全年实际支出", "实际支出", "总支出"),
            group=("classification", "功能分类科目"),
        ),
    ),
    ("dept_projects", "budget"): (
        Terms(("项目总预算", "项目预算", "预算资金", "预算金额")),
        Terms(("上级资金",), group=("source", "上级资金")),
        Terms(("区级资金",), group=("source", "区级资金")),
    ),
    ("dept_projects", "paid"): (
        Terms(("总支出", "实际支出", "实际资金支出", "实际支付资金数", "项目支出资金", "项目实际支出")),
        Terms(("上级资金",), group=("source", "上级资金")),
        Terms(("区级资金",), group=("source", "区级资金")),
    ),
    ("dept_assets", "year_end"): (Terms(("固定资产总价值", "固定资产总值", "固定资产价值", "总值", "本年末价值")),),
    ("dept_assets", "in_use"): (Terms(("实际在用固定资产价值", "在用固定资产价值", "在用价值")),),
    ("dept_three_public", "budget"): (Terms(("三公经费预算", "三公经费预算数", "三公经费预算安排数")),),
    ("dept_three_public", "previous_budget"): (Terms(("三公经费预算", "三公经费预算数", "上年三公经费预算")),),
    ("dept_three_public", "final"): (Terms(("三公经费决算数", "三公经费决算", "三公经费实际支出")),),
    ("dept_three_public", "previous_final"): (Terms(("三公经费决算数", "三公经费决算", "上年三公经费决算")),),
    ("dept_key_figures", "added"): (Terms(("年中追加预算",)),),
    ("dept_key_figures", "recalled"): (Terms(("年终收回预算",)),),
    ("dept_key_figures", "adjustment"): (Terms(("预算调整资金", "预算调整数", "预算调整金额")),),
    ("dept_key_figures", "carryover"): (Terms(("结转结余数", "结转结余总额", "结转结余资金", "结余结转数")),),
    ("dept_key_figures", "procurement_budget"): (Terms(("政府采购预算", "政府采购预算数", "预算政府采购资金")),),
    ("dept_key_figures", "procurement_actual"): (Terms(("实际政府采购金额", "实际发生采购", "实际采购金额")),),
    ("dept_key_figures", "key_project_spending"): (Terms(("重点项目支出",)),),
    ("dept_key_figures", "project_spending"): (Terms(("项目总支出",)),),
    # this year's and last year's figures share a name; the sentence's year is not read, either may be meant
    ("dept_key_figures", "public_cost_per_capita"): (Terms(("人均公用经费",)),),
    ("dept_key_figures", "public_cost_per_capita_previous"): (Terms(("人均公用经费",)),),
    ("dept_key_figures", "training_meeting"): (Terms(("培训费、会议费", "培训费", "会议费")),),
    ("dept_key_figures", "training_meeting_previous"): (Terms(("培训费、会议费", "培训费", "会议费")),),
    ("dept_key_figures", "operating_cost"): (Terms(("机关运行经费",)),),
    ("dept_key_figures", "operating_cost_previous"): (Terms(("机关运行经费",)),),
}

ROW_NAMES = {
    "funds_use": "item",
    "sub_item_budgets": "name",
    "dept_projects": "name",
    "dept_three_public": "item",
    "dept_budget_vs_final": "item",
}

ROW_TERMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("funds_use", "amount"): ("实际支付金额", "实际支付"),
    ("sub_item_budgets", "initial"): ("年初下达金额", "年初下达", "年初分配预算", "年初预算", "年初分配"),
    ("sub_item_budgets", "adjusted"): ("指标金额", "调整后预算", "预算调整", "调整后"),
    ("dept_projects", "budget"): ("预算金额", "预算资金", "预算数", "项目预算"),
    ("dept_projects", "paid"): ("支出资金", "实际支付资金数", "实际支付", "实际支出", "项目支出资金"),
    ("dept_three_public", "budget"): ("预算数", "预算"),
    ("dept_three_public", "previous_budget"): ("上年预算数", "上年度预算数", "上年预算"),
    ("dept_three_public", "final"): ("决算数", "支出决算数", "支出", "实际支出"),
    ("dept_three_public", "previous_final"): ("上年决算数", "上年度决算数", "上年决算"),
    ("dept_budget_vs_final", "budget"): ("预算支出", "预算数"),
    ("dept_budget_vs_final", "final"): ("决算支出", "决算数"),
}


@dataclass(frozen=True)
class RowFigure:
    """A figure of one row computed from two of its cells: (a − b) or |a − b| ÷ a × 100, or a ÷ b × 100."""

    label: str
    terms: tuple[str, ...]
    formula: str  # "difference" | "change_rate" | "ratio"
    first: str
    second: str


ROW_FIGURES: dict[str, tuple[RowFigure, ...]] = {
    "sub_item_budgets": (
        RowFigure("调剂金额", ("调剂金额", "调整金额", "调减金额"), "difference", "initial", "adjusted"),
        RowFigure("调剂率", ("调剂率", "调整率", "预算调剂率"), "change_rate", "initial", "adjusted"),
    ),
    "dept_projects": (
        RowFigure("资金执行率", ("资金执行率", "预算执行率", "支付进度率", "执行率"), "ratio", "paid", "budget"),
    ),
}

FIGURE_TERMS: dict[str, tuple[str, ...]] = {
    "budget_adjustment_rate": ("预算调剂率", "预算调整率"),
    "annual_budget_execution_rate": ("预算执行率",),
    "carryover_rate": ("结余结转率",),
    "budget_progress_rate": ("执行进度率",),
    "project_payment_rate": ("项目预算执行率", "预算执行率", "项目支付进度率", "支付进度率"),
    "three_public_cost_change": ("三公经费变动率",),
    "three_public_cost_control": ("三公经费控制率",),
}
