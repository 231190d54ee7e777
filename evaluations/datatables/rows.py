"""Reading submitted rows against a table's declaration: every cell parsed and checked, every problem listed."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.datatables.spec import TableSpec

# Rows of one table: the seeds' longest tables have 22 (表1-2) and 21 (基础表4) rows; a province's biggest
# department lists a few hundred projects or payments. Beyond this a table belongs in an attachment, and every
# page that reads the tables (figures, checks, the report) would pay for it.
MAX_ROWS = 500


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
    if len(raw_rows) > MAX_ROWS and sum(1 for raw in raw_rows if not _blank(raw)) > MAX_ROWS:
        problem = CellProblem(MAX_ROWS + 1, "整表", f"每张表最多 {MAX_ROWS} 行，请删减或合并后再保存")
        raise TableInputError(spec, [problem])
    for number, raw in enumerate(raw_rows, start=1):
        if _blank(raw):
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


def _blank(raw: dict) -> bool:
    return all(value is None or str(value).strip() == "" for value in raw.values())
