"""Scoring a perf-eval/1 document without a database (``manage.py score``, the score API, tests)."""

from __future__ import annotations

from typing import Any

from evaluations.interchange.reader import read_document
from rubrics.document import score_indicators


def score_document(doc: Any) -> dict[str, Any]:
    """Read the document with the one reader, then score it (DESIGN §10 output, numbers as Decimal).

    Raises rubrics.document.DocumentError listing every error: invalid values, or leaves that cannot be scored.
    """
    parsed = read_document(doc)
    return score_indicators(parsed.indicators, parsed.grades, parsed.na_policy)
