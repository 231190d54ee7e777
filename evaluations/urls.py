"""The evaluation workspace. Each area has its own URL module and views module:

urls_manage   evaluation list, creation, team                   (evaluations/web/manage.py)
urls_tables   data-collection tables and the Excel round trip   (evaluations/web/tables.py)
urls_scoring  indicator-system editor and scoring page          (evaluations/web/scoring.py)
urls_content  evidence, narrative, findings, field research     (evaluations/web/content.py)
urls_review   workflow, consultation, bureau review, audit, rectification, overview (evaluations/web/review.py)
"""

from django.urls import include, path

from evaluations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path("", include("evaluations.urls_manage")),
    path("evaluations/<int:pk>/tables/", include("evaluations.urls_tables")),
    path("evaluations/<int:pk>/", include("evaluations.urls_scoring")),
    path("evaluations/<int:pk>/", include("evaluations.urls_content")),
    path("", include("evaluations.urls_review")),
]
