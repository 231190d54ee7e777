"""One run of the check over an evaluation: every family of checks, in the order the pages list them."""

from __future__ import annotations

import copy
from dataclasses import replace

from django.utils import timezone

from evaluations.datatables.figures import compute_figures
from evaluations.models import EDITABLE_STATES, FROZEN_STATES, Evaluation, EvaluationState
from evaluations.queries.bound_figures import figure_catalogue
from evaluations.queries.consistency.completeness import completeness
from evaluations.queries.consistency.fingerprint import content_fingerprint
from evaluations.queries.consistency.indicators import (
    binding_problems,
    engine_results,
    indicator_problems,
    stored_score_problems,
)
from evaluations.queries.consistency.problem import (
    WARNING,
    CheckResult,
    Problem,
    as_errors,
    key,
    with_explanations,
)
from evaluations.queries.consistency.quantities import data_quantities
from evaluations.queries.consistency.quotes import forget_quotes, quoted_figure_problems
from evaluations.queries.consistency.scores import score_quote_problems
from evaluations.queries.consistency.tables import date_problems, table_problems
from evaluations.queries.consistency.texts import _texts, deleted_figure_problems, unit_problems
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.review import open_review_comments
from evaluations.queries.tree import indicator_tree
from rubrics.engine import forget_scores, grade_for
from rubrics.memo import Memo, NotMemoizable, value_key

# While the team drafts (and the internal reviewers read the draft) what is missing is a to-do; once the
# evaluation is with the bureau, anything still missing is an error, as it is for the submission itself.
DRAFTING_STATES = EDITABLE_STATES | {EvaluationState.INTERNAL_REVIEW}


# Answers of the check by what it read (fingerprint.py): most pages of an evaluation show its check, and the
# same content is checked once per worker. A department's answer is some 100 findings; 256 stay small.
_ANSWERS = Memo(256)


def check(evaluation: Evaluation, *, submitting: bool | None = None, pending_passes: bool = False) -> CheckResult:
    """Every finding the data lets us find (DESIGN §7), and the progress of the to-do list.

    ``submitting``: count the to-dos as errors (the submission and approval guards pass True); by default they
    are errors once the evaluation has left the drafting states. Errors carry the team's explanations; accepted
    ones (and, with ``pending_passes``, those waiting for the reviewer) no longer block.

    On PostgreSQL the answer is remembered under the hash of every row the check reads, the evaluation's own
    fields and today's date (``fingerprint``): a page showing unchanged content runs one query instead.
    """
    if submitting is None:
        submitting = evaluation.state not in DRAFTING_STATES
    fingerprint = content_fingerprint(evaluation)
    try:
        own = tuple(value_key(getattr(evaluation, f.attname)) for f in evaluation._meta.concrete_fields)
    except NotMemoizable:
        fingerprint = None
    if fingerprint is None:  # not on PostgreSQL, or an evaluation the key cannot hold: run every time
        return _check(evaluation, submitting=submitting, pending_passes=pending_passes)
    key = (evaluation.pk, fingerprint, own, submitting, pending_passes, timezone.localdate())
    answer = _ANSWERS.get(key)
    if answer is None:
        answer = _check(evaluation, submitting=submitting, pending_passes=pending_passes)
        # kept only if nothing was committed while the check read: then the answer is the hash's
        if content_fingerprint(evaluation) != fingerprint:
            return answer
        _ANSWERS.put(key, answer)
    return _own_copy(answer)


def _own_copy(answer: CheckResult) -> CheckResult:
    """The remembered answer as a caller may change it: its own list, and its own explanation objects (pages
    set per-user attributes on them, such as whether the decision comment is shown)."""
    problems = [
        replace(problem, explanation=copy.copy(problem.explanation)) if problem.explanation is not None else problem
        for problem in answer.problems
    ]
    return CheckResult(problems, answer.progress, answer.submitting)


def forget_answers() -> None:
    """Empty every remembered answer the check uses (its own, the engine's, the quote check's): for measuring
    what the check costs from nothing (tests, benchmarks)."""
    _ANSWERS.clear()
    forget_scores()
    forget_quotes()


def _check(evaluation: Evaluation, *, submitting: bool, pending_passes: bool) -> CheckResult:
    indicators = list(evaluation.indicators.all())
    scored = indicator_tree(evaluation, indicators)
    tables = evaluation_tables(evaluation)
    figures = compute_figures(evaluation.kind, tables)
    texts = _texts(evaluation, indicators)
    runs = engine_results(evaluation, scored)
    todo = completeness(evaluation, scored, runs, figures, texts)
    total = scored.total
    grade = grade_for(total, evaluation.grades) if total is not None else ""
    quoted, slips = quoted_figure_problems(texts, data_quantities(tables, figures))

    problems = list(todo.problems)
    problems += indicator_problems(indicators, scored, runs)
    problems += stored_score_problems(evaluation, scored, runs)
    if evaluation.state not in FROZEN_STATES:  # approved: the record, checked when it was approved
        problems += binding_problems(indicators, figures)
    problems += table_problems(evaluation, tables)
    problems += date_problems(evaluation, tables, texts)
    problems += quoted
    problems += score_quote_problems(texts, scored, total, grade, evaluation.grades)
    problems += unit_problems(texts, slips)
    problems += deleted_figure_problems(
        evaluation, figure_catalogue(evaluation, tables=tables, tree=scored), indicators
    )
    problems += review_comment_problems(evaluation)
    explanations = {e.key: e for e in evaluation.explanations.select_related("author", "decided_by")}
    problems = with_explanations(problems, explanations, pending_passes=pending_passes)
    if submitting:
        problems = as_errors(problems)
    return CheckResult(problems, todo.progress, submitting)


def check_evaluation(evaluation: Evaluation, *, submitting: bool | None = None) -> list[Problem]:
    """The findings of ``check`` alone (for callers that only list them)."""
    return check(evaluation, submitting=submitting).problems


def review_comment_problems(evaluation: Evaluation) -> list[Problem]:
    """The bureau's return comments, shown as hints where they apply until the evaluation is resubmitted."""
    problems = []
    for comment in open_review_comments(evaluation):
        if comment.indicator_id:
            anchor = f"indicator-{comment.indicator_id}"
        elif comment.section_key:
            anchor = f"section-{comment.section_key}"
        elif comment.finding_id:
            anchor = f"问题-{comment.finding_id}"
        else:
            anchor = ""
        problems.append(
            Problem(
                WARNING,
                comment.target_label(),
                f"财政局审核意见（退回修改）：{comment.text}",
                anchor,
                key("review-comment", anchor or "evaluation", str(comment.pk)),
            )
        )
    return problems
