"""Optimistic locking: a save names the version it started from and never overwrites a newer one.

The update is one conditional UPDATE (`WHERE pk = … AND version = …`); zero rows updated
means somebody saved in between, and the caller gets what they changed, to show the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import F


@dataclass(frozen=True)
class FieldChange:
    label: str
    theirs: object  # the value now stored (saved by the other person)
    yours: object  # the value this user tried to save


class StaleObjectError(ValueError):
    def __init__(self, obj: models.Model, expected: int, current: int, changes: list[FieldChange]):
        self.obj, self.expected, self.current, self.changes = obj, expected, current, changes
        detail = "；".join(f"「{c.label}」现为“{c.theirs}”" for c in changes) or "内容已被修改"
        super().__init__(
            f"「{obj}」已被他人修改（您打开的是版本 {expected}，当前为版本 {current}）：{detail}。"
            "为避免覆盖，本次保存未生效，请刷新后重新修改。"
        )


def save_versioned(obj: models.Model, *, expected_version: int, fields: list[str]) -> models.Model:
    """Save `fields` of obj if its stored version is still expected_version; bump the version."""
    model = type(obj)
    values = {field: getattr(obj, model._meta.get_field(field).attname) for field in fields}
    updated = model.objects.filter(pk=obj.pk, version=expected_version).update(**values, version=F("version") + 1)
    if not updated:
        current = model.objects.get(pk=obj.pk)
        changes = [
            FieldChange(str(model._meta.get_field(field).verbose_name), getattr(current, field), getattr(obj, field))
            for field in fields
            if getattr(current, field) != getattr(obj, field)
        ]
        raise StaleObjectError(current, expected_version, current.version, changes)
    obj.version = expected_version + 1
    return obj
