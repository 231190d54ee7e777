"""Which outline and title an evaluation's report uses (chosen per evaluation in the report settings), and which
of its versions a user may read."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from evaluations.models import Evaluation, EvaluationState, Role, roles_of
from evaluations.queries import access
from reports.assembly import default_title
from reports.models import ReportOutline, ReportSettings, ReportVersion
from reports.outlines import OUTLINES, latest_specs


def ensure_outlines() -> None:
    """Create the outline rows of the code registry that the database lacks (the migration does it too)."""
    for spec in OUTLINES.values():
        ReportOutline.objects.get_or_create(
            key=spec.key,
            version=spec.version,
            defaults={"kind": spec.kind, "name": spec.name, "description": spec.description},
        )


def outlines_for(kind: str):
    return ReportOutline.objects.filter(kind=kind, is_active=True).order_by("key", "-version")


def default_outline(kind: str) -> ReportOutline:
    """The latest active outline of the kind (the highest version of the latest built-in key)."""
    keys = [spec.key for spec in latest_specs() if spec.kind == kind]
    rows = ReportOutline.objects.filter(kind=kind, key__in=keys).order_by("-version", "-pk")
    known = [row for row in rows if (row.key, row.version) in OUTLINES]
    outline = next((row for row in known if row.is_active), None) or next(iter(known), None)
    if outline is None:
        ensure_outlines()
        return default_outline(kind)
    return outline


def settings_for(evaluation: Evaluation) -> ReportSettings | None:
    return ReportSettings.objects.select_related("outline").filter(evaluation=evaluation).first()


def outline_for(evaluation: Evaluation) -> ReportOutline:
    chosen = settings_for(evaluation)
    outline = chosen.outline if chosen else None
    if outline and outline.kind == evaluation.kind and (outline.key, outline.version) in OUTLINES:
        return outline
    return default_outline(evaluation.kind)


def report_title(evaluation: Evaluation) -> str:
    chosen = settings_for(evaluation)
    return (chosen.title.strip() if chosen else "") or default_title(evaluation)


# The hand-offs whose report leaves the firm: to 征求意见 (the unit and the bureau comment on it), to the bureau,
# and approval. Reports of internal steps (to a review level) and the team's own drafts stay with the team.
SHARED_HAND_OFF_STATES = frozenset({EvaluationState.CONSULTATION, EvaluationState.SUBMITTED, EvaluationState.APPROVED})


def sees_all_versions(user, evaluation: Evaluation) -> bool:
    return Role.ADMIN in roles_of(user) or access.is_on_team(user, evaluation)


def visible_versions(user, evaluation: Evaluation) -> QuerySet[ReportVersion]:
    """The report versions this user may list and download: the team (and admins) every version; the evaluated
    unit and the bureau only the versions handed to them (and the final report), never a draft of the firm's."""
    versions = ReportVersion.objects.filter(evaluation=evaluation)
    if sees_all_versions(user, evaluation):
        return versions
    shared = Q(hand_offs__to_state__in=SHARED_HAND_OFF_STATES) | Q(is_final=True)
    return versions.filter(pk__in=ReportVersion.objects.filter(shared, evaluation=evaluation).values("pk"))


def latest_hand_off(versions) -> tuple | None:
    """(step, version) of the latest hand-off among versions (their hand_offs prefetched): the report in
    circulation, as the receiver reads it; None before any hand-off."""
    steps = [(step, version) for version in versions for step in version.hand_offs.all()]
    return max(steps, key=lambda pair: (pair[0].created_at, pair[0].pk), default=None)
