"""Opening a new version of an approved evaluation: deliberate, and the approved one stays intact."""

from __future__ import annotations

import copy

from django.db import transaction

from evaluations.domain.freezing import is_frozen
from evaluations.domain.workflow import _preparer
from evaluations.models import Evaluation


class VersionError(ValueError):
    pass


@transaction.atomic
def open_new_version(evaluation: Evaluation, *, user) -> Evaluation:
    """Copy an approved evaluation into a new draft (第N版) that the team can change; link it to the original."""
    from evaluations.domain.interchange import export_document, import_document

    if not is_frozen(evaluation):
        raise VersionError("只有已批准的评价才需要开启新版本；未批准的评价可以直接修改。")
    refusal = _preparer(user, evaluation)
    if refusal:
        raise VersionError(refusal)
    number = evaluation.edition + 1
    document = copy.deepcopy(export_document(evaluation))
    base_title = evaluation.title.split("（第")[0]
    document["evaluation"]["title"] = f"{base_title}（第{number}版）"
    new = import_document(document, user=user)
    new.supersedes, new.edition, new.created_by = evaluation, number, user
    new.save(update_fields=["supersedes", "edition", "created_by", "updated_at"])
    return new
