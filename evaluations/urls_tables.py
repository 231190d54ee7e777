"""URLs of the evaluation workspace: tables (see evaluations/urls.py), under evaluations/<pk>/tables/."""

from django.urls import path

from evaluations.web import tables

urlpatterns = [
    path("", tables.table_list, name="evaluation-tables"),
    path("workbook.xlsx", tables.workbook, name="evaluation-workbook"),
    path("<slug:key>/", tables.table_detail, name="evaluation-table"),
    path("<slug:key>/excel/", tables.table_excel, name="evaluation-table-excel"),
    path("<slug:key>/preview/", tables.table_preview, name="evaluation-table-preview"),
]
