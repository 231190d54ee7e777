"""Writing the report text: sections, per-indicator analysis, findings, recommendations and experiences.

Every save names the version the user started from (services.versioning); a save over a newer version
is refused and nothing is overwritten. ``draft_analysis`` drafts an indicator's analysis paragraph in the
style of seed 004 section 四 from its score, the engine's explanation and the bound figure's formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from evaluations.datatables.figures import Figure
from evaluations.domain.locking import FieldChange, StaleObjectError, save_versioned
from evaluations.models import (
    Evaluation,
    EvaluationIndicator,
    Experience,
    Finding,
    NarrativeSection,
    Recommendation,
)
from evaluations.sections import Section, sections_for
from rubrics.numbers import plain

TITLE_MAX = 200
PREVIEW = 120  # characters of a changed value quoted in a conflict message


class NarrativeInputError(ValueError):
    """Bad input for a narrative form; the message is for the user."""


# --- conflicts ------------------------------------------------------------------------------------


def _short(value: object) -> str:
    text = "（空）" if value in (None, "") else str(value)
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[:PREVIEW] + "……"


def conflict_message(error: StaleObjectError, name: str | None = None) -> str:
    """What the other person changed, with long texts shortened, and that nothing was saved."""
    detail = "；".join(f"「{c.label}」现为“{_short(c.theirs)}”" for c in error.changes) or "内容已被修改"
    return (
        f"「{name or error.obj}」已被他人修改（您打开的是版本 {error.expected}，"
        f"当前为版本 {error.current}）：{detail}。"
        "为避免覆盖，本次保存未生效；您填写的内容仍保留在表单中，请核对后再保存。"
    )


class DeletedError(ValueError):
    """The item was deleted by someone else meanwhile; nothing was saved."""


# --- sections -------------------------------------------------------------------------------------


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


@transaction.atomic
def save_section(*, evaluation: Evaluation, key: str, text: str, expected_version: int) -> NarrativeSection:
    """Save a section's text; version 0 means the user started from a section not yet written."""
    section = section_for(evaluation, key)
    if section is None:
        raise NarrativeInputError("本类评价的报告没有这个章节。")
    text = text.replace("\r\n", "\n").strip("\n")
    stored = NarrativeSection.objects.filter(evaluation=evaluation, key=key).first()
    if stored is None:  # not written yet (or removed by a re-import): this save creates it
        try:
            with transaction.atomic():
                return NarrativeSection.objects.create(evaluation=evaluation, key=key, text=text)
        except IntegrityError:  # created by someone else at the same moment: a conflict like any other
            stored = NarrativeSection.objects.get(evaluation=evaluation, key=key)
    stored.text = text
    save_versioned(stored, expected_version=expected_version, fields=["text"])
    NarrativeSection.objects.filter(pk=stored.pk).update(updated_at=timezone.now())  # update() skips auto_now
    return stored


# --- per-indicator analysis -----------------------------------------------------------------------

_COUNT = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


def _points(value: Decimal | None) -> str:
    return plain(value) if value is not None else "—"


def analysis_heading(indicator: EvaluationIndicator, *, leaf: bool = True, score: Decimal | None = None) -> str:
    """The sentence the report prints before the analysis, from the data (seed 004 section 四).

    Leaf: "预算完成率：权重分为 2 分，实际得分为 1.87 分。"
    Inner: "资源配置指标分值为 8 分，实际得分 6.59 分，得分率为 82.38%。"
    """
    if leaf:
        score = indicator.score if score is None else score
        if score is None:
            return f"{indicator.name}：权重分为 {plain(indicator.weight)} 分，尚未计分。"
        return f"{indicator.name}：权重分为 {plain(indicator.weight)} 分，实际得分为 {plain(score)} 分。"
    if score is None:
        return f"{indicator.name}指标分值为 {plain(indicator.weight)} 分，尚未全部计分。"
    rate = f"，得分率为 {plain(score / indicator.weight * 100)}%" if indicator.weight else ""
    return f"{indicator.name}指标分值为 {plain(indicator.weight)} 分，实际得分 {plain(score)} 分{rate}。"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(("。", "！", "？", "；")) else f"{text}。"


def _leaf_body(indicator: EvaluationIndicator, figures: dict[str, Figure]) -> str:
    parts = []
    if indicator.score_explanation:
        parts.append(_sentence(f"根据评分标准，{indicator.score_explanation}"))
    for key in (indicator.bindings or {}).values():
        figure = figures.get(key)
        if figure is not None and figure.value is not None:
            parts.append(_sentence(f"其中，{figure.label} = {figure.formula}"))
    awarded = indicator.awarded_score
    if awarded is not None and awarded != indicator.computed_score:
        reason = indicator.override_reason.strip().rstrip("。")
        because = f"，理由：{reason}" if reason else ""
        parts.append(_sentence(f"经评价小组评定，该指标得 {plain(awarded)} 分{because}"))
    return "".join(parts)


@dataclass(frozen=True)
class ChildScore:
    indicator: EvaluationIndicator
    score: Decimal | None


def _inner_body(indicator: EvaluationIndicator, children: list[ChildScore]) -> str:
    if not children:
        return ""
    names = "、".join(child.indicator.name for child in children)
    count = _COUNT.get(len(children), str(len(children)))
    text = f"{indicator.name}指标从{names}{count}个角度来考察。"
    lost = [child for child in children if child.score is not None and child.score < child.indicator.weight]
    if lost:
        listed = "、".join(
            f"{child.indicator.name}（权重 {plain(child.indicator.weight)} 分，得 {plain(child.score)} 分）"
            for child in lost
        )
        text += f"其中失分的是{listed}。"
    elif all(child.score is not None for child in children):
        text += "各项指标均得满分。"
    return text


def draft_body(
    indicator: EvaluationIndicator, figures: dict[str, Figure], children: list[ChildScore] | None = None
) -> str:
    """The paragraph under the heading: the rule's explanation and the figure's formula (leaf), or an overview."""
    return _inner_body(indicator, children) if children else _leaf_body(indicator, figures)


def draft_analysis(
    indicator: EvaluationIndicator,
    figures: dict[str, Figure],
    children: list[ChildScore] | None = None,
    score: Decimal | None = None,
) -> str:
    """Heading and paragraph, in the style of seed 004 section 四:

    "预算完成率：权重分为 2 分，实际得分为 1.87 分。\\n根据评分标准，实际 93.62…，按完成比例计分：2 × 93.62% = 1.87 分。
    其中，预算完成率 = 决算数 5292.58 万元 ÷ 预算数 5653.1 万元 × 100% = 93.62%。"

    ``children`` (with their scores) makes it an inner node's overview; ``score`` is then its subtotal.
    """
    heading = analysis_heading(indicator, leaf=not children, score=score)
    body = draft_body(indicator, figures, children)
    return f"{heading}\n{body}" if body else heading


@transaction.atomic
def save_analysis(*, indicator: EvaluationIndicator, text: str, expected_version: int) -> EvaluationIndicator:
    indicator.analysis = text.replace("\r\n", "\n").strip("\n")
    return save_versioned(indicator, expected_version=expected_version, fields=["analysis"])


# --- findings, recommendations, experiences -------------------------------------------------------

ITEM_KINDS = {"finding": Finding, "recommendation": Recommendation, "experience": Experience}
ITEM_LABELS = {"finding": "存在的问题", "recommendation": "建议和整改措施", "experience": "主要经验及做法"}


def leaves_by_lost_points(evaluation: Evaluation) -> tuple[list[EvaluationIndicator], list[EvaluationIndicator]]:
    """The leaves that lost points (score < weight) first, then the others, each in tree order (one query)."""
    nodes = list(evaluation.indicators.order_by("order", "pk"))
    parents = {node.parent_id for node in nodes}
    children: dict = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[EvaluationIndicator] = []

    def walk(parent_id):
        for node in children.get(parent_id, []):
            if node.pk not in parents:
                ordered.append(node)
            walk(node.pk)

    walk(None)
    lost = [node for node in ordered if node.score is not None and node.score < node.weight]
    return lost, [node for node in ordered if node not in lost]


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise NarrativeInputError("请填写标题。")
    if len(title) > TITLE_MAX:
        raise NarrativeInputError(f"标题最多 {TITLE_MAX} 个字，现为 {len(title)} 个字。")
    return title


def _indicators(evaluation: Evaluation, ids: Iterable) -> list[EvaluationIndicator]:
    try:
        wanted = {int(value) for value in ids}
    except (TypeError, ValueError):
        raise NarrativeInputError("关联指标无效，请刷新页面后重新选择。") from None
    found = list(evaluation.indicators.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NarrativeInputError("所选的关联指标不属于本评价，请刷新页面后重新选择。")
    return found


def _finding(evaluation: Evaluation, value) -> Finding | None:
    if value in (None, ""):
        return None
    try:
        return evaluation.findings.get(pk=int(value))
    except (TypeError, ValueError, Finding.DoesNotExist):
        raise NarrativeInputError("所选的问题不存在（可能已被删除），请刷新页面后重新选择。") from None


@transaction.atomic
def save_item(
    *,
    evaluation: Evaluation,
    kind: str,
    item_pk: int | None,
    title: str,
    text: str,
    expected_version: int = 0,
    indicator_ids: Iterable = (),
    finding_pk=None,
):
    """Create (item_pk None, appended at the end) or update a finding, recommendation or experience."""
    model = ITEM_KINDS[kind]
    title = _clean_title(title)
    text = (text or "").replace("\r\n", "\n").strip()
    indicators = _indicators(evaluation, indicator_ids) if kind == "finding" else None
    finding = _finding(evaluation, finding_pk) if kind == "recommendation" else None
    if item_pk is None:
        last = model.objects.filter(evaluation=evaluation).aggregate(last=Max("order"))["last"] or 0
        item = model(evaluation=evaluation, title=title, text=text, order=last + 1)
        if kind == "recommendation":
            item.finding = finding
        item.save()
    else:
        item = model.objects.filter(evaluation=evaluation, pk=item_pk).first()
        if item is None:
            raise DeletedError(f"该{ITEM_LABELS[kind]}已被他人删除，本次保存未生效。")
        item.title, item.text = title, text
        fields = ["title", "text"]
        if kind == "recommendation":
            item.finding = finding
            fields.append("finding")
        save_versioned(item, expected_version=expected_version, fields=fields)
    if indicators is not None:
        item.indicators.set(indicators)
    return item


@transaction.atomic
def delete_item(*, evaluation: Evaluation, kind: str, item_pk: int, expected_version: int) -> None:
    model = ITEM_KINDS[kind]
    item = model.objects.filter(evaluation=evaluation, pk=item_pk).first()
    if item is None:
        return  # already gone: what the user wanted
    if item.version != expected_version:
        raise StaleObjectError(item, expected_version, item.version, [])
    model.objects.filter(pk=item.pk, version=expected_version).delete()
    _renumber(model, evaluation)


def _renumber(model, evaluation: Evaluation, ordered: list | None = None) -> None:
    items = ordered if ordered is not None else list(model.objects.filter(evaluation=evaluation))
    changed = []
    for order, item in enumerate(items, start=1):
        if item.order != order:
            item.order = order
            changed.append(item)
    model.objects.bulk_update(changed, ["order"])


@transaction.atomic
def move_item(*, evaluation: Evaluation, kind: str, item_pk: int, expected_version: int, direction: str) -> None:
    """Move an item one place up or down; the moved item's version guards against moving a stale view."""
    model = ITEM_KINDS[kind]
    items = list(model.objects.select_for_update().filter(evaluation=evaluation).order_by("order", "pk"))
    index = next((i for i, item in enumerate(items) if item.pk == item_pk), None)
    if index is None:
        raise DeletedError(f"该{ITEM_LABELS[kind]}已被他人删除。")
    item = items[index]
    if item.version != expected_version:
        raise StaleObjectError(item, expected_version, item.version, [FieldChange("排序", item.order, "")])
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    _renumber(model, evaluation, items)
    model.objects.filter(pk=item.pk).update(version=item.version + 1)


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
