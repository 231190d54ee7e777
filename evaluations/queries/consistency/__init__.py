"""The consistency check (体检, DESIGN.md §7): every problem the data lets us find.

One service for the evaluation page, the scoring and review pages, the commands, the report and the workflow
guards. Each finding says where it is and which two figures disagree, and is one of three kinds: 待填 (still to
fill in; shown as a to-do list with its progress), 错误 (blocks submission) and 提示 (shown, never blocks).
Empty required sections and unfilled placeholders are to-dos while drafting and errors at submission and
approval. Every finding has a stable ``key`` (see ``Problem``).

Modules, one family of checks each: ``completeness`` (待填), ``indicators`` (weights, rules, scores, bindings),
``tables`` (table totals, dates), ``quotes`` (amounts and percentages quoted in prose, named by ``vocabulary``,
against ``quantities``), ``scores`` (scores, weights, total and grade quoted in prose), ``texts`` (reading
the prose, placeholders, mixed money units); ``service`` runs them all.
"""

from evaluations.queries.consistency.problem import (
    ERROR,
    EXPLAINED,
    SEVERITY_LABELS,
    TODO,
    WARNING,
    CheckResult,
    Problem,
    Progress,
    as_errors,
    has_errors,
    unfinished,
)
from evaluations.queries.consistency.quantities import same_as_quoted
from evaluations.queries.consistency.service import DRAFTING_STATES, check, check_evaluation
from evaluations.queries.consistency.tables import table_problems
from evaluations.queries.consistency.texts import _texts, plain_text

__all__ = [
    "DRAFTING_STATES",
    "ERROR",
    "EXPLAINED",
    "SEVERITY_LABELS",
    "TODO",
    "WARNING",
    "CheckResult",
    "Problem",
    "Progress",
    "_texts",
    "as_errors",
    "check",
    "check_evaluation",
    "has_errors",
    "plain_text",
    "same_as_quoted",
    "table_problems",
    "unfinished",
]
