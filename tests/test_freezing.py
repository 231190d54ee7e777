"""An approved evaluation cannot be changed by anyone through any path."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from evaluations.demo import load_demo
from evaluations.domain.datatables import save_table
from evaluations.domain.freezing import FrozenEvaluationError
from evaluations.domain.importing import DocumentImportError, import_document
from evaluations.domain.locking import save_versioned
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.workflow import perform
from evaluations.interchange.export import export_document
from evaluations.models import EvaluationState, Finding, NarrativeSection


def refused(action):
    """Run action in its own savepoint and expect the freeze to refuse it."""
    with pytest.raises(FrozenEvaluationError, match="已批准并冻结"), transaction.atomic():
        action()


@pytest.fixture
def approved(db):
    evaluation = load_demo()["department"]
    evaluation.state = EvaluationState.APPROVED
    evaluation.save(update_fields=["state", "updated_at"])  # the workflow's own field set
    return evaluation


def test_model_saves_and_deletes_are_refused(approved):
    indicator = approved.indicators.filter(children__isnull=True).first()
    indicator.analysis = "批准后改写"
    refused(indicator.save)
    refused(approved.findings.first().delete)
    refused(lambda: Finding.objects.create(evaluation=approved, title="新问题"))
    refused(NarrativeSection.objects.filter(evaluation=approved).first().save)
    approved.title = "改名"
    refused(approved.save)
    approved.refresh_from_db()
    assert approved.title != "改名"


def test_links_and_bulk_paths_are_refused(approved):
    finding = approved.findings.first()
    refused(lambda: finding.indicators.add(approved.indicators.first()))
    refused(lambda: save_table(evaluation=approved, key="dept_key_figures", rows=[{"adjustment": "0"}]))
    refused(lambda: recompute_scores(approved))
    indicator = approved.indicators.first()
    indicator.analysis = "x"
    refused(lambda: save_versioned(indicator, expected_version=indicator.version, fields=["analysis"]))


def test_imports_and_commands_are_refused_and_change_nothing(approved, tmp_path):
    document = export_document(approved)
    before = json.dumps(document, sort_keys=True)
    document["narrative"]["conclusion"] = "批准后的新结论"
    with pytest.raises(DocumentImportError), transaction.atomic():
        import_document(document)
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("import_evaluation", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert json.dumps(export_document(approved), sort_keys=True) == before


def test_admin_shows_frozen_objects_read_only(approved, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    indicator = approved.indicators.first()
    url = reverse("admin:evaluations_evaluationindicator_change", args=[indicator.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(url, {"name": "改名", "weight": "1"})
    assert response.status_code == 403
    indicator.refresh_from_db()
    assert indicator.name != "改名"


def test_the_workflow_still_moves_an_approved_evaluation_to_rectification(approved):
    from tests.factories import UserFactory

    reviewer = UserFactory(organisation=approved.commissioning_bureau, role="财政审核")
    perform(approved, "start_rectification", user=reviewer)
    approved.refresh_from_db()
    assert approved.state == EvaluationState.RECTIFICATION
    assert approved.total_score == Decimal("91.87")
