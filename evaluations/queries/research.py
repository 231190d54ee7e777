"""The field-research record (现场调研记录, seed 004 附件 3), built from the data.

One row per leaf indicator: 序号, 调研内容 (the indicator's name and the record's own wording of what was
researched, else its 指标解释), 调研资料说明 (所需佐证材料), 现场调研资料 (what the team recorded as obtained, else
the names of the evidence files linked to the indicator) and 现场调研时间. Rows follow the record's own order
where the team gave one (seed 004 lists 预算执行进度率 before 预算调整率, 附件 1 the other way round), the
others after them in tree order; they are numbered from 1 as printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch

from evaluations.models import Evaluation, EvaluationIndicator, Evidence
from evaluations.queries.tree import indicator_tree
from rubrics.numbers import cn_date


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
    content: str  # the record's 调研内容, else the 指标解释
    required: str  # 调研资料说明
    obtained: str  # 现场调研资料
    obtained_from_files: bool  # True when `obtained` lists the linked evidence files (nothing typed)
    period: str  # 现场调研时间

    @property
    def files(self) -> list[Evidence]:
        return list(self.indicator.evidence.all())


def research_rows(evaluation: Evaluation) -> list[ResearchRow]:
    """附件 3 as rows: every leaf indicator in the record's order, numbered from 1 (two queries, whatever the rows)."""
    rows = evaluation.indicators.prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk").only("pk", "original_name"))
    )
    leaves = indicator_tree(evaluation, rows).leaves
    ordered = sorted(
        enumerate(leaves),
        key=lambda pair: (pair[1].item.research_order is None, pair[1].item.research_order or 0, pair[0]),
    )
    result: list[ResearchRow] = []
    for _, leaf in ordered:
        node = leaf.item
        obtained = node.evidence_obtained.strip()
        from_files = not obtained
        if from_files:
            obtained = "；".join(evidence.original_name for evidence in node.evidence.all())
        result.append(
            ResearchRow(
                number=len(result) + 1,
                indicator=node,
                path=" / ".join(leaf.path[:-1]),
                name=node.name,
                content=node.research_content.strip() or node.explanation,
                required=node.evidence_required,
                obtained=obtained,
                obtained_from_files=from_files and bool(obtained),
                period=research_period(node.research_start, node.research_end),
            )
        )
    return result
