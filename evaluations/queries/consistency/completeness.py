"""What is still to fill in (待填): the indicator system, each leaf's scoring inputs, the required sections of the
report's outline (DESIGN §9; evaluations.sections marks the optional ones), the lists of experiences, findings and
recommendations, and placeholders left in the text. Each is a task of the to-do list; a task not done is a
TODO finding while drafting (an ERROR at submission and approval: ``problem.as_errors``).

A leaf whose rule is unusable, or whose inputs are wrong rather than missing, is an ERROR at once: it is not
waiting for data, something typed needs correcting.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.datatables import spec_for
from evaluations.datatables.figures import Figure, compute_figures
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.queries.consistency.indicators import EngineRun
from evaluations.queries.consistency.problem import ERROR, TODO, Problem, Progress, key
from evaluations.queries.consistency.texts import Text, placeholders
from evaluations.sections import SECTIONS
from rubrics.engine import RULE_KINDS, InputError, readable
from rubrics.tree import IndicatorTree

# The lists the outlines print as chapters of their own (主要经验及做法, 存在的问题, 相关建议).
ITEM_LISTS = (
    ("experiences", "主要经验及做法", "经验做法"),
    ("findings", "存在的问题", "问题"),
    ("recommendations", "相关建议", "建议"),
)


@dataclass(frozen=True)
class Completeness:
    problems: list[Problem]
    progress: Progress


def _input_label(kind: str, name: str) -> str:
    rule = RULE_KINDS.get(kind)
    try:
        return rule.input_field(name).label if rule else name
    except KeyError:
        return name


def _missing(node: EvaluationIndicator, error: InputError) -> bool:
    """The engine stopped at an input nobody has filled in yet (not at a value that is wrong)."""
    value = (node.inputs or {}).get(error.field)
    return value is None or value == ""


def _bound_figure(evaluation: Evaluation, figures: dict[str, Figure], figure_key: str) -> Figure | None:
    """The figure a binding names; a per-category figure (发放及时率:节日慰问金) the tables have no rows for yet
    is described by the one figure module from a sample row, so its name and table can be said."""
    if figure_key in figures:
        return figures[figure_key]
    _, _, name = figure_key.partition(":")
    if not name:
        return None
    sample = compute_figures(evaluation.kind, {"disbursements": [{"category": name, "item": name}]})
    figure = sample.get(figure_key)
    if figure is None:
        return None
    return Figure(
        figure.key, figure.label, None, f"「{spec_for(figure.table).title}」中还没有「{name}」的记录。", figure.table
    )


def _leaf_task(
    evaluation: Evaluation, node: EvaluationIndicator, run: EngineRun, figures: dict[str, Figure]
) -> Problem | None:
    """The finding of a leaf that has no score yet, or None when it is scored."""
    if node.awarded_score is not None or node.computed_score is not None or run.result is not None:
        return None
    where, anchor = f"指标「{node.name}」", f"indicator-{node.pk}"
    if not node.rule_kind:
        return Problem(TODO, where, "尚未设置评分规则，也没有评定得分。", anchor, key("no-rule", anchor))
    error = run.error
    if isinstance(error, InputError) and _missing(node, error):
        label = _input_label(node.rule_kind, error.field)
        figure_key = (node.bindings or {}).get(error.field)
        figure = _bound_figure(evaluation, figures, figure_key) if figure_key else None
        if figure is not None:
            table = spec_for(figure.table).title if figure.table else "基础数据表"
            message = f"「{label}」取自基础数据的{figure.label}，请先在「{table}」中填写：{readable(figure.formula)}"
        else:
            message = f"尚待填写计分输入「{label}」。"
        return Problem(TODO, where, message, anchor, key("inputs", anchor))
    reason = readable(str(error)) if error is not None else "无法计分"
    return Problem(ERROR, where, f"尚不能计分：{reason}。", anchor, key("unscorable", anchor))


def completeness(
    evaluation: Evaluation,
    scored: IndicatorTree[EvaluationIndicator],
    runs: dict[int, EngineRun],
    figures: dict[str, Figure],
    texts: list[Text],
) -> Completeness:
    problems: list[Problem] = []
    tasks = 0
    if not scored.nodes:
        tasks += 1
        problems.append(
            Problem(TODO, "指标体系", "尚未设置指标体系。", "indicators", key("no-indicators", "indicators"))
        )
    for leaf in scored.leaves:
        if not leaf.applicable:
            continue
        tasks += 1
        finding = _leaf_task(evaluation, leaf.item, runs[leaf.item.pk], figures)
        if finding is not None:
            problems.append(finding)
    written = {text.anchor: text.text for text in texts}
    for section in SECTIONS[evaluation.kind]:
        if section.optional:
            continue
        tasks += 1
        anchor = f"section-{section.key}"
        if not written.get(anchor, "").strip():
            where = f"章节「{section.title}」"
            message = f"「{section.chapter}」中的这一节尚未填写。"
            problems.append(Problem(TODO, where, message, anchor, key("empty-section", anchor)))
    for related, chapter, _ in ITEM_LISTS:
        tasks += 1
        if not getattr(evaluation, related).exists():
            anchor = f"items-{related}"
            where = f"「{chapter}」"
            message = f"还没有填写任何一条{chapter}。"
            problems.append(Problem(TODO, where, message, anchor, key("empty-list", anchor)))
    for where, anchor, text, _ in texts:
        for mark in dict.fromkeys(placeholders(text)):
            tasks += 1
            message = f"文中还有待填写的占位内容「{mark}」。"
            problems.append(Problem(TODO, where, message, anchor, key("placeholder", anchor, mark)))
    return Completeness(problems, Progress(tasks - len(problems), tasks))
