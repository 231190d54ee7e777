"""Idempotent writes: create a row, or change only the fields whose values differ.

Used by the demo loader and importers so that running them again leaves the database
exactly as it was (no timestamps bumped, no rows duplicated).
"""

from __future__ import annotations

from django.db import models


def upsert(model: type[models.Model], *, lookup: dict, values: dict | None = None) -> models.Model:
    values = values or {}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        obj.full_clean()
        obj.save()
    return obj
