"""Remembering what pure functions answered, by value: a key that tells apart every input the engine reads
differently, and a bounded store shared by the requests one worker serves.

Pages re-run the engine on the same rules and inputs many times (the check, the figure catalogue, the scoring
page, the report, all on every view of an evaluation): the answer depends on the values only, so it is kept by
them. Nothing is invalidated, because nothing that is remembered can go stale: a changed input is a new key.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Hashable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

# Values kept as they print: Decimal("1.50") and Decimal("1.5") are equal but may be written differently.
_SCALARS = (str, bool, int, float, Decimal, Fraction, type(None), datetime.date, datetime.time, uuid.UUID)


class NotMemoizable(TypeError):
    """A value the key cannot hold faithfully (an object of another type): compute without remembering."""


def value_key(value: Any) -> Hashable:
    """A hashable key equal for two values only if they are of the same types and write the same: 1, 1.0, True
    and "1" differ; dict order is kept (a rule may list its bands in order)."""
    if isinstance(value, _SCALARS):
        return (type(value).__name__, value if isinstance(value, str) else repr(value))
    if isinstance(value, Mapping):
        return ("{", tuple((value_key(k), value_key(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(value_key(item) for item in value))
    raise NotMemoizable(type(value).__name__)


class Memo:
    """A bounded store of answers (or of the error raised) by key; emptied when full, which keeps it simple and
    safe without a lock (each dict operation is atomic)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: dict[Hashable, tuple[bool, Any]] = {}

    def __call__(self, key: Hashable, compute: Callable[[], Any], errors: tuple[type[BaseException], ...]) -> Any:
        found = self._answers.get(key)
        if found is None:
            try:
                found = (True, compute())
            except errors as error:
                # kept without the frames it passed through (they hold the first caller's data)
                found = (False, error.with_traceback(None))
                error.__context__ = error.__cause__ = None
            self._store(key, found)
        answered, value = found
        if answered:
            return value
        raise _fresh(value)

    def get(self, key: Hashable) -> Any:
        """The answer kept under key, or None."""
        found = self._answers.get(key)
        return found[1] if found is not None and found[0] else None

    def put(self, key: Hashable, answer: Any) -> None:
        """Keep an answer computed by the caller (who may first make sure it is still the answer to key)."""
        self._store(key, (True, answer))

    def _store(self, key: Hashable, found: tuple[bool, Any]) -> None:
        if len(self._answers) >= self.size:
            self._answers.clear()
        self._answers[key] = found

    def clear(self) -> None:
        self._answers.clear()


def _fresh(error: BaseException) -> BaseException:
    """A new instance of a remembered error with its fields: each raise gets its own traceback and context,
    and no request's exception chain is hung on an object every request shares."""
    fresh = type(error).__new__(type(error))
    fresh.__dict__.update(error.__dict__)
    fresh.args = error.args
    return fresh
