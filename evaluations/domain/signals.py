"""Signals other apps listen to, so evaluations never imports them."""

from django.dispatch import Signal

# Sent after a workflow step has been committed (the evaluation is handed to someone else, or approved):
# sender=Evaluation, change=StateChange. Receivers' failures are logged; they never undo the step.
evaluation_handed_off = Signal()
