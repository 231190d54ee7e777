"""Reading an evaluation's data-collection tables as parsed rows (Decimal, date …)."""

from __future__ import annotations

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.models import Evaluation, TableRow


def evaluation_tables(evaluation: Evaluation) -> dict[str, list[dict]]:
    """Every table of the evaluation as parsed rows (Decimal, date …), in two queries."""
    stored: dict[str, list[dict]] = {spec.key: [] for spec in tables_for_kind(evaluation.kind)}
    rows = TableRow.objects.filter(table__evaluation=evaluation).select_related("table").order_by("order", "pk")
    for row in rows:
        key = row.table.key
        if key in stored:
            stored[key].append(spec_for(key).load_row(row.values))
    return stored
