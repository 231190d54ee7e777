"""What the workspace's write services raise on input they cannot save, and helpers they share.

Each service checks everything first and raises EditError (Chinese messages keyed by form field, "__all__" for
the form as a whole), so nothing is half-saved. Every write locks the evaluation row, so two people editing the
same evaluation are serialised and the score recomputation that follows a change never works from a stale tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from evaluations.models import Evaluation

ALL = "__all__"


class EditError(ValueError):
    """Input that cannot be saved: messages by field ("__all__" for the whole form). Nothing was written."""

    def __init__(self, errors: Mapping[str, Iterable[str]] | Iterable[str] | str):
        if isinstance(errors, str):
            errors = {ALL: [errors]}
        elif not isinstance(errors, Mapping):
            errors = {ALL: list(errors)}
        self.errors: dict[str, list[str]] = {key: list(messages) for key, messages in errors.items() if messages}
        super().__init__("；".join(message for messages in self.errors.values() for message in messages))

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


class FieldErrors(dict):
    """Messages collected per form field while checking everything; raise them all at once."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def merge(self, error: EditError) -> None:
        """Keep another check's messages, field by field."""
        for field, messages in error.errors.items():
            for message in messages:
                self.add(field, message)

    def raise_if_any(self) -> None:
        if self:
            raise EditError(self)


def lock(evaluation: Evaluation) -> Evaluation:
    """Serialise the writers of one evaluation (PostgreSQL row lock; SQLite serialises writes anyway)."""
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()
