"""An approved evaluation is frozen: no part of it can change, by anyone, through any path.

The guard sits on the models (pre_save / pre_delete / m2m_changed signals) so views, forms,
uploads, admin, imports, loaddata and commands are all refused; the bulk paths that bypass signals
(table rows, score recompute) call assert_editable themselves, and the import's bulk writes check the
replaced evaluation's state under its row lock. It covers every model that belongs to
an evaluation (``guard`` lets the reports app add its own), the organisations and project named in its
export, and the template it came from. A new version can only be opened deliberately
(open_new_edition), keeping the approved one intact.

loaddata (raw saves) may add an approved evaluation that is not in the database yet, with everything
that belongs to it (restoring a dump into an empty database); it may not rewrite or add to one that is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Model, Q
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from evaluations.models import (
    FROZEN_STATES,
    ConsultationComment,
    DataTable,
    Evaluation,
    EvaluationIndicator,
    Evidence,
    Experience,
    Explanation,
    Finding,
    NarrativeSection,
    Organisation,
    Project,
    Recommendation,
    ReviewComment,
    StateChange,
    Submission,
    TableRow,
    TeamMember,
)
from rubrics.models import IndicatorTemplate

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


def _evaluation_id(instance) -> int | None:
    if isinstance(instance, Evaluation):
        return instance.pk
    if isinstance(instance, TableRow):
        return DataTable.objects.filter(pk=instance.table_id).values_list("evaluation_id", flat=True).first()
    return getattr(instance, "evaluation_id", None)


def _refuse_if_frozen(evaluation_id: int | None) -> None:
    if evaluation_id is None or _loaded_here(evaluation_id):
        return
    frozen = Evaluation.objects.filter(pk=evaluation_id, state__in=FROZEN_STATES).first()
    if frozen is not None:
        raise FrozenEvaluationError(frozen)


# --- loaddata: the evaluations this load added are its own to fill ---------------------------------------

_loading: ContextVar[set[int] | None] = ContextVar("freeze_loading", default=None)


@contextmanager
def loading_fixtures() -> Iterator[None]:
    """Around loaddata (evaluations/management/commands/loaddata.py): the evaluations it adds, and only those,
    may receive their rows and links although they are approved."""
    token = _loading.set(set())
    try:
        yield
    finally:
        _loading.reset(token)


def _loaded_here(evaluation_id: int) -> bool:
    loaded = _loading.get()
    return loaded is not None and evaluation_id in loaded


def _guard_raw_evaluation(instance: Evaluation) -> None:
    stored = Evaluation.objects.filter(pk=instance.pk).values_list("state", flat=True).first()
    if stored is None:
        loaded = _loading.get()
        if loaded is not None:
            loaded.add(instance.pk)
        return
    if stored in FROZEN_STATES and not _loaded_here(instance.pk):
        raise FrozenEvaluationError(instance)


# --- the guards --------------------------------------------------------------------------------------------


def _guard_save(sender, instance, update_fields=None, raw=False, **kwargs):
    if isinstance(instance, Evaluation):
        if raw:
            _guard_raw_evaluation(instance)
            return
        workflow_only = update_fields is not None and set(update_fields) <= WORKFLOW_FIELDS
        if instance.pk is None or workflow_only:
            return
    elif not raw and instance._state.adding and type(instance) in _create_only:
        return  # the workflow's own records of what happens after approval
    _refuse_if_frozen(_evaluation_id(instance))


def _guard_delete(sender, instance, **kwargs):
    if isinstance(instance, Evaluation):
        if is_frozen(instance):
            raise FrozenEvaluationError(instance)
        return
    _refuse_if_frozen(_evaluation_id(instance))


def _guard_links(sender, instance, action, **kwargs):
    if action.startswith("pre_"):
        _refuse_if_frozen(_evaluation_id(instance))


def _frozen_naming(instance: Model, lookups: tuple[str, ...]) -> Evaluation | None:
    query = Q()
    for lookup in lookups:
        query |= Q(**{lookup: instance.pk})
    return Evaluation.objects.filter(query, state__in=FROZEN_STATES).first()


def _guard_named_record(sender, instance, raw=False, **kwargs):
    """An organisation or project named in an approved evaluation's record keeps the names the record shows."""
    fields, lookups = NAMED_IN_RECORD[sender]
    if instance.pk is None:
        return
    stored = sender.objects.filter(pk=instance.pk).values(*fields).first()
    if stored is None or all(stored[name] == getattr(instance, name) for name in fields):
        return
    frozen = _frozen_naming(instance, lookups)
    if frozen is not None:
        raise FrozenEvaluationError(frozen)


def _guard_template_delete(sender, instance, **kwargs):
    frozen = Evaluation.objects.filter(template=instance, state__in=FROZEN_STATES).first()
    if frozen is not None:
        raise FrozenEvaluationError(frozen)


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
    ConsultationComment,
    ReviewComment,
    Submission,
    Explanation,
    StateChange,
)
# Added after approval by the workflow (已批准 → 整改跟踪) and by the final report's request; never changed.
_create_only: set[type[Model]] = {StateChange}
# The fields an approved evaluation's export and report show, and how an evaluation points to the record.
NAMED_IN_RECORD = {
    Organisation: (
        ("name", "short_name", "kind", "region"),
        ("evaluated_unit", "commissioning_bureau", "evaluating_firm"),
    ),
    Project: (("name", "code", "unit_id"), ("project",)),
}


def guard(model: type[Model], *, create_only: bool = False) -> None:
    """Freeze another app's model that belongs to an evaluation (its ``evaluation`` foreign key)."""
    if create_only:
        _create_only.add(model)
    pre_save.connect(_guard_save, sender=model, dispatch_uid=f"freeze-save-{model.__name__}")
    pre_delete.connect(_guard_delete, sender=model, dispatch_uid=f"freeze-delete-{model.__name__}")


def connect() -> None:
    for model in GUARDED:
        guard(model)
    for through in (Evidence.indicators.through, Evidence.tables.through, Finding.indicators.through):
        m2m_changed.connect(_guard_links, sender=through, dispatch_uid=f"freeze-m2m-{through.__name__}")
    for model in NAMED_IN_RECORD:
        pre_save.connect(_guard_named_record, sender=model, dispatch_uid=f"freeze-named-{model.__name__}")
    pre_delete.connect(_guard_template_delete, sender=IndicatorTemplate, dispatch_uid="freeze-template-delete")
