"""The check's answer is kept under the hash of what it read (evaluations.queries.consistency.fingerprint):
the hash covers every table the check queries, any change to those rows — even one that bypasses the models —
gives a fresh answer, and unchanged content costs one query."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.demo import load_demo
from evaluations.demo_life import build_demo_life
from evaluations.models import (
    Evaluation,
    EvaluationIndicator,
    EvaluationState,
    Explanation,
    NarrativeSection,
    TableRow,
    User,
)
from evaluations.queries.consistency import check, service
from evaluations.queries.consistency.fingerprint import content_fingerprint, read_tables
from evaluations.queries.consistency.service import _check

TABLE = re.compile(r'(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the hash is taken by PostgreSQL")


@pytest.fixture
def demo(db):
    return load_demo()


def test_every_table_the_check_reads_is_in_the_hash(demo):
    """On every demo evaluation (every state of the workflow) and every way the guards call it."""
    build_demo_life()
    assert Evaluation.objects.values("state").distinct().count() >= 6
    queried = set()
    for evaluation in Evaluation.objects.all():
        for submitting, pending_passes in ((False, False), (True, False), (True, True)):
            with CaptureQueriesContext(connection) as queries:
                _check(evaluation, submitting=submitting, pending_passes=pending_passes)
            queried |= {table for query in queries for table in TABLE.findall(query["sql"])}
    assert queried, "the check queried nothing: the capture is broken"
    assert queried <= read_tables(), f"the check reads tables the hash does not cover: {queried - read_tables()}"


@on_postgresql
def test_unchanged_content_is_answered_from_memory_in_one_query(demo):
    evaluation = demo["department"]
    first = check(evaluation)
    with CaptureQueriesContext(connection) as queries:
        again = check(evaluation)
    assert len(queries) == 1
    assert [p.key for p in again.problems] == [p.key for p in first.problems]
    again.problems.clear()  # a caller's own list: the remembered answer is untouched
    assert check(evaluation).problems == first.problems


@on_postgresql
def test_a_change_that_bypasses_the_models_is_a_new_answer(demo):
    evaluation = demo["project"]
    keys = lambda: {p.key for p in check(evaluation).problems}  # noqa: E731
    before = content_fingerprint(evaluation)
    quoted = keys()
    assert any(key.startswith("figure-quote:") for key in quoted)

    # the table the quote is checked against, changed in SQL: 31.89 → 31.87 makes the seed's sentence right
    row = TableRow.objects.filter(table__evaluation=evaluation, values__name="生活扶助金").get()
    values = {**row.values, "adjusted": "31.87"}
    TableRow.objects.filter(pk=row.pk).update(values=values)
    assert content_fingerprint(evaluation) != before
    after = keys()
    assert not any("预算调整为31.87万元" in key for key in after) and any("预算调整为31.87万元" in k for k in quoted)

    # a section emptied in SQL: its to-do comes back
    section = NarrativeSection.objects.filter(evaluation=evaluation).exclude(text="").first()
    NarrativeSection.objects.filter(pk=section.pk).update(text="")
    assert f"empty-section:section-{section.key}" in keys()

    # a leaf's inputs cleared in SQL: its score input is a to-do
    leaf = EvaluationIndicator.objects.filter(evaluation=evaluation).exclude(rule_kind="").exclude(inputs={}).first()
    assert not any(f"indicator-{leaf.pk}" in key for key in keys())
    EvaluationIndicator.objects.filter(pk=leaf.pk).update(inputs={})
    assert any(f"indicator-{leaf.pk}" in key for key in keys())


@on_postgresql
def test_an_explanation_decided_and_its_author_renamed_are_new_answers(demo):
    evaluation = demo["department"]
    error = next(p for p in check(evaluation).problems if p.severity == "error")
    author = User.objects.get(username="evaluator")
    explanation = Explanation.objects.create(
        evaluation=evaluation, key=error.key, where=error.where, message=error.message, text="口径不同。", author=author
    )
    found = {p.key: p for p in check(evaluation).problems}[error.key]
    assert found.severity == "error" and found.explanation.text == "口径不同。"
    Explanation.objects.filter(pk=explanation.pk).update(status="accepted")
    assert {p.key: p for p in check(evaluation).problems}[error.key].severity == "explained"
    User.objects.filter(pk=author.pk).update(first_name="新名字")
    renamed = {p.key: p for p in check(evaluation).problems}[error.key]
    assert renamed.explanation.author.first_name == "新名字"


@on_postgresql
def test_the_evaluation_as_the_caller_holds_it_is_part_of_the_key(demo):
    """The workflow guards check an evaluation whose new state is not saved yet."""
    evaluation = demo["project"]
    drafting = check(evaluation)
    assert drafting.todos or not drafting.submitting
    evaluation.state = EvaluationState.SUBMITTED  # in memory only
    assert check(evaluation).submitting and not check(evaluation).todos


@on_postgresql
def test_each_caller_gets_its_own_explanation_objects(demo):
    """Pages set per-user attributes on them (whether the decision comment is shown)."""
    evaluation = demo["department"]
    error = next(p for p in check(evaluation).problems if p.severity == "error")
    Explanation.objects.create(
        evaluation=evaluation,
        key=error.key,
        where=error.where,
        message=error.message,
        text="口径不同。",
        author=User.objects.get(username="evaluator"),
    )
    mine = {p.key: p for p in check(evaluation).problems}[error.key]
    theirs = {p.key: p for p in check(evaluation).problems}[error.key]
    assert mine.explanation is not theirs.explanation
    mine.explanation.comment_shown = True
    assert not hasattr(theirs.explanation, "comment_shown")


@on_postgresql
def test_a_sign_in_does_not_change_the_hash_but_a_write_during_the_check_is_not_kept(demo, monkeypatch):
    evaluation = demo["project"]
    before = content_fingerprint(evaluation)
    User.objects.filter(username="evaluator").update(last_login="2026-12-08T08:00:00+08:00")
    assert content_fingerprint(evaluation) == before

    runs = []

    def writes_meanwhile(*args, **kwargs):  # someone saves a section while the check reads
        runs.append(1)
        answer = _check(*args, **kwargs)
        NarrativeSection.objects.filter(evaluation=evaluation).update(text="改过的正文。")
        return answer

    monkeypatch.setattr(service, "_check", writes_meanwhile)
    check(evaluation)
    check(evaluation)  # the first answer was not kept under the old hash: this one runs, on the new content
    assert len(runs) == 2
    # the second run wrote the same text again: the content it read is still there, so its answer was kept
    with CaptureQueriesContext(connection) as queries:
        check(evaluation)
    assert len(runs) == 2 and len(queries) == 1
