"""The report's text: sections, per-indicator analysis, findings/recommendations/experiences, field research.

Thin views over evaluations.domain.narrative and .research. Drafts stay hidden from the evaluated unit until the
report is shared with it (access.can_view_scores).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from evaluations.domain import narrative as narrative_service
from evaluations.domain.locking import StaleObjectError
from evaluations.domain.research import (
    ResearchConflict,
    ResearchEntry,
    ResearchInputError,
    save_research,
)
from evaluations.interfaces.forms import AnalysisTextForm, SectionTextForm
from evaluations.models import Evaluation
from evaluations.narrative_html import clean_section_html
from evaluations.queries import access, analysis_drafts
from evaluations.queries import narrative as narrative_reads
from evaluations.queries.bound_figures import figure_catalogue, picker_entries
from evaluations.queries.research import research_rows
from evaluations.queries.tree import indicator_tree
from evaluations.views import helpers

NARRATIVE_ANCHOR_PREFIXES = ("section-", "问题-", "建议-", "经验做法-")
LEVEL_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


@login_required
def narrative(request, pk: int):
    evaluation = helpers.evaluation(request, pk)
    helpers.require_scores(request, evaluation)
    tree = indicator_tree(evaluation)
    rows = tree.nodes
    problems = helpers.problems_by_anchor(request, evaluation, NARRATIVE_ANCHOR_PREFIXES)
    return render(
        request,
        "evaluations/content/narrative.html",
        helpers.context(
            request,
            evaluation,
            figures=figure_catalogue(evaluation, tree=tree),
            blocks=narrative_reads.report_blocks(evaluation, problems),
            analysed=sum(1 for row in rows if row.indicator.analysis.strip()),
            indicator_count=len(rows),
        ),
    )


@login_required
def narrative_section(request, pk: int, key: str):
    evaluation = helpers.evaluation(request, pk)
    helpers.require_scores(request, evaluation)
    section = narrative_reads.section_for(evaluation, key)
    if section is None:
        raise Http404("本类评价的报告没有这个章节。")
    stored = evaluation.narrative.filter(key=key).first()
    text, version, conflict = (stored.text, stored.version, None) if stored else ("", 0, None)
    sections = [state.section for chapter in narrative_reads.outline(evaluation) for state in chapter.sections]
    index = sections.index(section)
    previous = sections[index - 1] if index > 0 else None
    following = sections[index + 1] if index + 1 < len(sections) else None
    if request.method == "POST":
        helpers.require_narrative_editor(request, evaluation)
        text = clean_section_html(request.POST.get("text", ""))  # shown again as saved, should the save fail
        try:
            with transaction.atomic():
                narrative_service.save_section(
                    evaluation=evaluation, key=key, text=text, expected_version=helpers.version(request)
                )
        except StaleObjectError as error:
            conflict = {
                "message": narrative_service.conflict_message(error, section.title),
                "error": error,
                "rich": True,
            }
            version = error.current
        except narrative_service.NarrativeInputError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已保存「{section.title}」。")
            if request.POST.get("next") and following:
                return redirect("evaluation-narrative-section", pk=evaluation.pk, key=following.key)
            return redirect("evaluation-narrative-section", pk=evaluation.pk, key=key)
    problems = helpers.problems_by_anchor(request, evaluation, ("section-",)).get(f"section-{key}", [])
    figures = figure_catalogue(evaluation)
    return render(
        request,
        "evaluations/content/section_edit.html",
        helpers.context(
            request,
            evaluation,
            section=section,
            figures=figures,
            figure_picker=picker_entries(figures),
            text=text,
            form=SectionTextForm(initial={"text": text}),
            version=version,
            conflict=conflict,
            problems=problems,
            previous=previous,
            following=following,
        ),
        status=409 if conflict else 200,
    )


# --- per-indicator analysis -----------------------------------------------------------------------

STANDING_STYLES = {
    analysis_drafts.Standing.BLANK: "text-bg-light border",
    analysis_drafts.Standing.DRAFTED: "text-bg-info",
    analysis_drafts.Standing.CURRENT: "text-bg-info",
    analysis_drafts.Standing.OWN: "text-bg-success",
    analysis_drafts.Standing.UNDRAFTABLE: "text-bg-warning",
}


@login_required
def analysis(request, pk: int):
    evaluation = helpers.evaluation(request, pk)
    helpers.require_scores(request, evaluation)
    problems = helpers.problems_by_anchor(request, evaluation, ("indicator-",))
    tree = indicator_tree(evaluation)
    rows = tree.nodes
    plan = analysis_drafts.analysis_plan(evaluation, tree=tree)
    drafts = {leaf.indicator.pk: leaf for leaf in plan.leaves}
    for row in rows:
        row.heading = narrative_reads.analysis_heading(row.indicator, leaf=row.is_leaf, score=row.score)
        row.problems = [p for p in problems.get(f"indicator-{row.indicator.pk}", []) if "分析" in p.where]
        row.draft = drafts.get(row.indicator.pk)
        if row.draft:
            row.standing_style = STANDING_STYLES[row.draft.standing]
    counts = plan.counts()
    return render(
        request,
        "evaluations/content/analysis.html",
        helpers.context(
            request,
            evaluation,
            rows=rows,
            plan=plan,
            figures=figure_catalogue(evaluation, tree=tree),
            counts=[(standing.value, counts[standing]) for standing in analysis_drafts.Standing if counts[standing]],
        ),
    )


def _confirmed_versions(request) -> dict[int, int]:
    """The own texts the user agreed to overwrite, each with the version shown ("pk:version"); bad entries are
    dropped, so what they named is kept."""
    confirmed = {}
    for value in request.POST.getlist("overwrite"):
        pk, _, version = value.partition(":")
        if pk.isdigit() and version.isdigit():
            confirmed[int(pk)] = int(version)
    return confirmed


@login_required
def analysis_draft_all(request, pk: int):
    """起草全部: GET lists the analyses of the team's own and asks; POST drafts (blanks only, or all as confirmed)."""
    evaluation = helpers.evaluation(request, pk)
    helpers.require_scores(request, evaluation)
    helpers.require_narrative_editor(request, evaluation)
    if request.method == "POST":
        mode = request.POST.get("mode")
        if mode not in ("blank", "all"):
            messages.error(request, "请选择“只起草空白的”或“全部重新起草”。")
            return redirect("evaluation-analysis-draft-all", pk=evaluation.pk)
        with transaction.atomic():
            result = narrative_service.draft_all_analyses(
                evaluation=evaluation,
                overwrite=_confirmed_versions(request) if mode == "all" else None,
                user=request.user,
            )
        for level, text in result.report():
            getattr(messages, level)(request, text)
        return redirect("evaluation-analysis", pk=evaluation.pk)
    tree = indicator_tree(evaluation)
    plan = analysis_drafts.analysis_plan(evaluation, tree=tree)
    return render(
        request,
        "evaluations/content/analysis_draft_all.html",
        helpers.context(request, evaluation, plan=plan, figures=figure_catalogue(evaluation, tree=tree)),
    )


def _draft(evaluation, indicator, children, sources) -> tuple[str | None, str]:
    """The indicator's draft and, when it cannot be drafted, why."""
    try:
        return analysis_drafts.draft_for(evaluation, indicator, children or None, sources), ""
    except analysis_drafts.NotDraftable as reason:
        return None, str(reason)


@login_required
def analysis_indicator(request, pk: int, indicator_pk: int):
    evaluation = helpers.evaluation(request, pk)
    helpers.require_scores(request, evaluation)
    tree = indicator_tree(evaluation)
    rows = tree.nodes
    index = next((i for i, row in enumerate(rows) if row.indicator.pk == indicator_pk), None)
    if index is None:
        raise Http404("本评价没有这个指标。")
    row = rows[index]
    indicator = row.indicator
    children = [analysis_drafts.ChildScore(child.indicator, child.score, child.path) for child in row.children]
    sources = analysis_drafts.sources_for(evaluation, [indicator.pk], tree=tree)
    figures = sources.figures
    text, version, conflict, drafted = indicator.analysis, indicator.version, None, False
    if request.method == "POST":
        helpers.require_narrative_editor(request, evaluation)
        text = clean_section_html(request.POST.get("text", ""))  # shown again as saved, should the save fail
        version = helpers.version(request)
        draft, problem = _draft(evaluation, indicator, children, sources)
        if request.POST.get("action") == "draft":
            if draft is None:
                messages.warning(request, f"「{indicator.name}」尚不能起草：{problem}。请先在评分页补齐后再起草。")
            else:
                text, drafted = draft, True
        else:
            try:
                with transaction.atomic():
                    narrative_service.save_analysis(
                        indicator=indicator, text=text, expected_version=version, drafted=draft
                    )
            except StaleObjectError as error:
                conflict = {
                    "message": narrative_service.conflict_message(error, indicator.name),
                    "error": error,
                    "rich": True,
                }
                version = error.current
            else:
                messages.success(request, f"已保存「{indicator.name}」的分析。")
                following = rows[index + 1] if index + 1 < len(rows) else None
                target = following.indicator.pk if request.POST.get("next") and following else indicator.pk
                return redirect("evaluation-analysis-indicator", pk=evaluation.pk, indicator_pk=target)
    problems = [
        p
        for p in helpers.problems_by_anchor(request, evaluation, ("indicator-",)).get(f"indicator-{indicator.pk}", [])
        if "分析" in p.where
    ]
    bound = [
        figures[key] for key in (indicator.bindings or {}).values() if key in figures and figures[key].value is not None
    ]
    catalogue = figure_catalogue(evaluation, tree=tree)
    return render(
        request,
        "evaluations/content/analysis_edit.html",
        helpers.context(
            request,
            evaluation,
            row=row,
            indicator=indicator,
            heading=narrative_reads.analysis_heading(indicator, leaf=row.is_leaf, score=row.score),
            level_name=f"{LEVEL_NAMES.get(row.level, row.level)}级指标",
            children=children,
            bound=bound,
            evidence=sources.evidence.get(indicator.pk, []),
            figures=catalogue,
            figure_picker=picker_entries(catalogue),
            text=text,
            form=AnalysisTextForm(initial={"text": text}),
            version=version,
            drafted=drafted,
            conflict=conflict,
            problems=problems,
            previous=rows[index - 1].indicator if index > 0 else None,
            following=rows[index + 1].indicator if index + 1 < len(rows) else None,
        ),
        status=409 if conflict else 200,
    )


# --- findings, recommendations, experiences -------------------------------------------------------


@login_required
def findings(request, pk: int):
    evaluation = helpers.evaluation(request, pk)
    helpers.require_scores(request, evaluation)
    lost, others = narrative_reads.leaves_by_lost_points(evaluation)
    problems = helpers.problems_by_anchor(request, evaluation, ("问题-", "建议-", "经验做法-"))
    groups = narrative_reads.item_groups(evaluation, problems)
    return render(
        request,
        "evaluations/content/findings.html",
        helpers.context(
            request,
            evaluation,
            groups=groups,
            lost=lost,
            others=others,
            finding_options=groups["finding"].items,
        ),
    )


def _findings_url(evaluation: Evaluation, kind: str, item_pk=None) -> str:
    anchor = f"#{kind}-{item_pk}" if item_pk else f"#list-{kind}"
    return reverse("evaluation-findings", kwargs={"pk": evaluation.pk}) + anchor


def _item_kind(kind: str) -> str:
    if kind not in narrative_reads.ITEM_KINDS:
        raise Http404("没有这类内容。")
    return kind


@login_required
@require_POST
def item_save(request, pk: int, kind: str):
    evaluation = helpers.evaluation(request, pk)
    kind = _item_kind(kind)
    helpers.require_narrative_editor(request, evaluation)
    raw_pk = request.POST.get("item")
    try:
        item_pk = int(raw_pk) if raw_pk else None
    except ValueError:
        raise Http404("没有这一项。") from None
    label = narrative_reads.ITEM_LABELS[kind]
    try:
        with transaction.atomic():
            item = narrative_service.save_item(
                evaluation=evaluation,
                kind=kind,
                item_pk=item_pk,
                title=request.POST.get("title", ""),
                text=request.POST.get("text", ""),
                expected_version=helpers.version(request),
                indicator_ids=request.POST.getlist("indicators"),
                finding_pk=request.POST.get("finding"),
            )
    except StaleObjectError as error:
        messages.error(request, narrative_service.conflict_message(error))
        return redirect(_findings_url(evaluation, kind, item_pk))
    except (narrative_service.NarrativeInputError, narrative_service.DeletedError) as error:
        messages.error(request, f"{label}未保存：{error}")
        return redirect(_findings_url(evaluation, kind, item_pk))
    messages.success(request, f"已保存{label}「{item.title}」。")
    return redirect(_findings_url(evaluation, kind, item.pk))


@login_required
@require_POST
def item_delete(request, pk: int, kind: str, item_pk: int):
    evaluation = helpers.evaluation(request, pk)
    kind = _item_kind(kind)
    helpers.require_narrative_editor(request, evaluation)
    try:
        with transaction.atomic():
            narrative_service.delete_item(
                evaluation=evaluation, kind=kind, item_pk=item_pk, expected_version=helpers.version(request)
            )
    except StaleObjectError as error:
        messages.error(request, narrative_service.conflict_message(error).replace("本次保存", "本次删除"))
        return redirect(_findings_url(evaluation, kind, item_pk))
    messages.success(request, f"已删除该{narrative_reads.ITEM_LABELS[kind]}。")
    return redirect(_findings_url(evaluation, kind))


@login_required
@require_POST
def item_move(request, pk: int, kind: str, item_pk: int):
    evaluation = helpers.evaluation(request, pk)
    kind = _item_kind(kind)
    helpers.require_narrative_editor(request, evaluation)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    try:
        with transaction.atomic():
            narrative_service.move_item(
                evaluation=evaluation,
                kind=kind,
                item_pk=item_pk,
                expected_version=helpers.version(request),
                direction=direction,
            )
    except StaleObjectError as error:
        messages.error(request, narrative_service.conflict_message(error).replace("本次保存", "本次调整顺序"))
    except narrative_service.DeletedError as error:
        messages.error(request, str(error))
    return redirect(_findings_url(evaluation, kind, item_pk))


# --- the field-research record --------------------------------------------------------------------


def _research_entries(request) -> list[ResearchEntry]:
    entries = []
    for raw in request.POST.getlist("rows"):
        try:
            indicator_pk = int(raw)
        except ValueError:
            continue
        entries.append(
            ResearchEntry(
                indicator_pk=indicator_pk,
                version=helpers.version(request, f"version-{indicator_pk}"),
                obtained=request.POST.get(f"obtained-{indicator_pk}", ""),
                start=request.POST.get(f"start-{indicator_pk}", ""),
                end=request.POST.get(f"end-{indicator_pk}", ""),
            )
        )
    return entries


@login_required
def research(request, pk: int):
    evaluation = helpers.evaluation(request, pk)
    helpers.require_scores(request, evaluation)
    editing = request.GET.get("edit") == "1"
    errors: list[str] = []
    posted: dict[int, ResearchEntry] = {}
    if request.method == "POST":
        helpers.require_narrative_editor(request, evaluation)
        entries = _research_entries(request)
        try:
            with transaction.atomic():
                changed = save_research(evaluation, entries)
        except ResearchInputError as error:
            errors, editing = error.problems, True
            posted = {entry.indicator_pk: entry for entry in entries}
        except ResearchConflict as conflict:
            errors, editing = [narrative_service.conflict_message(e) for e in conflict.errors], True
            stale = {e.obj.pk for e in conflict.errors}
            # Keep what the user typed, except in the rows someone else changed: those show the stored values.
            posted = {entry.indicator_pk: entry for entry in entries if entry.indicator_pk not in stale}
        else:
            messages.success(request, f"已保存现场调研记录（修改 {changed} 行）。")
            return redirect("evaluation-research", pk=evaluation.pk)
    rows = research_rows(evaluation)
    for row in rows:
        entry = posted.get(row.indicator.pk)
        node = row.indicator
        row.form = {
            "obtained": entry.obtained if entry else node.evidence_obtained,
            "start": entry.start if entry else (node.research_start.isoformat() if node.research_start else ""),
            "end": entry.end if entry else (node.research_end.isoformat() if node.research_end else ""),
            "version": node.version if not entry else entry.version,
        }
    can_edit = access.can_edit_narrative(request.user, evaluation)
    return render(
        request,
        "evaluations/content/research.html",
        helpers.context(request, evaluation, rows=rows, editing=editing and can_edit, errors=errors),
        status=400 if errors else 200,
    )
