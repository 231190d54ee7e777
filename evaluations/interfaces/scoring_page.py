"""How the scoring page and the indicator editor show an evaluation's tree.

The merged-cell score table (一级/二级/三级 columns with rowspans, as the reports print it, and a 小计 row per
一级指标), the input widgets each rule kind needs (from the engine's description of its inputs), the score
summary the page and its script share, and a conflict described in the user's words. Reads only; the tree is
the one read model (evaluations.queries.tree).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from evaluations.datatables.figures import Figure
from evaluations.domain.locking import StaleObjectError
from evaluations.domain.scoring_inputs import bindable_inputs, humanize, input_label, input_type
from evaluations.interfaces.charts import Section, score_rate_chart
from evaluations.interfaces.forms import option_tags
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.queries.consistency import Problem
from evaluations.queries.targets import input_unit
from evaluations.queries.tree import indicator_tree, not_applicable_note
from rubrics.engine import RULE_KINDS
from rubrics.numbers import circled, exact, fixed, plain, with_unit, written
from rubrics.rules.grading import DEFAULT_LEVELS
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
    type: str  # number | flag | grade | checklist | option | textarea
    value: Any = ""
    unit: str = ""
    hint: str = ""
    choices: list = field(default_factory=list)
    items: list = field(default_factory=list)
    figure: Figure | None = None  # the derived figure a bound input follows
    figure_url: str = ""
    display: str = ""
    bind_field: str = ""  # the 数据来源 select of an input a derived figure can give
    binding: str = ""  # the key of the figure it is bound to ("" when typed)
    bind_options: str = ""  # the 数据来源 select's <option>s (binding_options)
    options: list = field(default_factory=list)  # either_of: each option with its own widgets


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
    counted: bool = True  # False for a leaf left out as 不适用 (the "rescale" policy)


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
            rows.append(ScoreRow("leaf", cells, leaf=leaf.item, counted=leaf.applicable))
        if subtotal_row:
            rate = root.rate
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


@dataclass
class RuleSubject:
    """What the widgets of one rule read: a leaf, or the chosen rule inside an either_of option."""

    rule_kind: str
    rule_params: dict
    inputs: dict
    weight: Any
    unit: str = ""
    bindings: dict = field(default_factory=dict)


def _subject(indicator: EvaluationIndicator) -> RuleSubject:
    return RuleSubject(
        indicator.rule_kind,
        indicator.rule_params or {},
        indicator.inputs or {},
        indicator.weight,
        indicator.unit,
        indicator.bindings or {},
    )


def _items(subject: RuleSubject, prefix: str) -> list[dict]:
    params = subject.rule_params
    raw = params.get("items") if isinstance(params.get("items"), list) else []
    given = [item.get("points") if isinstance(item, dict) else None for item in raw]
    equal = all(points is None for points in given)
    inputs = subject.inputs
    met = {int(i) for i in inputs.get("met") or [] if str(i).isdigit()}
    partial = {str(k): v for k, v in (inputs.get("partial") or {}).items()}
    faults = (
        {str(k): v for k, v in (inputs.get("faults") or {}).items()} if isinstance(inputs.get("faults"), dict) else {}
    )
    items = []
    for index, item in enumerate(raw):
        text = item.get("text", "") if isinstance(item, dict) else str(item)
        points = exact(subject.weight) / len(raw) if equal and raw else exact(given[index] or 0)
        share = partial.get(str(index))
        limit = item.get("max_faults") if isinstance(item, dict) else None
        items.append(
            {
                "index": index,
                "number": circled(index),
                "text": text,
                "points": plain(points),
                "met": index in met,
                "share": "" if share is None else value_text(share) if not isinstance(share, str) else share,
                "gate": params.get("gate") == index,
                "max_faults": limit,
                "faults": value_text(faults.get(str(index))),
                "field": f"{prefix}met",
                "partial_field": f"{prefix}partial-{index}",
                "faults_field": f"{prefix}faults-{index}",
            }
        )
    return items


def _items_display(items: list[dict]) -> str:
    parts = []
    for item in items:
        if item["max_faults"] is not None:
            parts.append(f"{item['number']} 不满足 {item['faults'] or '—'}/{item['max_faults']} 项")
        elif item["met"]:
            parts.append(f"✓ {item['number']}")
        elif item["share"]:
            parts.append(f"◐ {item['share']} {item['number']}")
        else:
            parts.append(f"✗ {item['number']}")
    return "；".join(parts)


def _table_url(evaluation_pk: int, key: str) -> str:
    return reverse("evaluation-table", kwargs={"pk": evaluation_pk, "key": key})


def figure_choices(figures: dict[str, Figure]) -> tuple[tuple[str, str], ...]:
    """Every derived figure of the evaluation with its current value, for a 数据来源 select."""
    return tuple(
        (key, f"{figure.label}：{figure.display if figure.value is not None else '暂无数据'}")
        for key, figure in figures.items()
    )


@lru_cache(maxsize=64)
def binding_options(choices: tuple[tuple[str, str], ...], selected: str) -> str:
    """The 数据来源 select's options (option_tags, not the template: every number input of every leaf lists every
    derived figure, some 600 options on a department's scoring page)."""
    listed = [("", "手工填写"), *((key, f"取自基础数据：{text}") for key, text in choices)]
    return option_tags(listed, {selected})


def _levels(params: dict) -> list:
    levels = params.get("levels")
    return levels if isinstance(levels, list) else [list(level) for level in DEFAULT_LEVELS]


def _level_choices(params: dict) -> list[tuple[str, str]]:
    levels = [level for level in _levels(params) if isinstance(level, list | tuple) and len(level) == 3]
    top = max((exact(level[2]) or 0 for level in levels), default=None)
    choices = []
    for label, lower, upper in levels:
        closing = "（含）" if exact(upper) == top else ""
        choices.append((str(label), f"{label}（{plain(lower)}%（含）至 {plain(upper)}%{closing}）"))
    return choices


def _options(subject: RuleSubject) -> list[dict]:
    raw = subject.rule_params.get("options")
    return [option for option in raw if isinstance(option, dict)] if isinstance(raw, list) else []


def rule_widgets(
    subject: RuleSubject,
    figures: dict[str, Figure],
    evaluation_pk: int,
    *,
    prefix: str = "",
    bindable: tuple[str, ...] = (),
    choices: tuple[tuple[str, str], ...] | None = None,
) -> list[Widget]:
    """The inputs one rule needs, with a widget fitting each (the engine's RULE_KINDS), and their values.

    ``choices``: ``figure_choices(figures)``, when the caller lists many leaves and computes them once."""
    kind = subject.rule_kind
    if kind not in RULE_KINDS:
        return []
    inputs, bindings = subject.inputs, subject.bindings
    widgets = []
    for spec in RULE_KINDS[kind].fields:
        name = spec.name
        label, unit = input_label(kind, name), input_unit(subject, name)
        field_name = f"{prefix}in-{name}"
        value = inputs.get(name)
        kind_of_input = input_type(kind, name)
        if kind == "checklist":
            if name == "met":
                items = _items(subject, prefix)
                widgets.append(
                    Widget(name, f"{prefix}met", label, "checklist", items=items, display=_items_display(items))
                )
            continue
        if kind_of_input == "option_inputs":
            continue  # shown inside each option of the "option" widget
        if kind_of_input == "option":
            options = []
            for index, option in enumerate(_options(subject)):
                rule = option.get("rule") if isinstance(option.get("rule"), dict) else {}
                chosen = inputs.get("option") == index
                nested = RuleSubject(
                    str(rule.get("kind", "")),
                    {key: item for key, item in rule.items() if key != "kind"},
                    inputs.get("inputs") if chosen and isinstance(inputs.get("inputs"), dict) else {},
                    subject.weight,
                    subject.unit,
                )
                options.append(
                    {
                        "index": index,
                        "label": str(option.get("label", "")),
                        "rule": RULE_KINDS[nested.rule_kind].label if nested.rule_kind in RULE_KINDS else "",
                        "chosen": chosen,
                        "widgets": rule_widgets(nested, figures, evaluation_pk, prefix=f"{prefix}option-"),
                    }
                )
            chosen_label = next((option["label"] for option in options if option["chosen"]), "")
            widgets.append(
                Widget(
                    name,
                    field_name,
                    label,
                    "option",
                    value="" if value is None else str(value),
                    options=options,
                    display=f"按“{chosen_label}”考核" if chosen_label else "未选择",
                )
            )
            continue
        if kind_of_input == "flag":
            current = "" if value is None else ("1" if value else "0")
            yes, no = ("开展", "未开展") if name == "survey" else ("达到", "未达到")
            widgets.append(
                Widget(
                    name,
                    field_name,
                    label,
                    "flag",
                    value=current,
                    choices=[("1", yes), ("0", no)],
                    display={"1": yes, "0": no}.get(current, "未填"),
                )
            )
        elif kind_of_input == "grade":
            options = list(((subject.rule_params or {}).get("map") or {}).items())
            grades = [(grade, f"{grade}（{plain(points)} 分）") for grade, points in options]
            if value and value not in dict(options):
                grades.append((value, value))
            widgets.append(Widget(name, field_name, label, "grade", value=value or "", choices=grades, display=value))
        elif kind_of_input == "level":
            levels = _level_choices(subject.rule_params)
            if value and value not in dict(levels):
                levels.append((value, value))
            widgets.append(Widget(name, field_name, label, "grade", value=value or "", choices=levels, display=value))
        elif kind_of_input == "text":
            widgets.append(Widget(name, field_name, label, "textarea", value=value or "", display=value or "未填"))
        else:
            text = value_text(value)
            widget = Widget(
                name,
                field_name,
                label,
                "number",
                value=text,
                unit=unit,
                hint=spec.hint,
                display=with_unit(text, unit) if text else "未填",
            )
            if name in bindable:
                widget.bind_field = f"bind-{name}"
                widget.binding = bindings.get(name, "")
                if choices is None:
                    choices = figure_choices(figures)
                widget.choices = list(choices)
                widget.bind_options = binding_options(choices, str(widget.binding))
            if name in bindings:
                figure = figures.get(bindings[name])
                widget.figure = figure
                widget.figure_url = _table_url(evaluation_pk, figure.table) if figure else ""
                widget.display = figure.display if figure and figure.value is not None else widget.display
            widgets.append(widget)
    return widgets


def leaf_widgets(
    indicator: EvaluationIndicator,
    figures: dict[str, Figure],
    evaluation_pk: int,
    data: Any = None,
    *,
    choices: tuple[tuple[str, str], ...] | None = None,
) -> list[Widget]:
    """The inputs the leaf's rule needs, with widgets fitting each (RULE_KINDS), and their current values;
    number inputs a derived figure can give carry a 数据来源 select (``choices``: see rule_widgets)."""
    bindable = bindable_inputs(indicator.rule_kind)
    widgets = rule_widgets(_subject(indicator), figures, evaluation_pk, bindable=bindable, choices=choices)
    if data is not None:  # a refused save shown again: what the user typed, not what is stored
        for widget in widgets:
            if widget.type in ("number", "flag", "grade", "textarea", "option"):
                widget.value = data.get(widget.field, "")
    return widgets


# --- the summary the page and its script share ---------------------------------------------------------


def counted_weight(node: TreeNode) -> Decimal:
    """The weight a node's 得分率 is taken over: its applicable leaves' when some leaf below is 不适用."""
    return node.applicable_weight if node.has_not_applicable else node.weight


def summary(evaluation: Evaluation, tree: IndicatorTree[EvaluationIndicator] | None = None) -> dict:
    """Total, grade, sections (level-1 subtotals and score rates) and the chart."""
    tree = tree if tree is not None else indicator_tree(evaluation)
    sections = [Section(root.name, counted_weight(root), root.score) for root in tree.roots]
    return {
        "tree": tree,
        "total": evaluation.total_score,
        "grade": evaluation.grade,
        "weight": sum((root.weight for root in tree.roots), Decimal(0)),
        "rescale_note": not_applicable_note(tree, evaluation.na_policy),
        "rescaled": tree.has_not_applicable,  # leaves left out: the table closes with the applicable sums
        "applicable_weight": tree.applicable_sums[0],
        "applicable_score": score_text(tree.applicable_sums[1]),
        "sections": [
            {
                "pk": root.key,
                "name": root.name,
                "weight": plain(root.weight),
                "score": score_text(section.score) if root.applicable else "不适用",
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
    """What the page's script needs after a save: the leaf (with its inputs' widgets drawn again, since binding
    an input or marking the leaf 不适用 changes them), the subtotals, the sections, total and grade."""
    info = summary(evaluation, indicator_tree(evaluation, texts=True, figures=figures))
    tree = info["tree"]
    mine, _ = problems_by_indicator(problems)
    counted = tree.node(node.pk).applicable
    row = ScoreRow("leaf", [], leaf=node, widgets=leaf_widgets(node, figures, evaluation.pk), counted=counted)
    inputs_text = render_to_string("evaluations/scoring/_inputs_text.html", {"row": row}).strip()
    widgets_html = render_to_string(
        "evaluations/scoring/_widgets.html", {"widgets": row.widgets, "leaf": node, "row": row}
    ).strip()
    score = score_text(node.score) if counted else "不适用"
    return {
        "ok": True,
        "message": f"已保存「{node.name}」：得分 {score or '—'}{' 分' if counted and score else ''}。",
        "indicator": {
            "pk": node.pk,
            "version": node.version,
            "score": score,
            "computed": score_text(node.computed_score),
            "awarded": score_text(node.awarded_score),
            "override_reason": node.override_reason,
            "explanation": humanize(node.score_explanation),
            "actual_display": tree.node(node.pk).item.shown_actual,
            "inputs_text": inputs_text,
            "widgets_html": widgets_html,
            "not_applicable": node.not_applicable,
        },
        "subtotals": {str(n.key): score_text(n.score) for n in tree.nodes if not n.is_leaf},
        "sections": info["sections"],
        "total": score_text(evaluation.total_score),
        "grade": evaluation.grade,
        "rescale_note": info["rescale_note"],
        "chart": str(info["chart"]),
        "problems": [
            {"severity": p.severity, "label": p.label, "where": p.where, "message": p.message}
            for p in mine.get(node.pk, [])
        ],
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
