"""Derived figures (DESIGN.md §5), computed from an evaluation's data-collection tables.

Never typed twice: an indicator input bound to a figure follows the data. Each figure
carries the arithmetic as a Chinese sentence, for the scoring page and the report.
Values are exact fractions (a 预算执行率 of 5/24 is 20.8333…%, not 20.83); percentages are percent
numbers (99.71 means 99.71 %). They are rounded only when shown, by rubrics.numbers, half-up, so the
tables page, the scoring explanation and the report print the same digits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from rubrics.numbers import HUNDRED, exact, percent, plain, with_unit, written


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Fraction | None
    formula: str  # e.g. "实际支出 293.53 万元 ÷ 实际到位资金 294.39 万元 = 99.71%"
    table: str  # the table the figure comes from, for links
    unit: str = "%"

    @property
    def display(self) -> str:
        """Percentages with 2 decimals (99.71%); counts and amounts rounded to 2 decimals (18, 36.5 户)."""
        if self.value is None:
            return "—"
        if self.unit == "%":
            return percent(self.value)
        return with_unit(plain(self.value), self.unit)


def num(value: Decimal | Fraction | None) -> str:
    """An operand as it was entered (294.39, 36, 0.068): exact, so a formula reproduces its result."""
    if value is None:
        return "未填"
    return written(value)


def total(rows: Iterable[dict], column: str) -> Decimal | None:
    values = [row.get(column) for row in rows if row.get(column) is not None]
    return sum(values, Decimal(0)) if values else None


def _ratio(key, label, table, numerator, denominator, num_label, den_label, unit="万元") -> Figure:
    if numerator is None or denominator is None:
        missing = den_label if denominator is None else num_label
        return Figure(key, label, None, f"缺少{missing}，无法计算{label}。", table)
    if denominator == 0:
        return Figure(key, label, None, f"{den_label}为 0，无法计算{label}。", table)
    value = exact(numerator) / exact(denominator) * HUNDRED
    formula = f"{num_label} {num(numerator)} {unit} ÷ {den_label} {num(denominator)} {unit} × 100% = {percent(value)}"
    return Figure(key, label, value, formula, table)


def _change(key, label, table, current, previous, unit="万元") -> Figure:
    if current is None or previous is None:
        return Figure(key, label, None, f"缺少本年或上年数据，无法计算{label}。", table)
    if previous == 0:
        return Figure(key, label, None, f"上年数为 0，无法计算{label}。", table)
    value = (exact(current) - exact(previous)) / exact(previous) * HUNDRED
    difference = f"（本年 {num(current)} {unit} − 上年 {num(previous)} {unit}）"
    formula = f"{difference}÷ 上年 {num(previous)} {unit} × 100% = {percent(value)}"
    return Figure(key, label, value, formula, table)


def _single(tables: dict, key: str) -> dict:
    rows = tables.get(key) or []
    return rows[0] if rows else {}


def project_figures(tables: dict[str, list[dict]]) -> list[Figure]:
    funds = _single(tables, "project_funds")
    figures = [
        _ratio(
            "funds_arrival_rate",
            "资金到位率",
            "project_funds",
            funds.get("funds_received"),
            funds.get("adjusted_budget"),
            "实际到位资金",
            "预算资金",
        ),
        _ratio(
            "budget_execution_rate",
            "预算执行率",
            "project_funds",
            funds.get("actual_expenditure"),
            funds.get("funds_received"),
            "实际支出",
            "实际到位资金",
        ),
        # The 自评表 of 财预〔2020〕10号 附1 divides by the year's budget instead (全年执行数/全年预算数).
        _ratio(
            "annual_budget_execution_rate",
            "预算执行率（全年执行数/全年预算数）",
            "project_funds",
            funds.get("actual_expenditure"),
            funds.get("adjusted_budget"),
            "全年执行数",
            "全年预算数",
        ),
    ]
    initial, adjusted = funds.get("initial_budget"), funds.get("adjusted_budget")
    adjustment = abs(initial - adjusted) if initial is not None and adjusted is not None else None
    figures.append(
        _ratio("budget_adjustment_rate", "预算调剂率", "project_funds", adjustment, initial, "调剂金额", "年初预算")
    )
    figures.extend(_disbursement_figures(tables.get("disbursements") or []))
    return figures


def _disbursement_figures(rows: list[dict]) -> list[Figure]:
    figures: list[Figure] = []
    for category in sorted({row["category"] for row in rows if row.get("category")}):
        batch = [row for row in rows if row.get("category") == category]
        late = [row for row in batch if row.get("deadline") and row.get("paid_on") and row["paid_on"] > row["deadline"]]
        on_time = (total(batch, "amount") or Decimal(0)) - (total(late, "amount") or Decimal(0))
        figures.append(
            _ratio(
                f"timely_rate:{category}",
                f"{category}发放及时率",
                "disbursements",
                on_time,
                total(batch, "amount"),
                "按时发放金额",
                "发放总金额",
            )
        )
        late_count = sum((row.get("recipients") or 0) for row in late)
        figures.append(
            Figure(
                f"late_recipients:{category}",
                f"{category}逾期发放对象数",
                Fraction(late_count),
                f"{len(late)} 个批次晚于应发放截止日期，涉及对象 {late_count} 户（人）。",
                "disbursements",
                unit="",
            )
        )
    for item in sorted({row["item"] for row in rows if row.get("item")}):
        batch = [row for row in rows if row.get("item") == item]
        figures.append(
            _ratio(
                f"overstandard_rate:{item}",
                f"{item}发放超标率",
                "disbursements",
                total(batch, "over_standard") or Decimal(0),
                total(batch, "amount"),
                "超标准发放金额",
                "发放总金额",
            )
        )
    return figures


def department_figures(tables: dict[str, list[dict]]) -> list[Figure]:
    key = _single(tables, "dept_key_figures")
    staffing = tables.get("dept_staffing") or []
    staff = _sum_columns(staffing, ("staff_admin", "staff_public", "staff_welfare", "staff_workers"))
    quota = _sum_columns(staffing, ("quota_admin", "quota_public", "quota_welfare", "quota_dispatch"))
    assets = tables.get("dept_assets") or []
    summary = tables.get("dept_budget_summary") or []
    budget = total([row for row in summary if row.get("side") == "支出"], "budget")
    functional = [
        row for row in (tables.get("dept_budget_vs_final") or []) if row.get("classification") == "功能分类科目"
    ]
    final = total(functional, "final")
    projects = tables.get("dept_projects") or []
    three = tables.get("dept_three_public") or []
    available = None
    if budget is not None:
        available = budget + (key.get("added") or Decimal(0)) - (key.get("recalled") or Decimal(0))
    return [
        _ratio(
            "staffing_control_rate", "在职人员控制率", "dept_staffing", staff, quota, "在职人员数", "编制数", unit="人"
        ),
        _ratio(
            "fixed_asset_utilization_rate",
            "固定资产利用率",
            "dept_assets",
            total(assets, "in_use"),
            total(assets, "year_end"),
            "实际在用固定资产总额",
            "所有固定资产总额",
            unit="元",
        ),
        _ratio(
            "budget_completion_rate",
            "预算完成率",
            "dept_budget_vs_final",
            final,
            total(functional, "budget"),
            "决算数",
            "预算数",
        ),
        _ratio(
            "budget_progress_rate",
            "预算执行进度率",
            "dept_budget_vs_final",
            final,
            available,
            "实际支出数",
            "年初预算数＋年中追加－年终收回",
        ),
        _ratio(
            "budget_adjustment_rate",
            "预算调整率",
            "dept_key_figures",
            key.get("adjustment"),
            budget,
            "预算调整数",
            "预算数",
        ),
        _ratio(
            "carryover_rate",
            "结转结余率",
            "dept_key_figures",
            key.get("carryover"),
            budget,
            "结转结余总额",
            "支出预算数",
        ),
        _ratio(
            "procurement_execution_rate",
            "政府采购执行率",
            "dept_key_figures",
            key.get("procurement_actual"),
            key.get("procurement_budget"),
            "实际政府采购金额",
            "政府采购预算数",
        ),
        _ratio(
            "key_expenditure_rate",
            "重点支出安排率",
            "dept_key_figures",
            key.get("key_project_spending"),
            key.get("project_spending"),
            "重点项目支出",
            "项目总支出",
        ),
        _ratio(
            "project_payment_rate",
            "专项项目支付进度率",
            "dept_projects",
            total(projects, "paid"),
            total(projects, "budget"),
            "实际支付资金数",
            "预算数",
            unit="元",
        ),
        _change(
            "per_capita_public_cost_change",
            "人均公用经费变动率",
            "dept_key_figures",
            key.get("public_cost_per_capita"),
            key.get("public_cost_per_capita_previous"),
        ),
        _change(
            "three_public_cost_change",
            "“三公经费”变动率",
            "dept_three_public",
            total(three, "budget"),
            total(three, "previous_budget"),
        ),
        _ratio(
            "three_public_cost_control",
            "“三公经费”控制率",
            "dept_three_public",
            total(three, "final"),
            total(three, "budget"),
            "“三公经费”实际支出数",
            "“三公经费”预算安排数",
        ),
        _change(
            "training_meeting_cost_change",
            "培训费、会议费变动率",
            "dept_key_figures",
            key.get("training_meeting"),
            key.get("training_meeting_previous"),
        ),
        _change(
            "operating_cost_change",
            "机关运行经费变动率",
            "dept_key_figures",
            key.get("operating_cost"),
            key.get("operating_cost_previous"),
        ),
    ]


def _sum_columns(rows: list[dict], columns: tuple[str, ...]) -> Decimal | None:
    values = [row.get(column) for row in rows for column in columns if row.get(column) is not None]
    return Decimal(sum(values)) if values else None


def compute_figures(kind: str, tables: dict[str, list[dict]]) -> dict[str, Figure]:
    """All derived figures of an evaluation of this kind, keyed by figure key."""
    figures = project_figures(tables) if kind == "project" else department_figures(tables)
    return {figure.key: figure for figure in figures}
