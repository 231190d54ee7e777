"""The consistency check (体检, DESIGN.md §7): every problem the data lets us find.

One service for the evaluation page, the commands, the report and the submission step.
Each problem says where it is and which two figures disagree. Errors block submission;
warnings are shown but do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from evaluations.datatables.figures import Figure, compute_figures, total
from evaluations.models import FROZEN_STATES, Evaluation, EvaluationIndicator
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.review import open_review_comments
from evaluations.queries.tree import indicator_tree
from evaluations.sections import SECTIONS
from rubrics import tree
from rubrics.engine import InputError, RuleError, ScoreResult, compute_score, grade_for, rule_problems
from rubrics.numbers import cn_date, exact, percent, plain, round_score, written

ERROR, WARNING = "error", "warning"


def same_as_printed(quoted: Decimal, value) -> bool:
    """A figure quoted in text matches the data when it is the data rounded as pages print it (half-up, 2 places),
    or the exact value itself."""
    return quoted == exact(value) or quoted == round_score(value)


@dataclass(frozen=True)
class Problem:
    severity: str
    where: str
    message: str
    anchor: str = ""  # "indicator-12", "table-funds_use", "section-background": the place to fix it

    def as_dict(self) -> dict:
        return {"severity": self.severity, "where": self.where, "message": self.message, "anchor": self.anchor}


def check_evaluation(evaluation: Evaluation) -> list[Problem]:
    indicators = list(evaluation.indicators.all())
    tables = evaluation_tables(evaluation)
    figures = compute_figures(evaluation.kind, tables)
    texts = _texts(evaluation, indicators)
    problems: list[Problem] = []
    results = engine_results(evaluation, indicators)
    problems += indicator_problems(evaluation, indicators, results)
    problems += stored_score_problems(evaluation, indicators, results)
    if evaluation.state not in FROZEN_STATES:  # approved: the record, checked when it was approved
        problems += binding_problems(indicators, figures)
    problems += table_problems(evaluation, tables)
    problems += date_problems(evaluation, tables, texts)
    problems += narrative_figure_problems(texts, figures, tables)
    problems += unit_problems(texts)
    problems += review_comment_problems(evaluation)
    return problems


def review_comment_problems(evaluation: Evaluation) -> list[Problem]:
    """The bureau's return comments, shown as hints where they apply until the evaluation is resubmitted."""
    problems = []
    for comment in open_review_comments(evaluation):
        if comment.indicator_id:
            anchor = f"indicator-{comment.indicator_id}"
        elif comment.section_key:
            anchor = f"section-{comment.section_key}"
        elif comment.finding_id:
            anchor = f"问题-{comment.finding_id}"
        else:
            anchor = ""
        problems.append(Problem(WARNING, comment.target_label(), f"财政局审核意见（退回修改）：{comment.text}", anchor))
    return problems


def has_errors(problems: list[Problem]) -> bool:
    return any(problem.severity == ERROR for problem in problems)


# --- indicators -------------------------------------------------------------------------------


def engine_results(evaluation: Evaluation, indicators: list[EvaluationIndicator]) -> dict[int, ScoreResult | None]:
    """What the engine computes for each leaf from its stored rule, weight and inputs (None: it cannot)."""
    results: dict[int, ScoreResult | None] = {}
    for leaf in indicator_tree(evaluation, indicators).leaves:
        node = leaf.item
        try:
            results[node.pk] = (
                compute_score(
                    node.rule_kind,
                    node.rule_params or {},
                    node.inputs or {},
                    node.weight,
                    na_policy=evaluation.na_policy,
                )
                if node.rule_kind
                else None
            )
        except (InputError, RuleError, KeyError):
            results[node.pk] = None
    return results


def indicator_problems(
    evaluation: Evaluation, indicators: list[EvaluationIndicator], results: dict[int, ScoreResult | None]
) -> list[Problem]:
    scored = indicator_tree(evaluation, indicators)
    problems = [
        Problem(ERROR, "指标体系", message, "indicators")
        for message in tree.tree_errors(tree.Node(n.pk, n.parent_id, n.name, n.weight) for n in indicators)
    ]
    for leaf in scored.leaves:
        node = leaf.item
        where, anchor = f"指标「{node.name}」", f"indicator-{node.pk}"
        if node.rule_kind and node.weight is not None:
            messages = rule_problems(node.rule_kind, node.rule_params or {}, node.weight)
            problems += [Problem(WARNING, where, f"{message}。", anchor) for message in messages]
        if not leaf.applicable:
            continue  # 不适用, left out of the total: nothing to score, nothing to compare
        result = results.get(node.pk)
        if result is not None:  # findings about the inputs that do not change the score (over-achievement)
            problems += [Problem(WARNING, where, f"{message}。", anchor) for message in result.problems]
        if node.awarded_score is None and node.computed_score is None:
            problems.append(Problem(ERROR, where, f"尚不能计分：{node.score_explanation or '缺少计分输入'}", anchor))
            continue
        if node.awarded_score is not None:
            problems += _award_problems(node, where, anchor)
        problems += _actual_display_problems(node, where, anchor)
    return problems


def stored_score_problems(
    evaluation: Evaluation, indicators: list[EvaluationIndicator], results: dict[int, ScoreResult | None]
) -> list[Problem]:
    """A stored score that is not what the engine computes from the stored rule, weight and inputs.

    Scores are written only by the scoring service; a difference means the data were changed around it
    (a database edit, an interrupted save), so the score printed in the report would not follow its rule.
    """
    problems: list[Problem] = []
    if evaluation.state in FROZEN_STATES:
        return problems  # an approved evaluation keeps the scores it was approved with: they are the record
    scored = indicator_tree(evaluation, indicators)
    for leaf in scored.leaves:
        node = leaf.item
        result = results.get(node.pk)
        engine = result.score if result is not None and result.applicable else None
        if engine != node.computed_score:
            stored = plain(node.computed_score, none="未计分")
            now = plain(engine, none="无法计分") if result is None or result.applicable else "不适用"
            problems.append(
                Problem(
                    ERROR,
                    f"指标「{node.name}」",
                    f"保存的计算得分 {stored} 分与按评分规则重新计算的 {now} 分不一致，"
                    "指标数据在计分之外被修改过；请重新保存该指标的计分输入以重新计分。",
                    f"indicator-{node.pk}",
                )
            )
    total = scored.total
    grade = grade_for(total, evaluation.grades) if total is not None else ""
    if (evaluation.total_score, evaluation.grade) != (total, grade):
        problems.append(
            Problem(
                ERROR,
                "总分",
                f"保存的总分 {plain(evaluation.total_score, none='未计分')} 分（{evaluation.grade or '无等级'}）"
                f"与各末级指标得分之和 {plain(total, none='无法合计')} 分（{grade or '无等级'}）不一致。",
                "indicators",
            )
        )
    return problems


def binding_problems(indicators: list[EvaluationIndicator], figures: dict[str, Figure]) -> list[Problem]:
    """A bound input whose figure the data cannot give yet is scored from the value typed earlier."""
    problems = []
    for node in indicators:
        for name, key in (node.bindings or {}).items():
            figure = figures.get(key)
            if figure is None:
                reason = f"没有名为「{key}」的派生数据"
            elif figure.value is None:
                reason = figure.formula
            else:
                stored = exact((node.inputs or {}).get(name))
                if stored != figure.value:
                    problems.append(
                        Problem(
                            ERROR,
                            f"指标「{node.name}」",
                            f"计分所用的{figure.label} {plain(stored, none='（空）')} "
                            f"与基础数据计算的 {figure.display} 不一致，得分未随基础数据更新；"
                            "请重新保存基础数据表以重新计分。",
                            f"indicator-{node.pk}",
                        )
                    )
                continue
            typed = (node.inputs or {}).get(name)
            fallback = f"暂按填写的 {typed} 计分" if typed is not None else "该输入暂无数值"
            problems.append(
                Problem(
                    WARNING,
                    f"指标「{node.name}」",
                    f"绑定的派生数据无法取得：{reason}{fallback}。",
                    f"indicator-{node.pk}",
                )
            )
    return problems


def _award_problems(node: EvaluationIndicator, where: str, anchor: str) -> list[Problem]:
    awarded = node.awarded_score
    problems = []
    if awarded < 0 or awarded > node.weight:
        problems.append(
            Problem(ERROR, where, f"评定得分 {plain(awarded)} 分超出 0～{plain(node.weight)} 分的范围。", anchor)
        )
    computed = node.computed_score
    if computed is not None and round_score(awarded) != computed and not node.override_reason.strip():
        problems.append(
            Problem(
                ERROR,
                where,
                f"评定得分 {plain(awarded)} 分与按评分标准计算的 {plain(computed)} 分不一致，且未说明理由"
                f"（{node.score_explanation}）。",
                anchor,
            )
        )
    return problems


_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_MAIN_INPUT = {
    "ratio": "actual",
    "threshold_deduct": "actual",
    "bands": "actual",
    "threshold_else_rate": "actual",
    "rate_penalty": "rate",
    "satisfaction": "complaint_rate",
    "change_rate": "rate",
}


def _actual_display_problems(node: EvaluationIndicator, where: str, anchor: str) -> list[Problem]:
    """The printed 实际完成值 must agree with the figure the score was computed from."""
    name = _MAIN_INPUT.get(node.rule_kind)
    if node.rule_kind == "satisfaction" and (node.inputs or {}).get("survey"):
        name = "satisfaction"
    match = _PERCENT.fullmatch((node.actual_display or "").strip())
    value = (node.inputs or {}).get(name) if name else None
    if not match or value is None or node.unit not in ("", "%"):
        return []
    scored = exact(value)
    if scored is None:
        return [Problem(WARNING, where, f"计分所用的实际值“{value}”不是数字，无法核对实际完成值。", anchor)]
    if not same_as_printed(Decimal(match.group(1)), scored):
        return [
            Problem(
                WARNING,
                where,
                f"实际完成值写作「{node.actual_display}」，而计分所用的数值为 {percent(scored)}。",
                anchor,
            )
        ]
    return []


# --- tables -------------------------------------------------------------------------------------


def _money_mismatch(where, anchor, label_a, a, label_b, b, unit="万元") -> list[Problem]:
    if a is None or b is None or round_score(a) == round_score(b):
        return []
    return [Problem(ERROR, where, f"{label_a} {plain(a)} {unit} 与{label_b} {plain(b)} {unit} 不一致。", anchor)]


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


# --- dates ---------------------------------------------------------------------------------------

_DATE_IN_TEXT = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def date_problems(evaluation: Evaluation, tables: dict, texts: list[tuple[str, str, str]]) -> list[Problem]:
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
                )
            )
    # Analysis of what happened in the period may cite dates up to the report (决算 is published
    # the next year), but nothing before the period began.
    latest = max(evaluation.report_date or end, end + timedelta(days=366))
    for where, anchor, text in texts:
        if not anchor.startswith("indicator-"):
            continue
        for match in _DATE_IN_TEXT.finditer(text):
            try:
                when = date(*(int(part) for part in match.groups()))
            except ValueError:
                problems.append(Problem(WARNING, where, f"「{match.group(0)}」不是有效日期。", anchor))
                continue
            if not start <= when <= latest:
                problems.append(
                    Problem(
                        WARNING,
                        where,
                        f"分析文字中的日期「{match.group(0)}」不在评价期间"
                        f"（{cn_date(start)}至{cn_date(end)}）内，请核对。",
                        anchor,
                    )
                )
    return problems


# --- narrative ------------------------------------------------------------------------------------


def _texts(evaluation: Evaluation, indicators: list[EvaluationIndicator]) -> list[tuple[str, str, str]]:
    """(where, anchor, text) of every piece of prose the users wrote."""
    titles = {section.key: section.title for section in SECTIONS[evaluation.kind]}
    texts = [(f"章节「{titles.get(s.key, s.key)}」", f"section-{s.key}", s.text) for s in evaluation.narrative.all()]
    texts += [(f"指标「{n.name}」的分析", f"indicator-{n.pk}", n.analysis) for n in indicators if n.analysis]
    for label, items in (
        ("问题", evaluation.findings.all()),
        ("建议", evaluation.recommendations.all()),
        ("经验做法", evaluation.experiences.all()),
    ):
        texts += [(f"{label}「{item.title}」", f"{label}-{item.pk}", f"{item.title}\n{item.text}") for item in items]
    return texts


def narrative_figure_problems(texts, figures: dict[str, Figure], tables: dict) -> list[Problem]:
    """A derived figure quoted in the prose (「预算执行率为 99.71%」) must equal the data."""
    problems = []
    for figure in figures.values():
        if figure.value is None or ":" in figure.key:
            continue
        pattern = re.compile(re.escape(figure.label) + r"[^0-9，。；\n]{0,6}?(-?\d+(?:\.\d+)?)\s*%")
        for where, anchor, text in texts:
            for match in pattern.finditer(text):
                if not same_as_printed(Decimal(match.group(1)), figure.value):
                    problems.append(
                        Problem(
                            ERROR,
                            where,
                            f"文中「{match.group(0).strip()}」与基础数据计算的{figure.label} {figure.display} 不一致"
                            f"（{figure.formula}）。",
                            anchor,
                        )
                    )
    return problems


_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万元|元)")


def unit_problems(texts) -> list[Problem]:
    """The same amount written once in 元 and once in 万元 is almost always a unit slip."""
    seen: dict[Decimal, dict[str, tuple[str, str]]] = {}
    for where, anchor, text in texts:
        for match in _AMOUNT.finditer(text):
            value = Decimal(match.group(1).replace(",", ""))
            if value >= 100:  # small round numbers (标准 50 元, 0.1 万元) recur legitimately
                seen.setdefault(value, {}).setdefault(match.group(2), (where, anchor))
    problems = []
    for value, units in seen.items():
        if len(units) > 1:
            where, anchor = units["元"]
            problems.append(
                Problem(
                    WARNING,
                    where,
                    f"金额 {written(value)} 在此写作「{written(value)} 元」，"
                    f"在{units['万元'][0]}写作「{written(value)} 万元」，单位可能混用。",
                    anchor,
                )
            )
    return problems
