"""Scores, weights, the total and the grade quoted in prose against the indicator data.

- In an indicator's analysis, "该指标得 100%权重分，即 3 分", "该项指标得满分 2 分", "权重分为 4 分，实际得分为 4 分"
  speak of that indicator (or of the one a paragraph is headed by, "成本节约率：…"; a heading that names no
  indicator leaves the paragraph unchecked). Anywhere, "<指标名称>…得分 19 分" speaks of the indicator named.
  The score is the one that counts (the awarded score where given), as the score table prints it.
- Anywhere, "综合得分为 97.75 分" and "评价等级为“优”" speak of the evaluation's total and grade.
"""

from __future__ import annotations

import re
from decimal import Decimal

from evaluations.models import EvaluationIndicator
from evaluations.queries.consistency.problem import ERROR, Problem, key
from evaluations.queries.consistency.quantities import normalised, same_as_quoted
from evaluations.queries.consistency.texts import Text, sentences
from rubrics.numbers import plain, round_half_up
from rubrics.tree import IndicatorTree, TreeNode

POINTS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*分(?![钟之别类局值数配])")
SHARE_OF_WEIGHT = re.compile(r"得\s*(\d+(?:\.\d+)?)\s*[%％]\s*的?\s*权重分")
HEADING = re.compile(r"^\s*([^：:，,。；;\n]{2,30})[：:]")

TOTAL_TERMS = ("综合得分", "总体得分", "总得分", "最终得分", "综合评分", "评价得分", "总评分", "绩效评价得分")
GRADE_TERMS = (
    "评价等级",
    "绩效等级",
    "绩效评级",
    "综合评级",
    "综合等级",
    "评定等级",
    "等级评定",
    "评价结果",
    "评价结论",
)
WEIGHT_ENDINGS = ("权重分值", "权重分", "权重", "分值", "满分")
SCORE_ENDINGS = ("实际得分", "得分")
SAYS_THIS_INDICATOR = ("该指标", "该项指标", "本指标", "本项指标", "该项")
THIS_INDICATOR_SCORED = (
    *(f"{subject}{verb}" for subject in SAYS_THIS_INDICATOR for verb in ("得", "可得", "应得", "实得")),
    "评分标准，得",
    "评分标准,得",
    "评分标准计算，得",
)
SCORE_FILLERS = ("为", "是", "：", ":")
# Endings that can only mean the indicator the analysis is about, whatever else the sentence names.
ABOUT_THIS_INDICATOR = (
    *THIS_INDICATOR_SCORED,
    "即",
    *(f"{subject}{full}" for subject in SAYS_THIS_INDICATOR for full in ("得满分", "满分", "可得满分")),
)


def _strip(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for filler in SCORE_FILLERS:
            if text.endswith(filler):
                text, changed = text[: -len(filler)], True
    return text


class Names:
    """The evaluation's indicators by name (a name used twice names no one)."""

    def __init__(self, scored: IndicatorTree[EvaluationIndicator]) -> None:
        self.nodes = {node.key: node for node in scored.nodes}
        by_name: dict[str, list[TreeNode]] = {}
        for node in scored.nodes:
            by_name.setdefault(normalised(node.name), []).append(node)
        self.by_name = {name: found[0] for name, found in by_name.items() if len(found) == 1 and len(name) >= 2}
        self.longest_first = sorted(self.by_name, key=len, reverse=True)

    def mentioned(self, text: str) -> list[tuple[int, TreeNode]]:
        """(end offset in the normalised text, node) of each indicator named, longest names first."""
        found, taken = [], [False] * len(text)
        for name in self.longest_first:
            for match in re.finditer(re.escape(name), text):
                if not any(taken[match.start() : match.end()]):
                    taken[match.start() : match.end()] = [True] * len(name)
                    found.append((match.end(), self.by_name[name]))
        return sorted(found, key=lambda item: item[0])


def _what(before: str) -> str | None:
    """What "N 分" states, from the words before it: "weight", "score", "both" (得满分) or None."""
    text = _strip(before)
    if text.endswith("得满分"):
        return "both"
    if text.endswith(WEIGHT_ENDINGS):
        return "weight"
    if text.endswith(SCORE_ENDINGS) or text.endswith(THIS_INDICATOR_SCORED):
        return "score"
    if text.endswith("即") and ("权重分" in text or any(s in text for s in SAYS_THIS_INDICATOR)):
        return "score"
    return None


def _agrees_share(share: Decimal, weight: Decimal, score: Decimal) -> bool:
    """ "得 93.62% 权重分，即 1.87 分": the share of the weight gives the score, or the score gives the share."""
    if weight == 0:
        return share == 0
    places = max(0, -share.as_tuple().exponent)
    return round_half_up(share * weight / 100, 2) == score or round_half_up(score / weight * 100, places) == share


def _indicator_finding(node: TreeNode, quoted: Decimal, what: str, phrase: str, share: Decimal | None) -> str | None:
    weight, score = node.weight, node.score
    facts = f"权重 {plain(weight)} 分、得分 {plain(score, none='未计分')} 分"
    if what in ("weight", "both") and weight is not None and not same_as_quoted(quoted, weight):
        return f"文中「{phrase}」与指标「{node.name}」的权重 {plain(weight)} 分不一致（{facts}）。"
    if what in ("score", "both") and score is not None:
        if not same_as_quoted(quoted, score):
            return f"文中「{phrase}」与指标「{node.name}」的得分 {plain(score)} 分不一致（{facts}）。"
        if share is not None and weight is not None and not _agrees_share(share, weight, score):
            return (
                f"文中「{phrase}」中的 {plain(share)}% 权重分与指标「{node.name}」的得分不符"
                f"（{facts}，得分为权重的 {plain(score / weight * 100) if weight else '—'}%）。"
            )
    return None


def _subject_of_paragraph(paragraph: str, own: TreeNode | None, names: Names) -> TreeNode | None:
    """An analysis paragraph headed "成本节约率：…" speaks of the indicator so named, or of none we know."""
    heading = HEADING.match(paragraph)
    if own is None or heading is None:
        return own
    name = normalised(heading.group(1))
    if name == normalised(own.name):
        return own
    return names.by_name.get(name)


_CLAUSE = re.compile(r"[，,；;：:]")


def _statement(words: str, end: int, label_start: int) -> str:
    """The statement a quoted figure belongs to: from the "该指标…" it opens with, or from its clause."""
    this = max(words.rfind(subject, 0, label_start) for subject in SAYS_THIS_INDICATOR)
    if this < 0:
        clauses = [m.end() for m in _CLAUSE.finditer(words, 0, label_start)]
        this = clauses[-1] if clauses else 0
    return words[this:end].strip()


_BOUNDARY = "，,。；;：:、（("
_BETWEEN_NAME_AND_LABEL = ("指标", "的", "项")


def _named_before(prefix: str, names: Names) -> TreeNode | None:
    """The indicator whose name the words end with ("殡葬服务改革程度指标" → 殡葬服务改革程度), or None."""
    changed = True
    while changed:
        changed = False
        for word in _BETWEEN_NAME_AND_LABEL:
            if prefix.endswith(word) and len(prefix) > len(word):
                prefix, changed = prefix[: -len(word)], True
    return next((names.by_name[name] for name in names.longest_first if prefix.endswith(name)), None)


def _subject(before: str, default: TreeNode | None, names: Names) -> TreeNode | None:
    """Whose score or weight "N 分" states: the analysis' indicator when the words say so (该指标得…, 即), the
    indicator named right before the label (殡葬服务改革程度得分), the analysis' indicator for a bare label
    opening a clause (权重分为 4 分，实际得分为 4 分); none for a label qualified otherwise (要点①得分 1 分)."""
    if before.endswith(ABOUT_THIS_INDICATOR):
        return default
    ending = max((e for e in (*WEIGHT_ENDINGS, *SCORE_ENDINGS, "得满分") if before.endswith(e)), key=len)
    prefix = before[: -len(ending)]
    named = _named_before(prefix, names)
    if named is not None:
        return named
    return default if not prefix or prefix[-1] in _BOUNDARY else None


def _points_findings(
    words: str, default: TreeNode | None, names: Names, total: Decimal | None, anchor: str
) -> list[tuple[str, str]]:
    """(key, message) for every score, weight or total "N 分" in one sentence that differs from the data."""
    findings = []
    for match in POINTS.finditer(words):
        before = _strip(normalised(words[: match.start()]))
        quoted = Decimal(match.group(1))
        term = next((t for t in TOTAL_TERMS if before.endswith(t)), None)
        if term is not None and _named_before(before[: -len(term)], names) is None:
            if total is not None and not same_as_quoted(quoted, total):
                phrase = words[max(0, words.rfind(term, 0, match.start())) : match.end()].strip()
                message = f"文中「{phrase}」与评价的总分 {plain(total)} 分不一致。"
                findings.append((key("total-quote", anchor, phrase), message))
            continue
        what = "score" if term is not None else _what(before)  # 项目决策综合得分: an indicator's
        if what is None:
            continue
        node = _named_before(before[: -len(term)], names) if term is not None else _subject(before, default, names)
        if node is None or not node.applicable:
            continue
        phrase = _statement(words, match.end(), max(0, match.start() - 1))
        share_match = SHARE_OF_WEIGHT.search(phrase)
        share = Decimal(share_match.group(1)) if share_match and what == "score" else None
        message = _indicator_finding(node, quoted, what, phrase, share)
        if message is not None:
            findings.append((key("score-quote", anchor, phrase), message))
    return findings


def _grade_pattern(grades) -> re.Pattern | None:
    labels = sorted({str(label) for _, label in (grades or [])}, key=len, reverse=True)
    if not labels:
        return None
    terms, grades_alternatives = "|".join(GRADE_TERMS), "|".join(map(re.escape, labels))
    return re.compile(
        rf"(?:{terms})\s*(?:为|是|：|:|属于|达到|评定为|确定为)?\s*[“\"「『]?\s*(?P<grade>{grades_alternatives})[”\"」』]?"
    )


def score_quote_problems(
    texts: list[Text], scored: IndicatorTree[EvaluationIndicator], total: Decimal | None, grade: str, grades
) -> list[Problem]:
    """Every score, weight, total or grade quoted in prose that differs from the data."""
    names = Names(scored)
    grade_pattern = _grade_pattern(grades)
    problems: dict[str, Problem] = {}
    for where, anchor, text, indicator_id in texts:
        own = names.nodes.get(indicator_id) if indicator_id else None
        for _, found in sentences(text):
            if not found:
                continue
            default = _subject_of_paragraph(found[0].paragraph, own, names)
            for sentence in found:
                words = sentence.paragraph[sentence.start : sentence.end]
                for finding_key, message in _points_findings(words, default, names, total, anchor):
                    problems.setdefault(finding_key, Problem(ERROR, where, message, anchor, finding_key))
                if not grade or grade_pattern is None:
                    continue
                for match in grade_pattern.finditer(words):
                    if match.group("grade") != grade:
                        phrase = match.group(0).strip()
                        message = f"文中「{phrase}」与评价的等级“{grade}”不一致（总分 {plain(total)} 分）。"
                        finding_key = key("grade-quote", anchor, phrase)
                        problems.setdefault(finding_key, Problem(ERROR, where, message, anchor, finding_key))
    return list(problems.values())
