"""Renders that survive a dead worker and never run twice; the final report retried by those who may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import jobs, rendering
from reports import requests as report_requests
from reports.models import ReportStatus, ReportVersion
from tests.factories import TO_CONSULTATION, small_scored_report, walk


def scored(evaluation):
    return small_scored_report(evaluation)


def _broken(content, progress=None):
    raise RuntimeError("字体缺失")


@pytest.mark.parametrize("persona", ["evaluator_a", "bureau_a"])
def test_the_pm_or_the_bureau_retries_a_failed_final_report(
    client, world, monkeypatch, fake_pdf, persona, django_capture_on_commit_callbacks
):
    working = rendering.render_pdf_document
    monkeypatch.setattr(rendering, "render_pdf_document", _broken)
    evaluation = scored(world["a"])
    walk(world, *TO_CONSULTATION, "submit", "approve", capture=django_capture_on_commit_callbacks)
    final = ReportVersion.objects.get(evaluation=evaluation, is_final=True)
    assert final.status == ReportStatus.FAILED

    monkeypatch.setattr(rendering, "render_pdf_document", working)
    client.force_login(world[persona])
    page = client.get(reverse("evaluation-reports", args=[evaluation.pk])).content.decode()
    assert reverse("evaluation-report-retry", args=[evaluation.pk, final.number]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluation-report-retry", args=[evaluation.pk, final.number]))
    assert response.status_code == 302
    final.refresh_from_db()
    assert final.status == ReportStatus.DONE and final.is_final and jobs.final_report(evaluation) == final


def _claimed_then_dead(evaluation, user, django_capture_on_commit_callbacks) -> ReportVersion:
    """A version a worker claimed and then died on: RENDERING at 20 %, no heartbeat since."""
    with django_capture_on_commit_callbacks(execute=False):
        version, _ = report_requests.request_render(evaluation, user)
    long_ago = timezone.now() - jobs.LEASE - timedelta(seconds=1)
    ReportVersion.objects.filter(pk=version.pk).update(
        status=ReportStatus.RENDERING, progress=20, stage="排版", started_at=long_ago, heartbeat_at=long_ago,
        lease="dead-worker",
    )  # fmt: skip
    return version


def test_a_render_whose_worker_died_is_picked_up_after_the_lease(
    client, world, fake_pdf, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    version = _claimed_then_dead(evaluation, world["evaluator_a"], django_capture_on_commit_callbacks)
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):  # the page's progress poll notices the lapsed lease
        client.get(reverse("evaluation-report-status", args=[evaluation.pk]))
    version.refresh_from_db()
    assert version.status == ReportStatus.DONE and len(fake_pdf) == 1


def test_a_render_with_a_live_lease_is_left_alone(client, world, fake_pdf, django_capture_on_commit_callbacks):
    evaluation = scored(world["a"])
    version = _claimed_then_dead(evaluation, world["evaluator_a"], django_capture_on_commit_callbacks)
    ReportVersion.objects.filter(pk=version.pk).update(heartbeat_at=timezone.now())
    assert report_requests.recover_stale_renders() == []
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_render(version.pk)  # a second task for the same version: the live claim stands
    version.refresh_from_db()
    assert version.status == ReportStatus.RENDERING and fake_pdf == []


def test_a_worker_that_lost_its_lease_does_not_record_its_render(world, fake_pdf, django_capture_on_commit_callbacks):
    """A slow worker whose lease lapsed and was taken over: the new claim's result stands, not two."""
    evaluation = scored(world["a"])
    with django_capture_on_commit_callbacks(execute=False):
        version, _ = report_requests.request_render(evaluation, world["evaluator_a"])

    def taken_over(content, progress=None):
        ReportVersion.objects.filter(pk=version.pk).update(lease="another-worker")  # recovered meanwhile
        return rendering.RenderedPDF(b"%PDF-1.7 late", 3, 0.1, 0.05)

    rendering.render_pdf_document, saved = taken_over, rendering.render_pdf_document
    try:
        jobs.run_render(version.pk)
    finally:
        rendering.render_pdf_document = saved
    version.refresh_from_db()
    assert version.status == ReportStatus.RENDERING and version.lease == "another-worker" and not version.file


def test_two_requests_for_the_same_content_make_one_version(world, fake_pdf, django_capture_on_commit_callbacks):
    evaluation = scored(world["a"])
    with django_capture_on_commit_callbacks(execute=True):
        first, created = report_requests.request_render(evaluation, world["evaluator_a"])
        second, again = report_requests.request_render(evaluation, world["evaluator_a"])
    assert created and not again and first == second and len(fake_pdf) == 1
    duplicate = ReportVersion(
        evaluation=evaluation, number=99, outline=first.outline, title="x", content_hash=first.content_hash
    )
    with pytest.raises(Exception, match=r"UNIQUE|unique|duplicate"):
        duplicate.save()


def test_the_bureau_retries_a_final_report_stuck_on_a_dead_worker(
    client, world, monkeypatch, fake_pdf, django_capture_on_commit_callbacks
):
    """Minutes after the worker died, not a quarter of an hour: the lease lapsed, the bureau may retry."""
    monkeypatch.setattr(rendering, "render_pdf_document", _broken)
    evaluation = scored(world["a"])
    walk(world, *TO_CONSULTATION, "submit", "approve", capture=django_capture_on_commit_callbacks)
    final = ReportVersion.objects.get(evaluation=evaluation, is_final=True)
    five_minutes_ago = timezone.now() - timedelta(minutes=5)
    ReportVersion.objects.filter(pk=final.pk).update(
        status=ReportStatus.RENDERING, progress=20, started_at=five_minutes_ago, heartbeat_at=five_minutes_ago
    )
    final.refresh_from_db()
    assert jobs.can_retry(final)
    monkeypatch.undo()
    fake = rendering.RenderedPDF(b"%PDF-1.7 fake", 3, 0.1, 0.05)
    monkeypatch.setattr(rendering, "render_pdf_document", lambda content, progress=None: fake)
    client.force_login(world["bureau_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation-report-retry", args=[evaluation.pk, final.number]))
    final.refresh_from_db()
    assert final.status == ReportStatus.DONE and jobs.final_report(evaluation) == final


def test_no_new_version_is_made_for_an_approved_evaluation_outside_its_final_report(
    client, world, fake_pdf, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    walk(world, *TO_CONSULTATION, "submit", "approve", capture=django_capture_on_commit_callbacks)
    final = jobs.final_report(evaluation)
    count = ReportVersion.objects.filter(evaluation=evaluation).count()
    ReportVersion.objects.filter(pk=final.pk).update(content_hash="renderer-upgraded-since")  # new content hash
    client.force_login(world["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluation-report-generate", args=[evaluation.pk]), follow=True)
        client.post(reverse("evaluation-report-final", args=[evaluation.pk]))
    assert "不再生成新的版本" in response.content.decode()
    assert ReportVersion.objects.filter(evaluation=evaluation).count() == count
    assert jobs.final_report(evaluation) == final
