"""The bureau overview as a person reads it: each figure is a table (what the page lists, and what a chart
draws), downloadable as CSV or Excel exactly as shown; the charts are server-side SVG (interfaces.charts)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.safestring import SafeString
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from evaluations.interfaces.charts import GRADE_COLOURS, NEUTRAL, Bar, bar_chart, count_scale, rate_colour
from evaluations.models import RectificationItem
from evaluations.queries.overview import Overview
from rubrics.numbers import fixed, percent, plain

HUNDRED = Decimal(100)
APPROVED_NOTE = "只统计已批准的评价（含整改跟踪）；草稿和进行中的评价不计入得分与等级。"


def _written(value) -> str:
    return fixed(value) if isinstance(value, Decimal) else str(value)


@dataclass(frozen=True)
class Table:
    key: str  # the download's name in the URL
    title: str
    note: str  # what is counted, written under the title (and in the Excel file)
    columns: tuple[str, ...]
    rows: list[tuple]
    scores: frozenset[int] = frozenset()  # columns holding scores (two decimals)

    @property
    def shown(self) -> list[tuple[str, ...]]:
        """The rows as the page and the CSV file write them (scores with two decimals)."""
        return [tuple(_written(value) for value in row) for row in self.rows]


def _score(value: Decimal | None) -> Decimal | str:
    return value if value is not None else "—"


def overview_tables(data: Overview, overdue: Iterable[RectificationItem] | None = None) -> dict[str, Table]:
    """Every table of the overview, by key. ``overdue``: the items to list (default: those the page shows)."""
    today = timezone.localdate()
    template = data.template.name if data.template else ""
    tables = [
        Table(
            "states",
            "评价数量（按状态）",
            f"全部 {data.total} 项评价：已批准 {data.counted} 项计入统计"
            + (f"（另有 {data.superseded} 项已批准的旧版次由新版次代替，不重复计入）" if data.superseded else "")
            + f"；草稿和进行中 {data.in_progress} 项单独计数，不计入得分与等级。",
            ("状态", "评价数", "得分与等级统计"),
            [(s.label, s.count, "计入" if s.counted else "不计入（未批准）") for s in data.by_state],
        ),
        Table(
            "grades",
            "已批准评价的等级分布",
            APPROVED_NOTE,
            ("评价等级", "评价数", "平均总分"),
            [(g.label, g.count, _score(g.average)) for g in data.by_grade],
            frozenset({2}),
        ),
        Table(
            "years",
            "已批准评价（按年度）",
            APPROVED_NOTE,
            ("年度", "评价数", "平均总分"),
            [(g.label, g.count, _score(g.average)) for g in data.by_year],
            frozenset({2}),
        ),
        Table(
            "units",
            "已批准评价（按被评价单位）",
            APPROVED_NOTE,
            ("被评价单位", "评价数", "平均总分"),
            [(g.label, g.count, _score(g.average)) for g in data.by_unit],
            frozenset({2}),
        ),
        Table(
            "level_one",
            f"一级指标平均得分率（{template}）" if template else "一级指标平均得分率",
            "只比较同一指标体系模板的已批准评价；得分率 = 一级指标得分 ÷ 权重 × 100%"
            "（有不适用指标时为适用部分的权重），平均得分率为各评价得分率的算术平均。",
            ("一级指标", "权重（分）", "评价数", "平均得分（分）", "平均得分率（%）"),
            [
                (
                    r.name,
                    _score(r.weight) if r.weight is not None else "各评价不同",
                    r.count,
                    r.average_score,
                    r.average_rate,
                )
                for r in data.level_one
            ],
            frozenset({1, 3, 4}),
        ),
        Table(
            "overdue",
            "逾期未验收的整改事项",
            "整改期限已过、财政局尚未验收通过的整改事项。",
            ("评价", "问题", "责任单位", "整改期限", "状态", "逾期天数"),
            [
                (
                    item.evaluation.title,
                    item.finding.title,
                    item.responsible_unit.name,
                    item.deadline.isoformat(),
                    item.get_status_display(),
                    (today - item.deadline).days,
                )
                for item in (data.overdue if overdue is None else overdue)
            ],
        ),
    ]
    return {table.key: table for table in tables}


# --- charts ---------------------------------------------------------------------------------------------------


def grade_chart(data: Overview) -> SafeString | str:
    if not data.by_grade:
        return ""
    top, ticks = count_scale(max(g.count for g in data.by_grade))
    bars = [
        Bar(
            g.label,
            Decimal(g.count),
            f"{g.count} 项",
            f"（平均总分 {plain(g.average)} 分）" if g.average is not None else "",
            colour=GRADE_COLOURS.get(g.label, NEUTRAL),
        )
        for g in data.by_grade
    ]
    return bar_chart(bars, title="已批准评价的等级分布", caption="评价数（项）", scale=Decimal(top), ticks=ticks)


def level_one_chart(data: Overview) -> SafeString | str:
    if not data.level_one:
        return ""
    bars = [
        Bar(
            r.name,
            r.average_rate,
            percent(r.average_rate),
            f"（{r.count} 项评价）",
            tooltip=f"{r.name}：{r.count} 项评价的平均得分率 {percent(r.average_rate)}，"
            f"平均得分 {plain(r.average_score)} 分"
            + (f"（权重 {plain(r.weight)} 分）" if r.weight is not None else ""),
            colour=rate_colour(r.average_rate),
        )
        for r in data.level_one
    ]
    return bar_chart(
        bars,
        title=f"一级指标平均得分率（{data.template.name}）",
        caption="平均得分率（各评价“得分 ÷ 权重”的平均）",
        scale=HUNDRED,
        ticks=range(0, 101, 20),
        unit="%",
    )


# --- downloads ------------------------------------------------------------------------------------------------


def table_csv(table: Table) -> bytes:
    """The table as CSV, UTF-8 with a byte-order mark so that Excel opens the Chinese text as such."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.shown)
    return out.getvalue().encode("utf-8-sig")


def table_xlsx(table: Table, *, filters: str) -> bytes:
    """The table as an Excel sheet: title, what is counted and the filters, then the table with numbers as numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([table.note])
    sheet.append([filters])
    for cell in ("A2", "A3"):
        sheet[cell].font = Font(color="666666", size=9)
    sheet.append([])
    sheet.append(list(table.columns))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for row in table.rows:
        sheet.append(list(row))
        for index in table.scores:
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    for index, column in enumerate(table.columns, start=1):
        longest = max([len(column), *(len(_written(row[index - 1])) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest * 2 + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
