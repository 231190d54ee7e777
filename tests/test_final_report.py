"""Approval renders the final PDF and stores its SHA-256; the archive carries it; anyone with access can verify it."""

import csv
import hashlib
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from evaluations.domain.workflow import perform
from reports.archive import verify_archive
from reports.jobs import final_report
from tests.factories import OPINIONS, complete_report

pytestmark = pytest.mark.slow


@pytest.fixture
def approved(world, django_capture_on_commit_callbacks):
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 1
    evaluation.evaluating_firm.save()
    complete_report(evaluation)
    for name, persona in (
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
        ("submit", "evaluator_a"),
    ):
        perform(evaluation, name, user=world[persona], comment=OPINIONS.get(name, ""))
    assert final_report(evaluation) is None
    with django_capture_on_commit_callbacks(execute=True):
        perform(evaluation, "approve", user=world["bureau_a"], comment=OPINIONS["approve"])
    return world


def test_approval_stores_the_final_pdf_with_its_hash(approved):
    version = final_report(approved["a"])
    assert version is not None and not version.is_draft
    data = version.file.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == version.sha256


def test_the_archive_carries_the_final_pdf_and_verifies(client, approved):
    client.force_login(approved["bureau_a"])
    response = client.get(reverse("evaluation-archive", args=[approved["a"].pk]))
    assert verify_archive(response.content) == []
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        pdf = archive.read("01_评价报告（最终版）.pdf")
        word = archive.read("01_评价报告（最终版）.docx")
    final = final_report(approved["a"])
    assert hashlib.sha256(pdf).hexdigest() == final.sha256
    with final.word_file.open("rb") as handle:
        assert word == handle.read() and word.startswith(b"PK")  # the final Word file, a docx (zip) package


def test_a_downloaded_pdf_verifies_and_a_changed_one_does_not(client, approved):
    version = final_report(approved["a"])
    data = version.file.read()
    client.force_login(approved["unit_a"])
    url = reverse("evaluation-verify", args=[approved["a"].pk])
    ok = client.post(url, {"file": SimpleUploadedFile("报告.pdf", data, content_type="application/pdf")})
    assert "与批准时保存的最终报告一致" in ok.content.decode()
    bad = client.post(url, {"file": SimpleUploadedFile("报告.pdf", data + b"\n%", content_type="application/pdf")})
    assert "不一致" in bad.content.decode()


def test_the_archives_timeline_is_the_hand_offs_in_chinese_at_local_time(client, approved):
    """The archive is the bureau's record: the hand-offs between organisations, never the internal review steps."""
    client.force_login(approved["bureau_a"])
    response = client.get(reverse("evaluation-archive", args=[approved["a"].pk]))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("05_流程时间线.csv").decode("utf-8-sig"))))
    assert rows[0] == ["时间", "操作人", "操作", "原状态", "新状态", "意见"]
    assert [row[2:5] for row in rows[1:]] == [
        ["开始数据采集", "草稿", "数据采集"],
        ["开始评分", "数据采集", "评分"],
        ["发出征求意见稿", "内部复核", "征求意见"],
        ["提交财政局审核", "征求意见", "已提交"],
        ["批准", "已提交", "已批准"],
    ]
    approval = approved["a"].state_changes.get(transition="approve")
    assert rows[-1][0] == timezone.localtime(approval.created_at).strftime("%Y-%m-%d %H:%M")
    assert not re.search(r"[a-z]+_[a-z]+|\d{2}:\d{2}:\d{2}|复核通过|提交内部复核", "".join(map(str, rows)))
