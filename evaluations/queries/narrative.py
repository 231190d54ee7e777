"""Reading the report text as the narrative pages show it: the outline with each section's text, the lists
(findings, recommendations, experiences) placed as the report has them, and the heading sentence printed before
each indicator's analysis. Drafting the analysis itself is evaluations.queries.analysis_drafts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from evaluations.models import (
    Evaluation,
    EvaluationIndicator,
    Experience,
    Finding,
    NarrativeSection,
    Recommendation,
)
from evaluations.queries.tree import indicator_tree
from evaluations.sections import Section, sections_for
from rubrics.numbers import plain

ITEM_KINDS = {"finding": Finding, "recommendation": Recommendation, "experience": Experience}
ITEM_LABELS = {"finding": "存在的问题", "recommendation": "建议和整改措施", "experience": "主要经验及做法"}


@dataclass
class SectionState:
    section: Section
    stored: NarrativeSection | None

    @property
    def text(self) -> str:
        return self.stored.text if self.stored else ""

    @property
    def version(self) -> int:
        return self.stored.version if self.stored else 0


@dataclass
class Chapter:
    title: str
    sections: list[SectionState]


def outline(evaluation: Evaluation) -> list[Chapter]:
    """The kind's outline, chapter by chapter, with each section's stored text (one query)."""
    stored = {section.key: section for section in evaluation.narrative.all()}
    chapters: list[Chapter] = []
    for section in sections_for(evaluation.kind):
        if not chapters or chapters[-1].title != section.chapter:
            chapters.append(Chapter(section.chapter, []))
        chapters[-1].sections.append(SectionState(section, stored.get(section.key)))
    return chapters


def section_for(evaluation: Evaluation, key: str) -> Section | None:
    return next((section for section in sections_for(evaluation.kind) if section.key == key), None)


# --- per-indicator analysis -----------------------------------------------------------------------


def score_sentence(weight: Decimal, score: Decimal | None, *, applicable: bool = True) -> str:
    """ "权重分为 4 分，实际得分为 4 分。": the one wording of a leaf's weight and score, on pages and in the report."""
    if not applicable:
        return f"权重分为 {plain(weight)} 分，本指标不适用于本次评价，不计分。"
    if score is None:
        return f"权重分为 {plain(weight)} 分，尚未计分。"
    return f"权重分为 {plain(weight)} 分，实际得分为 {plain(score)} 分。"


def analysis_heading(indicator: EvaluationIndicator, *, leaf: bool = True, score: Decimal | None = None) -> str:
    """The sentence the report prints before the analysis, from the data (seed 004 section 四).

    Leaf: "预算完成率：权重分为 2 分，实际得分为 1.87 分。"
    Inner: "资源配置指标分值为 8 分，实际得分 6.59 分，得分率为 82.38%。"
    """
    if leaf:
        score = indicator.score if score is None else score
        # Under the policy "full" a 不适用 leaf counts with its weight: the sentence then says so by its score.
        applicable = not indicator.not_applicable or indicator.counts(indicator.evaluation.na_policy)
        return f"{indicator.name}：{score_sentence(indicator.weight, score, applicable=applicable)}"
    if score is None:
        return f"{indicator.name}指标分值为 {plain(indicator.weight)} 分，尚未全部计分。"
    rate = f"，得分率为 {plain(score / indicator.weight * 100)}%" if indicator.weight else ""
    return f"{indicator.name}指标分值为 {plain(indicator.weight)} 分，实际得分 {plain(score)} 分{rate}。"


def leaves_by_lost_points(evaluation: Evaluation) -> tuple[list[EvaluationIndicator], list[EvaluationIndicator]]:
    """The leaves that lost points (score < weight) first, then the others, each in tree order (one query)."""
    ordered = [leaf.item for leaf in indicator_tree(evaluation).leaves]
    lost = [node for node in ordered if node.score is not None and node.score < node.weight]
    return lost, [node for node in ordered if node not in lost]


# --- reading: the report outline with the lists -------------------------------------------------------

ITEM_ANCHORS = {"finding": "问题", "recommendation": "建议", "experience": "经验做法"}  # consistency anchors
# Where the lists go in each outline (seed 003: 四 经验 五 问题 六 建议; seed 004: 五, all three).
ITEM_CHAPTERS = {
    "project": (
        ("四、主要经验及做法", ("experience",)),
        ("五、存在的问题", ("finding",)),
        ("六、相关建议和整改措施", ("recommendation",)),
    ),
    "department": (("五、主要经验及做法、存在的问题及建议", ("experience", "finding", "recommendation")),),
}


@dataclass
class ItemGroup:
    kind: str
    label: str
    items: list


def item_groups(evaluation: Evaluation, problems: dict | None = None) -> dict[str, ItemGroup]:
    """The three lists in order, findings with their indicators, recommendations with their finding (4 queries).

    Each item gets ``problems``: the consistency problems anchored on it.
    """
    problems = problems or {}
    lists = {
        "experience": list(evaluation.experiences.order_by("order", "pk")),
        "finding": list(
            evaluation.findings.order_by("order", "pk").prefetch_related(
                Prefetch("indicators", queryset=EvaluationIndicator.objects.order_by("order", "pk"))
            )
        ),
        "recommendation": list(evaluation.recommendations.order_by("order", "pk").select_related("finding")),
    }
    groups = {}
    for kind, items in lists.items():
        for number, item in enumerate(items, start=1):
            item.number = number
            item.problems = problems.get(f"{ITEM_ANCHORS[kind]}-{item.pk}", [])
        groups[kind] = ItemGroup(kind, ITEM_LABELS[kind], items)
    return groups


@dataclass
class Block:
    """A chapter of the report outline as the narrative page shows it."""

    title: str
    sections: list[SectionState] = field(default_factory=list)
    analysis: bool = False  # the per-indicator analysis belongs to this chapter
    items: list[ItemGroup] = field(default_factory=list)


def report_blocks(evaluation: Evaluation, problems: dict | None = None) -> list[Block]:
    """The outline's chapters with their sections, the analysis and the three lists placed as the report has them.

    ``problems`` (consistency problems by anchor) are attached to the sections and items they concern.
    """
    problems = problems or {}
    groups = item_groups(evaluation, problems)
    blocks: list[Block] = []
    for chapter in outline(evaluation):
        for state in chapter.sections:
            state.problems = problems.get(f"section-{state.section.key}", [])
        has_conclusion = any(state.section.key == "conclusion" for state in chapter.sections)
        blocks.append(Block(chapter.title, chapter.sections, analysis=has_conclusion))
        if has_conclusion:
            for title, kinds in ITEM_CHAPTERS[evaluation.kind]:
                blocks.append(Block(title, items=[groups[kind] for kind in kinds]))
    return blocks
