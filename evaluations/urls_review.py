"""URLs of the workflow, consultation, bureau review, audit, rectification and overview (issue 6)."""

from django.urls import path

from evaluations.web import review

urlpatterns = [
    path("inbox/", review.my_inbox, name="inbox"),
    path("review/", review.review_queue, name="review-queue"),
    path("overview/", review.overview, name="bureau-overview"),
    path("evaluations/<int:pk>/transition/<str:name>/", review.transition, name="evaluation-transition"),
    path("evaluations/<int:pk>/audit/", review.audit, name="evaluation-audit"),
    path("evaluations/<int:pk>/audit/indicators/<int:indicator_pk>/", review.indicator_history, name="indicator-audit"),
    path("evaluations/<int:pk>/consultation/", review.consultation, name="evaluation-consultation"),
    path("evaluations/<int:pk>/consultation/ledger/", review.consultation_ledger, name="consultation-ledger"),
    path("evaluations/<int:pk>/review/", review.review, name="evaluation-review"),
    path("evaluations/<int:pk>/rectification/", review.rectification, name="evaluation-rectification"),
    path(
        "evaluations/<int:pk>/rectification/<int:item_pk>/file/", review.rectification_file, name="rectification-file"
    ),
    path("evaluations/<int:pk>/verify/", review.verify, name="evaluation-verify"),
    path("evaluations/<int:pk>/archive/", review.archive, name="evaluation-archive"),
    path("evaluations/<int:pk>/new-version/", review.new_version, name="evaluation-new-version"),
]
