"""Sign-off (签署): the row each review decision leaves, written by the workflow in the step's transaction.

The workflow (evaluations.domain.workflow) has already checked who may decide and that the opinion is there; this
module only records the signature: the level, the decision, the person as the team lists them, the opinion and
the date.
"""

from __future__ import annotations

from django.utils import timezone

from evaluations.models import BUREAU_LEVEL, ReviewSignature, SignOffDecision, StateChange, Transition

DECISIONS = {
    Transition.PASS_REVIEW: SignOffDecision.PASSED,
    Transition.REJECT_REVIEW: SignOffDecision.RETURNED,
    Transition.APPROVE: SignOffDecision.APPROVED,
    Transition.RETURN: SignOffDecision.RETURNED,
}
INTERNAL = frozenset({Transition.PASS_REVIEW, Transition.REJECT_REVIEW})


def record_signature(change: StateChange) -> ReviewSignature:
    """The signature of a decision step: an internal level's (the level it was at) or the bureau's."""
    actor, evaluation = change.actor, change.evaluation
    internal = change.transition in INTERNAL
    member = evaluation.team.filter(user=actor).first() if internal else None
    return ReviewSignature.objects.create(
        evaluation=evaluation,
        state_change=change,
        level=change.review_level if internal else BUREAU_LEVEL,
        decision=DECISIONS[change.transition],
        signer=actor,
        signer_name=(member.name if member else "") or actor.get_full_name(),
        signer_qualification=(member.qualification if member else "") or actor.qualification,
        opinion=change.comment,
        signed_on=timezone.localdate(),
    )
