"""URLs of the evaluation workspace: scoring (see evaluations/urls.py)."""

from django.urls import path

from evaluations.web import scoring

urlpatterns = [
    path("indicators/", scoring.indicator_editor, name="evaluation-indicators"),
    path("scoring/", scoring.scoring_page, name="evaluation-scoring"),
    path("scoring/<int:indicator_pk>/", scoring.indicator_score, name="evaluation-indicator-score"),
]
