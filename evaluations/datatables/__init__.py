"""The basic data-collection tables (基础数据采集表) of DESIGN.md §6, declared once.

Each table is a TableSpec (typed columns, totals, computed shares); rows are stored as
TableRow values. Forms, the Excel round trip, derived figures and the report all read
the same specs, so a column is defined in exactly one place.
"""

from evaluations.datatables.registry import TABLES, spec_for, tables_for_kind

__all__ = ["TABLES", "spec_for", "tables_for_kind"]
