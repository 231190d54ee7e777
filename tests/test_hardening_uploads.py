"""Issue 14, finding 13: rectification files pass the evidence's check, evidence has a quota per upload and per
evaluation, and an OLE file must be the Office document it claims (the OLE cases are in test_evidence)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluations.domain import evidence as service
from evaluations.domain.rectification import RectificationError, report
from evaluations.domain.workflow import perform
from evaluations.models import Evidence
from tests.factories import OPINIONS
from tests.test_evidence import ole_bytes, pdf_bytes
from tests.test_review_services import consultation  # noqa: F401  (the fixture)


@pytest.fixture
def rectifying(consultation):  # noqa: F811
    c = consultation
    perform(c["e"], "submit", user=c["evaluator_a"])
    perform(c["e"], "approve", user=c["bureau_a"], comment=OPINIONS["approve"])
    perform(c["e"], "start_rectification", user=c["bureau_a"])
    return {**c, "item": c["e"].rectification_items.get()}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("整改.html", b"<html><script>alert(1)</script></html>", "不支持「.html」文件"),
        ("整改.exe", b"MZ\x90\x00" + b"\x00" * 64, "不支持「.exe」文件"),
        ("整改.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "不支持「.svg」文件"),
        ("整改.pdf", b"<html></html>", "的内容不是PDF 文件"),
        ("整改.pdf", pdf_bytes() + b"\x00" * (25 * 1024 * 1024), "超过 20 MB 的上限"),
        ("整改.doc", ole_bytes("Workbook"), "的内容不是Word 97-2003 文档"),
    ],
)
def test_rectification_files_get_the_evidence_check(rectifying, name, content, message):
    item = rectifying["item"]
    with pytest.raises(RectificationError, match=message):
        report(
            item=item,
            user=rectifying["unit_a"],
            expected_version=item.version,
            measures="已整改",
            uploads=[SimpleUploadedFile(name, content)],
        )
    item.refresh_from_db()
    assert not item.evidence.exists() and item.version == 1 and not item.measures


def test_a_refused_rectification_file_is_a_message_on_the_page(client, rectifying):
    item = rectifying["item"]
    client.force_login(rectifying["unit_a"])
    response = client.post(
        reverse("rectification-item", args=[rectifying["e"].pk, item.pk]),
        {"action": "save", "version": 1, "measures": "已整改", "files": SimpleUploadedFile("x.html", b"<html>")},
        follow=True,
    )
    assert "不支持「.html」文件" in response.content.decode()
    item.refresh_from_db()
    assert not item.evidence.exists()


def test_a_rectification_file_is_served_sandboxed(client, rectifying):
    item = rectifying["item"]
    report(
        item=item,
        user=rectifying["unit_a"],
        expected_version=1,
        measures="已整改",
        uploads=[SimpleUploadedFile("整改报告.pdf", pdf_bytes())],
    )
    client.force_login(rectifying["bureau_a"])
    evidence = item.evidence.get()
    response = client.get(reverse("rectification-file", args=[rectifying["e"].pk, item.pk, evidence.pk]))
    assert response.status_code == 200
    assert "sandbox" in response["Content-Security-Policy"]


def _pdfs(count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"材料{n}.pdf", pdf_bytes()) for n in range(count)]


def test_one_upload_holds_a_bounded_number_and_size_of_files(world, monkeypatch):
    evaluation, user = world["a"], world["evaluator_a"]
    with pytest.raises(service.EvidenceRejected, match=f"一次最多上传 {service.MAX_FILES_PER_UPLOAD} 个文件"):
        service.store_evidence(evaluation=evaluation, uploads=_pdfs(service.MAX_FILES_PER_UPLOAD + 1), user=user)
    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", len(pdf_bytes()) * 2)
    with pytest.raises(service.EvidenceRejected, match="合计"):
        service.store_evidence(evaluation=evaluation, uploads=_pdfs(3), user=user)
    assert not Evidence.objects.exists()


def test_an_evaluation_holds_a_bounded_number_and_size_of_files(world, monkeypatch):
    evaluation, user = world["a"], world["evaluator_a"]
    monkeypatch.setattr(service, "MAX_EVALUATION_FILES", 3)
    service.store_evidence(evaluation=evaluation, uploads=_pdfs(2), user=user)
    with pytest.raises(service.EvidenceRejected, match="每个评价最多保存 3 个佐证文件，本评价已有 2 个"):
        service.store_evidence(evaluation=evaluation, uploads=_pdfs(2), user=user)
    monkeypatch.setattr(service, "MAX_EVALUATION_BYTES", len(pdf_bytes()) * 2)
    with pytest.raises(service.EvidenceRejected, match="合计最多"):
        service.store_evidence(evaluation=evaluation, uploads=_pdfs(1), user=user)
    assert Evidence.objects.filter(evaluation=evaluation).count() == 2


def test_too_many_files_in_one_post_answer_a_message(client, world):
    client.force_login(world["evaluator_a"])
    response = client.post(
        reverse("evaluation-evidence", args=[world["a"].pk]),
        {"files": _pdfs(service.MAX_FILES_PER_UPLOAD + 1)},
        follow=True,
    )
    assert response.status_code == 400
    assert "一次最多上传" in response.content.decode()
    assert not Evidence.objects.exists()
