"""The field-research record (现场调研记录, seed 004 附件 3), built from the data.

One row per leaf indicator, in tree order: 序号, 调研内容 (the indicator's name and 指标解释),
调研资料说明 (所需佐证材料), 现场调研资料 (what the team recorded as obtained, else the names of the
evidence files linked to the indicator) and 现场调研时间. Two queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch

from evaluations.domain.locking import StaleObjectError, save_versioned
from evaluations.models import Evaluation, EvaluationIndicator, Evidence

OBTAINED_MAX = 5000


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def research_period(start: dt.date | None, end: dt.date | None) -> str:
    """ "2023年7月2日—2023年7月20日"; one date when both are the same day; "" when none is known."""
    if start and end:
        return cn_date(start) if start == end else f"{cn_date(start)}—{cn_date(end)}"
    if start:
        return f"{cn_date(start)}起"
    if end:
        return f"至{cn_date(end)}"
    return ""


@dataclass
class ResearchRow:
    number: int
    indicator: EvaluationIndicator
    path: str  # 一级 / 二级 (the leaf's ancestors), to place it
    name: str
    content: str  # 指标解释
    required: str  # 调研资料说明
    obtained: str  # 现场调研资料
    obtained_from_files: bool  # True when `obtained` lists the linked evidence files (nothing typed)
    period: str  # 现场调研时间

    @property
    def files(self) -> list[Evidence]:
        return list(self.indicator.evidence.all())


def research_rows(evaluation: Evaluation) -> list[ResearchRow]:
    """附件 3 as rows: every leaf indicator in tree order, numbered from 1."""
    nodes = list(
        evaluation.indicators.order_by("order", "pk").prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk").only("pk", "original_name"))
        )
    )
    children: dict[int | None, list[EvaluationIndicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    rows: list[ResearchRow] = []

    def walk(parent_id: int | None, path: list[str]) -> None:
        for node in children.get(parent_id, []):
            if node.pk in children:
                walk(node.pk, [*path, node.name])
                continue
            obtained = node.evidence_obtained.strip()
            from_files = not obtained
            if from_files:
                obtained = "；".join(evidence.original_name for evidence in node.evidence.all())
            rows.append(
                ResearchRow(
                    number=len(rows) + 1,
                    indicator=node,
                    path=" / ".join(path),
                    name=node.name,
                    content=node.explanation,
                    required=node.evidence_required,
                    obtained=obtained,
                    obtained_from_files=from_files and bool(obtained),
                    period=research_period(node.research_start, node.research_end),
                )
            )

    walk(None, [])
    return rows


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
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where}：{label}「{text}」不是有效日期（应为 2023-07-02 这样的格式）")
        return None


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
