"""Freezing covers every record of an approved evaluation (finding 4) and a dump of it loads into a copy
(finding 5): report versions and settings, the names in its export, its template, admin and loaddata."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from evaluations.demo import load_demo
from evaluations.domain.freezing import FrozenEvaluationError
from evaluations.interchange.export import export_document
from evaluations.models import ConsultationComment, Evaluation, EvaluationState, Finding, StateChange
from reports.archive import ArchiveNotReady, archive_files
from reports.models import ReportSettings, ReportStatus, ReportVersion
from reports.selection import outline_for
from rubrics.models import IndicatorTemplate
from tests.factories import UserFactory


def refused(action):
    with pytest.raises(FrozenEvaluationError, match="已批准并冻结"), transaction.atomic():
        action()


def _approve(evaluation: Evaluation) -> Evaluation:
    evaluation.state = EvaluationState.APPROVED
    evaluation.save(update_fields=["state", "updated_at"])  # the workflow's own field set
    return evaluation


def _final(evaluation: Evaluation) -> ReportVersion:
    return ReportVersion.objects.create(
        evaluation=evaluation, number=1, outline=outline_for(evaluation), title="报告", content_hash="h" * 64,
        status=ReportStatus.DONE, is_final=True, file="reports/final.pdf", sha256="0" * 64,
    )  # fmt: skip


@pytest.fixture
def approved(db):
    return _approve(load_demo()["department"])


def test_the_final_report_version_cannot_be_deleted_or_changed(approved, client):
    final = _final(approved)
    refused(final.delete)
    final.title = "改过的标题"
    refused(final.save)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:reports_reportversion_delete", args=[final.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ReportVersion.objects.filter(pk=final.pk, is_final=True).exists()


def test_report_settings_of_an_approved_evaluation_are_frozen(approved, client):
    refused(lambda: ReportSettings.objects.create(evaluation=approved, title="新标题"))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:reports_reportsettings_add"), {"evaluation": approved.pk, "title": "新标题", "outline": ""}
    )
    assert response.status_code == 403 and not ReportSettings.objects.filter(evaluation=approved).exists()


def test_the_names_in_its_export_and_its_template_stay(approved):
    before = json.dumps(export_document(approved), sort_keys=True)
    unit = approved.evaluated_unit
    unit.name = "改名后的单位"
    refused(unit.save)
    bureau = approved.commissioning_bureau
    bureau.short_name = "改"
    refused(bureau.save)
    unit.refresh_from_db()
    unit.phone = getattr(unit, "phone", "")  # a field the record does not show may still change
    template = IndicatorTemplate.objects.filter(kind=approved.kind).first()
    Evaluation.objects.filter(pk=approved.pk).update(template=template)
    refused(template.delete)
    assert json.dumps(export_document(approved), sort_keys=True) == before


def test_comments_and_the_timeline_are_frozen_but_the_workflow_still_adds_steps(approved):
    change = approved.state_changes.first()
    if change is not None:
        change.comment = "改写的意见"
        refused(change.save)
        refused(change.delete)
    author = UserFactory(organisation=approved.commissioning_bureau)
    refused(lambda: ConsultationComment.objects.create(evaluation=approved, author=author, text="新意见"))
    StateChange.objects.create(
        evaluation=approved, actor=author, transition="start_rectification", from_state="approved",
        to_state="rectification",
    )  # fmt: skip


def test_loaddata_cannot_rewrite_an_approved_evaluation(approved, tmp_path):
    finding = approved.findings.first()
    out = io.StringIO()
    call_command("dumpdata", "evaluations.finding", pks=str(finding.pk), stdout=out)
    rows = json.loads(out.getvalue())
    rows[0]["fields"]["title"] = "被 loaddata 改写"
    fixture = tmp_path / "rewrite.json"
    fixture.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FrozenEvaluationError), transaction.atomic():
        call_command("loaddata", str(fixture), stdout=io.StringIO())
    finding.refresh_from_db()
    assert finding.title != "被 loaddata 改写"
    evaluation_row = json.loads(_dump("evaluations.evaluation", pks=str(approved.pk)))
    evaluation_row[0]["fields"]["title"] = "改名"
    fixture.write_text(json.dumps(evaluation_row, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FrozenEvaluationError), transaction.atomic():
        call_command("loaddata", str(fixture), stdout=io.StringIO())


def _dump(*labels, **options) -> str:
    out = io.StringIO()
    call_command("dumpdata", *labels, stdout=out, **options)
    return out.getvalue()


DUMP_EXCLUDES = ["contenttypes", "auth.permission", "admin.logentry", "sessions"]


@pytest.mark.django_db(transaction=True)
def test_dumpdata_and_loaddata_copy_an_approved_evaluation(tmp_path):
    evaluation = _approve(load_demo()["department"])
    _final(evaluation)
    document = json.dumps(export_document(evaluation), sort_keys=True)
    links = sorted(
        Finding.indicators.through.objects.filter(finding__evaluation=evaluation).values_list(
            "finding_id", "evaluationindicator_id"
        )
    )
    fixture = tmp_path / "all.json"
    fixture.write_text(_dump(natural_foreign=True, natural_primary=True, exclude=DUMP_EXCLUDES), encoding="utf-8")

    call_command("flush", interactive=False, verbosity=0)
    assert not Evaluation.objects.exists()
    call_command("loaddata", str(fixture), stdout=io.StringIO())

    copy = Evaluation.objects.get(pk=evaluation.pk)
    assert copy.state == EvaluationState.APPROVED
    assert json.dumps(export_document(copy), sort_keys=True) == document
    assert (
        sorted(
            Finding.indicators.through.objects.filter(finding__evaluation=copy).values_list(
                "finding_id", "evaluationindicator_id"
            )
        )
        == links
    )
    assert ReportVersion.objects.filter(evaluation=copy, is_final=True).count() == 1
    with pytest.raises(FrozenEvaluationError), transaction.atomic():  # and it is frozen again afterwards
        copy.findings.first().delete()


def test_an_archive_whose_files_are_missing_says_so_instead_of_failing(approved):
    """A database copied without its files (finding 5): the archive names the missing file, never a 500."""
    _final(approved)
    with pytest.raises(ArchiveNotReady, match="不在存储中"):
        archive_files(approved)
