"""The prose the users wrote, as the text checks read it: plain text (HTML stripped), paragraphs and sentences.

Every text check reads the evaluation's prose through ``_texts`` only, so the narrative may be stored as plain
text or as HTML (the rich editor), through evaluations.narrative_html.plain_text: tags are dropped, block elements
and table rows become line breaks and table cells are separated by a tab, so "预算执行率	68.38%" in a cell row
reads as it would in a sentence. Bound figures (<span data-figure>) read as nothing: they are the data itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import NamedTuple

from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.narrative_html import figure_keys, plain_text
from evaluations.queries.consistency.problem import ERROR, WARNING, Problem, key
from evaluations.sections import SECTIONS
from rubrics.numbers import written


class Text(NamedTuple):
    """A piece of prose: where it is in words, its anchor, its plain text, and the indicator whose analysis it is."""

    where: str
    anchor: str
    text: str
    indicator_id: int | None = None


def _texts(evaluation: Evaluation, indicators: list[EvaluationIndicator]) -> list[Text]:
    """Every piece of prose the users wrote, as plain text: the sections, the analyses and the items."""
    titles = {section.key: section.title for section in SECTIONS[evaluation.kind]}
    texts = [
        Text(f"章节「{titles.get(s.key, s.key)}」", f"section-{s.key}", plain_text(s.text))
        for s in evaluation.narrative.all()
    ]
    texts += [
        Text(f"指标「{n.name}」的分析", f"indicator-{n.pk}", plain_text(n.analysis), n.pk)
        for n in indicators
        if n.analysis
    ]
    for label, items in (
        ("问题", evaluation.findings.all()),
        ("建议", evaluation.recommendations.all()),
        ("经验做法", evaluation.experiences.all()),
    ):
        texts += [
            Text(f"{label}「{item.title}」", f"{label}-{item.pk}", f"{item.title}\n{plain_text(item.text)}")
            for item in items
        ]
    return texts


# --- paragraphs and sentences ---------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[。！？!?]")


class Sentence(NamedTuple):
    paragraph: str
    start: int  # offsets in the paragraph
    end: int


def sentences(text: str) -> Iterator[tuple[int, list[Sentence]]]:
    """(paragraph number, its sentences) for every paragraph (line) of a text."""
    for number, paragraph in enumerate(text.split("\n")):
        found, start = [], 0
        for match in _SENTENCE_END.finditer(paragraph):
            found.append(Sentence(paragraph, start, match.end()))
            start = match.end()
        if start < len(paragraph):
            found.append(Sentence(paragraph, start, len(paragraph)))
        yield number, found


# --- placeholders left in the text -----------------------------------------------------------------------

# What a template or a draft leaves for the evaluator to fill in: 【请填写…】, ××/XX for a missing figure or name,
# a run of underscores, and the marks of an empty section. None of these appears in a finished report.
PLACEHOLDER = re.compile(
    r"【[^】\n]{0,40}】|××+|＊＊+|(?<![A-Za-z])(?:XX+|xx+)(?![A-Za-z])|[_＿]{3,}"
    r"|[（(](?:尚未填写|待填写|待补充|请填写|请补充|此处填写)[^）)\n]{0,20}[）)]"
)


def placeholders(text: str) -> list[str]:
    return [match.group(0) for match in PLACEHOLDER.finditer(text)]


# --- money units --------------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万元|元)")


def unit_problems(texts: list[Text], already: set[tuple[str, Decimal]] = frozenset()) -> list[Problem]:
    """The same amount written once in 元 and once in 万元 is almost always a unit slip.

    ``already``: (anchor, amount) pairs another check has reported as a unit slip, not repeated here.
    """
    seen: dict[Decimal, dict[str, tuple[str, str]]] = {}
    for where, anchor, text, _ in texts:
        for match in _AMOUNT.finditer(text):
            value = Decimal(match.group(1).replace(",", ""))
            if value >= 100:  # small round numbers (标准 50 元, 0.1 万元) recur legitimately
                seen.setdefault(value, {}).setdefault(match.group(2), (where, anchor))
    problems = []
    for value, units in seen.items():
        if len(units) > 1 and (units["元"][1], value) not in already:
            where, anchor = units["元"]
            problems.append(
                Problem(
                    WARNING,
                    where,
                    f"金额 {written(value)} 在此写作「{written(value)} 元」，"
                    f"在{units['万元'][0]}写作「{written(value)} 万元」，单位可能混用。",
                    anchor,
                    key("unit-mix", anchor, written(value)),
                )
            )
    return problems


def deleted_figure_problems(
    evaluation: Evaluation,
    catalogue: Mapping[str, object],
    indicators: list[EvaluationIndicator] | None = None,
) -> list[Problem]:
    """A section or an indicator's analysis binding a figure that no longer exists (its table column, indicator or
    figure was removed): the page and the report print 数据已删除 there; it must be re-inserted or deleted before
    the report goes out. ``indicators``: the evaluation's, when already read."""
    titles = {section.key: section.title for section in SECTIONS[evaluation.kind]}
    texts = [(f"章节「{titles.get(s.key, s.key)}」", f"section-{s.key}", s.text) for s in evaluation.narrative.all()]
    indicators = list(evaluation.indicators.all()) if indicators is None else indicators
    texts += [(f"指标「{n.name}」的分析", f"indicator-{n.pk}", n.analysis) for n in indicators if n.analysis]
    problems = []
    for where, anchor, text in texts:
        for figure in dict.fromkeys(figure_keys(text)):
            if figure in catalogue:
                continue
            problems.append(
                Problem(
                    ERROR,
                    where,
                    "文中插入的数据已不存在（页面和报告中显示为“数据已删除”），请删除该处或重新插入数据。",
                    anchor,
                    key("figure-deleted", anchor, figure),
                )
            )
    return problems
