"""How the scoring page and the indicator editor show an evaluation's tree.

The merged-cell score table (一级/二级/三级 columns with rowspans, as the reports print it, and a 小计 row per
一级指标), the input widgets each rule kind needs (from the engine's description of its inputs), the score
summary the page and its script share, and a conflict described in the user's words. Reads only; the tree is
the one read model (evaluations.queries.tree).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from evaluations.datatables.figures import Figure
from evaluations.domain.locking import StaleObjectError
from evaluations.domain.scoring_inputs import humanize, input_label, input_type, input_unit
from evaluations.interfaces.charts import Section, score_rate_chart
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.queries.consistency import Problem
from evaluations.queries.tree import indicator_tree
from rubrics.engine import RULE_KINDS
from rubrics.numbers import circled, exact, fixed, plain, with_unit, written
from rubrics.tree import IndicatorTree, TreeNode

LEVEL_NAMES = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标", "六级指标")


def level_headers(depth: int) -> list[str]:
    return [LEVEL_NAMES[i] if i < len(LEVEL_NAMES) else f"{i + 1}级指标" for i in range(depth)]


def score_text(value: Any) -> str | None:
    """A score as the page and its script print it: 2 decimals, half-up."""
    return None if value is None else fixed(value)


def value_text(value: Any) -> str:
    """A stored input as typed (no exponent, exact): 100, 99.71, 0.5; a fraction input rounded to 2 decimals."""
    if value is None:
        return ""
    return written(value) if exact(value) is not None else str(value)


# --- the merged-cell score table ----------------------------------------------------------------------


@dataclass
class NameCell:
    indicator: EvaluationIndicator
    level: int
    rowspan: int
    colspan: int
    is_leaf: bool
    subtotal: Decimal | None


@dataclass
class Widget:
    name: str  # the engine's input name
    field: str  # the form field, and the key of its error message
    label: str
    type: str  # number | flag | grade | checklist | bound | text | textarea
    value: Any = ""
    unit: str = ""
    hint: str = ""
    choices: list = field(default_factory=list)
    items: list = field(default_factory=list)
    figure: Figure | None = None
    figure_url: str = ""
    display: str = ""


@dataclass
class ScoreRow:
    kind: str  # leaf | subtotal
    cells: list[NameCell]
    leaf: EvaluationIndicator | None = None
    section: EvaluationIndicator | None = None
    subtotal: Decimal | None = None
    widgets: list[Widget] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    subtotal_colspan: int = 1
    rate: str = ""
    explanation: str = ""


def merged_rows(tree: IndicatorTree[EvaluationIndicator]) -> list[ScoreRow]:
    """One row per leaf with the level names as merged cells, and a 小计 row after each 一级指标."""
    depth = tree.depth
    rows: list[ScoreRow] = []
    for root in tree.roots:
        subtotal_row = not root.is_leaf and depth > 1
        for leaf in root.leaves():
            cells = []
            for node in [*leaf.ancestors(), leaf]:
                if node is not leaf and node.leaves()[0] is not leaf:
                    continue  # the cell started on an earlier row
                rowspan = node.leaf_count + (1 if node.level == 1 and subtotal_row else 0)
                colspan = depth - node.level + 1 if node.is_leaf else 1
                cells.append(NameCell(node.item, node.level, rowspan, colspan, node.is_leaf, node.score))
            rows.append(ScoreRow("leaf", cells, leaf=leaf.item))
        if subtotal_row:
            rate = Section(root.name, root.weight, root.score).rate
            rows.append(
                ScoreRow(
                    "subtotal",
                    [],
                    section=root.item,
                    subtotal=root.score,
                    subtotal_colspan=depth - 1,
                    rate="—" if rate is None else fixed(rate),
                )
            )
    return rows


# --- the inputs of a leaf --------------------------------------------------------------------------------


def _items(indicator: EvaluationIndicator) -> list[dict]:
    params = indicator.rule_params or {}
    raw = params.get("items") or []
    given = [item.get("points") if isinstance(item, dict) else None for item in raw]
    equal = all(points is None for points in given)
    inputs = indicator.inputs or {}
    met = {int(i) for i in inputs.get("met") or [] if str(i).isdigit()}
    partial = {str(k): v for k, v in (inputs.get("partial") or {}).items()}
    items = []
    for index, item in enumerate(raw):
        text = item.get("text", "") if isinstance(item, dict) else str(item)
        points = exact(indicator.weight) / len(raw) if equal and raw else exact(given[index] or 0)
        share = partial.get(str(index))
        items.append(
            {
                "index": index,
                "number": circled(index),
                "text": text,
                "points": plain(points),
                "met": index in met,
                "share": "" if share is None else value_text(share) if not isinstance(share, str) else share,
                "gate": params.get("gate") == index,
            }
        )
    return items


def _table_url(evaluation_pk: int, key: str) -> str:
    return reverse("evaluation-table", kwargs={"pk": evaluation_pk, "key": key})


def leaf_widgets(
    indicator: EvaluationIndicator, figures: dict[str, Figure], evaluation_pk: int, data: Any = None
) -> list[Widget]:
    """The inputs the leaf's rule needs, with widgets fitting each (RULE_KINDS), and their current values."""
    kind = indicator.rule_kind
    if kind not in RULE_KINDS:
        return []
    inputs = indicator.inputs or {}
    bindings = indicator.bindings or {}
    widgets = []
    for spec in RULE_KINDS[kind].fields:
        name = spec.name
        label, unit = input_label(kind, name), input_unit(indicator, name)
        value = inputs.get(name)
        if kind == "checklist":
            if name == "met":
                items = _items(indicator)
                shown = "；".join(
                    f"{'✓' if item['met'] else ('◐ ' + item['share']) if item['share'] else '✗'} {item['number']}"
                    for item in items
                )
                widgets.append(Widget(name, "met", label, "checklist", items=items, display=shown))
            continue
        if name in bindings:
            figure = figures.get(bindings[name])
            shown = figure.display if figure and figure.value is not None else with_unit(value_text(value), unit)
            widgets.append(
                Widget(
                    name,
                    f"in-{name}",
                    label,
                    "bound",
                    value=value_text(value),
                    figure=figure,
                    figure_url=_table_url(evaluation_pk, figure.table) if figure else "",
                    display=shown,
                )
            )
            continue
        kind_of_input = input_type(kind, name)
        if kind_of_input == "flag":
            current = "" if value is None else ("1" if value else "0")
            yes, no = ("开展", "未开展") if name == "survey" else ("达到", "未达到")
            widgets.append(
                Widget(
                    name,
                    f"in-{name}",
                    label,
                    "flag",
                    value=current,
                    choices=[("1", yes), ("0", no)],
                    display={"1": yes, "0": no}.get(current, "未填"),
                )
            )
        elif kind_of_input == "grade":
            options = list(((indicator.rule_params or {}).get("map") or {}).items())
            choices = [(grade, f"{grade}（{plain(points)} 分）") for grade, points in options]
            if value and value not in dict(options):
                choices.append((value, value))
            widgets.append(Widget(name, "in-grade", label, "grade", value=value or "", choices=choices, display=value))
        elif kind_of_input == "text":
            widgets.append(Widget(name, f"in-{name}", label, "textarea", value=value or "", display=value or "未填"))
        else:
            text = value_text(value)
            widgets.append(
                Widget(
                    name,
                    f"in-{name}",
                    label,
                    "number",
                    value=text,
                    unit=unit,
                    hint=spec.hint,
                    display=with_unit(text, unit) if text else "未填",
                )
            )
    if data is not None:  # a refused save shown again: what the user typed, not what is stored
        for widget in widgets:
            if widget.type in ("number", "flag", "grade", "textarea"):
                widget.value = data.get(widget.field, "")
    return widgets


# --- the summary the page and its script share ---------------------------------------------------------


def summary(evaluation: Evaluation, tree: IndicatorTree[EvaluationIndicator] | None = None) -> dict:
    """Total, grade, sections (level-1 subtotals and score rates) and the chart."""
    tree = tree if tree is not None else indicator_tree(evaluation)
    sections = [Section(root.name, root.weight, root.score) for root in tree.roots]
    return {
        "tree": tree,
        "total": evaluation.total_score,
        "grade": evaluation.grade,
        "weight": sum((root.weight for root in tree.roots), Decimal(0)),
        "sections": [
            {
                "pk": root.key,
                "name": root.name,
                "weight": plain(root.weight),
                "score": score_text(section.score),
                "rate": None if section.rate is None else fixed(section.rate),
            }
            for root, section in zip(tree.roots, sections, strict=True)
        ],
        "chart": score_rate_chart(sections),
    }


def problems_by_indicator(problems: list[Problem]) -> tuple[dict[int, list[Problem]], list[Problem]]:
    """Problems of a single indicator (anchor indicator-<pk>), and the others."""
    mine: dict[int, list[Problem]] = {}
    other = []
    for problem in problems:
        problem = replace(problem, message=humanize(problem.message))  # no JSON key names on the page
        if problem.anchor.startswith("indicator-") and problem.anchor[10:].isdigit():
            mine.setdefault(int(problem.anchor[10:]), []).append(problem)
        else:
            other.append(problem)
    return mine, other


def score_payload(
    evaluation: Evaluation, node: EvaluationIndicator, figures: dict[str, Figure], problems: list[Problem]
) -> dict:
    """What the page's script needs after a save: the leaf, the subtotals, the sections, total and grade."""
    info = summary(evaluation)
    tree = info["tree"]
    mine, _ = problems_by_indicator(problems)
    row = ScoreRow("leaf", [], leaf=node, widgets=leaf_widgets(node, figures, evaluation.pk))
    inputs_text = render_to_string("evaluations/scoring/_inputs_text.html", {"row": row}).strip()
    return {
        "ok": True,
        "message": f"已保存「{node.name}」：得分 {score_text(node.score) or '—'} 分。",
        "indicator": {
            "pk": node.pk,
            "version": node.version,
            "score": score_text(node.score),
            "computed": score_text(node.computed_score),
            "awarded": score_text(node.awarded_score),
            "override_reason": node.override_reason,
            "explanation": humanize(node.score_explanation),
            "actual_display": node.actual_display,
            "inputs_text": inputs_text,
        },
        "subtotals": {str(n.key): score_text(n.score) for n in tree.nodes if not n.is_leaf},
        "sections": info["sections"],
        "total": score_text(evaluation.total_score),
        "grade": evaluation.grade,
        "chart": str(info["chart"]),
        "problems": [{"severity": p.severity, "where": p.where, "message": p.message} for p in mine.get(node.pk, [])],
    }


def describe_conflict(error: StaleObjectError) -> str:
    """A concurrent save, in words: which of the fields differ now, in the user's terms (①②③, not indices)."""
    details = []
    node = error.obj
    for change in error.changes:
        theirs = change.theirs
        if isinstance(theirs, dict):
            parts = []
            for name, value in theirs.items():
                label = input_label(node.rule_kind, name)
                if isinstance(value, bool):
                    value = "是" if value else "否"
                elif isinstance(value, list):
                    value = "".join(circled(int(v)) for v in value if str(v).isdigit()) or "无"
                elif isinstance(value, dict):
                    value = "、".join(f"{circled(int(k))}：{v}" for k, v in value.items() if str(k).isdigit())
                else:
                    value = value_text(value)
                parts.append(f"{label} {value}")
            theirs = "，".join(parts) or "空"
        elif theirs is None or theirs == "":
            theirs = "空"
        details.append(f"「{change.label}」现为“{theirs}”")
    detail = "；".join(details) or "内容已被修改"
    return (
        f"「{node.name}」已被他人修改（您打开的是版本 {error.expected}，当前为版本 {error.current}）：{detail}。"
        "为避免覆盖，本次保存未生效，请刷新页面后重新填写。"
    )


# --- the indicator-system editor --------------------------------------------------------------------------


@dataclass
class EditorRow:
    indicator: EvaluationIndicator
    level: int
    is_leaf: bool
    first: bool
    last: bool
    children_total: Decimal | None = None


def editor_rows(tree: IndicatorTree[EvaluationIndicator]) -> list[EditorRow]:
    rows = []
    for node in tree.nodes:
        siblings = node.parent.children if node.parent else tree.roots
        rows.append(
            EditorRow(
                node.item,
                node.level,
                node.is_leaf,
                siblings[0] is node,
                siblings[-1] is node,
                sum((kid.weight for kid in node.children), Decimal(0)) if node.children else None,
            )
        )
    return rows


def weight_rows(scope: list[TreeNode[EvaluationIndicator]], posted: dict | None) -> list[dict]:
    return [
        {
            "indicator": node.item,
            "level": node.level,
            "is_leaf": node.is_leaf,
            "value": (posted or {}).get(str(node.key), (plain(node.weight), None))[0],
        }
        for node in scope
    ]


def subtree(node: TreeNode[EvaluationIndicator]) -> list[TreeNode[EvaluationIndicator]]:
    found: list[TreeNode[EvaluationIndicator]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.children))
    return found


def root_of(node: TreeNode[EvaluationIndicator]) -> TreeNode[EvaluationIndicator]:
    while node.parent is not None:
        node = node.parent
    return node
