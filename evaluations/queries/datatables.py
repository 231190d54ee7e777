"""Reading an evaluation's data-collection tables as parsed rows (Decimal, date …)."""

from __future__ import annotations

from collections.abc import Iterable

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.models import Evaluation, TableRow


def evaluation_tables(evaluation: Evaluation) -> dict[str, list[dict]]:
    """Every table of the evaluation as parsed rows (Decimal, date …), in one query.

    Only each row's values and its table's key are read: joining the whole table record would decode the
    table's snapshot (every row again) once per row, a cost growing with the square of the rows."""
    rows = (
        TableRow.objects.filter(table__evaluation=evaluation)
        .order_by("order", "pk")
        .values_list("table__key", "values")
    )
    return loaded_tables(evaluation.kind, rows)


def loaded_tables(kind: str, rows: Iterable[tuple[str, dict]]) -> dict[str, list[dict]]:
    """Stored rows (table key, values as stored), in order, read as ``evaluation_tables`` reads them: also for
    rows about to be stored (the bulk import scores a document's tables as they will read once written)."""
    stored: dict[str, list[dict]] = {spec.key: [] for spec in tables_for_kind(kind)}
    for key, values in rows:
        if key in stored:
            stored[key].append(spec_for(key).load_row(values))
    return stored
