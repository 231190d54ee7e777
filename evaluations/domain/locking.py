"""Optimistic locking: a save names the version it started from and never overwrites a newer one.

The stored row is locked (SELECT … FOR UPDATE) and its version compared; a different version
means somebody saved in between, and the caller gets what changed, to show the user. The save
itself goes through Model.save() so the audit trail (django-simple-history) records it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction


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


@transaction.atomic
def save_versioned(obj: models.Model, *, expected_version: int, fields: list[str], user=None) -> models.Model:
    """Save `fields` of obj if its stored version is still expected_version; bump the version."""
    model = type(obj)
    current = model.objects.select_for_update().get(pk=obj.pk)
    if current.version != expected_version:
        changes = [
            FieldChange(str(model._meta.get_field(field).verbose_name), getattr(current, field), getattr(obj, field))
            for field in fields
            if getattr(current, field) != getattr(obj, field)
        ]
        raise StaleObjectError(current, expected_version, current.version, changes)
    obj.version = expected_version + 1
    update_fields = [*fields, "version"]
    if any(field.name == "updated_at" for field in model._meta.get_fields()):
        update_fields.append("updated_at")
    if user is not None:
        obj._history_user = user  # the audit trail's "who" outside a request
    obj.save(update_fields=update_fields)
    return obj
