"""The indicator-system editor and the scoring page (thin views over evaluations.domain.editing).

Page shaping lives here too: the merged-cell score table (一级/二级/三级 columns with rowspans, as the
reports print it), the input widgets each rule kind needs, and the score summary the page and its
script share.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.datatables.figures import Figure, compute_figures
from evaluations.domain.datatables import evaluation_tables
from evaluations.domain.editing import (
    EditError,
    StaleObjectError,
    add_indicator,
    humanize,
    input_label,
    input_unit,
    move_indicator,
    plain_number,
    remove_indicator,
    save_scoring,
    set_weights,
    update_indicator,
)
from evaluations.interfaces.charts import Section, score_rate_chart
from evaluations.interfaces.forms import (
    IndicatorAddForm,
    IndicatorEditForm,
    params_text,
    rule_reference,
    template_library,
)
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.queries import access
from evaluations.queries.consistency import ERROR, Problem, check_evaluation
from rubrics import tree
from rubrics.engine import RULE_KINDS, round_score
from rubrics.models import TemplateIndicator

LEVEL_NAMES = ("一级指标", "二级指标", "三级指标", "四级指标")


def optional_url(name: str, *args: Any, anchor: str = "") -> str:
    """The URL of a page another part of the workspace may not have built yet ("" then)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}#{anchor}" if anchor else url


def with_unit(text: str, unit: str) -> str:
    """333 户, 99.71%: percent signs stick to the number, other units are spaced."""
    if not text:
        return "—"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def figure_text(figure: Figure) -> str:
    """A derived figure as the page shows it: rates with 2 decimals, counts and amounts as they are."""
    if figure.unit == "%":
        return figure.display
    return with_unit(plain_number(round_score(figure.value)), figure.unit)


def score_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{round_score(value):f}"


# --- the tree as the pages show it ------------------------------------------------------------------


class ScoreTree:
    """An evaluation's indicators in tree order, with levels and subtotals (sums of rounded leaf scores)."""

    def __init__(self, indicators: list[EvaluationIndicator]):
        self.nodes = sorted(indicators, key=lambda n: (n.order, n.pk))
        self.by_pk = {node.pk: node for node in self.nodes}
        self.children: dict[int | None, list[EvaluationIndicator]] = {}
        for node in self.nodes:
            self.children.setdefault(node.parent_id, []).append(node)
        self.level: dict[int, int] = {}
        self.ordered: list[EvaluationIndicator] = []
        self.leaves_under: dict[int, list[EvaluationIndicator]] = {}
        self.subtotal: dict[int, Decimal | None] = {}
        for root in self.children.get(None, []):
            self._walk(root, 1)
        self.depth = max(self.level.values(), default=1)
        self.leaves = [node for node in self.ordered if self.is_leaf(node)]

    def _walk(self, node: EvaluationIndicator, level: int) -> list[EvaluationIndicator]:
        self.level[node.pk] = level
        self.ordered.append(node)
        kids = self.children.get(node.pk, [])
        leaves = [leaf for kid in kids for leaf in self._walk(kid, level + 1)] if kids else [node]
        self.leaves_under[node.pk] = leaves
        scores = [leaf.score for leaf in leaves]
        self.subtotal[node.pk] = (
            None if any(s is None for s in scores) else sum((round_score(s) for s in scores), Decimal(0))
        )
        return leaves

    def is_leaf(self, node: EvaluationIndicator) -> bool:
        return node.pk not in self.children

    @property
    def roots(self) -> list[EvaluationIndicator]:
        return self.children.get(None, [])

    def sections(self) -> list[Section]:
        return [Section(root.name, root.weight, self.subtotal[root.pk]) for root in self.roots]

    def total(self) -> Decimal | None:
        if not self.leaves:
            return None
        scores = [self.subtotal[root.pk] for root in self.roots]
        return None if any(s is None for s in scores) else sum(scores, Decimal(0))


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
    type: str  # number | flag | grade | checklist | text | textarea
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


def merged_rows(score_tree: ScoreTree) -> list[ScoreRow]:
    """One row per leaf with the level names as merged cells, and a 小计 row after each 一级指标."""
    depth = score_tree.depth
    rows: list[ScoreRow] = []
    started: set[int] = set()
    parents = {node.pk: node.parent_id for node in score_tree.nodes}
    for root in score_tree.roots:
        root_is_leaf = score_tree.is_leaf(root)
        for leaf in score_tree.leaves_under[root.pk]:
            path, node_pk = [], leaf.pk
            while node_pk is not None:
                path.append(node_pk)
                node_pk = parents.get(node_pk)
            cells = []
            for pk in reversed(path):
                if pk in started:
                    continue
                started.add(pk)
                node = score_tree.by_pk[pk]
                level = score_tree.level[pk]
                is_leaf = pk == leaf.pk
                rowspan = len(score_tree.leaves_under[pk])
                if level == 1 and not root_is_leaf and depth > 1:
                    rowspan += 1  # the 小计 row belongs to the 一级指标 cell
                cells.append(
                    NameCell(
                        node, level, rowspan, depth - level + 1 if is_leaf else 1, is_leaf, score_tree.subtotal[pk]
                    )
                )
            rows.append(ScoreRow("leaf", cells, leaf=leaf))
        if not root_is_leaf and depth > 1:
            rate = Section(root.name, root.weight, score_tree.subtotal[root.pk]).rate
            rows.append(
                ScoreRow(
                    "subtotal",
                    [],
                    section=root,
                    subtotal=score_tree.subtotal[root.pk],
                    subtotal_colspan=depth - 1,
                    rate="—" if rate is None else f"{rate:.2f}",
                )
            )
    return rows


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
        points = indicator.weight / len(raw) if equal and raw else Decimal(str(given[index] or 0))
        share = partial.get(str(index))
        items.append(
            {
                "index": index,
                "text": text,
                "points": plain_number(round_score(points)),
                "met": index in met,
                "share": "" if share is None else plain_number(share) if not isinstance(share, str) else share,
                "gate": params.get("gate") == index,
            }
        )
    return items


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
    for name in RULE_KINDS[kind].inputs:
        label, unit = input_label(kind, name), input_unit(indicator, name)
        value = inputs.get(name)
        if kind == "checklist":
            if name == "met":
                items = _items(indicator)
                shown = "；".join(
                    f"{'✓' if item['met'] else ('◐ ' + item['share']) if item['share'] else '✗'} {item['index'] + 1}"
                    for item in items
                )
                widgets.append(Widget(name, "met", label, "checklist", items=items, display=shown))
            continue
        if name in bindings:
            figure = figures.get(bindings[name])
            key = figure.table if figure else ""
            shown = figure_text(figure) if figure and figure.value is not None else with_unit(plain_number(value), unit)
            widgets.append(
                Widget(
                    name,
                    f"in-{name}",
                    label,
                    "bound",
                    value=plain_number(value),
                    unit="",
                    figure=figure,
                    figure_url=_table_url(evaluation_pk, key) if key else "",
                    display=shown,
                )
            )
            continue
        if name in ("met", "survey"):
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
        elif name == "grade":
            options = list(((indicator.rule_params or {}).get("map") or {}).items())
            choices = [(grade, f"{grade}（{plain_number(points)} 分）") for grade, points in options]
            if value and value not in dict(options):
                choices.append((value, value))
            widgets.append(Widget(name, "in-grade", label, "grade", value=value or "", choices=choices, display=value))
        elif name == "reason":
            widgets.append(Widget(name, "in-reason", label, "textarea", value=value or "", display=value or "未填"))
        else:
            hint = {
                "satisfaction": "开展调查时填写",
                "complaint_rate": "未开展调查时填写",
                "rate": "填写变动率时，可不填本年数、上年数" if kind == "change_rate" else "",
            }.get(name, "")
            text = plain_number(value)
            widgets.append(
                Widget(
                    name,
                    f"in-{name}",
                    label,
                    "number",
                    value=text,
                    unit=unit,
                    hint=hint,
                    display=with_unit(text, unit) if text else "未填",
                )
            )
    if data is not None:  # a refused save shown again: what the user typed, not what is stored
        for widget in widgets:
            if widget.type in ("number", "flag", "grade", "textarea"):
                widget.value = data.get(widget.field, "")
    return widgets


def _table_url(evaluation_pk: int, key: str) -> str:
    for kwargs in ({"pk": evaluation_pk, "key": key},):
        try:
            return reverse("evaluation-table", kwargs=kwargs)
        except NoReverseMatch:
            pass
    return optional_url("evaluation-table", evaluation_pk, key)


def summary(evaluation: Evaluation, indicators: list[EvaluationIndicator] | None = None) -> dict:
    """Total, grade, sections (level-1 subtotals and score rates) and the chart, for the page and its script."""
    score_tree = ScoreTree(indicators if indicators is not None else list(evaluation.indicators.all()))
    sections = score_tree.sections()
    return {
        "tree": score_tree,
        "total": evaluation.total_score,
        "grade": evaluation.grade,
        "weight": sum((root.weight for root in score_tree.roots), Decimal(0)),
        "sections": [
            {
                "pk": root.pk,
                "name": root.name,
                "weight": plain_number(root.weight),
                "score": score_text(section.score),
                "rate": None if section.rate is None else f"{section.rate:.2f}",
            }
            for root, section in zip(score_tree.roots, sections, strict=True)
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


# --- the scoring page -------------------------------------------------------------------------------


def _can_view(request, evaluation: Evaluation) -> None:
    if not access.can_view_scores(request.user, evaluation):
        raise PermissionDenied("评分和指标体系在征求意见后才向被评价单位开放。")


@login_required
def scoring_page(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    _can_view(request, evaluation)
    can_edit = access.can_score(request.user, evaluation)
    indicators = list(evaluation.indicators.all())
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
    problems = check_evaluation(evaluation)
    mine, other = problems_by_indicator(problems)
    info = summary(evaluation, indicators)
    score_tree = info["tree"]
    # A problem of an inner indicator (its analysis text, say) has no row of its own: list it on top.
    other += [p for pk, found in mine.items() if pk in score_tree.children for p in found]
    rows = merged_rows(score_tree)
    for row in rows:
        if row.leaf is not None:
            row.widgets = leaf_widgets(row.leaf, figures, evaluation.pk)
            row.problems = mine.get(row.leaf.pk, [])
            row.explanation = humanize(row.leaf.score_explanation)
    return render(
        request,
        "evaluations/scoring/scoring.html",
        {
            "evaluation": evaluation,
            "show_scores": True,
            "can_edit": can_edit,
            "rows": rows,
            "level_headers": LEVEL_NAMES[: score_tree.depth],
            "depth": score_tree.depth,
            "summary": info,
            "other_problems": other,
            "error_count": sum(p.severity == ERROR for p in problems),
            "problem_count": len(problems),
            "indicators_url": optional_url("evaluation-indicators", evaluation.pk),
            "readonly_reason": _readonly_reason(request.user, evaluation) if not can_edit else "",
        },
    )


def _readonly_reason(user, evaluation: Evaluation) -> str:
    if access.is_on_team(user, evaluation, access.EVALUATOR_TEAM_ROLES) and evaluation.state not in (
        access.EDITABLE_STATES
    ):
        return f"评价当前状态为“{evaluation.get_state_display()}”，评分和指标体系不能修改。"
    return "您可以查看评分；只有本评价小组的评价人员可以修改。"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.headers.get("X-Requested-With") == (
        "XMLHttpRequest"
    )


def describe_conflict(error: StaleObjectError) -> str:
    """A concurrent save, in words: which of the fields differ now, in the user's terms."""
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
                    value = "、".join(str(int(v) + 1) for v in value if str(v).isdigit()) or "无"
                elif isinstance(value, dict):
                    value = "、".join(f"{int(k) + 1}：{v}" for k, v in value.items() if str(k).isdigit())
                else:
                    value = plain_number(value)
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


@login_required
@require_POST
def indicator_score(request, pk: int, indicator_pk: int):
    """Save one leaf's inputs or awarded score; answer JSON with the new score, subtotals, total and grade."""
    evaluation = access.get_evaluation_for_user(request.user, pk)
    as_json = _wants_json(request)
    back = reverse("evaluation-scoring", args=[evaluation.pk]) + f"#indicator-{indicator_pk}"
    if not access.can_score(request.user, evaluation):
        if as_json:
            return JsonResponse({"ok": False, "message": "您没有修改本评价评分的权限。"}, status=403)
        raise PermissionDenied("您没有修改本评价评分的权限。")
    if not evaluation.indicators.filter(pk=indicator_pk).exists():
        raise Http404("本评价中没有该指标。")
    try:
        node = save_scoring(
            evaluation=evaluation,
            indicator_id=indicator_pk,
            expected_version=request.POST.get("version"),
            data=request.POST,
            user=request.user,
        )
    except EditError as error:
        message = "未保存：" + "；".join(error.messages)
        if as_json:
            return JsonResponse({"ok": False, "errors": error.errors, "message": message}, status=400)
        messages.error(request, message)
        return redirect(back)
    except StaleObjectError as error:
        message = describe_conflict(error)
        if as_json:
            return JsonResponse({"ok": False, "conflict": True, "message": message}, status=409)
        messages.error(request, message)
        return redirect(back)
    evaluation.refresh_from_db()
    if not as_json:
        messages.success(request, f"已保存「{node.name}」。")
        return redirect(back)
    return JsonResponse(score_payload(evaluation, node))


def score_payload(evaluation: Evaluation, node: EvaluationIndicator) -> dict:
    indicators = list(evaluation.indicators.all())
    info = summary(evaluation, indicators)
    score_tree = info["tree"]
    mine, _ = problems_by_indicator(check_evaluation(evaluation))
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
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
        "subtotals": {
            str(pk): score_text(value) for pk, value in score_tree.subtotal.items() if pk in score_tree.children
        },
        "sections": info["sections"],
        "total": score_text(evaluation.total_score),
        "grade": evaluation.grade,
        "chart": str(info["chart"]),
        "problems": [{"severity": p.severity, "where": p.where, "message": p.message} for p in mine.get(node.pk, [])],
    }


# --- the indicator-system editor --------------------------------------------------------------------


@dataclass
class EditorRow:
    indicator: EvaluationIndicator
    level: int
    is_leaf: bool
    first: bool
    last: bool
    children_total: Decimal | None = None


def editor_rows(score_tree: ScoreTree) -> list[EditorRow]:
    rows = []
    for node in score_tree.ordered:
        siblings = score_tree.children.get(node.parent_id, [])
        kids = score_tree.children.get(node.pk, [])
        rows.append(
            EditorRow(
                node,
                score_tree.level[node.pk],
                not kids,
                siblings[0].pk == node.pk,
                siblings[-1].pk == node.pk,
                sum((kid.weight for kid in kids), Decimal(0)) if kids else None,
            )
        )
    return rows


def _posted_weights(post) -> dict[str, tuple[str, str]]:
    return {key[2:]: (value, post.get(f"v-{key[2:]}")) for key, value in post.items() if key.startswith("w-")}


def _weight_rows(score_tree: ScoreTree, scope: list[EvaluationIndicator], posted: dict | None) -> list[dict]:
    return [
        {
            "indicator": node,
            "level": score_tree.level[node.pk],
            "is_leaf": score_tree.is_leaf(node),
            "value": (posted or {}).get(str(node.pk), (plain_number(node.weight), None))[0],
        }
        for node in scope
    ]


def _subtree(score_tree: ScoreTree, node: EvaluationIndicator) -> list[EvaluationIndicator]:
    found, stack = [], [node]
    while stack:
        current = stack.pop(0)
        found.append(current)
        stack = score_tree.children.get(current.pk, []) + stack
    return found


def _root_of(score_tree: ScoreTree, node: EvaluationIndicator) -> int:
    while node.parent_id is not None:
        node = score_tree.by_pk[node.parent_id]
    return node.pk


def _node_or_none(score_tree: ScoreTree, raw: str | None) -> EvaluationIndicator | None:
    if raw in (None, "", "root"):
        return None
    node = score_tree.by_pk.get(int(raw)) if raw.isdigit() else None
    if node is None:
        raise Http404("本评价中没有该指标。")
    return node


@login_required
@require_http_methods(["GET", "POST"])
def indicator_editor(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    _can_view(request, evaluation)
    can_edit = access.can_score(request.user, evaluation)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_readonly_reason(request.user, evaluation))
    source = request.POST if request.method == "POST" else request.GET
    mode = next((m for m in ("edit", "add", "remove", "weights") if m in source), "")
    if request.method == "POST":
        mode = request.POST.get("action", "")
        if mode == "move":
            return _move(request, evaluation)
        if mode not in ("edit", "add", "remove", "weights"):
            return HttpResponseBadRequest("未知的操作。")
    score_tree = ScoreTree(list(evaluation.indicators.all()))
    target_raw = source.get("target") if request.method == "POST" else source.get(mode)
    target = _node_or_none(score_tree, target_raw) if mode else None
    if mode in ("edit", "remove") and target is None:
        raise Http404("请选择指标。")
    if mode and not can_edit:
        mode = ""
    posted = _posted_weights(request.POST) if request.method == "POST" else None
    errors: list[str] = []
    form = None
    if mode == "edit":
        is_leaf = score_tree.is_leaf(target)
        if request.method == "POST":
            form = IndicatorEditForm(request.POST, is_leaf=is_leaf)
        else:
            initial = {f: getattr(target, f) for f in ("name", "benchmark", "unit", "explanation", "standard")}
            initial.update(
                evidence_required=target.evidence_required,
                rule_kind=target.rule_kind,
                rule_params=params_text(target.rule_params),
            )
            form = IndicatorEditForm(initial=initial, is_leaf=is_leaf)
    elif mode == "add":
        library = template_library(evaluation.kind)
        form = IndicatorAddForm(request.POST if request.method == "POST" else None, library=library)

    if request.method == "POST":
        try:
            done = _apply(request, evaluation, mode, target, form, posted)
        except EditError as error:
            for key, field_messages in error.errors.items():
                for message in field_messages:
                    if form is not None and key in form.fields:
                        form.add_error(key, message)
                    else:
                        errors.append(message)
        except StaleObjectError as error:
            errors.append(describe_conflict(error))
        else:
            if done is not None:
                messages.success(request, done[0])
                return redirect(reverse("evaluation-indicators", args=[evaluation.pk]) + done[1])

    scope: list[EvaluationIndicator] = []
    if mode in ("add", "remove") or (mode == "weights" and target is None):
        scope = list(score_tree.ordered)
        if mode == "remove":
            gone = {n.pk for n in _subtree(score_tree, target)}
            scope = [n for n in scope if n.pk not in gone]
    elif mode == "weights":
        scope = _subtree(score_tree, target)
    other_scope: list[EvaluationIndicator] = []
    if mode in ("add", "remove") and target is not None:
        section = _root_of(score_tree, target)
        other_scope = [n for n in scope if _root_of(score_tree, n) != section]
        scope = [n for n in scope if _root_of(score_tree, n) == section]
    current_errors = tree.tree_errors(tree.Node(n.pk, n.parent_id, n.name, n.weight) for n in score_tree.nodes)
    return render(
        request,
        "evaluations/scoring/indicators.html",
        {
            "evaluation": evaluation,
            "show_scores": True,
            "can_edit": can_edit,
            "readonly_reason": "" if can_edit else _readonly_reason(request.user, evaluation),
            "rows": editor_rows(score_tree),
            "mode": mode,
            "target": target,
            "target_level": score_tree.level.get(target.pk) if target else 0,
            "target_is_leaf": score_tree.is_leaf(target) if target else False,
            "removed_count": len(_subtree(score_tree, target)) - 1 if mode == "remove" else 0,
            "form": form,
            "errors": errors,
            "weight_rows": _weight_rows(score_tree, scope, posted),
            "other_weight_rows": _weight_rows(score_tree, other_scope, posted),
            "tree_errors": current_errors,
            "rule_reference": rule_reference(),
            "rule_examples": {r["kind"]: r["example"] for r in rule_reference()},
            "root_total": sum((root.weight for root in score_tree.roots), Decimal(0)),
        },
    )


def _weights_from(posted: dict | None) -> dict:
    return dict(posted or {})


def _apply(request, evaluation, mode, target, form, posted) -> tuple[str, str] | None:
    """Carry out the posted change; (message, anchor) on success, None when the form itself is invalid."""
    post = request.POST
    if mode == "edit":
        if not form.is_valid():
            return None
        node = update_indicator(
            evaluation=evaluation,
            indicator_id=target.pk,
            expected_version=post.get("version"),
            values=form.cleaned_data,
            user=request.user,
        )
        return f"已保存指标「{node.name}」。", f"#indicator-{node.pk}"
    if mode == "add":
        if not form.is_valid():
            return None
        data = form.cleaned_data
        source = None
        if data["origin"] == "library":
            source = TemplateIndicator.objects.select_related("template").filter(pk=data["source"]).first()
            if source is None:
                raise EditError({"source": ["所选模板指标已不存在，请重新选择。"]})
            values = {"weight": data.get("weight")}
        else:
            values = data
        node = add_indicator(
            evaluation=evaluation,
            parent_id=target.pk if target else None,
            parent_version=post.get("parent_version"),
            source=source,
            values=values,
            weights=_weights_from(posted),
            user=request.user,
        )
        return f"已添加个性指标「{node.name}」。", f"#indicator-{node.pk}"
    if mode == "remove":
        count = remove_indicator(
            evaluation=evaluation,
            indicator_id=target.pk,
            expected_version=post.get("version"),
            weights=_weights_from(posted),
            user=request.user,
        )
        extra = f"（连同其 {count - 1} 个下级指标）" if count > 1 else ""
        return f"已删除指标「{target.name}」{extra}。", ""
    if mode == "weights":
        changed = set_weights(evaluation=evaluation, weights=_weights_from(posted), user=request.user)
        anchor = f"#indicator-{target.pk}" if target else ""
        return (f"已调整 {changed} 个指标的权重。" if changed else "权重没有变化。"), anchor
    return None


def _move(request, evaluation: Evaluation):
    pk = request.POST.get("target")
    try:
        move_indicator(
            evaluation=evaluation,
            indicator_id=pk,
            expected_version=request.POST.get("version"),
            direction=request.POST.get("direction", ""),
            user=request.user,
        )
    except EditError as error:
        messages.error(request, str(error))
    except StaleObjectError as error:
        messages.error(request, describe_conflict(error))
    return redirect(reverse("evaluation-indicators", args=[evaluation.pk]) + f"#indicator-{pk}")
