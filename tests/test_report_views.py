"""The report page per role: request a render, follow its progress, download; reuse, failure and retry."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse

from evaluations.domain.scoring import recompute_scores
from evaluations.domain.workflow import perform
from evaluations.models import EvaluationState, NarrativeSection, StateChange
from reports import rendering, selection
from reports import requests as report_requests
from reports.models import ReportOutline, ReportSettings, ReportStatus, ReportVersion
from reports.selection import default_outline
from tests.factories import TO_CONSULTATION, small_scored_report, walk


def scored(evaluation):
    """One review level: the world's reviewer_a signs it."""
    return small_scored_report(evaluation, review_levels=1)


def urls(evaluation, number=1):
    return {
        "list": reverse("evaluation-reports", args=[evaluation.pk]),
        "status": reverse("evaluation-report-status", args=[evaluation.pk]),
        "generate": reverse("evaluation-report-generate", args=[evaluation.pk]),
        "download": reverse("evaluation-report-download", args=[evaluation.pk, number]),
        "retry": reverse("evaluation-report-retry", args=[evaluation.pk, number]),
        "settings": reverse("evaluation-report-settings", args=[evaluation.pk]),
    }


@pytest.mark.slow
def test_evaluator_requests_follows_progress_and_downloads_a_real_pdf(
    client, world, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    u = urls(evaluation)
    client.force_login(world["evaluator_a"])
    assert client.get(u["list"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(u["generate"], follow=True)
    assert "已提交生成第 1 版报告" in response.content.decode()
    version = ReportVersion.objects.get(evaluation=evaluation)
    assert version.status == ReportStatus.DONE, version.error
    assert version.pages and version.size and len(version.sha256) == 64 and version.content == {}

    status = client.get(u["status"]).json()
    assert status["active"] is False
    assert status["versions"][0]["status"] == "done" and status["versions"][0]["download_url"] == u["download"]

    download = client.get(u["download"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF")
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=utf-8''" in disposition.lower()
    name = unquote(re.search(r"filename\*=utf-8''(.+)$", disposition, re.IGNORECASE).group(1))
    assert name == f"{evaluation.title}报告_第1版.pdf"


def test_status_shows_progress_while_rendering(client, world):
    evaluation = scored(world["a"])
    ReportVersion.objects.create(
        evaluation=evaluation,
        number=1,
        outline=default_outline(evaluation.kind),
        title="报告",
        content_hash="0" * 64,
        status=ReportStatus.RENDERING,
        progress=20,
        stage="排版",
    )
    client.force_login(world["evaluator_a"])
    data = client.get(urls(evaluation)["status"]).json()
    assert data["active"] is True
    assert data["versions"][0] | {"download_url": ""} == data["versions"][0]
    assert (data["versions"][0]["progress"], data["versions"][0]["stage"]) == (20, "排版")
    page = client.get(urls(evaluation)["list"]).content.decode()
    assert "data-active" in page and "生成中" in page and "排版" in page


def test_same_content_is_not_rendered_twice(client, world, fake_pdf, django_capture_on_commit_callbacks):
    evaluation = scored(world["a"])
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(urls(evaluation)["generate"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(urls(evaluation)["generate"], follow=True)
    assert callbacks == []  # nothing enqueued
    assert ReportVersion.objects.filter(evaluation=evaluation).count() == 1 and len(fake_pdf) == 1
    assert "未重复生成" in response.content.decode()

    # A change to the data gives new content, hence a new version.
    leaf = evaluation.indicators.get(name="完成率")
    leaf.analysis = "新增的分析。"
    leaf.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(urls(evaluation)["generate"])
    assert list(ReportVersion.objects.filter(evaluation=evaluation).values_list("number", flat=True)) == [2, 1]
    assert len(fake_pdf) == 2


def test_a_failed_render_records_why_and_can_be_retried(
    client, world, monkeypatch, fake_pdf, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    working = rendering.render_pdf_document

    def broken(content, progress=None):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(rendering, "render_pdf_document", broken)
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(urls(evaluation)["generate"])
    version = ReportVersion.objects.get(evaluation=evaluation)
    assert version.status == ReportStatus.FAILED
    assert version.error.startswith("排版时出错：字体缺失")
    page = client.get(urls(evaluation)["list"]).content.decode()
    assert "失败" in page and "字体缺失" in page and "重试" in page
    assert client.get(urls(evaluation)["download"]).status_code == 404

    monkeypatch.setattr(rendering, "render_pdf_document", working)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls(evaluation)["retry"], follow=True)
    assert "已重新提交第 1 版" in response.content.decode()
    version.refresh_from_db()
    assert version.status == ReportStatus.DONE and version.error == "" and version.number == 1
    assert client.get(urls(evaluation)["download"]).status_code == 200


def test_a_finished_version_cannot_be_retried(client, world, fake_pdf, django_capture_on_commit_callbacks):
    evaluation = scored(world["a"])
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(urls(evaluation)["generate"])
    response = client.post(urls(evaluation)["retry"], follow=True)
    assert "只有生成失败" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "read", "write"),
    [
        ("evaluator_a", 200, 302),
        ("admin", 200, 302),
        ("reviewer_a", 200, 403),
        ("bureau_a", 403, 403),  # a draft not handed on: neither the bureau's
        ("unit_a", 403, 403),  # nor the unit's to read
        ("evaluator_b", 404, 404),
        ("bureau_b", 404, 404),
        ("unit_b", 404, 404),
        ("nobody", 404, 404),
    ],
)
def test_who_may_see_and_request_reports(
    client, world, fake_pdf, django_capture_on_commit_callbacks, persona, read, write
):
    evaluation = scored(world["a"])
    u = urls(evaluation)
    client.force_login(world[persona])
    assert client.get(u["list"]).status_code == read
    assert client.get(u["status"]).status_code == read
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(u["generate"]).status_code == write
    assert ReportVersion.objects.filter(evaluation=evaluation).exists() == (write == 302)


def test_each_hand_off_renders_the_state_it_hands_on_and_the_unit_sees_only_that(
    client, world, fake_pdf, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(urls(evaluation)["generate"])  # the team's own draft, before a correction
    client.force_login(world["unit_a"])
    assert client.get(urls(evaluation)["download"]).status_code == 403  # not shared yet
    NarrativeSection.objects.update_or_create(
        evaluation=evaluation, key="dept_overview", defaults={"text": "更正后的部门概况。"}
    )
    walk(world, *TO_CONSULTATION, capture=django_capture_on_commit_callbacks)

    handed = {
        change.transition: [version.number for version in change.report_versions.all()]
        for change in StateChange.objects.filter(evaluation=evaluation)
    }
    assert handed["start_collecting"] == handed["start_scoring"] == []  # not a hand-off
    assert handed["submit_review"] == handed["pass_review"] == [2]  # the corrected text, rendered once
    team_page = client.get(urls(evaluation)["list"])
    assert team_page.status_code == 200
    page = team_page.content.decode()
    assert "当前流转的报告：<strong>第 2 版</strong>" in page and "随“发出征求意见稿”交出（征求意见" in page
    assert "提交内部复核" not in page and "复核通过" not in page  # the firm's internal steps stay with the firm
    assert 'data-number="1"' not in page  # the firm's earlier draft is not the unit's to read
    assert client.get(urls(evaluation)["download"]).status_code == 404
    assert client.get(urls(evaluation, 2)["download"]).status_code == 200
    client.force_login(world["evaluator_a"])
    page = client.get(urls(evaluation)["list"]).content.decode()
    assert 'data-number="1"' in page and 'data-number="2"' in page  # the team sees every version
    client.force_login(world["bureau_b"])
    assert client.get(urls(evaluation, 2)["download"]).status_code == 404


def test_the_reviewer_receives_the_version_of_the_state_handed_to_review(
    client, world, fake_pdf, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    for name in ("start_collecting", "start_scoring"):
        perform(evaluation, name, user=world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        perform(evaluation, "submit_review", user=world["evaluator_a"])
    version = ReportVersion.objects.get(evaluation=evaluation)
    assert version.status == ReportStatus.DONE and version.hand_offs.get().transition == "submit_review"
    client.force_login(world["reviewer_a"])
    page = client.get(urls(evaluation)["list"]).content.decode()
    assert f'PDF 的 SHA-256 <code class="text-break">{version.sha256}</code>' in page


def test_a_failed_hand_off_render_is_recorded_on_the_step_and_the_step_stands(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    for name in ("start_collecting", "start_scoring"):
        perform(evaluation, name, user=world["evaluator_a"])

    def broken(*args, **kwargs):
        raise ValueError("提纲缺少章节")

    monkeypatch.setattr(report_requests, "assemble_report", broken)
    with django_capture_on_commit_callbacks(execute=True):
        perform(evaluation, "submit_review", user=world["evaluator_a"])
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.INTERNAL_REVIEW
    failed = ReportVersion.objects.get(evaluation=evaluation)
    assert failed.status == ReportStatus.FAILED and "提纲缺少章节" in failed.error and not failed.is_final
    assert failed.hand_offs.get().transition == "submit_review"


def test_evaluators_render_at_any_state_they_may_view(client, world, fake_pdf):
    evaluation = scored(world["a"])
    evaluation.state = EvaluationState.SUBMITTED
    evaluation.save(update_fields=["state"])
    client.force_login(world["evaluator_a"])
    page = client.get(urls(evaluation)["list"]).content.decode()
    assert "生成报告</button>" in page
    assert client.post(urls(evaluation)["generate"]).status_code == 302
    for persona in ("unit_a", "bureau_a", "reviewer_a"):
        client.force_login(world[persona])
        assert client.post(urls(evaluation)["generate"]).status_code == 403
    client.force_login(world["admin"])
    assert client.post(urls(evaluation)["generate"]).status_code == 302


def test_login_required(client, world):
    response = client.get(urls(world["a"])["list"])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_get_does_not_generate(client, world):
    client.force_login(world["evaluator_a"])
    assert client.get(urls(world["a"])["generate"]).status_code == 405


@pytest.mark.parametrize("count", [1, 30])
def test_list_and_status_queries_do_not_grow_with_versions(client, world, django_assert_max_num_queries, count):
    evaluation = scored(world["a"])
    outline = default_outline(evaluation.kind)
    ReportVersion.objects.bulk_create(
        ReportVersion(
            evaluation=evaluation,
            number=n,
            outline=outline,
            title="报告",
            content_hash=f"{n:064d}",
            status=ReportStatus.DONE,
            file=f"reports/r{n}.pdf",
            sha256="a" * 64,
            pages=10,
            size=1000,
            author=world["evaluator_a"],
        )
        for n in range(1, count + 1)
    )
    client.force_login(world["evaluator_a"])
    with django_assert_max_num_queries(40):
        assert client.get(urls(evaluation)["list"]).status_code == 200
    with django_assert_max_num_queries(12):
        assert len(client.get(urls(evaluation)["status"]).json()["versions"]) == count


def test_admin_chooses_the_outline_and_title(client, world):
    evaluation = scored(world["a"])
    other = ReportOutline.objects.create(key="department", version=2, kind="department", name="部门整体（新版）")
    client.force_login(world["evaluator_a"])
    assert client.post(urls(evaluation)["settings"], {"outline": other.pk, "version": 0}).status_code == 403
    client.force_login(world["admin"])
    page = client.get(urls(evaluation)["list"]).content.decode()
    assert "报告设置（系统管理员）" in page and "data-warn-unsaved" in page
    response = client.post(
        urls(evaluation)["settings"],
        {"outline": other.pk, "title": "甲区民政局绩效评价报告", "version": 0},
        follow=True,
    )
    assert "报告设置已保存" in response.content.decode()
    chosen = ReportSettings.objects.get(evaluation=evaluation)
    assert (chosen.outline, chosen.title, chosen.version) == (other, "甲区民政局绩效评价报告", 1)
    assert selection.report_title(evaluation) == "甲区民政局绩效评价报告"
    # This outline row has no structure in the code (version 2 does not exist): the default is used, no error.
    assert selection.outline_for(evaluation).version == 1
    # A form opened before that save is refused and changes nothing.
    response = client.post(urls(evaluation)["settings"], {"outline": "", "title": "旧标题", "version": 0}, follow=True)
    assert "已被他人修改" in response.content.decode()
    stale = client.post(urls(evaluation)["settings"], {"outline": "", "title": "旧标题", "version": 5}, follow=True)
    assert "已被他人修改" in stale.content.decode()
    chosen.refresh_from_db()
    assert chosen.title == "甲区民政局绩效评价报告"
    # An outline of the other kind is not offered (bad input: nothing saved).
    project = ReportOutline.objects.get(key="project", version=1)
    response = client.post(urls(evaluation)["settings"], {"outline": project.pk, "version": 1}, follow=True)
    assert "报告设置未保存" in response.content.decode()
    assert ReportSettings.objects.get(evaluation=evaluation).outline == other


def test_version_records_draft_total_and_outline(client, world, fake_pdf, django_capture_on_commit_callbacks):
    evaluation = scored(world["a"])
    leaf = evaluation.indicators.get(name="完成率")
    leaf.awarded_score = Decimal("90")  # differs from the rule without a reason: a consistency error
    leaf.save(update_fields=["awarded_score"])
    recompute_scores(evaluation)
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(urls(evaluation)["generate"])
    version = ReportVersion.objects.get(evaluation=evaluation)
    assert version.is_draft and version.problem_count >= 1
    assert version.summary == "90 分 优" and version.outline.key == "department"
    assert fake_pdf[0]["draft"] is True and fake_pdf[0]["problems"]
