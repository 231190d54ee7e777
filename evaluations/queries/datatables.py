"""Reading an evaluation's data-collection tables as parsed rows (Decimal, date …)."""

from __future__ import annotations

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.models import Evaluation, TableRow


def evaluation_tables(evaluation: Evaluation) -> dict[str, list[dict]]:
    """Every table of the evaluation as parsed rows (Decimal, date …), in one query.

    Only each row's values and its table's key are read: joining the whole table record would decode the
    table's snapshot (every row again) once per row, a cost growing with the square of the rows."""
    stored: dict[str, list[dict]] = {spec.key: [] for spec in tables_for_kind(evaluation.kind)}
    rows = (
        TableRow.objects.filter(table__evaluation=evaluation)
        .order_by("order", "pk")
        .values_list("table__key", "values")
    )
    for key, values in rows:
        if key in stored:
            stored[key].append(spec_for(key).load_row(values))
    return stored
