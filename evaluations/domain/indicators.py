"""Copying a template's indicator tree into an evaluation.

After the copy the evaluation's tree is independent: editing the template later never
changes an evaluation that copied it.
"""

from __future__ import annotations

import copy

from django.db import transaction

from evaluations.models import Evaluation, EvaluationIndicator
from rubrics.models import IndicatorTemplate

COPIED_FIELDS = (
    "name",
    "explanation",
    "standard",
    "weight",
    "benchmark",
    "unit",
    "rule_kind",
    "rule_params",
    "evidence_required",
    "order",
    "bindings",
)


@transaction.atomic
def copy_template(*, evaluation: Evaluation, template: IndicatorTemplate) -> list[EvaluationIndicator]:
    """Replace the evaluation's indicators by a copy of the template's tree."""
    evaluation.indicators.all().delete()
    source_nodes = list(template.indicators.order_by("order", "pk"))
    children: dict = {}
    for node in source_nodes:
        children.setdefault(node.parent_id, []).append(node)
    created: list[EvaluationIndicator] = []

    def copy_level(parent_source_id, parent_copy):
        for node in children.get(parent_source_id, []):
            values = {field: copy.deepcopy(getattr(node, field)) for field in COPIED_FIELDS}
            clone = EvaluationIndicator.objects.create(evaluation=evaluation, parent=parent_copy, source=node, **values)
            created.append(clone)
            copy_level(node.pk, clone)

    copy_level(None, None)
    evaluation.template = template
    evaluation.grades = copy.deepcopy(template.grades)
    evaluation.save(update_fields=["template", "grades", "updated_at"])
    return created
