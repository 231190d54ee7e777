"""What the check finds: one Problem per finding, of three kinds, and the progress of the to-do list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

TODO, ERROR, WARNING, EXPLAINED = "todo", "error", "warning", "explained"
SEVERITY_LABELS = {TODO: "待填", ERROR: "错误", WARNING: "提示", EXPLAINED: "已说明"}


@dataclass(frozen=True)
class Problem:
    """One finding of the consistency check (DESIGN §7), in Chinese, with where it is and the two figures.

    ``severity``: TODO (待填: something still to fill in — a missing scoring input, an empty required section, an
    unfilled placeholder; a to-do while drafting, an ERROR at submission and approval), ERROR (错误: blocks
    submission), WARNING (提示: shown, never blocks) or EXPLAINED (已说明: an error the team explained and the
    reviewer accepted; shown with the explanation, never blocks).
    ``explanation``: the team's 说明 of an error (evaluations.models.Explanation: text, status, who decided), if any.
    ``where``: the place in words (指标「预算执行率」的分析, 章节「项目背景」); ``anchor``: the place as the pages
    link to it ("indicator-12", "table-funds_use", "section-background", "问题-3", "indicators", "items-findings").
    ``key``: a stable identity of the finding, ``<check>:<anchor>[:<detail>]`` — the kind of check, the place,
    and, where one place can hold several findings of a kind, what the finding is about (the quoted phrase, the
    input, a digest of the message). It does not change while the finding stays the same (re-running the check,
    reordering rows, editing other places), so an evaluator's explanation can be attached to one finding.
    Checks: no-indicators, weights, no-rule, inputs, unscorable, rule, input-finding, award-range, award-reason,
    actual-display, stored-score, stored-total, binding, binding-missing, table-total, date-period, date-text,
    figure-quote, score-quote, total-quote, grade-quote, unit-mix, figure-deleted, empty-section, empty-list,
    placeholder, review-comment.
    """

    severity: str
    where: str
    message: str
    anchor: str
    key: str
    explanation: object = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """待填 / 错误 / 提示, as every page and the command print it."""
        return SEVERITY_LABELS[self.severity]

    @property
    def is_todo(self) -> bool:
        return self.severity == TODO

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "label": self.label,
            "where": self.where,
            "message": self.message,
            "anchor": self.anchor,
            "key": self.key,
        }


def key(check: str, anchor: str, detail: str = "") -> str:
    """``check:anchor[:detail]``; spaces are dropped from the detail so rewrapped text keeps its key."""
    detail = "".join(detail.split())
    return f"{check}:{anchor}:{detail}" if detail else f"{check}:{anchor}"


def digest(text: str) -> str:
    """A short stable detail for findings known only by their message (a weight rule, an engine finding)."""
    return hashlib.sha1(text.encode()).hexdigest()[:10]  # noqa: S324 - an identifier, not a security hash


def as_errors(problems: list[Problem]) -> list[Problem]:
    """At submission and approval a to-do is an error: the report cannot go out unfinished."""
    return [replace(problem, severity=ERROR) if problem.is_todo else problem for problem in problems]


def with_explanations(problems: list[Problem], explanations: dict, *, pending_passes: bool = False) -> list[Problem]:
    """Each error with the team's explanation attached; an accepted one no longer blocks (EXPLAINED). With
    ``pending_passes`` an explanation still waiting for its reviewer does not block either: on submission the
    bureau is that reviewer. To-dos cannot be explained away: they are filled in."""
    explained = []
    for problem in problems:
        explanation = explanations.get(problem.key) if problem.severity == ERROR else None
        if explanation is None:
            explained.append(problem)
            continue
        passes = explanation.status == "accepted" or (pending_passes and explanation.status == "pending")
        explained.append(replace(problem, severity=EXPLAINED if passes else ERROR, explanation=explanation))
    return explained


def has_errors(problems: list[Problem]) -> bool:
    return any(problem.severity == ERROR for problem in problems)


def unfinished(problems: list[Problem]) -> list[Problem]:
    """What stands between the evaluation and its submission: every to-do and every error."""
    return [problem for problem in problems if problem.severity in (TODO, ERROR)]


@dataclass(frozen=True)
class Progress:
    """The to-do list's progress: ``done`` of ``total`` things to fill in (scored leaves, written sections …)."""

    done: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    def __str__(self) -> str:
        return f"还需填写 {self.remaining} 项（已完成 {self.done}/{self.total}）"


@dataclass(frozen=True)
class CheckResult:
    """Every finding of one run of the check, and how far the to-do list has got."""

    problems: list[Problem]
    progress: Progress
    submitting: bool = False  # to-dos were counted as errors (submission, approval)
    by_severity: dict[str, list[Problem]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Problem]] = {TODO: [], ERROR: [], WARNING: [], EXPLAINED: []}
        for problem in self.problems:
            grouped[problem.severity].append(problem)
        object.__setattr__(self, "by_severity", grouped)

    @property
    def todos(self) -> list[Problem]:
        return self.by_severity[TODO]

    @property
    def errors(self) -> list[Problem]:
        return self.by_severity[ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return self.by_severity[WARNING]

    @property
    def explained(self) -> list[Problem]:
        return self.by_severity[EXPLAINED]

    @property
    def blocking(self) -> list[Problem]:
        """What refuses a submission or an approval: the errors, and the to-dos counted as errors there."""
        return unfinished(self.problems)
