"""Issue 6 pages through HTTP: who may open and act on what; other organisations get 404."""

import io
import zipfile

import pytest
from django.urls import reverse

from evaluations.domain.workflow import perform
from evaluations.models import EvaluationState
from reports.archive import verify_archive
from tests.factories import OPINIONS, complete_report

PAGES = [
    "evaluation-audit",
    "evaluation-consultation",
    "consultation-ledger",
    "evaluation-review",
    "evaluation-rectification",
    "evaluation-verify",
]
# persona -> expected status on side A's evaluation in the consultation state, per page
MATRIX = {
    "evaluator_a": {"evaluation-review": 403},
    "reviewer_a": {"evaluation-review": 403},
    "unit_a": {"evaluation-review": 403},
    "bureau_a": {},
    "admin": {},
    "evaluator_b": dict.fromkeys(PAGES, 404),
    "unit_b": dict.fromkeys(PAGES, 404),
    "bureau_b": dict.fromkeys(PAGES, 404),
    "nobody": dict.fromkeys(PAGES, 404),
}


@pytest.fixture
def in_consultation(world):
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 1
    evaluation.evaluating_firm.save()
    evaluation.findings.create(title="预算编制精准性不足")
    complete_report(evaluation)
    for name, persona in (
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
    ):
        perform(evaluation, name, user=world[persona], comment=OPINIONS.get(name, ""))
    return world


@pytest.mark.parametrize(("persona", "expected"), MATRIX.items())
def test_permission_matrix_of_the_review_pages(client, in_consultation, persona, expected):
    client.force_login(in_consultation[persona])
    for page in PAGES:
        response = client.get(reverse(page, args=[in_consultation["a"].pk]))
        assert response.status_code == expected.get(page, 200), (persona, page)


@pytest.mark.parametrize(
    ("persona", "status"), [("bureau_a", 200), ("admin", 200), ("bureau_b", 200), ("evaluator_a", 403), ("unit_a", 403)]
)
def test_queue_and_overview_are_for_bureaus_and_admins(client, world, persona, status):
    client.force_login(world[persona])
    for name in ("review-queue", "bureau-overview"):
        assert client.get(reverse(name)).status_code == status


def test_the_queue_lists_only_the_bureaus_own_submissions(client, in_consultation):
    world = in_consultation
    world["a"].consultation_comments.all().delete()
    perform(world["a"], "submit", user=world["evaluator_a"])
    client.force_login(world["bureau_a"])
    assert world["a"].title in client.get(reverse("review-queue")).content.decode()
    client.force_login(world["bureau_b"])
    assert world["a"].title not in client.get(reverse("review-queue")).content.decode()


def test_unit_comments_and_evaluator_answers_through_the_pages(client, in_consultation):
    world = in_consultation
    url = reverse("evaluation-consultation", args=[world["a"].pk])
    finding = world["a"].findings.get()
    client.force_login(world["unit_a"])
    client.post(url, {"action": "comment", "target": f"finding-{finding.pk}", "text": "预算调整有文件依据"})
    comment = world["a"].consultation_comments.get()
    client.force_login(world["evaluator_a"])
    response = client.post(
        url, {"action": "answer", "comment": comment.pk, "decision": "rejected", "reason": ""}, follow=True
    )
    assert "请说明采纳或不予采纳的理由" in response.content.decode()
    client.post(url, {"action": "answer", "comment": comment.pk, "decision": "rejected", "reason": "文件未提供"})
    comment.refresh_from_db()
    assert (comment.decision, comment.reason) == ("rejected", "文件未提供")
    ledger = client.get(reverse("consultation-ledger", args=[world["a"].pk])).content.decode()
    assert "预算调整有文件依据" in ledger and "不予采纳" in ledger


def test_transitions_through_the_page_and_refusals_as_messages(client, in_consultation):
    world = in_consultation
    client.force_login(world["unit_a"])
    response = client.post(reverse("evaluation-transition", args=[world["a"].pk, "submit"]), follow=True)
    assert "只有本评价小组的评价人员" in response.content.decode()
    client.force_login(world["evaluator_a"])
    client.post(reverse("evaluation-transition", args=[world["a"].pk, "submit"]))
    world["a"].refresh_from_db()
    assert world["a"].state == EvaluationState.SUBMITTED
    client.force_login(world["bureau_a"])
    response = client.post(
        reverse("evaluation-review", args=[world["a"].pk]),
        {
            "action": "return",
            "comment": "请补充",
            "item_target": ["section-conclusion", ""],
            "item_text": ["结论写明扣分原因", ""],
        },
        follow=True,
    )
    assert response.status_code == 200
    world["a"].refresh_from_db()
    assert world["a"].state == EvaluationState.RETURNED
    assert [c.text for c in world["a"].review_comments.all()] == ["结论写明扣分原因"]


def test_archive_of_an_approved_evaluation_verifies_against_its_manifest(
    client, in_consultation, django_capture_on_commit_callbacks
):
    world = in_consultation
    client.force_login(world["evaluator_a"])
    refused = client.get(reverse("evaluation-archive", args=[world["a"].pk]), follow=True)
    assert "只有已批准的评价可以下载归档包" in refused.content.decode()
    world["a"].consultation_comments.all().delete()
    perform(world["a"], "submit", user=world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):  # the final report is requested after commit
        perform(world["a"], "approve", user=world["bureau_a"], comment=OPINIONS["approve"])
    response = client.get(reverse("evaluation-archive", args=[world["a"].pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert verify_archive(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert "manifest.json" in names and "SHA256SUMS" in names and "02_基础数据采集表.xlsx" in names
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, content + b" " if name.endswith(".json") and name != "manifest.json" else content)
    assert verify_archive(tampered.getvalue()) == ["文件与清单不符：03_评价数据（perf-eval-1）.json"]
    client.force_login(world["bureau_b"])
    assert client.get(reverse("evaluation-archive", args=[world["a"].pk])).status_code == 404


def test_inbox_page_and_navigation_count(client, in_consultation):
    client.force_login(in_consultation["unit_a"])
    body = client.get(reverse("inbox")).content.decode()
    assert "征求意见：请审阅评价报告初稿" in body


def test_garbage_posts_answer_404_or_a_message_never_500(client, in_consultation):
    world = in_consultation
    client.raise_request_exception = False
    pk = world["a"].pk
    client.force_login(world["unit_a"])
    for data in (
        {"action": "comment", "target": "finding-abc", "text": "x"},
        {"action": "comment", "target": "indicator-", "text": "x"},
        {"action": "answer", "comment": "1 OR 1=1"},
    ):
        assert client.post(reverse("evaluation-consultation", args=[pk]), data).status_code in {302, 404}
    client.force_login(world["bureau_a"])
    assert client.post(reverse("evaluation-rectification", args=[pk]), {"item": "x"}).status_code == 405
    for data in ({"action": "accept", "version": "y"}, {"action": "drop table"}, {"action": "remove_evidence"}):
        assert client.post(reverse("rectification-item", args=[pk, 999]), data).status_code == 404
    response = client.post(
        reverse("evaluation-review", args=[pk]),
        {"action": "return", "comment": "x", "item_target": ["finding-zz"], "item_text": ["y"]},
    )
    assert response.status_code in {302, 404}


def test_each_scoring_row_links_to_its_indicator_history(client, world):
    from tests.factories import EvaluationIndicatorFactory

    leaf = EvaluationIndicatorFactory(
        evaluation=world["a"], name="部门考核", weight=100, rule_kind="binary", inputs={"met": True}
    )
    client.force_login(world["evaluator_a"])
    history = reverse("indicator-audit", args=[world["a"].pk, leaf.pk])
    assert history in client.get(reverse("evaluation-scoring", args=[world["a"].pk])).content.decode()
    assert "指标「部门考核」的修改记录" in client.get(history).content.decode()
