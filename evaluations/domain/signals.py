"""Signals other apps listen to, so evaluations never imports them."""

from django.dispatch import Signal

# Sent after a workflow transition has been performed, inside its transaction: sender=Evaluation, change=StateChange.
evaluation_transitioned = Signal()
