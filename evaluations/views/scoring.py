"""The indicator-system editor and the scoring page: thin views over evaluations.domain.indicator_tree and
.scoring_inputs; the page shaping is evaluations.interfaces.scoring_page.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.datatables.figures import compute_figures
from evaluations.domain.errors import EditError
from evaluations.domain.indicator_tree import (
    add_indicator,
    move_indicator,
    remove_indicator,
    set_weights,
    update_indicator,
)
from evaluations.domain.locking import StaleObjectError
from evaluations.domain.scoring import set_na_policy
from evaluations.domain.scoring_inputs import humanize, save_scoring
from evaluations.interfaces.forms import IndicatorAddForm, IndicatorEditForm, template_library
from evaluations.interfaces.score_sheet import build_score_sheet
from evaluations.interfaces.scoring_page import (
    describe_conflict,
    editor_rows,
    figure_choices,
    leaf_widgets,
    level_headers,
    merged_rows,
    problems_by_indicator,
    root_of,
    score_payload,
    subtree,
    summary,
    weight_rows,
)
from evaluations.models import EDITABLE_STATES, PREPARER_ROLES, Evaluation, EvaluationIndicator
from evaluations.queries import access
from evaluations.queries.consistency import CheckResult, Progress, check, check_evaluation
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.tree import indicator_tree
from evaluations.views.helpers import xlsx_response
from rubrics import tree
from rubrics.engine import NA_POLICIES, na_policy_label
from rubrics.models import TemplateIndicator
from rubrics.tree import IndicatorTree, TreeNode


def _can_view(request, evaluation: Evaluation) -> None:
    if not access.can_view_scores(request.user, evaluation):
        raise PermissionDenied("评分和指标体系在征求意见后才向被评价单位开放。")


@login_required
def scoring_page(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk)
    _can_view(request, evaluation)
    can_edit = access.can_score(request.user, evaluation)
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
    # the check is the firm's quality control: not shown to others (nor computed for them)
    shown = access.can_view_check(request.user, evaluation)
    result = check(evaluation) if shown else CheckResult([], Progress(0, 0))
    mine, other = problems_by_indicator(result.problems)
    # To-dos of the report's text belong to other pages: the workspace lists them with their progress.
    other = [p for p in other if not p.is_todo or p.anchor == "indicators" or p.anchor.startswith("table-")]
    info = summary(evaluation, indicator_tree(evaluation, texts=True, figures=figures))
    scored = info["tree"]
    # A problem of an inner indicator (its analysis text, say) has no row of its own: list it on top.
    inner = {node.key for node in scored.nodes if not node.is_leaf}
    other += [p for pk, found in mine.items() if pk in inner for p in found]
    rows = merged_rows(scored)
    choices = figure_choices(figures)  # the same for every leaf's 数据来源 select
    for row in rows:
        if row.leaf is not None:
            row.widgets = leaf_widgets(row.leaf, figures, evaluation.pk, choices=choices)
            row.problems = mine.get(row.leaf.pk, [])
            row.flagged = any(not p.is_todo for p in row.problems)
            row.explanation = humanize(row.leaf.score_explanation)
    return render(
        request,
        "evaluations/scoring/scoring.html",
        {
            "evaluation": evaluation,
            "show_scores": True,
            "can_edit": can_edit,
            "rows": rows,
            "level_headers": level_headers(scored.depth),
            "depth": scored.depth,
            "summary": info,
            "other_problems": other,
            "error_count": len(result.errors),
            "hint_count": len(result.warnings),
            "check_progress": result.progress,
            "indicators_url": reverse("evaluation-indicators", args=[evaluation.pk]),
            "readonly_reason": _readonly_reason(request.user, evaluation) if not can_edit else "",
            "can_view_log": access.can_view_change_log(request.user, evaluation),
            "na_policy_label": na_policy_label(evaluation.na_policy),
            "na_policies": NA_POLICIES,
        },
    )


@login_required
def score_sheet(request, pk: int):
    """The score table as an Excel file, for whoever may see the scores."""
    evaluation = access.get_evaluation_for_user(request.user, pk)
    _can_view(request, evaluation)
    data = build_score_sheet(evaluation, indicator_tree(evaluation, texts=True))
    return xlsx_response(data, f"{evaluation.title}-评分表")


@login_required
@require_POST
def na_policy(request, pk: int):
    """How leaves marked 不适用 count in this evaluation: left out with the total rescaled, or at full weight."""
    evaluation = access.get_evaluation_for_user(request.user, pk)
    if not access.can_score(request.user, evaluation):
        raise PermissionDenied("您没有修改本评价评分的权限。")
    try:
        changed = set_na_policy(evaluation=evaluation, na_policy=request.POST.get("na_policy"), user=request.user)
    except EditError as error:
        messages.error(request, "未保存：" + "；".join(error.messages))
    else:
        label = na_policy_label(request.POST.get("na_policy"))
        messages.success(request, f"不适用指标改为“{label}”，已重新计分。" if changed else "不适用指标的处理没有变化。")
    return redirect(reverse("evaluation-scoring", args=[evaluation.pk]))


def _readonly_reason(user, evaluation: Evaluation) -> str:
    if access.is_on_team(user, evaluation, PREPARER_ROLES) and evaluation.state not in EDITABLE_STATES:
        return f"评价当前状态为“{evaluation.get_state_display()}”，评分和指标体系不能修改。"
    return "您可以查看评分；只有本评价小组的评价人员可以修改。"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.headers.get("X-Requested-With") == (
        "XMLHttpRequest"
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
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
    return JsonResponse(score_payload(evaluation, node, figures, check_evaluation(evaluation)))


def _posted_weights(post) -> dict[str, tuple[str, str]]:
    return {key[2:]: (value, post.get(f"v-{key[2:]}")) for key, value in post.items() if key.startswith("w-")}


def _node_or_none(scored: IndicatorTree[EvaluationIndicator], raw: str | None) -> TreeNode | None:
    if raw in (None, "", "root"):
        return None
    node = scored.node(int(raw)) if raw.isdigit() else None
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
    scored = indicator_tree(evaluation, texts=True)
    target_raw = source.get("target") if request.method == "POST" else source.get(mode)
    target_node = _node_or_none(scored, target_raw) if mode else None
    target = target_node.item if target_node else None
    if mode in ("edit", "remove") and target is None:
        raise Http404("请选择指标。")
    if mode and not can_edit:
        mode = ""
    posted = _posted_weights(request.POST) if request.method == "POST" else None
    errors: list[str] = []
    form = None
    if mode == "edit":
        is_leaf = target_node.is_leaf
        if request.method == "POST":
            form = IndicatorEditForm(request.POST, is_leaf=is_leaf, weight=target.weight)
        else:
            initial = {f: getattr(target, f) for f in ("name", "benchmark", "unit", "explanation", "standard")}
            initial.update(evidence_required=target.evidence_required, rule=(target.rule_kind, target.rule_params))
            form = IndicatorEditForm(initial=initial, is_leaf=is_leaf, weight=target.weight)
    elif mode == "add":
        library = template_library(evaluation.kind)
        form = IndicatorAddForm(request.POST if request.method == "POST" else None, library=library)

    if request.method == "POST":
        try:
            done = _apply(request, evaluation, mode, target, form, posted)
        except EditError as error:
            errors += form.add_edit_errors(error.errors) if form is not None else error.messages
        except StaleObjectError as error:
            errors.append(describe_conflict(error))
        else:
            if done is not None:
                messages.success(request, done[0])
                return redirect(reverse("evaluation-indicators", args=[evaluation.pk]) + done[1])

    scope: list[TreeNode] = []
    if mode in ("add", "remove") or (mode == "weights" and target is None):
        scope = list(scored.nodes)
        if mode == "remove":
            gone = {n.key for n in subtree(target_node)}
            scope = [n for n in scope if n.key not in gone]
    elif mode == "weights":
        scope = subtree(target_node)
    other_scope: list[TreeNode] = []
    if mode in ("add", "remove") and target_node is not None:
        section = root_of(target_node)
        other_scope = [n for n in scope if root_of(n) is not section]
        scope = [n for n in scope if root_of(n) is section]
    current_errors = tree.tree_errors(scored.records())
    return render(
        request,
        "evaluations/scoring/indicators.html",
        {
            "evaluation": evaluation,
            "show_scores": True,
            "can_edit": can_edit,
            "readonly_reason": "" if can_edit else _readonly_reason(request.user, evaluation),
            "rows": editor_rows(scored),
            "mode": mode,
            "target": target,
            "target_level": target_node.level if target_node else 0,
            "target_is_leaf": target_node.is_leaf if target_node else False,
            "removed_count": len(subtree(target_node)) - 1 if mode == "remove" else 0,
            "form": form,
            "errors": errors,
            "weight_rows": weight_rows(scope, posted),
            "other_weight_rows": weight_rows(other_scope, posted),
            "tree_errors": current_errors,
            "root_total": sum((root.weight for root in scored.roots), Decimal(0)),
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
