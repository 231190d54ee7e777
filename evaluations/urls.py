"""Every URL of the evaluation workspace, one list per area (the views module of each area is named beside it)."""

from django.urls import path

from evaluations.views import (
    account,
    commissions,
    datatables,
    evaluations,
    evidence,
    explanations,
    narrative,
    overview,
    projects,
    rectification,
    review,
    scoring,
    signoff,
    workspace,
)

E = "evaluations/<int:pk>/"

urlpatterns = [
    # workspace.py: home and the evaluation page
    path("", workspace.home, name="home"),
    path(E, workspace.evaluation_detail, name="evaluation-detail"),
    # evaluations.py: list, creation, team
    path("evaluations/", evaluations.evaluation_list, name="evaluation-list"),
    path("evaluations/new/", evaluations.evaluation_create, name="evaluation-create"),
    path(E + "team/", evaluations.evaluation_team, name="evaluation-team"),
    path(E + "basics/", evaluations.evaluation_basics, name="evaluation-basics"),
    # commissions.py: 评价任务 (the bureau commissions, the firm accepts or declines); projects.py: 项目登记
    path("commissions/", commissions.commissions, name="commission-list"),
    path("commissions/new/", commissions.commission_create, name="commission-create"),
    path("commissions/<int:pk>/", commissions.commission_detail, name="commission-detail"),
    path("commissions/<int:pk>/accept/", commissions.commission_accept, name="commission-accept"),
    path("commissions/<int:pk>/decline/", commissions.commission_decline, name="commission-decline"),
    path("commissions/<int:pk>/withdraw/", commissions.commission_withdraw, name="commission-withdraw"),
    path("projects/", projects.project_list, name="project-list"),
    path("projects/new/", projects.project_edit, name="project-create"),
    path("projects/<int:pk>/", projects.project_edit, name="project-edit"),
    # datatables.py: data-collection tables and the Excel round trip
    path(E + "tables/", datatables.table_list, name="evaluation-tables"),
    path(E + "tables/workbook.xlsx", datatables.workbook, name="evaluation-workbook"),
    path(E + "tables/<slug:key>/", datatables.table_detail, name="evaluation-table"),
    path(E + "tables/<slug:key>/excel/", datatables.table_excel, name="evaluation-table-excel"),
    path(E + "tables/<slug:key>/preview/", datatables.table_preview, name="evaluation-table-preview"),
    # scoring.py: indicator-system editor and scoring page
    path(E + "indicators/", scoring.indicator_editor, name="evaluation-indicators"),
    path(E + "scoring/", scoring.scoring_page, name="evaluation-scoring"),
    path(E + "scoring/<int:indicator_pk>/", scoring.indicator_score, name="evaluation-indicator-score"),
    path(E + "scoring/na-policy/", scoring.na_policy, name="evaluation-na-policy"),
    path(E + "scoring/score-table.xlsx", scoring.score_sheet, name="evaluation-score-sheet"),
    # evidence.py: evidence; narrative.py: report text, findings, field research
    path(E + "evidence/", evidence.evidence, name="evaluation-evidence"),
    path(E + "evidence/<int:evidence_pk>/download/", evidence.evidence_download, name="evidence-download"),
    path(E + "evidence/<int:evidence_pk>/delete/", evidence.evidence_delete, name="evidence-delete"),
    path(E + "narrative/", narrative.narrative, name="evaluation-narrative"),
    path(E + "narrative/sections/<slug:key>/", narrative.narrative_section, name="evaluation-narrative-section"),
    path(E + "narrative/analysis/", narrative.analysis, name="evaluation-analysis"),
    path(E + "narrative/analysis/draft-all/", narrative.analysis_draft_all, name="evaluation-analysis-draft-all"),
    path(
        E + "narrative/analysis/<int:indicator_pk>/", narrative.analysis_indicator, name="evaluation-analysis-indicator"
    ),
    path(E + "narrative/findings/", narrative.findings, name="evaluation-findings"),
    path(E + "narrative/findings/<slug:kind>/save/", narrative.item_save, name="narrative-item-save"),
    path(
        E + "narrative/findings/<slug:kind>/<int:item_pk>/delete/", narrative.item_delete, name="narrative-item-delete"
    ),
    path(E + "narrative/findings/<slug:kind>/<int:item_pk>/move/", narrative.item_move, name="narrative-item-move"),
    path(E + "research/", narrative.research, name="evaluation-research"),
    # review.py: workflow, consultation, bureau review, audit, new edition
    # (the report, its verification and the archive are the reports app's: reports/urls.py)
    path("inbox/", review.my_inbox, name="inbox"),
    path("review/", review.review_queue, name="review-queue"),
    path(E + "transition/<str:name>/", review.transition, name="evaluation-transition"),
    path(E + "audit/", review.audit, name="evaluation-audit"),
    path(E + "audit/indicators/<int:indicator_pk>/", review.indicator_history, name="indicator-audit"),
    path(E + "consultation/", review.consultation, name="evaluation-consultation"),
    path(E + "consultation/ledger/", review.consultation_ledger, name="consultation-ledger"),
    path(E + "review/", review.review, name="evaluation-review"),
    path(E + "explanations/", explanations.explanations, name="evaluation-explanations"),
    path(E + "new-version/", review.new_version, name="evaluation-new-version"),
    # rectification.py: rectification items, the unit's report and the bureau's acceptance
    path(E + "rectification/", rectification.rectification, name="evaluation-rectification"),
    path(E + "rectification/<int:item_pk>/", rectification.rectification_item, name="rectification-item"),
    path(
        E + "rectification/<int:item_pk>/files/<int:file_pk>/",
        rectification.rectification_file,
        name="rectification-file",
    ),
    # overview.py: the bureau's overview and the tables behind its charts
    path("overview/", overview.overview, name="bureau-overview"),
    path("overview/<slug:table>.<str:fmt>", overview.overview_download, name="bureau-overview-download"),
    # signoff.py: each reviewer's queue, an evaluation's sign-off record and form, the approval's confirmation
    path("review/sign-off/", signoff.signoff_queue, name="signoff-queue"),
    path(E + "sign-off/", signoff.signoff, name="evaluation-signoff"),
    path(E + "approve/", signoff.approve, name="evaluation-approve"),
    # account.py: the signed-in person's profile
    path("account/profile/", account.profile, name="profile"),
]
