"""What was submitted to the bureau: the whole evaluation as a perf-eval/1 document, to compare later."""

from __future__ import annotations

from evaluations.interchange.export import export_document
from evaluations.models import StateChange, Submission


def snapshot_submission(change: StateChange) -> Submission:
    return Submission.objects.create(
        evaluation=change.evaluation, state_change=change, document=export_document(change.evaluation)
    )
