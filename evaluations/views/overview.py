"""The finance bureau's overview (评价总览) and the download of each table behind it (CSV or Excel).

Bureau reviewers see the evaluations their bureau commissioned, admins all; the figures come from
evaluations.queries.overview (aggregated in SQL), the tables and charts from evaluations.interfaces.overview_page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from evaluations.interfaces.overview_page import grade_chart, level_one_chart, overview_tables, table_csv, table_xlsx
from evaluations.models.roles import Role, roles_of
from evaluations.queries.overview import SHOWN_UNITS, all_overdue, bureau_overview
from evaluations.views.helpers import xlsx_response

FORMATS = {"csv", "xlsx"}


def _require_bureau(request) -> None:
    if not roles_of(request.user) & {Role.BUREAU, Role.ADMIN}:
        raise PermissionDenied("只有财政局审核人员和管理员可以查看评价总览。")


def _number(request, name: str) -> int | None:
    """A positive whole number from the query string; anything else is no filter."""
    text = request.GET.get(name, "").strip()
    return int(text) if text.isdigit() else None


def _overview(request):
    return bureau_overview(request.user, year=_number(request, "year"), template_pk=_number(request, "template"))


def _filters_text(data) -> str:
    year = f"{data.year} 年" if data.year else "全部年度"
    template = f"；指标体系模板：{data.template.name}" if data.template else ""
    return f"筛选：{year}{template}"


@login_required
@require_GET
def overview(request):
    _require_bureau(request)
    data = _overview(request)
    tables = overview_tables(data)
    query = request.GET.urlencode()
    units = tables["units"].shown
    return render(
        request,
        "evaluations/review/overview.html",
        {
            "data": data,
            "tables": tables,
            "units": units[:SHOWN_UNITS],
            "units_more": f"页面列出评价数最多的 {SHOWN_UNITS} 个单位（共 {len(units)} 个），下载本表可得全部单位。"
            if len(units) > SHOWN_UNITS
            else "",
            "level_one_more": f"另有 {data.without_template} 项已批准评价未关联指标体系模板，不参与一级指标比较。"
            if data.without_template
            else "",
            "grade_chart": grade_chart(data),
            "level_one_chart": level_one_chart(data),
            "query": f"?{query}" if query else "",
            "filters": _filters_text(data),
        },
    )


@login_required
@require_GET
def overview_download(request, table: str, fmt: str):
    _require_bureau(request)
    if fmt not in FORMATS:
        raise Http404("只提供 CSV 和 Excel（.xlsx）格式的下载。")
    data = _overview(request)
    overdue = all_overdue(request.user, year=data.year) if table == "overdue" else None
    tables = overview_tables(data, overdue)
    if table not in tables:
        raise Http404("没有这张表。")
    chosen = tables[table]
    name = f"评价总览_{chosen.title}" + (f"_{data.year}年" if data.year else "")
    if fmt == "xlsx":
        return xlsx_response(table_xlsx(chosen, filters=_filters_text(data)), name)
    response = HttpResponse(table_csv(chosen), content_type="text/csv; charset=utf-8")
    safe = "".join("_" if char in '\\/:*?"<>|' else char for char in name)
    response["Content-Disposition"] = content_disposition_header(True, f"{safe}.csv")
    response["Cache-Control"] = "private, no-store"
    return response
