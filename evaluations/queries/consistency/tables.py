"""Checks of the data tables against each other, and of dates against the evaluation period."""

from __future__ import annotations

import re
from datetime import date, timedelta

from evaluations.datatables.figures import total
from evaluations.models import Evaluation
from evaluations.queries.consistency.problem import ERROR, WARNING, Problem, digest, key
from evaluations.queries.consistency.texts import Text
from rubrics.numbers import cn_date, plain, round_score


def _money_mismatch(where, anchor, label_a, a, label_b, b, unit="万元") -> list[Problem]:
    if a is None or b is None or round_score(a) == round_score(b):
        return []
    return [
        Problem(
            ERROR,
            where,
            f"{label_a} {plain(a)} {unit} 与{label_b} {plain(b)} {unit} 不一致。",
            anchor,
            key("table-total", anchor, digest(f"{where}{label_a}{label_b}")),
        )
    ]


def table_problems(evaluation: Evaluation, tables: dict[str, list[dict]]) -> list[Problem]:
    problems: list[Problem] = []
    if evaluation.kind == "project":
        funds = (tables.get("project_funds") or [{}])[0]
        sub_items = tables.get("sub_item_budgets") or []
        problems += _money_mismatch(
            "表3-2 预算编制情况表",
            "table-sub_item_budgets",
            "年初下达金额合计",
            total(sub_items, "initial"),
            "项目资金情况表的年初预算",
            funds.get("initial_budget"),
        )
        problems += _money_mismatch(
            "表3-2 预算编制情况表",
            "table-sub_item_budgets",
            "指标金额合计",
            total(sub_items, "adjusted"),
            "项目资金情况表的调整后预算",
            funds.get("adjusted_budget"),
        )
        problems += _disbursement_vs_funds_use(tables)
        problems += _money_mismatch(
            "表1-1 项目资金使用情况表",
            "table-funds_use",
            "实际支付金额合计",
            total(tables.get("funds_use") or [], "amount"),
            "项目资金情况表的实际支出",
            funds.get("actual_expenditure"),
        )
    else:
        summary = tables.get("dept_budget_summary") or []
        problems += _money_mismatch(
            "收支预算总表",
            "table-dept_budget_summary",
            "收入合计",
            total([r for r in summary if r.get("side") == "收入"], "budget"),
            "支出合计",
            total([r for r in summary if r.get("side") == "支出"], "budget"),
        )
        compare = tables.get("dept_budget_vs_final") or []
        for column, label in (("budget", "预算支出"), ("final", "决算支出")):
            problems += _money_mismatch(
                "预、决算支出对比表",
                "table-dept_budget_vs_final",
                f"功能分类{label}小计",
                total([r for r in compare if r.get("classification") == "功能分类科目"], column),
                f"经济分类{label}小计",
                total([r for r in compare if r.get("classification") == "经济分类科目"], column),
            )
    return problems


def _disbursement_vs_funds_use(tables: dict) -> list[Problem]:
    """An item paid in batches must add up to the amount 表1-1 reports for it."""
    batches = tables.get("disbursements") or []
    problems = []
    for row in tables.get("funds_use") or []:
        paid = [batch for batch in batches if batch.get("item") == row.get("item")]
        if paid:
            problems += _money_mismatch(
                f"表1-1「{row['item']}」",
                "table-disbursements",
                "资金发放批次表中该事项的发放金额合计",
                total(paid, "amount"),
                "表1-1 的实际支付金额",
                row.get("amount"),
            )
    return problems


_DATE_IN_TEXT = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def date_problems(evaluation: Evaluation, tables: dict, texts: list[Text]) -> list[Problem]:
    start, end = evaluation.period_start, evaluation.period_end
    problems = []
    for number, row in enumerate(tables.get("disbursements") or [], start=1):
        paid = row.get("paid_on")
        if paid and not start <= paid <= end:
            problems.append(
                Problem(
                    ERROR,
                    f"资金发放批次表 第{number}行",
                    f"发放日期 {cn_date(paid)} 不在评价期间（{cn_date(start)}至{cn_date(end)}）内。",
                    "table-disbursements",
                    key("date-period", "table-disbursements", f"{row.get('item') or ''}{paid.isoformat()}"),
                )
            )
    # Analysis of what happened in the period may cite dates up to the report (决算 is published
    # the next year), but nothing before the period began.
    latest = max(evaluation.report_date or end, end + timedelta(days=366))
    for where, anchor, text, _ in texts:
        if not anchor.startswith("indicator-"):
            continue
        for match in _DATE_IN_TEXT.finditer(text):
            try:
                when = date(*(int(part) for part in match.groups()))
            except ValueError:
                problems.append(
                    Problem(
                        WARNING,
                        where,
                        f"「{match.group(0)}」不是有效日期。",
                        anchor,
                        key("date-text", anchor, match.group(0)),
                    )
                )
                continue
            if not start <= when <= latest:
                problems.append(
                    Problem(
                        WARNING,
                        where,
                        f"分析文字中的日期「{match.group(0)}」不在评价期间"
                        f"（{cn_date(start)}至{cn_date(end)}）内，请核对。",
                        anchor,
                        key("date-text", anchor, match.group(0)),
                    )
                )
    return problems
