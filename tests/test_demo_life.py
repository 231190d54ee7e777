"""The demo's whole life (load_demo builds it): evaluations in every state beside the two seed drafts, built
through the services by the demo accounts, so every account has something in its 待办.

The command runs once per module (inside a transaction rolled back at the end); hand-off renders run inline
(ImmediateBackend) when its commit callbacks are executed."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from pypdf import PdfReader

from evaluations.demo import ACCOUNTS, DEMO_PASSWORD
from evaluations.demo_copies import shift_text
from evaluations.demo_life import LIVES, SIDES
from evaluations.models import (
    ConsultationDecision,
    Evaluation,
    EvaluationState,
    ExplanationStatus,
    RectificationStatus,
    User,
)
from evaluations.queries.consistency import ERROR, check_evaluation
from evaluations.queries.inbox import inbox
from evaluations.queries.rectification import overdue_items
from reports.archive import build_archive, verify_archive
from reports.jobs import final_report

pytestmark = pytest.mark.slow
S = EvaluationState
DUMPED = ["evaluations", "rubrics", "auth.group"]
SEED_TITLES = {"2023 年度困难群体救助项目支出绩效评价", "2022 年度罗庄区民政局部门整体绩效评价"}


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """load_demo as scripts/demo.sh runs it, every step committed in turn (its commit callbacks executed)."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def story(title: str) -> Evaluation:
    return Evaluation.objects.get(title=title)


def by_state(state: str) -> list[Evaluation]:
    return list(Evaluation.objects.filter(state=state).exclude(title__in=SEED_TITLES).order_by("year"))


@pytest.fixture
def demo(db, built):
    return {user.username: user for user in User.objects.all()}


def test_the_command_builds_an_evaluation_in_every_state(demo, built):
    states = {e.title: e.state for e in Evaluation.objects.exclude(title__in=SEED_TITLES)}
    assert states == {life.title: life.state for life in LIVES}
    assert {S.INTERNAL_REVIEW, S.CONSULTATION, S.SUBMITTED, S.APPROVED, S.RECTIFICATION} <= set(states.values())
    levels = sorted(e.review_level for e in by_state(S.INTERNAL_REVIEW))
    assert levels == [1, 2, 3]  # one for each reviewer account
    for life in LIVES:
        assert life.title in built and life.shows in built


def test_the_seeds_stay_drafts_with_their_totals_and_findings(demo):
    project, department = (story(title) for title in sorted(SEED_TITLES, reverse=True))
    assert (project.state, project.total_score, project.grade) == (S.DRAFT, Decimal("97.75"), "优")
    assert (department.state, department.total_score, department.grade) == (S.DRAFT, Decimal("91.87"), "优")
    for evaluation, errors in ((project, 5), (department, 23)):
        found = check_evaluation(evaluation)
        assert sum(p.severity == ERROR for p in found) == errors
        assert not evaluation.explanations.exists()
        assert not evaluation.state_changes.exists()
    messages = {p.message for p in check_evaluation(project)}
    assert "文中「预算调整为 31.87 万元」与表3-2「生活扶助金」的指标金额 31.89 万元 不一致。" in messages


def test_every_copy_is_settled_the_way_an_evaluator_settles_it(demo):
    for life in LIVES:
        evaluation = story(life.title)
        expected = Decimal("97.75") if life.seed == "project" else Decimal("91.87")
        assert (evaluation.total_score, evaluation.grade) == (expected, "优"), life.title
        awarded = evaluation.indicators.filter(awarded_score__isnull=False)
        assert awarded.exists() and not awarded.filter(override_reason="").exists()
        problems = check_evaluation(evaluation)
        assert not [p for p in problems if p.severity == ERROR and p.explanation is None], life.title
        assert "2013 年" not in "".join(evaluation.indicators.values_list("analysis", flat=True))
        if life.seed == "project":  # the batch table against 表1-1: true facts, explained
            assert evaluation.explanations.count() == 2
            finding = evaluation.findings.get(title="预算编制精准性不足")
            assert "调整为 31.89 万元" in finding.text and "调剂率 81.94%" in finding.text


def test_explanations_are_decided_by_the_reviewer_holding_the_evaluation(demo):
    waiting = [e for e in by_state(S.INTERNAL_REVIEW) if e.review_level == 1]
    assert len(waiting) == 1 and waiting[0].kind == "project"
    assert set(waiting[0].explanations.values_list("status", flat=True)) == {ExplanationStatus.PENDING}
    (approved,) = by_state(S.APPROVED)
    for explanation in approved.explanations.all():
        assert explanation.status == ExplanationStatus.ACCEPTED
        assert explanation.decided_by == demo["reviewer1"] and explanation.decision_comment


def test_every_level_passed_in_the_demo_is_signed_by_its_reviewer_with_an_opinion(demo):
    reviewers = {1: demo["reviewer1"], 2: demo["reviewer"], 3: demo["reviewer3"]}
    for life in LIVES:
        evaluation = story(life.title)
        passed = list(evaluation.signatures.filter(decision="passed").order_by("pk"))
        assert [s.level for s in passed] == list(range(1, life.levels + 1)), life.title
        for signature in passed:
            assert signature.signer == reviewers[signature.level] and signature.opinion, life.title
            assert signature.signer_name == signature.signer.full_name and signature.signer_qualification
        approvals = evaluation.signatures.filter(decision="approved")
        if life.state in (S.APPROVED, S.RECTIFICATION):
            (approval,) = approvals
            assert approval.signer.username == SIDES[life.seed][1] and approval.opinion
        else:
            assert not approvals.exists()
    (sent_back,) = by_state(S.CONSULTATION)
    (returned,) = sent_back.signatures.filter(decision="returned")
    assert (returned.level, returned.signer) == (1, demo["reviewer1"]) and "31.87" in returned.opinion


def test_the_demo_reviewers_have_a_queue_at_their_level(demo, client):
    for username, level_label in (("reviewer1", "一级审核"), ("reviewer", "二级复核"), ("reviewer3", "三级审核")):
        client.force_login(demo[username])
        page = client.get(reverse("signoff-queue")).content.decode()
        queue = page[page.index('id="queue"') : page.index('id="signed"')]  # not what they signed earlier
        waiting = [e.title for e in by_state(S.INTERNAL_REVIEW) if e.title in queue]
        assert len(waiting) == 1 and level_label in queue, username


def test_the_approved_evaluation_has_a_final_report_and_its_archive_verifies(demo, client):
    for evaluation in by_state(S.APPROVED) + by_state(S.RECTIFICATION):
        version = final_report(evaluation)
        assert version is not None and not version.is_draft, evaluation.title
        data = version.file.read()
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == version.sha256
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))
        assert "草稿" not in text
        assert "为尾数差异，两表数据均属实" in text  # the accepted explanation, under 其他需要说明的问题
        package, _ = build_archive(evaluation)
        assert verify_archive(package) == []
    (approved,) = by_state(S.APPROVED)
    client.force_login(demo["bureau_luohu"])
    response = client.get(reverse("evaluation-archive", args=[approved.pk]))
    assert response.status_code == 200 and verify_archive(response.content) == []
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        ledger = list(csv.reader(io.StringIO(archive.read("04_征求意见台账.csv").decode("utf-8-sig"))))
    assert len(ledger) == 3 and {row[5] for row in ledger[1:]} == {"采纳", "不予采纳"}


def test_the_consultation_evaluation_was_sent_back_once_and_has_the_units_comments(demo, client):
    (consulted,) = by_state(S.CONSULTATION)
    steps = [(c.transition, c.actor.username) for c in consulted.state_changes.all()]
    assert steps == [
        ("start_collecting", "evaluator"),
        ("start_scoring", "evaluator"),
        ("submit_review", "evaluator"),
        ("reject_review", "reviewer1"),
        ("submit_review", "evaluator"),
        ("pass_review", "reviewer1"),
        ("pass_review", "reviewer"),
        ("pass_review", "reviewer3"),
    ]
    rejected = consulted.state_changes.get(transition="reject_review")
    assert "31.87" in rejected.comment
    comments = consulted.consultation_comments.all()
    assert {c.author.username for c in comments} == {"unit_luohu"}
    assert sorted(c.decision for c in comments) == ["", ConsultationDecision.REJECTED]
    client.force_login(demo["evaluator"])
    page = client.get(reverse("evaluation-detail", args=[consulted.pk])).content.decode()
    assert rejected.comment[:20] in page


def test_rectification_items_show_each_state_of_the_acceptance(demo):
    (followed,) = by_state(S.RECTIFICATION)
    items = {item.finding.title: item for item in followed.rectification_items.select_related("finding")}
    assert len(items) == followed.findings.count() == 3
    accepted, waiting, late = (
        items["项目未进行满意度调查"],
        items["年度指标值与实际完成值存在偏差"],
        items["预算编制精准性不足"],
    )
    assert (accepted.status, waiting.status, late.status) == (
        RectificationStatus.ACCEPTED,
        RectificationStatus.SUBMITTED,
        RectificationStatus.RETURNED,
    )
    assert [step.action for step in waiting.steps.all()] == ["submit", "return", "submit"]
    assert all(item.evidence.exists() and item.measures for item in items.values())
    assert late.reminded_at is not None and late.pk in set(overdue_items().values_list("pk", flat=True))
    assert {step.actor.username for step in accepted.steps.all()} == {"unit_luohu", "bureau_luohu"}


def test_every_demo_account_has_something_in_its_inbox(demo):
    for account in ACCOUNTS:
        items = inbox(demo[account.username])
        assert items, account.username
    assert [item.evaluation.state for item in inbox(demo["evaluator"])] == [S.CONSULTATION]
    assert [item.evaluation.state for item in inbox(demo["bureau"])] == [S.SUBMITTED]
    assert {item.evaluation.state for item in inbox(demo["unit_luohu"])} == {S.DRAFT, S.CONSULTATION, S.RECTIFICATION}
    assert {item.evaluation.state for item in inbox(demo["bureau_luohu"])} == {S.CONSULTATION, S.RECTIFICATION}


def test_every_account_sees_its_own_evaluations_only(demo, client):
    for account in ACCOUNTS:
        login = client.post("/accounts/login/", {"username": account.username, "password": DEMO_PASSWORD})
        assert login.status_code == 302, account.username
        body = client.get("/").content.decode()
        user = demo[account.username]
        for evaluation in Evaluation.objects.all():
            own = evaluation.team.filter(user=user).exists() or user.organisation_id in (
                evaluation.evaluated_unit_id,
                evaluation.commissioning_bureau_id,
            )
            assert (evaluation.title in body) == own, (account.username, evaluation.title)
        client.logout()


def test_list_evaluations_prints_the_state(demo):
    out = io.StringIO()
    call_command("list_evaluations", stdout=out)
    rows = [line.split("\t") for line in out.getvalue().splitlines()]
    assert len(rows) == Evaluation.objects.count() == 9
    assert all(len(row) == 7 for row in rows)
    states = {row[3]: row[6] for row in rows}
    assert states["2022 年度困难群体救助项目支出绩效评价"] == "已批准"
    assert states["2021 年度困难群体救助项目支出绩效评价"] == "整改跟踪"
    assert sorted(states.values()).count("内部复核") == 3


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", *DUMPED, stdout=out, indent=1)
    return out.getvalue()


def test_running_the_command_again_changes_nothing(demo):
    first = dump()
    call_command("load_demo", stdout=io.StringIO())
    assert dump() == first


def test_reset_rebuilds_the_stories_but_keeps_the_frozen_record(demo):
    before = {e.title: e.pk for e in Evaluation.objects.all()}
    out = io.StringIO()
    call_command("load_demo", "--reset", stdout=out)
    after = {e.title: (e.pk, e.state) for e in Evaluation.objects.all()}
    assert set(after) == set(before)
    for life in LIVES:
        pk, state = after[life.title]
        assert state == life.state
        kept = life.state in (S.APPROVED, S.RECTIFICATION)
        assert (pk == before[life.title]) == kept, life.title
    assert "已批准并冻结，不能删除，--reset 保留原样" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "shifted"),
    [
        ("2023 年 1 月 19 日、2023-02-17", "2022 年 1 月 19 日、2022-02-17"),
        ("2022 年我区排查；2024 年元旦节", "2021 年我区排查；2023 年元旦节"),
        ("《罗财函〔2024〕234 号》《深民规〔2023〕3 号》", "《罗财函〔2023〕234 号》《深民规〔2022〕3 号》"),
        ("财预〔2020〕10 号；罗民〔2021〕17 号；2021 年 6 月", "财预〔2020〕10 号；罗民〔2021〕17 号；2021 年 6 月"),
        ("2013 年 2 月 17 日；培训费 2023 元", "2013 年 2 月 17 日；培训费 2023 元"),
    ],
)
def test_a_copy_moves_the_years_of_the_seeds_own_time_only(text, shifted):
    assert shift_text(text, 2023, -1) == shifted
