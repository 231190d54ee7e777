"""Writes on evaluations and their teams. Views, admin, commands and tests all call these."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from evaluations.domain.upsert import upsert
from evaluations.models import Evaluation, Organisation, Project, TeamMember, TeamRole


@transaction.atomic
def save_evaluation(
    *,
    kind: str,
    title: str,
    evaluated_unit: Organisation,
    year: int,
    commissioning_bureau: Organisation,
    evaluating_firm: Organisation,
    project: Project | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    report_date: date | None = None,
    created_by=None,
) -> Evaluation:
    """Create the evaluation of (unit, year, title), or bring an existing one up to these values."""
    values = {
        "kind": kind,
        "project": project,
        "commissioning_bureau": commissioning_bureau,
        "evaluating_firm": evaluating_firm,
        "period_start": period_start or date(year, 1, 1),
        "period_end": period_end or date(year, 12, 31),
        "report_date": report_date,
    }
    lookup = {"evaluated_unit": evaluated_unit, "year": year, "title": title}
    if not Evaluation.objects.filter(**lookup).exists():
        values["created_by"] = created_by
    return upsert(Evaluation, lookup=lookup, values=values)


@transaction.atomic
def set_team_member(
    *,
    evaluation: Evaluation,
    name: str,
    role: str = TeamRole.MEMBER,
    user=None,
    group: str = "",
    qualification: str = "",
    duty: str = "",
    order: int = 0,
) -> TeamMember:
    """Add a person to the team, or update them (matched by name within the evaluation)."""
    values = {
        "user": user,
        "role": role,
        "group": group,
        "qualification": qualification,
        "duty": duty,
        "order": order,
    }
    return upsert(TeamMember, lookup={"evaluation": evaluation, "name": name}, values=values)
