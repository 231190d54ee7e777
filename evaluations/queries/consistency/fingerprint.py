"""Everything the check reads about one evaluation, in one hash computed by the database (PostgreSQL).

The check is a pure function of the evaluation's rows (indicators, tables, prose, review comments,
explanations and the people who wrote them), the evaluation itself and today's date. The hash of those rows,
taken in one query, is therefore a key under which its answer can be kept (``service.check``): any write to any
of them, through a form, an import, a bulk update or by hand in SQL, gives another hash. Nothing is invalidated
and nothing can go stale.

``READS`` lists the rows; tests/test_check_fingerprint.py runs the check on evaluations in every state and
fails when it queries a table not listed here, so a new read cannot be forgotten. On SQLite (demo and small
installations) there is no hash function in SQL, and the check simply runs every time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections
from django.db.models import Q, QuerySet

from evaluations.models import (
    DataTable,
    Evaluation,
    EvaluationIndicator,
    Experience,
    Explanation,
    Finding,
    NarrativeSection,
    Recommendation,
    ReviewComment,
    StateChange,
    TableRow,
    User,
)


def _people(evaluation: Evaluation) -> QuerySet:
    """The accounts whose names the check's findings show: explanation authors and deciders, review authors."""
    return User.objects.filter(
        Q(pk__in=Explanation.objects.filter(evaluation=evaluation).values("author_id"))
        | Q(pk__in=Explanation.objects.filter(evaluation=evaluation).values("decided_by_id"))
        | Q(pk__in=ReviewComment.objects.filter(evaluation=evaluation).values("author_id"))
    )


# The rows the check reads, each as a query of the evaluation's rows of one table.
READS: tuple[Callable[[Evaluation], QuerySet], ...] = (
    # the evaluation's own row (its items are ordered through it); the check otherwise reads the caller's instance,
    # whose fields are part of the key
    lambda e: Evaluation.objects.filter(pk=e.pk),
    lambda e: EvaluationIndicator.objects.filter(evaluation=e),
    lambda e: DataTable.objects.filter(evaluation=e),
    lambda e: TableRow.objects.filter(table__evaluation=e),
    lambda e: NarrativeSection.objects.filter(evaluation=e),
    lambda e: Finding.objects.filter(evaluation=e),
    lambda e: Finding.indicators.through.objects.filter(finding__evaluation=e),
    lambda e: Recommendation.objects.filter(evaluation=e),
    lambda e: Experience.objects.filter(evaluation=e),
    lambda e: StateChange.objects.filter(evaluation=e),
    lambda e: ReviewComment.objects.filter(evaluation=e),
    lambda e: Explanation.objects.filter(evaluation=e),
    _people,
)


# Columns no finding depends on that change on their own: an account's last sign-in (and its password hash)
# would otherwise throw away the answers of every evaluation its owner explained or commented on.
UNREAD_COLUMNS = {User: frozenset({"last_login", "password"})}


def read_tables() -> set[str]:
    """The database tables READS covers (the test compares them with what the check queries)."""
    probe = Evaluation(pk=0)
    return {read(probe).model._meta.db_table for read in READS}


def content_fingerprint(evaluation: Evaluation) -> str | None:
    """An MD5 over every row READS names, each written out by PostgreSQL (``ROW(columns)::text``, every column
    but UNREAD_COLUMNS), in id order; None on a database without one."""
    connection = connections[Evaluation.objects.db]
    if connection.vendor != "postgresql" or evaluation.pk is None:
        return None
    parts, params = [], []
    for read in READS:
        queryset = read(evaluation).order_by()  # no default ordering: it would join the evaluation for nothing
        model = queryset.model
        table = connection.ops.quote_name(model._meta.db_table)
        skipped = UNREAD_COLUMNS.get(model, frozenset())
        columns = ", ".join(
            f"t.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields if f.attname not in skipped
        )
        ids, ids_params = queryset.values("pk").query.sql_with_params()
        # table and column names come from the models, the ids' query from the ORM with its parameters kept apart
        part = (
            f"SELECT md5(coalesce(string_agg(ROW({columns})::text, '|' ORDER BY t.id), '')) "  # noqa: S608
            f"FROM {table} t WHERE t.id IN ({ids})"
        )
        parts.append(f"({part})")
        params.extend(ids_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5({' || '.join(parts)})", params)
        return cursor.fetchone()[0]
