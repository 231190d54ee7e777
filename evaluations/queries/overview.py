"""The finance bureau's overview, aggregated in SQL (a constant number of queries, whatever the number of
evaluations): how many evaluations in each state; for approved evaluations only, counts and average scores by
year, grade and unit; the average 得分率 of each level-1 indicator within one indicator template; overdue
rectification items.

Only approved evaluations (已批准 and 整改跟踪) count in scores and grades, each once: an approved evaluation whose
new edition was approved in turn gives way to it. Drafts and evaluations in progress are counted apart. Level-1
indicators are compared only among evaluations of the same template, never across templates: 产出 of one system
and 项目产出 of another are not the same thing. The level-1 figures come from the subtotals the scoring service
stores (LevelOneScore), so no tree is walked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Max, Min, QuerySet, Sum

from evaluations.models import FROZEN_STATES, Evaluation, EvaluationState, LevelOneScore, RectificationItem
from evaluations.queries.access import evaluations_for_user
from evaluations.queries.rectification import overdue_items
from rubrics.numbers import round_score

GRADE_ORDER = ("优", "良", "中", "差")
SHOWN_UNITS = 20  # the page lists the units with most approved evaluations; the download lists all
SHOWN_OVERDUE = 50
# Sums of many scores need more digits than one score has (a DecimalField's converter quantizes to its precision).
BIG_SCORE = DecimalField(max_digits=20, decimal_places=2)
BIG_RATE = DecimalField(max_digits=24, decimal_places=4)


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int
    counted: bool  # approved: in the score and grade figures


@dataclass(frozen=True)
class ScoreGroup:
    """Approved evaluations of one year, grade or unit: how many, and their average total score."""

    label: str
    count: int
    average: Decimal | None  # over those with a total score


@dataclass(frozen=True)
class TemplateChoice:
    pk: int
    name: str
    count: int  # approved evaluations made with it


@dataclass(frozen=True)
class LevelOneRate:
    """One level-1 indicator of a template over the approved evaluations that have a score for it."""

    name: str
    count: int
    average_rate: Decimal  # mean of the evaluations' 得分率 (subtotal ÷ weight × 100), rounded half-up
    average_score: Decimal
    weight: Decimal | None  # the weight when every evaluation gave it the same, else None


@dataclass
class Overview:
    year: int | None = None
    years: list[int] = field(default_factory=list)
    total: int = 0
    counted: int = 0  # approved, latest approved edition only
    superseded: int = 0  # approved, but a later edition was approved as well
    in_progress: int = 0
    by_state: list[StateCount] = field(default_factory=list)
    by_year: list[ScoreGroup] = field(default_factory=list)
    by_grade: list[ScoreGroup] = field(default_factory=list)
    by_unit: list[ScoreGroup] = field(default_factory=list)  # every unit; the page shows the first SHOWN_UNITS
    templates: list[TemplateChoice] = field(default_factory=list)
    template: TemplateChoice | None = None
    without_template: int = 0  # approved evaluations not linked to a template: compared with nothing
    level_one: list[LevelOneRate] = field(default_factory=list)
    overdue_count: int = 0
    overdue: list[RectificationItem] = field(default_factory=list)


def _average(total: Decimal | None, count: int) -> Decimal | None:
    return round_score(total / count) if total is not None and count else None


def counted_evaluations(visible: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """The approved evaluations that count: frozen, and not replaced by a later approved edition."""
    return visible.filter(state__in=FROZEN_STATES).exclude(later_editions__state__in=FROZEN_STATES)


def _groups(approved: QuerySet[Evaluation], by: str) -> list[tuple[object, int, Decimal | None]]:
    rows = (
        approved.order_by()
        .values(by)
        .annotate(n=Count("pk"), scored=Count("total_score"), score_sum=Sum("total_score", output_field=BIG_SCORE))
    )
    return [(row[by], row["n"], _average(row["score_sum"], row["scored"])) for row in rows]


def _grade_key(label: str) -> tuple[int, str]:
    return (GRADE_ORDER.index(label) if label in GRADE_ORDER else len(GRADE_ORDER), label)


def level_one_rates(approved: QuerySet[Evaluation], template_pk: int) -> list[LevelOneRate]:
    """Average 得分率 of each level-1 indicator (by name) over the approved evaluations of one template."""
    rows = (
        # indicator__parent=None always holds (level 1): it lets PostgreSQL read name and order from the small
        # covering index of the level-1 indicators (migration 0019) instead of a million indicator rows.
        LevelOneScore.objects.filter(
            evaluation__in=approved.filter(template_id=template_pk), rate__isnull=False, indicator__parent=None
        )
        .values("indicator__name")
        .annotate(
            n=Count("pk"),
            rate_sum=Sum("rate", output_field=BIG_RATE),
            score_sum=Sum("score", output_field=BIG_SCORE),
            low=Min("weight"),
            high=Max("weight"),
            position=Min("indicator__order"),
        )
        .order_by("position", "indicator__name")
    )
    return [
        LevelOneRate(
            name=row["indicator__name"],
            count=row["n"],
            average_rate=round_score(row["rate_sum"] / row["n"]),
            average_score=round_score(row["score_sum"] / row["n"]),
            weight=row["low"] if row["low"] == row["high"] else None,
        )
        for row in rows
    ]


def bureau_overview(user, *, year: int | None = None, template_pk: int | None = None) -> Overview:
    visible_all = evaluations_for_user(user)
    overview = Overview(year=year)
    overview.years = sorted(visible_all.order_by().values_list("year", flat=True).distinct(), reverse=True)
    visible = visible_all.filter(year=year) if year is not None else visible_all
    labels = dict(EvaluationState.choices)
    states = {row["state"]: row["n"] for row in visible.order_by().values("state").annotate(n=Count("pk"))}
    overview.by_state = [
        StateCount(state, labels[state], states[state], state in FROZEN_STATES)
        for state in EvaluationState.values
        if states.get(state)
    ]
    overview.total = sum(states.values())
    overview.in_progress = sum(n for state, n in states.items() if state not in FROZEN_STATES)
    approved = counted_evaluations(visible)
    overview.counted = approved.count()
    overview.superseded = sum(n for state, n in states.items() if state in FROZEN_STATES) - overview.counted

    overview.by_year = [ScoreGroup(f"{y} 年", n, avg) for y, n, avg in sorted(_groups(approved, "year"), reverse=True)]
    grades = [ScoreGroup(grade or "未评定", n, avg) for grade, n, avg in _groups(approved, "grade")]
    overview.by_grade = sorted(grades, key=lambda group: _grade_key(group.label))
    units = [ScoreGroup(name, n, avg) for name, n, avg in _groups(approved, "evaluated_unit__name")]
    overview.by_unit = sorted(units, key=lambda group: (-group.count, group.label))

    templates = (
        approved.order_by()
        .values("template_id", "template__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "template__name")
    )
    for row in templates:
        if row["template_id"] is None:
            overview.without_template = row["n"]
        else:
            overview.templates.append(TemplateChoice(row["template_id"], row["template__name"], row["n"]))
    chosen = [t for t in overview.templates if t.pk == template_pk]
    overview.template = chosen[0] if chosen else (overview.templates[0] if overview.templates else None)
    if overview.template is not None:
        overview.level_one = level_one_rates(approved, overview.template.pk)

    items = overdue_items(RectificationItem.objects.filter(evaluation__in=visible.values("pk")))
    overview.overdue_count = items.count()
    overview.overdue = list(
        items.select_related("evaluation", "finding", "responsible_unit").order_by("deadline", "pk")[:SHOWN_OVERDUE]
    )
    return overview


def all_overdue(user, *, year: int | None = None) -> QuerySet[RectificationItem]:
    """Every overdue item of the evaluations the user sees (the download's list)."""
    visible = evaluations_for_user(user)
    if year is not None:
        visible = visible.filter(year=year)
    return (
        overdue_items(RectificationItem.objects.filter(evaluation__in=visible.values("pk")))
        .select_related("evaluation", "finding", "responsible_unit")
        .order_by("deadline", "pk")
    )
