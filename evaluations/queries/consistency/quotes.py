"""Figures quoted in prose against the data: an amount in 万元/元 or a percentage whose label names a figure.

For every number with a unit in a sentence, the words just before it (fillers such as 为/共计 dropped) are
matched, longest first, against the names the vocabulary gives the data's figures. The quote agrees when it is
one of the figures under that name rounded to the quote's digits (a name may cover several: 实际支出 is the
department's and the projects'). When the sentence names a row (子项“生活扶助金”, “困难群众基本生活救助”项目),
the row's own cells and figures are meant; a row named in quotation marks stays the topic of its paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from evaluations.queries.consistency.problem import ERROR, Problem, key
from evaluations.queries.consistency.quantities import (
    DROPPED,
    MONEY_UNITS,
    Quantity,
    in_unit,
    normalised,
    same_as_quoted,
)
from evaluations.queries.consistency.texts import Sentence, Text, sentences
from evaluations.queries.consistency.vocabulary import FILLERS, NARROWING

NUMBER = re.compile(r"(?<![\d.,])(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*(万元|元|%|％)")
_OPEN_QUOTES, _CLOSE_QUOTES = "“「『\"'‘", "”」』\"'’"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    row: str
    quoted: bool


@dataclass(frozen=True)
class Quote:
    """A number with its unit, and the label before it as written (for the message)."""

    value: Decimal
    unit: str
    phrase: str
    label: str  # normalised: the term it matched


def parse_number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


class Vocabulary:
    """The data's quantities indexed by the terms that name them, and the row names prose can mention."""

    def __init__(self, quantities: list[Quantity]) -> None:
        self.table_terms: dict[str, list[Quantity]] = {}
        self.row_terms: dict[tuple[str, str], dict[str, list[Quantity]]] = {}
        for quantity in quantities:
            for term in quantity.terms:
                term = normalised(term)
                if quantity.row:
                    place = self.row_terms.setdefault((quantity.table, quantity.row), {})
                    place.setdefault(term, []).append(quantity)
                else:
                    self.table_terms.setdefault(term, []).append(quantity)
        # longest names first, so 困难群体补助（非营利组织补贴） wins over 困难群体补助
        self.rows = sorted({place for place in self.row_terms}, key=lambda place: -len(place[1]))
        # compiled once for every paragraph of every text (the check runs on each page of the workspace)
        self.row_patterns = [(table, row, re.compile(re.escape(row))) for table, row in self.rows]

    def mentions(self, paragraph: str) -> list[Mention]:
        found: list[Mention] = []
        taken = [False] * len(paragraph)
        for table, row, pattern in self.row_patterns:
            if row not in paragraph:  # most rows are not named in a given paragraph: skip the regex
                continue
            for match in pattern.finditer(paragraph):
                if any(taken[match.start() : match.end()]):
                    continue
                for index in range(match.start(), match.end()):
                    taken[index] = True
                before = paragraph[match.start() - 1] if match.start() else ""
                after = paragraph[match.end()] if match.end() < len(paragraph) else ""
                quoted = before in _OPEN_QUOTES and after in _CLOSE_QUOTES
                found.append(Mention(match.start(), match.end(), f"{table}\t{row}", quoted))
        return sorted(found, key=lambda mention: mention.start)


class Context:
    """The words before a number in its sentence, compared without quotation marks, spaces and the fillers
    between a label and its number ("预算执行率为 " → "预算执行率"), remembering where each kept character was."""

    def __init__(self, paragraph: str, start: int, end: int) -> None:
        self.paragraph = paragraph
        # a character survives normalised() unless it is a quotation mark or a space (the same test, per character)
        self.positions = [i for i in range(start, end) if paragraph[i] not in DROPPED and not paragraph[i].isspace()]
        text = "".join(paragraph[i] for i in self.positions)
        changed = True
        while changed:
            changed = False
            for filler in FILLERS:
                if text.endswith(filler):
                    text, changed = text[: -len(filler)], True
        self.label = text

    def phrase(self, term: str, end: int) -> str:
        """The label, the number and its unit as written ("将预算调整为 31.87 万元" → "预算调整为 31.87 万元")."""
        start = self.positions[len(self.label) - len(term)]
        if start and self.paragraph[start - 1] in _OPEN_QUOTES:  # “三公经费”控制率 keeps its opening quote
            start -= 1
        return self.paragraph[start:end].strip()


def _longest(text: str, terms: dict[str, list[Quantity]], row: str = "") -> str | None:
    """The longest term the text ends with, unless a money noun right before it narrows it (人员经费年度预算) —
    other than the row's own name (生活扶助金年初预算 is the row's)."""
    best = None
    for term in terms:
        if text.endswith(term) and (best is None or len(term) > len(best)):
            best = term
    if best is None:
        return None
    before = text[: -len(best)]
    return None if before.endswith(NARROWING) and not (row and before.endswith(row)) else best


def _agrees(quote: Quote, quantity: Quantity) -> bool:
    if (quote.unit == "%") != (quantity.unit == "%"):
        return False
    return same_as_quoted(quote.value, in_unit(quantity.value, quantity.unit, quote.unit))


def _nearest(quote: Quote, candidates: list[Quantity]) -> Quantity:
    def distance(quantity: Quantity) -> Fraction:
        return abs(in_unit(quantity.value, quantity.unit, quote.unit) - Fraction(quote.value))

    return min(candidates, key=distance)


def _message(quote: Quote, quantity: Quantity) -> str:
    shown = quantity.shown(quote.unit)
    if quote.unit in MONEY_UNITS:
        other = "万元" if quote.unit == "元" else "元"
        if same_as_quoted(quote.value, in_unit(quantity.value, quantity.unit, other)):
            return (
                f"文中「{quote.phrase}」与{quantity.label} {quantity.shown(other)}（{shown}）不一致："
                f"数值相同，单位“{quote.unit}”应为“{other}”。"
            )
    message = f"文中「{quote.phrase}」与{quantity.label} {shown} 不一致"
    return f"{message}（{quantity.formula}）。" if quantity.formula else f"{message}。"


def _candidates(vocabulary: Vocabulary, label: str, subjects: list[str]) -> tuple[str, list[Quantity]] | None:
    """(term, the figures it names here): the cells of a row the sentence is about (the last one named first,
    then the paragraph's topic), else the evaluation's figures and totals. A row's cell is never checked in a
    sentence that names no row: "支出 0.07 万元" could be any row's."""
    for subject in subjects:
        table, row = subject.split("\t")
        own = vocabulary.row_terms.get((table, row), {})
        term = _longest(label, own, row)
        if term is not None:
            return term, own[term]
    term = _longest(label, vocabulary.table_terms)
    if term is not None:
        return term, vocabulary.table_terms[term]
    return None


def _subjects(mentions: list[Mention], sentence: Sentence, position: int) -> list[str]:
    """The rows the number may be about: those named before it in its sentence (the last first), then the
    paragraph's topic (the last row named in quotation marks in an earlier sentence)."""
    in_sentence = [m.row for m in mentions if sentence.start <= m.start and m.end <= position]
    topics = [m.row for m in mentions if m.quoted and m.end <= sentence.start]
    return [*reversed(in_sentence), *topics[-1:]]


def quoted_figure_problems(texts: list[Text], quantities: list[Quantity]) -> tuple[list[Problem], set]:
    """Every quoted amount or percentage that names a figure of the data and differs from it.

    Returns the problems and the (anchor, amount) pairs found to be a unit slip (元 for 万元), which the unit
    check then does not repeat. The answer depends on the prose and the figures only, so it is remembered by
    them: every page of an evaluation runs the check, and reading all its prose is the check's largest part.
    """
    prose = tuple((where, anchor, text) for where, anchor, text, _ in texts)
    problems, slips = _quoted_figure_problems(prose, tuple(quantities))
    return list(problems), set(slips)


def forget_quotes() -> None:
    """Empty the remembered answers (benchmarks and tests measuring a first reading)."""
    _quoted_figure_problems.cache_clear()


# An evaluation's prose is up to some 100 KB: 128 of them stay well within a worker's memory.
@lru_cache(maxsize=128)
def _quoted_figure_problems(
    texts: tuple[tuple[str, str, str], ...], quantities: tuple[Quantity, ...]
) -> tuple[tuple[Problem, ...], frozenset]:
    vocabulary = Vocabulary(quantities)
    problems: dict[str, Problem] = {}
    slips: set[tuple[str, Decimal]] = set()
    for where, anchor, text in texts:
        for _, found in sentences(text):
            if not found:
                continue
            paragraph = found[0].paragraph
            mentions = vocabulary.mentions(paragraph)
            for sentence in found:
                for match in NUMBER.finditer(paragraph, sentence.start, sentence.end):
                    unit = "%" if match.group(2) in "%％" else match.group(2)
                    context = Context(paragraph, sentence.start, match.start())
                    named = _candidates(vocabulary, context.label, _subjects(mentions, sentence, match.start()))
                    if named is None:
                        continue
                    term, candidates = named
                    phrase = context.phrase(term, match.end())
                    quote = Quote(parse_number(match.group(1)), unit, phrase, term)
                    fitting = [q for q in candidates if (q.unit == "%") == (unit == "%")]
                    if not fitting or any(_agrees(quote, quantity) for quantity in fitting):
                        continue
                    quantity = _nearest(quote, fitting)
                    message = _message(quote, quantity)
                    if "应为" in message:
                        slips.add((anchor, quote.value))
                    finding = key("figure-quote", anchor, phrase)
                    problems.setdefault(finding, Problem(ERROR, where, message, anchor, finding))
    return tuple(problems.values()), frozenset(slips)
