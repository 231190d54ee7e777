"""URLs of the report page of an evaluation (included at the site root by config/urls.py)."""

from django.urls import path

from reports import views

urlpatterns = [
    path("evaluations/<int:pk>/reports/", views.report_list, name="evaluation-reports"),
    path("evaluations/<int:pk>/reports/status/", views.report_status, name="evaluation-report-status"),
    path("evaluations/<int:pk>/reports/generate/", views.report_generate, name="evaluation-report-generate"),
    path("evaluations/<int:pk>/reports/settings/", views.report_settings, name="evaluation-report-settings"),
    path(
        "evaluations/<int:pk>/reports/<int:number>/download/",
        views.report_download,
        name="evaluation-report-download",
    ),
    path(
        "evaluations/<int:pk>/reports/<int:number>/download/word/",
        views.report_download_word,
        name="evaluation-report-word",
    ),
    path("evaluations/<int:pk>/reports/<int:number>/retry/", views.report_retry, name="evaluation-report-retry"),
    path("evaluations/<int:pk>/reports/final/", views.report_final, name="evaluation-report-final"),
    path("evaluations/<int:pk>/verify/", views.report_verify, name="evaluation-verify"),
    path("evaluations/<int:pk>/archive/", views.report_archive, name="evaluation-archive"),
]
