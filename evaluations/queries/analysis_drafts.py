"""Drafting the per-indicator analysis (指标分析): the one composer, for one indicator and for all of them.

Pure reads. A leaf's draft is written in the register of the seeds' analysis sections ("该指标主要考核…。经核查，…，
根据评分标准，…"), from what the evaluation already holds: the indicator's explanation (指标解释), the rule's engine
explanation worded with the indicator's unit and name (evaluations.queries.leaf_wording), the checklist points met
and not met, the derived figures its inputs are bound to with the table they come from, the names of the evidence
attached to it, an awarded score with its reason, and, for a leaf marked 不适用, how the evaluation's policy counts
it.

A draft is rich text (the analysis is edited like a report section, evaluations.narrative_html) and every number in
it that is the data's is a figure bound to the data, never a copy (evaluations.queries.bound_figures): a derived
figure's calculation (``formula:KEY``), the rule's explanation with the actual value, the arithmetic and the score
(``indicator:PATH:explanation``, bound whole so that the actual value, the rate, the band it falls in and the score
can never disagree after the data changes), the checklist points met or a typed change rate's 本年/上年
(``indicator:PATH:facts``), the awarded score, the weight of a 不适用 leaf, and the weights and scores an inner
node's overview names. What stays typed is words: the indicator's name and explanation, the table and evidence
names, an awarded score's reason. So a later change of the data changes a drafted analysis on the page and in the
report without drafting again.

``analysis_plan`` drafts every leaf of an evaluation at once (a fixed number of queries) and says, for each, whether
its stored analysis is blank, an untouched earlier draft, already the draft, or a text of the team's own (stored
and drafted HTML compared after the one sanitiser); the write that uses it is
evaluations.domain.narrative.draft_all_analyses.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from evaluations.datatables.figures import Figure, compute_figures
from evaluations.datatables.registry import TABLES
from evaluations.models import Evaluation, EvaluationIndicator, Evidence
from evaluations.narrative_html import clean_section_html
from evaluations.queries.bound_figures import indicator_key
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.leaf_wording import (
    NotDraftable,
    clean,
    input_facts,
    params_for_drafting,
    rule_explanation,
)
from evaluations.queries.tree import indicator_tree
from rubrics.engine import na_policy_label
from rubrics.tree import IndicatorTree

EVIDENCE_LISTED = 5  # evidence names quoted in a draft; more are covered by "等"
_COUNT = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}

# "…的比率，用以反映和考核部门对人员成本的控制程度。" → what the indicator assesses
_PURPOSE = re.compile(r"用以(?:反映和考核|反映或考核|反映和考察|反映、考核|考核|考察|反映)\s*([^。；;\n]+)")
_ASSESSES = ("考核", "考察", "反映", "评价")

Path = tuple[str, ...]

# --- the pieces of a draft: words (escaped) and bound figures -----------------------------------------


def words(text: str) -> str:
    """Typed words in a draft's HTML."""
    return html.escape(text, quote=False)


def bound(key: str) -> str:
    """A figure bound to the data: only its key is stored, its value is filled in where it is shown or printed."""
    return f'<span data-figure="{html.escape(key)}"></span>'


def paragraph(content: str) -> str:
    """A draft as the analysis stores it: one paragraph, in the sanitiser's form (so an unchanged draft saved from
    the editor is recognised as the drafter's)."""
    return clean_section_html(f"<p>{content}</p>")


# --- the sentences ------------------------------------------------------------------------------------


def subject_sentence(indicator: EvaluationIndicator) -> str:
    """ "该指标主要考核…。" from the indicator's explanation (指标解释), else from its name."""
    explanation = (indicator.explanation or "").strip()
    purpose = _PURPOSE.search(explanation)
    if purpose and clean(purpose.group(1)):
        return f"该指标主要考核{clean(purpose.group(1))}。"
    first = clean(re.split(r"[。\n]", explanation, maxsplit=1)[0])
    if not first:
        return f"该指标主要考核{indicator.name}。"
    plainly = first.removeprefix("主要")
    if plainly.startswith(_ASSESSES) or (plainly.startswith("对") and plainly.endswith("进行评价")):
        return f"该指标主要{plainly}。"
    return f"该指标主要考核{indicator.name}：{first}。"


def figure_fact(figure: Figure) -> str:
    """ "据《预、决算支出对比表》计算，预算完成率 = " and the figure's calculation, bound ("决算数 5292.58 万元 ÷
    预算数 5653.1 万元 × 100% = 93.62%" as it is now)."""
    spec = TABLES.get(figure.table)
    source = f"据《{spec.title}》计算，" if spec else ""
    return f"{words(source + figure.label)} = {bound(f'formula:{figure.key}')}"


def evidence_phrase(names: list[str]) -> str:
    """ "查阅《慰问金发放表》《局务会议纪要》等佐证材料" (file extensions dropped)."""
    shown = []
    for name in names:
        stem = clean(PurePath(name).stem if "." in name else name)
        if stem and stem not in shown:
            shown.append(stem)
    return "查阅" + "".join(f"《{stem}》" for stem in shown[:EVIDENCE_LISTED]) + "等佐证材料" if shown else ""


def _not_applicable_paragraph(indicator: EvaluationIndicator, path: Path, na_policy: str) -> str:
    policy = f"本次评价对不适用指标的处理方式为“{na_policy_label(na_policy)}”"
    if na_policy == "full":
        weight = bound(indicator_key(path, "weight"))
        return words(f"经核查，该指标不适用于本次评价。{policy}，该指标按满分 ") + f"{weight}{words('计算。')}"
    return words(f"经核查，该指标不适用于本次评价。{policy}，该指标不参与计分，评价总分按适用指标得分折算为百分制。")


def compose_leaf(
    indicator: EvaluationIndicator,
    *,
    path: Path,
    figures: Mapping[str, Figure],
    evidence: list[str] = (),
    na_policy: str,
) -> str:
    """A leaf's analysis paragraph as HTML (the report prints the heading "权重分为 …" itself). ``path``: the
    leaf's names from level 1 down, which name its bound figures. NotDraftable when it cannot be scored yet."""
    subject = words(subject_sentence(indicator))
    if indicator.not_applicable:
        return paragraph(subject + _not_applicable_paragraph(indicator, path, na_policy))
    params = params_for_drafting(indicator)
    _, computed = rule_explanation(indicator, na_policy, params)  # NotDraftable when it cannot be scored
    facts = []
    linked = [figures[key] for key in (indicator.bindings or {}).values() if key in figures]
    facts += [figure_fact(figure) for figure in linked if figure.value is not None]
    if input_facts(indicator, params):
        facts.append(bound(indicator_key(path, "facts")))
    sources = evidence_phrase(list(evidence))
    opening = words(f"经{sources}" if sources else "经核查")
    explanation = bound(indicator_key(path, "explanation"))
    if facts:
        body = f"{opening}，{'；'.join(facts)}。根据评分标准，{explanation}。"
    else:
        body = f"{opening}并对照评分标准，{explanation}。"
    awarded = indicator.awarded_score
    if awarded is not None and awarded != computed:
        reason = clean(indicator.override_reason)
        body += f"经评价小组评定，该指标得 {bound(indicator_key(path, 'score'))}"
        body += words(f"，理由：{reason}。" if reason else "。")
    return paragraph(subject + body)


@dataclass(frozen=True)
class ChildScore:
    indicator: EvaluationIndicator
    score: Decimal | None
    path: Path = ()  # its names from level 1 down, which name its bound weight and score


def compose_inner(indicator: EvaluationIndicator, children: list[ChildScore]) -> str:
    """An inner node's overview as HTML: the angles it is judged from and where points were lost (each child's
    weight and score bound)."""
    if not children:
        return ""
    names = "、".join(child.indicator.name for child in children)
    count = _COUNT.get(len(children), str(len(children)))
    text = words(f"{indicator.name}指标从{names}{count}个角度来考察。")
    lost = [child for child in children if child.score is not None and child.score < child.indicator.weight]
    if lost:
        listed = "、".join(
            f"{words(child.indicator.name)}（权重 {bound(indicator_key(child.path, 'weight'))}，"
            f"得 {bound(indicator_key(child.path, 'score'))}）"
            for child in lost
        )
        text += f"其中失分的是{listed}。"
    elif all(child.score is not None for child in children):
        text += "各项指标均得满分。"
    return paragraph(text)


# --- what drafting needs, read once -----------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """What every draft of one evaluation reads: derived figures, evidence names by indicator, the policy, and each
    indicator's path (the names its bound figures are keyed by)."""

    figures: Mapping[str, Figure]
    evidence: Mapping[int, list[str]]
    na_policy: str
    paths: Mapping[int, Path]

    def compose(self, indicator: EvaluationIndicator) -> str:
        return compose_leaf(
            indicator,
            path=self.paths[indicator.pk],
            figures=self.figures,
            evidence=self.evidence.get(indicator.pk, []),
            na_policy=self.na_policy,
        )


def evidence_names(evaluation: Evaluation, indicator_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """Names of the evidence attached to each indicator, oldest first (one query)."""
    links = Evidence.indicators.through.objects.filter(evidence__evaluation=evaluation)
    if indicator_ids is not None:
        links = links.filter(evaluationindicator_id__in=list(indicator_ids))
    names: dict[int, list[str]] = {}
    rows = links.order_by("evidence__uploaded_at", "evidence_id").values_list(
        "evaluationindicator_id", "evidence__original_name"
    )
    for indicator_id, name in rows:
        names.setdefault(indicator_id, []).append(name)
    return names


def sources_for(
    evaluation: Evaluation, indicator_ids: Iterable[int] | None = None, *, tree: IndicatorTree | None = None
) -> Sources:
    """Figures (one query for the tables), evidence names (one query) and the indicators' paths (one query for
    the tree unless it is given), for all leaves or a few."""
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
    tree = indicator_tree(evaluation) if tree is None else tree
    paths = {node.item.pk: node.path for node in tree.nodes}
    return Sources(figures, evidence_names(evaluation, indicator_ids), evaluation.na_policy, paths)


# --- one indicator (the 起草 button of the analysis editor) -------------------------------------------


def draft_for(
    evaluation: Evaluation,
    indicator: EvaluationIndicator,
    children: list[ChildScore] | None = None,
    sources: Sources | None = None,
) -> str:
    """The draft of one indicator: a leaf's paragraph (NotDraftable when it cannot be scored) or a node's overview.

    ``sources``: already read for this indicator (``sources_for(evaluation, [indicator.pk])``)."""
    if children:
        return compose_inner(indicator, children)
    return (sources or sources_for(evaluation, [indicator.pk])).compose(indicator)


# --- every leaf at once (起草全部) --------------------------------------------------------------------


class Standing(enum.Enum):
    """Where a leaf's stored analysis stands against its new draft."""

    BLANK = "空白"  # nothing written: drafted
    DRAFTED = "起草稿"  # the drafter's last text, untouched since: redrafted when stale (nobody's words are lost)
    CURRENT = "与起草结果相同"  # not marked as drafted, but the same as the new draft: nothing to write
    OWN = "已编辑"  # written or changed by a person: kept unless the user asks to overwrite it
    UNDRAFTABLE = "尚不能起草"  # cannot be scored yet (no rule, missing inputs)


def standing_of(indicator: EvaluationIndicator, draft: str) -> Standing:
    """Stored, drafted and new HTML compared as the sanitiser writes them (a row written before the analysis was
    rich text, or by hand in a test, reads the same as the editor's)."""
    stored = clean_section_html(indicator.analysis)
    if not stored:
        return Standing.BLANK
    if stored == clean_section_html(indicator.analysis_drafted):
        return Standing.DRAFTED
    if stored == clean_section_html(draft):
        return Standing.CURRENT
    return Standing.OWN


@dataclass
class LeafDraft:
    indicator: EvaluationIndicator
    draft: str
    standing: Standing
    problem: str = ""  # why it cannot be drafted

    @property
    def stale(self) -> bool:
        """Drafting would change the stored analysis."""
        return self.standing is not Standing.UNDRAFTABLE and clean_section_html(self.indicator.analysis) != self.draft


@dataclass
class AnalysisPlan:
    leaves: list[LeafDraft] = field(default_factory=list)

    def with_standing(self, *standings: Standing) -> list[LeafDraft]:
        return [leaf for leaf in self.leaves if leaf.standing in standings]

    @property
    def own(self) -> list[LeafDraft]:
        return self.with_standing(Standing.OWN)

    @property
    def fillable(self) -> list[LeafDraft]:
        """Drafted without asking: blank analyses and untouched earlier drafts the data has moved on from."""
        return [leaf for leaf in self.with_standing(Standing.BLANK, Standing.DRAFTED) if leaf.stale]

    @property
    def undraftable(self) -> list[LeafDraft]:
        return self.with_standing(Standing.UNDRAFTABLE)

    def counts(self) -> dict[Standing, int]:
        return {standing: len(self.with_standing(standing)) for standing in Standing}


def analysis_plan(
    evaluation: Evaluation,
    indicators: list[EvaluationIndicator] | None = None,
    *,
    tree: IndicatorTree | None = None,
) -> AnalysisPlan:
    """Every leaf's draft and standing, in tree order (3 queries, whatever the number of indicators).

    ``indicators``: the evaluation's indicators when already loaded (locked for update by the writer, say);
    ``tree``: their tree, when already built.
    """
    tree = indicator_tree(evaluation, indicators) if tree is None else tree
    sources = sources_for(evaluation, tree=tree)
    plan = AnalysisPlan()
    for node in tree.leaves:
        indicator = node.item
        try:
            draft = sources.compose(indicator)
        except NotDraftable as reason:
            plan.leaves.append(LeafDraft(indicator, "", Standing.UNDRAFTABLE, str(reason)))
            continue
        plan.leaves.append(LeafDraft(indicator, draft, standing_of(indicator, draft)))
    return plan
