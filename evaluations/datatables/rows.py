"""Reading submitted rows against a table's declaration: every cell parsed and checked, every problem listed."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.datatables.spec import TableSpec


@dataclass(frozen=True)
class CellProblem:
    row: int  # 1-based, as users count rows
    column: str  # the column's header
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.message}"


class TableInputError(ValueError):
    def __init__(self, spec: TableSpec, problems: list[CellProblem]):
        self.spec, self.problems = spec, problems
        super().__init__("；".join(f"{spec.code} {problem}" for problem in problems))


def parse_rows(spec: TableSpec, raw_rows: list[dict]) -> list[dict]:
    """Parse every row; raise TableInputError listing every bad cell. Blank rows are skipped."""
    rows, problems = [], []
    for number, raw in enumerate(raw_rows, start=1):
        if all(value is None or str(value).strip() == "" for value in raw.values()):
            continue
        unknown = set(raw) - {column.key for column in spec.columns}
        if unknown:
            problems.append(CellProblem(number, "、".join(sorted(unknown)), "不是本表的列"))
        values, errors = spec.parse_row(raw)
        problems.extend(CellProblem(number, spec.column(key).header, message) for key, message in errors.items())
        rows.append(values)
    if spec.single_row and len(rows) > 1:
        problems.append(CellProblem(2, "整行", f"{spec.title}只有一行"))
    if problems:
        raise TableInputError(spec, problems)
    return rows
