from django.urls import path

from rubrics import views

urlpatterns = [
    path("rules/preview/", views.rule_preview, name="rule-preview"),
]
