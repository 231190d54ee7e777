"""URLs of the evaluation workspace: content (see evaluations/urls.py), under evaluations/<pk>/.

Evidence, the report text (sections, per-indicator analysis, findings/recommendations/experiences)
and the field-research record (evaluations/web/content.py).
"""

from django.urls import path

from evaluations.web import content

urlpatterns = [
    path("evidence/", content.evidence, name="evaluation-evidence"),
    path("evidence/<int:evidence_pk>/download/", content.evidence_download, name="evidence-download"),
    path("evidence/<int:evidence_pk>/delete/", content.evidence_delete, name="evidence-delete"),
    path("narrative/", content.narrative, name="evaluation-narrative"),
    path("narrative/sections/<slug:key>/", content.narrative_section, name="evaluation-narrative-section"),
    path("narrative/analysis/", content.analysis, name="evaluation-analysis"),
    path("narrative/analysis/<int:indicator_pk>/", content.analysis_indicator, name="evaluation-analysis-indicator"),
    path("narrative/findings/", content.findings, name="evaluation-findings"),
    path("narrative/findings/<slug:kind>/save/", content.item_save, name="narrative-item-save"),
    path("narrative/findings/<slug:kind>/<int:item_pk>/delete/", content.item_delete, name="narrative-item-delete"),
    path("narrative/findings/<slug:kind>/<int:item_pk>/move/", content.item_move, name="narrative-item-move"),
    path("research/", content.research, name="evaluation-research"),
]
