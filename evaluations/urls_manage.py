"""URLs of the evaluation workspace: manage (see evaluations/urls.py)."""

from django.urls import path

from evaluations.web import manage

urlpatterns = [
    path("evaluations/", manage.evaluation_list, name="evaluation-list"),
    path("evaluations/new/", manage.evaluation_create, name="evaluation-create"),
    path("evaluations/<int:pk>/team/", manage.evaluation_team, name="evaluation-team"),
]
