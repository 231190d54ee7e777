"""The consistency check as the pages show it: a to-do list with its progress (待填), the errors (错误, red)
and the hints (提示, neutral), each finding with a link to the page where it is fixed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.urls import reverse

from evaluations.models import Evaluation
from evaluations.queries.consistency import CheckResult, Problem, check
from rubrics.engine import readable

ITEM_HEADS = ("问题", "建议", "经验做法")

# The to-do list in the order the work is done: the indicator system and its scores, then the report's text.
TODO_GROUPS = (("indicators", "指标体系与计分输入"), ("sections", "报告章节"), ("items", "经验做法、问题与建议"))


@dataclass(frozen=True)
class ProblemLink:
    """A finding with the page where it is fixed (``url``, empty when there is none)."""

    problem: Problem
    url: str

    @property
    def action(self) -> str:
        return "去填写 →" if self.problem.is_todo else "去修改 →"


def _url(evaluation: Evaluation, problem: Problem) -> str:
    anchor = problem.anchor or ""
    head, _, rest = anchor.partition("-")
    pk = evaluation.pk
    if anchor == "indicators":
        return reverse("evaluation-indicators", args=[pk])
    if head == "indicator":
        page = "evaluation-analysis" if problem.where.endswith("的分析") else "evaluation-scoring"
        return f"{reverse(page, args=[pk])}#{anchor}"
    if head == "table":
        return reverse("evaluation-table", args=[pk, rest])
    if head == "section":
        return f"{reverse('evaluation-narrative', args=[pk])}#{anchor}"
    if head in ITEM_HEADS:
        return f"{reverse('evaluation-findings', args=[pk])}#{anchor}"
    if head == "items":
        return reverse("evaluation-findings", args=[pk])
    return ""


def problem_link(evaluation: Evaluation, problem: Problem) -> ProblemLink:
    problem = replace(problem, message=readable(problem.message))  # no JSON key names on the page
    return ProblemLink(problem, _url(evaluation, problem))


def _group(problem: Problem) -> str:
    head = (problem.anchor or "").partition("-")[0]
    if head in ("indicator", "indicators", "table"):
        return "indicators"
    if head == "section":
        return "sections"
    return "items"


@dataclass(frozen=True)
class TodoGroup:
    label: str
    links: list[ProblemLink]


@dataclass(frozen=True)
class CheckDisplay:
    result: CheckResult
    todos: list[TodoGroup]
    errors: list[ProblemLink]
    warnings: list[ProblemLink]
    explained: list[ProblemLink]
    explanations_url: str  # 检查说明: where errors are explained and explanations decided

    @property
    def progress(self):
        return self.result.progress

    @property
    def todo_count(self) -> int:
        return len(self.result.todos)

    @property
    def clean(self) -> bool:
        return not self.result.problems


def check_display(evaluation: Evaluation, result: CheckResult | None = None) -> CheckDisplay:
    result = result if result is not None else check(evaluation)
    groups = []
    for name, label in TODO_GROUPS:
        links = [problem_link(evaluation, p) for p in result.todos if _group(p) == name]
        if links:
            groups.append(TodoGroup(label, links))
    return CheckDisplay(
        result,
        groups,
        [problem_link(evaluation, p) for p in result.errors],
        [problem_link(evaluation, p) for p in result.warnings],
        [problem_link(evaluation, p) for p in result.explained],
        reverse("evaluation-explanations", args=[evaluation.pk]),
    )
