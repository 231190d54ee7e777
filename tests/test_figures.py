import datetime as dt
from decimal import Decimal

from evaluations.datatables.figures import compute_figures

D = Decimal


def project_tables():
    funds = {
        "initial_budget": D("433.53"),
        "adjusted_budget": D("294.39"),
        "funds_received": D("294.39"),
        "actual_expenditure": D("293.53"),
    }

    def batch(category, item, paid, deadline, amount, recipients=1, over=None):
        return {
            "category": category,
            "item": item,
            "paid_on": paid,
            "deadline": deadline,
            "amount": D(amount),
            "recipients": recipients,
            "over_standard": over,
        }

    disbursements = [
        batch("节日慰问金", "春节慰问金", dt.date(2023, 1, 20), dt.date(2023, 1, 21), "94.19"),
        batch("节日慰问金", "八一困难退役军人慰问金", dt.date(2023, 8, 14), dt.date(2023, 8, 1), "1.8", 18),
        batch("节日慰问金", "中秋节慰问金", dt.date(2023, 9, 25), dt.date(2023, 9, 28), "159.4"),
        batch("养育扶助金", "低边养育扶助金", dt.date(2023, 1, 19), dt.date(2023, 1, 20), "0.52"),
    ]
    return {"project_funds": [funds], "disbursements": disbursements}


def test_project_ratios_follow_seed_003():
    figures = compute_figures("project", project_tables())
    assert figures["funds_arrival_rate"].display == "100.00%"
    assert figures["budget_execution_rate"].display == "99.71%"
    assert figures["budget_adjustment_rate"].display == "32.09%"
    assert "实际支出 293.53 万元 ÷ 实际到位资金 294.39 万元" in figures["budget_execution_rate"].formula


def test_timeliness_counts_late_batches_by_category():
    figures = compute_figures("project", project_tables())
    assert figures["timely_rate:节日慰问金"].display == "99.30%"  # 253.59 of 255.39 on time, as seed 003
    assert figures["late_recipients:节日慰问金"].value == 18
    assert figures["timely_rate:养育扶助金"].display == "100.00%"
    assert figures["overstandard_rate:春节慰问金"].value == 0


def test_missing_or_zero_denominators_give_no_value_and_say_why():
    figures = compute_figures("project", {"project_funds": [{"adjusted_budget": D(0), "funds_received": D(1)}]})
    assert figures["funds_arrival_rate"].value is None
    assert "为 0" in figures["funds_arrival_rate"].formula
    assert figures["budget_execution_rate"].value is None
    assert "缺少实际支出" in figures["budget_execution_rate"].formula


def department_tables():
    return {
        "dept_staffing": [
            {"quota_admin": 6, "staff_admin": 9, "staff_welfare": 3, "staff_workers": 1},
            {"quota_public": 9, "staff_public": 9},
            {"quota_public": 8, "staff_public": 8},
            {"quota_public": 11, "staff_public": 10},
        ],
        "dept_budget_summary": [{"side": "收入", "budget": D("5653.10")}, {"side": "支出", "budget": D("5653.10")}],
        "dept_budget_vs_final": [
            {"classification": "功能分类科目", "budget": D("5653.10"), "final": D("5292.58")},
            {"classification": "经济分类科目", "budget": D("5653.10"), "final": D("5292.58")},
        ],
        "dept_key_figures": [
            {
                "adjustment": D("21.15"),
                "carryover": D("360.52"),
                "procurement_budget": D("6.85"),
                "procurement_actual": D("6.93"),
                "training_meeting": D("0.1953"),
                "training_meeting_previous": D("0.68"),
            }
        ],
        "dept_three_public": [{"previous_budget": D("0.2"), "budget": D("0.1"), "final": D("0.068")}],
    }


def test_department_figures_follow_seed_004():
    figures = compute_figures("department", department_tables())
    assert figures["staffing_control_rate"].display == "117.65%"  # 40 在职 / 34 编制
    assert figures["budget_completion_rate"].display == "93.62%"
    assert figures["budget_progress_rate"].display == "93.62%"
    assert figures["budget_adjustment_rate"].display == "0.37%"
    assert figures["carryover_rate"].display == "6.38%"
    assert figures["procurement_execution_rate"].display == "101.17%"
    assert figures["three_public_cost_change"].display == "-50.00%"
    assert figures["three_public_cost_control"].display == "68.00%"
    assert figures["training_meeting_cost_change"].display == "-71.28%"
