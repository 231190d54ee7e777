"""Opening a new edition (第 N 版) of an approved evaluation: deliberate, and the approved one stays intact."""

from __future__ import annotations

import copy

from django.db import transaction

from evaluations.domain.importing import import_document
from evaluations.domain.workflow import preparer_refusal
from evaluations.interchange.export import export_document
from evaluations.models import FROZEN_STATES, Evaluation


class EditionError(ValueError):
    """A new edition cannot be opened; the message says why, in Chinese."""


@transaction.atomic
def open_new_edition(evaluation: Evaluation, *, user) -> Evaluation:
    """Copy an approved evaluation into a new draft (第N版) that the team can change; link it to the original."""
    if evaluation.state not in FROZEN_STATES:
        raise EditionError("只有已批准的评价才需要开启新版本；未批准的评价可以直接修改。")
    refusal = preparer_refusal(user, evaluation)
    if refusal:
        raise EditionError(refusal)
    number = evaluation.edition + 1
    document = copy.deepcopy(export_document(evaluation))
    base_title = evaluation.title.split("（第")[0]
    document["evaluation"]["title"] = f"{base_title}（第{number}版）"
    new = import_document(document, user=user)
    new.supersedes, new.edition, new.created_by = evaluation, number, user
    new.save(update_fields=["supersedes", "edition", "created_by", "updated_at"])
    return new
