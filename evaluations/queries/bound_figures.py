"""The figures a report section or an indicator's analysis can bind (``<span data-figure="KEY"></span>``,
evaluations.narrative_html), each with its current value as printed: a derived figure of DESIGN §5 and its
calculation, a data table's total, an indicator's actual value, score or weight (a level-1 indicator's score is
its section's), a leaf's scoring explanation and what its inputs say (the sentences a drafted analysis binds, so
the calculation it shows is always the current one), the total score and the grade.

Keys name things, not rows, so a binding survives export, import and a new edition:
``figure:budget_execution_rate`` · ``formula:budget_execution_rate`` · ``sum:funds_use:amount``
(``sum:dept_projects:paid:wan``: a 元 column in 万元) · ``indicator:决策/项目立项/立项依据充分性:score`` (also
``:weight``, ``:actual``, ``:explanation``, ``:facts``) · ``total`` · ``grade``. Values are written by
rubrics.numbers with their units, read when the text is shown or printed, so they never go stale; a key not in
the catalogue is a binding whose figure no longer exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from evaluations.datatables import tables_for_kind
from evaluations.datatables.figures import Figure, compute_figures, total
from evaluations.datatables.spec import INTEGER, MONEY, NUMBER, PERCENT
from evaluations.models import Evaluation
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.leaf_wording import FACT_KINDS, explanation_text, input_facts
from evaluations.queries.targets import actual_text
from evaluations.queries.tree import indicator_tree
from rubrics.numbers import money, percent, plain, wan, with_unit, written
from rubrics.tree import IndicatorTree

DERIVED, SUMS, INDICATORS, RESULT = "派生数据", "基础数据表合计", "指标", "总分与等级"
ASPECTS = {"score": "得分", "weight": "权重", "actual": "实际完成值", "explanation": "计分说明", "facts": "核查情况"}
NOT_YET = ""  # a figure that exists but has no value yet (data missing, not scored): shown as "（尚无数据）"


@dataclass(frozen=True)
class BoundFigure:
    key: str
    label: str  # what the picker lists and the page shows on hover: 预算执行率 · 指标「资金到位率」的得分
    group: str  # 派生数据 · 基础数据表合计 · 指标 · 总分与等级
    text: str  # the value as printed, with its unit (99.71% · 5,653.10 万元 · 1.87 分 · 优); NOT_YET when none
    hint: str = ""  # where it comes from: the formula, the table, the indicator's path


def _escape(name: str) -> str:
    return name.replace("%", "%25").replace("/", "%2F")


def indicator_key(path: tuple[str, ...] | list[str], aspect: str) -> str:
    """indicator:决策/项目立项/立项依据充分性:score (a "/" or "%" inside a name is escaped)."""
    return f"indicator:{'/'.join(_escape(name) for name in path)}:{aspect}"


def _derived(figures: Mapping[str, Figure]) -> list[BoundFigure]:
    """Each derived figure, then its calculation ("实际支出 293.53 万元 ÷ 实际到位资金 294.39 万元 × 100% = 99.71%"):
    bound whole, its operands are always the ones the value was computed from."""
    found = []
    for figure in figures.values():
        known = figure.value is not None
        shown = figure.display if known else NOT_YET
        found.append(BoundFigure(f"figure:{figure.key}", figure.label, DERIVED, shown, figure.formula))
        formula = figure.formula.rstrip("。") if known else NOT_YET
        found.append(BoundFigure(f"formula:{figure.key}", f"{figure.label}的计算过程", DERIVED, formula, figure.label))
    return found


def _sum_text(column, value) -> str:
    if value is None:
        return NOT_YET
    if column.kind == MONEY:
        return with_unit(money(value), column.unit)
    if column.kind == PERCENT:
        return percent(value, trim=True)
    if column.kind in (NUMBER, INTEGER):
        return with_unit(written(value), column.unit)
    return NOT_YET


def _sums(evaluation: Evaluation, tables: Mapping[str, list[dict]]) -> list[BoundFigure]:
    """Each table's 合计 per summed column; a column kept in 元 also in 万元, as report text quotes it."""
    found = []
    for spec in tables_for_kind(evaluation.kind):
        name = spec.title if spec.code == spec.title else f"{spec.code} {spec.title}"
        for column in spec.total_columns:
            value = total(tables.get(spec.key) or [], column.key)
            key, label = f"sum:{spec.key}:{column.key}", f"{name}合计（{column.label}）"
            found.append(BoundFigure(key, label, SUMS, _sum_text(column, value), name))
            if column.kind == MONEY and column.unit == "元":
                text = with_unit(money(wan(value)), "万元") if value is not None else NOT_YET
                found.append(BoundFigure(f"{key}:wan", f"{label}，万元", SUMS, text, name))
    return found


def _indicators(tree: IndicatorTree, figures: Mapping[str, Figure], na_policy: str) -> list[BoundFigure]:
    found = []
    for node in tree.nodes:
        where = " / ".join(node.path)
        level = "（一级指标）" if node.level == 1 else ""
        if not node.applicable:
            score = "不适用"
        else:
            score = with_unit(plain(node.score), "分") if node.score is not None else NOT_YET
        aspects = {
            "score": score,
            "weight": with_unit(plain(node.weight), "分") if node.weight is not None else NOT_YET,
        }
        if node.is_leaf:
            aspects["actual"] = actual_text(node.indicator, figures) or NOT_YET
            aspects["explanation"] = explanation_text(node.indicator, na_policy) or NOT_YET
            if node.indicator.rule_kind in FACT_KINDS:
                aspects["facts"] = input_facts(node.indicator) or NOT_YET
        for aspect, text in aspects.items():
            label = f"指标「{node.name}」{level}的{ASPECTS[aspect]}"
            found.append(BoundFigure(indicator_key(node.path, aspect), label, INDICATORS, text, where))
    return found


def _result(evaluation: Evaluation, tree: IndicatorTree) -> list[BoundFigure]:
    scored = tree.total is not None and evaluation.total_score is not None
    return [
        BoundFigure("total", "综合得分", RESULT, with_unit(plain(evaluation.total_score), "分") if scored else NOT_YET),
        BoundFigure("grade", "评价等级", RESULT, evaluation.grade if scored else NOT_YET),
    ]


def figure_catalogue(
    evaluation: Evaluation,
    *,
    tables: Mapping[str, list[dict]] | None = None,
    tree: IndicatorTree | None = None,
) -> dict[str, BoundFigure]:
    """Every figure this evaluation's sections can bind, by key, in the picker's order (3 queries when the
    tables and the tree are not given)."""
    tables = evaluation_tables(evaluation) if tables is None else tables
    figures = compute_figures(evaluation.kind, dict(tables))
    tree = indicator_tree(evaluation) if tree is None else tree
    listed = [*_result(evaluation, tree), *_derived(figures), *_sums(evaluation, tables)]
    listed += _indicators(tree, figures, evaluation.na_policy)
    return {figure.key: figure for figure in listed}


def figure_texts(catalogue: Mapping[str, BoundFigure]) -> dict[str, str]:
    """{key: the value as printed}: what a bound figure shows ("（尚无数据）" for one without a value yet)."""
    return {key: figure.text or "（尚无数据）" for key, figure in catalogue.items()}


def figure_labels(catalogue: Mapping[str, BoundFigure]) -> dict[str, str]:
    return {key: figure.label for key, figure in catalogue.items()}


def picker_entries(catalogue: Mapping[str, BoundFigure]) -> list[dict]:
    """The catalogue for the editor's picker and its display of bound figures (JSON in the page)."""
    return [
        {"key": f.key, "label": f.label, "group": f.group, "text": f.text or "（尚无数据）", "hint": f.hint}
        for f in catalogue.values()
    ]
