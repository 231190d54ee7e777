"""Prefilling an evaluation's data tables from the master data (BudgetFigure): entered once, reused."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q

from evaluations.datatables import spec_for
from evaluations.datatables.rows import TableInputError
from evaluations.domain.datatables import save_table
from evaluations.domain.scoring import recompute_scores
from evaluations.models import BudgetFigure, Evaluation, Project, User
from evaluations.queries.access import can_edit_evaluation
from rubrics.models import EvaluationKind

TEN_THOUSAND = Decimal(10000)


def _wan(yuan: Decimal) -> Decimal:
    return yuan / TEN_THOUSAND  # yuan have 2 decimals, so 万元 have at most 6: exact


def _sum(figures: Iterable[BudgetFigure], field: str) -> Decimal | None:
    values = [getattr(figure, field) for figure in figures if getattr(figure, field) is not None]
    return sum(values, Decimal(0)) if values else None


def _totals(figures: list[BudgetFigure]) -> list[BudgetFigure]:
    """A project's own total rows when it has them, else its sub-item rows (so nothing is counted twice)."""
    own = [figure for figure in figures if figure.sub_item_id is None]
    return own or figures


def prefill_tables(evaluation: Evaluation, user: User | None = None) -> list[str]:
    """Fill the still-empty data tables that the master data (BudgetFigure) can give; return their keys.

    project: 项目资金情况表 from the project's totals of the year, 表3-2 from its sub-items (yuan → 万元);
    department: 基础表4 from the unit's project budgets of the year (元). Scores are not recomputed here.
    """
    filled_tables = set(evaluation.data_tables.filter(rows__isnull=False).values_list("key", flat=True).distinct())
    planned: dict[str, list[dict]] = {}
    if evaluation.kind == EvaluationKind.PROJECT and evaluation.project_id:
        figures = list(
            BudgetFigure.objects.filter(project_id=evaluation.project_id, year=evaluation.year).select_related(
                "sub_item"
            )
        )
        totals = _totals(figures)
        funds = {
            field: _sum(totals, field)
            for field in ("initial_budget", "adjusted_budget", "funds_received", "actual_expenditure")
        }
        if all(value is not None for value in funds.values()):
            sources = sorted({figure.get_funding_source_display() for figure in totals})
            planned["project_funds"] = [
                {**{field: _wan(value) for field, value in funds.items()}, "funding_source": "、".join(sources)}
            ]
        sub_items: dict[int, list[BudgetFigure]] = {}
        for figure in figures:
            if figure.sub_item_id is not None:
                sub_items.setdefault(figure.sub_item_id, []).append(figure)
        rows = []
        for group in sorted(sub_items.values(), key=lambda g: (g[0].sub_item.order, g[0].sub_item_id)):
            initial, adjusted = _sum(group, "initial_budget"), _sum(group, "adjusted_budget")
            if initial is not None and adjusted is not None:
                rows.append({"name": group[0].sub_item.name, "initial": _wan(initial), "adjusted": _wan(adjusted)})
        if rows:
            planned["sub_item_budgets"] = rows
    elif evaluation.kind == EvaluationKind.DEPARTMENT:
        figures = BudgetFigure.objects.filter(
            organisation_id=evaluation.evaluated_unit_id, year=evaluation.year, project__isnull=False
        ).select_related("project")
        by_project: dict[tuple[int, str], list[BudgetFigure]] = {}
        for figure in figures.order_by("pk"):
            by_project.setdefault((figure.project_id, figure.funding_source), []).append(figure)
        rows = []
        for group in by_project.values():
            totals = _totals(group)
            budget = _sum(totals, "adjusted_budget")
            if budget is None:
                budget = _sum(totals, "initial_budget")
            paid = _sum(totals, "actual_expenditure")
            if budget is None or paid is None:
                continue
            rows.append(
                {
                    "source": group[0].get_funding_source_display(),
                    "name": group[0].project.name,
                    "budget": budget,
                    "paid": paid,
                }
            )
        if rows:
            planned["dept_projects"] = rows
    done = []
    for key, rows in planned.items():
        if key in filled_tables or evaluation.kind not in spec_for(key).kinds:
            continue
        spec = spec_for(key)
        raw = [{column: spec.column(column).to_json(value) for column, value in row.items()} for row in rows]
        try:
            save_table(evaluation=evaluation, key=key, rows=raw, user=user, recompute=False)
        except TableInputError:
            continue  # master data that does not fit the table is left for people to enter
        done.append(key)
    return done


def prefill_open_evaluations(*, project: Project, year: int, user: User) -> list[tuple[Evaluation, list[str]]]:
    """After a project's figures of ``year`` were registered: fill the still-empty tables of the evaluations of that
    project (and of its unit's whole department) that ``user`` may edit, so figures registered after the evaluation
    was created are not typed twice. Returns each evaluation with the titles of the tables it filled."""
    related = Evaluation.objects.filter(year=year).filter(
        Q(kind=EvaluationKind.PROJECT, project=project)
        | Q(kind=EvaluationKind.DEPARTMENT, evaluated_unit=project.unit_id)
    )
    filled = []
    for evaluation in related.order_by("pk"):
        if not can_edit_evaluation(user, evaluation):
            continue
        keys = prefill_tables(evaluation, user=user)
        if keys:
            recompute_scores(evaluation)
            filled.append((evaluation, [spec_for(key).title for key in keys]))
    return filled
