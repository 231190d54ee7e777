"""Saving the field-research record (现场调研记录): what was obtained per leaf indicator, and when.

The record itself is read by evaluations.queries.research.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from evaluations.domain.locking import StaleObjectError, save_versioned
from evaluations.models import Evaluation, EvaluationIndicator
from rubrics.numbers import cn_date, date_problem

OBTAINED_MAX = 5000


# --- editing --------------------------------------------------------------------------------------


class ResearchInputError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


class ResearchConflict(ValueError):
    def __init__(self, errors: list[StaleObjectError]):
        self.errors = errors
        super().__init__("；".join(str(error) for error in errors))


@dataclass(frozen=True)
class ResearchEntry:
    indicator_pk: int
    version: int
    obtained: str
    start: str  # as the form sends it: "2023-07-02" or ""
    end: str


def _parse_date(text: str, where: str, label: str, problems: list[str]) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where}：{label}「{text}」不是有效日期（应为 2023-07-02 这样的格式）")
        return None
    problem = date_problem(day)
    if problem:
        problems.append(f"{where}：{label}{problem}")
        return None
    return day


@transaction.atomic
def save_research(evaluation: Evaluation, entries: Iterable[ResearchEntry]) -> int:
    """Save what was obtained and when, per leaf; all or nothing. Returns how many rows changed.

    Bad input raises ResearchInputError listing every problem; rows changed by someone else since the
    form was opened raise ResearchConflict (nothing is saved then).
    """
    entries = list(entries)
    indicators = {
        node.pk: node for node in evaluation.indicators.filter(pk__in=[entry.indicator_pk for entry in entries])
    }
    problems: list[str] = []
    planned: list[tuple[EvaluationIndicator, int]] = []
    for entry in entries:
        node = indicators.get(entry.indicator_pk)
        if node is None:
            problems.append("表中有不属于本评价的指标，请刷新页面后重新填写")
            continue
        where = f"「{node.name}」"
        obtained = (entry.obtained or "").replace("\r\n", "\n").strip()
        if len(obtained) > OBTAINED_MAX:
            problems.append(f"{where}：现场调研资料最多 {OBTAINED_MAX} 个字，现为 {len(obtained)} 个字")
        start = _parse_date(entry.start, where, "调研开始日期", problems)
        end = _parse_date(entry.end, where, "调研结束日期", problems)
        if start and end and start > end:
            problems.append(f"{where}：调研开始日期 {cn_date(start)} 晚于结束日期 {cn_date(end)}")
        if (node.evidence_obtained, node.research_start, node.research_end) == (obtained, start, end):
            continue
        node.evidence_obtained, node.research_start, node.research_end = obtained, start, end
        planned.append((node, entry.version))
    if problems:
        raise ResearchInputError(problems)
    stale: list[StaleObjectError] = []
    for node, version in planned:
        try:
            save_versioned(
                node, expected_version=version, fields=["evidence_obtained", "research_start", "research_end"]
            )
        except StaleObjectError as error:
            stale.append(error)
    if stale:
        raise ResearchConflict(stale)
    return len(planned)
