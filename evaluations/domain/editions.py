"""Opening a new edition (第 N 版) of an approved evaluation: deliberate, and the approved one stays intact.

The new edition is the approved one's document imported as a draft, with its evidence: every file copied in
storage under a new name (deleting it from the new edition leaves the approved one's file), with its description,
uploader, upload time and its links to the same indicators and tables of the new edition.
"""

from __future__ import annotations

import copy
import os
import uuid

from django.core.files import File
from django.db import transaction

from evaluations.domain.datatables import get_table
from evaluations.domain.importing import import_document
from evaluations.domain.workflow import preparer_refusal
from evaluations.interchange.export import export_document
from evaluations.models import FROZEN_STATES, Evaluation, Evidence


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
    copy_evidence(evaluation, new)
    return new


def _indicator_paths(evaluation: Evaluation) -> dict[int, tuple[str, ...]]:
    rows = {pk: (parent, name) for pk, parent, name in evaluation.indicators.values_list("pk", "parent_id", "name")}

    def path(pk: int) -> tuple[str, ...]:
        parent, name = rows[pk]
        return (*path(parent), name) if parent in rows else (name,)

    return {pk: path(pk) for pk in rows}


def copy_evidence(source: Evaluation, target: Evaluation) -> list[Evidence]:
    """Copy every evidence file of ``source`` into ``target`` (all or nothing: a file missing from storage
    refuses the copy and leaves no copied file behind)."""
    by_path = {path: pk for pk, path in _indicator_paths(target).items()}
    indicator_map = {pk: by_path.get(path) for pk, path in _indicator_paths(source).items()}
    stored: list[str] = []
    copies = []
    try:
        for item in source.evidence.prefetch_related("indicators", "tables").order_by("uploaded_at", "pk"):
            new = Evidence(
                evaluation=target,
                original_name=item.original_name,
                size=item.size,
                sha256=item.sha256,
                content_type=item.content_type,
                description=item.description,
                uploaded_by=item.uploaded_by,
            )
            try:
                with item.file.open("rb") as handle:
                    name = f"{uuid.uuid4().hex}{os.path.splitext(item.file.name)[1]}"
                    new.file.save(name, File(handle), save=False)
            except OSError:
                raise EditionError(
                    f"佐证材料「{item.original_name}」的文件不在存储中，无法复制到新版本。"
                    "请系统管理员从备份恢复该文件后再试。"
                ) from None
            stored.append(new.file.name)
            new.save()
            Evidence.objects.filter(pk=new.pk).update(uploaded_at=item.uploaded_at)  # when it was really uploaded
            new.indicators.set(
                [indicator_map[link.pk] for link in item.indicators.all() if indicator_map.get(link.pk) is not None]
            )
            new.tables.set([get_table(target, link.key) for link in item.tables.all()])
            copies.append(new)
    except BaseException:
        for name in stored:  # the rows roll back with the edition: their copied files go too
            Evidence._meta.get_field("file").storage.delete(name)
        raise
    return copies
