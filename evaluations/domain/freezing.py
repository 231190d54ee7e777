"""An approved evaluation is frozen: no part of it can change, by anyone, through any path.

The guard sits on the models (pre_save / pre_delete / m2m_changed signals) so views, forms,
uploads, admin, imports and commands are all refused; the bulk paths that bypass signals
(table rows, score recompute) call assert_editable themselves. A new version can only be
opened deliberately (open_new_edition), keeping the approved one intact.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, pre_delete, pre_save

from evaluations.models import (
    FROZEN_STATES,
    DataTable,
    Evaluation,
    EvaluationIndicator,
    Evidence,
    Experience,
    Finding,
    NarrativeSection,
    Recommendation,
    TableRow,
    TeamMember,
)

# The workflow still moves a frozen evaluation (已批准 → 整改跟踪); nothing else on it may change.
WORKFLOW_FIELDS = {"state", "review_level", "updated_at"}


class FrozenEvaluationError(PermissionError):
    def __init__(self, evaluation: Evaluation):
        self.evaluation = evaluation
        super().__init__(
            f"「{evaluation}」已批准并冻结，不能再修改。如确需修改，请由评价小组另行开启新版本，已批准的版本保持不变。"
        )


def is_frozen(evaluation: Evaluation) -> bool:
    return evaluation.state in FROZEN_STATES


def assert_editable(evaluation: Evaluation) -> None:
    """Refuse any change to an approved evaluation (reads the stored state, not a stale object)."""
    state = Evaluation.objects.filter(pk=evaluation.pk).values_list("state", flat=True).first()
    if state in FROZEN_STATES:
        raise FrozenEvaluationError(evaluation)


def evaluation_of(instance):
    if isinstance(instance, Evaluation):
        return instance
    if isinstance(instance, TableRow):
        return instance.table.evaluation if instance.table_id else None
    return instance.evaluation if getattr(instance, "evaluation_id", None) else None


def _guard_save(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw:  # loaddata
        return
    workflow_only = update_fields is not None and set(update_fields) <= WORKFLOW_FIELDS
    if isinstance(instance, Evaluation) and (instance.pk is None or workflow_only):
        return
    evaluation = evaluation_of(instance)
    if evaluation is not None and evaluation.pk is not None:
        assert_editable(evaluation)


def _guard_delete(sender, instance, **kwargs):
    evaluation = evaluation_of(instance)
    if evaluation is not None and evaluation.pk is not None and not isinstance(instance, Evaluation):
        assert_editable(evaluation)
    elif isinstance(instance, Evaluation) and is_frozen(instance):
        raise FrozenEvaluationError(instance)


def _guard_links(sender, instance, action, **kwargs):
    if action.startswith("pre_"):
        evaluation = evaluation_of(instance)
        if evaluation is not None:
            assert_editable(evaluation)


GUARDED = (
    Evaluation,
    EvaluationIndicator,
    DataTable,
    TableRow,
    NarrativeSection,
    Evidence,
    Finding,
    Recommendation,
    Experience,
    TeamMember,
)


def connect() -> None:
    for model in GUARDED:
        pre_save.connect(_guard_save, sender=model, dispatch_uid=f"freeze-save-{model.__name__}")
        pre_delete.connect(_guard_delete, sender=model, dispatch_uid=f"freeze-delete-{model.__name__}")
    for through in (Evidence.indicators.through, Evidence.tables.through, Finding.indicators.through):
        m2m_changed.connect(_guard_links, sender=through, dispatch_uid=f"freeze-m2m-{through.__name__}")
