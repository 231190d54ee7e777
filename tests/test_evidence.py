"""Evidence (佐证材料): type checks by content, storage, the list, downloads and who may do what."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluations.domain import evidence as service
from evaluations.models import EvaluationState, Evidence
from tests.factories import EvaluationIndicatorFactory

# --- real small files, made here with the right magic bytes and structure -----------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def ooxml_bytes(main: str, part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{part}" ContentType="{main}"/></Types>',
        )
        package.writestr("_rels/.rels", "<Relationships/>")
        package.writestr(part, "<document/>")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return ooxml_bytes(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/document.xml"
    )


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "在职人员数"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_END, _FREE, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF


def _ole_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NOSTREAM, _NOSTREAM, child)
        + b"\0" * 36
        + struct.pack("<IQ", start, size)
    )


def ole_bytes(stream: str = "WordDocument", size: int = 4096) -> bytes:
    """A real OLE compound document (512-byte sectors: header, FAT, directory, data) holding one stream: a Word
    file holds WordDocument, an Excel file Workbook; an .msi or an encrypted package holds other streams."""
    fat = [0xFFFFFFFD, _END] + [3 + i for i in range(size // 512 - 1)] + [_END]
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<9I", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    directory = _ole_entry("Root Entry", 5, 1, _END, 0) + _ole_entry(stream, 2, _NOSTREAM, 2, size)
    directory += _ole_entry("", 0, _NOSTREAM, 0, 0) * 2
    return header + struct.pack("<128I", *fat, *[_FREE] * (128 - len(fat))) + directory + b"\x01" * size


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- checking the content ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("决算报表.pdf", pdf_bytes(), service.PDF),
        ("现场照片.png", png_bytes(), service.PNG),
        ("现场照片.JPG", jpeg_bytes(), service.JPEG),
        ("会议纪要.jpeg", jpeg_bytes(), service.JPEG),
        ("三定方案.docx", docx_bytes(), service.DOCX),
        ("固定资产清单.xlsx", xlsx_bytes(), service.XLSX),
        ("旧制度.doc", ole_bytes(), service.DOC),
        ("旧台账.xls", ole_bytes("Workbook"), service.XLS),
    ],
)
def test_real_files_are_accepted_with_their_type_and_hash(name, content, content_type):
    checked = service.check_upload(upload(name, content))
    assert checked == service.CheckedFile(name, content_type, len(content), hashlib.sha256(content).hexdigest())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("报表.pdf", exe_bytes(), "「报表.pdf」的内容不是PDF 文件（实际内容为：Windows 可执行程序）"),
        ("报表.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "（实际内容为：网页（HTML/XML））"),
        ("照片.png", pdf_bytes(), "「照片.png」的内容不是PNG 图片（实际内容为：PDF 文件）"),
        ("纪要.docx", xlsx_bytes(), "「纪要.docx」的内容不是Word 文档（.docx）"),
        ("纪要.docx", ooxml_bytes("application/zip", "other.xml"), "「纪要.docx」的内容不是Word 文档（.docx）"),
        ("台账.xls", docx_bytes(), "「台账.xls」的内容不是Excel 97-2003 工作簿（.xls）"),
        ("台账.xls", ole_bytes("WordDocument"), "「台账.xls」的内容不是Excel 97-2003 工作簿（.xls）"),
        ("制度.doc", ole_bytes("EncryptedPackage"), "「制度.doc」的内容不是Word 97-2003 文档（.doc）"),
        ("制度.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024, "「制度.doc」的内容不是Word 97-2003"),
        ("说明.txt", "纯文本说明".encode(), "「说明.txt」：不支持「.txt」文件，只接受 PDF、JPEG/PNG 图片"),
        ("setup.exe", exe_bytes(), "「setup.exe」：不支持「.exe」文件"),
        ("页面.html", b"<html></html>", "不支持「.html」文件"),
        ("无扩展名", pdf_bytes(), "「无扩展名」：不支持无扩展名的文件"),
        ("空文件.pdf", b"", "「空文件.pdf」是空文件（0 字节），未上传。"),
    ],
)
def test_renamed_empty_and_unsupported_files_are_refused(name, content, message):
    with pytest.raises(service.EvidenceRejected) as info:
        service.check_upload(upload(name, content))
    assert message in str(info.value)


def test_oversize_files_are_refused():
    big = upload("大文件.pdf", b"%PDF-1.4\n" + b"0" * service.MAX_SIZE)
    with pytest.raises(service.EvidenceRejected) as info:
        service.check_upload(big)
    assert str(info.value) == "「大文件.pdf」大小为 20.0 MB，超过 20 MB 的上限，未上传。"
    exactly = upload("刚好.pdf", b"%PDF-" + b"0" * (service.MAX_SIZE - 5))
    assert service.check_upload(exactly).size == service.MAX_SIZE


def test_names_sizes_and_content_disposition():
    assert service.clean_name("C:\\Users\\王\\报表.pdf") == "报表.pdf"
    assert service.clean_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert service.clean_name("a\x00b\n.pdf") == "ab.pdf"
    assert len(service.clean_name("长" * 300 + ".pdf")) == 255
    assert [service.format_size(n) for n in (512, 1536, 3 * 1024 * 1024)] == ["512 B", "1.5 KB", "3.0 MB"]
    header = service.content_disposition("2022年决算报表.pdf")
    assert header == "attachment; filename=\"2022_.pdf\"; filename*=UTF-8''" + quote("2022年决算报表.pdf")
    assert service.content_disposition("报表.pdf").startswith('attachment; filename="evidence.pdf"; ')
    assert service.content_disposition('a";b.pdf').startswith('attachment; filename="a_b.pdf"')


# --- storing --------------------------------------------------------------------------------------------


@pytest.fixture
def indicator(world):
    return EvaluationIndicatorFactory(
        evaluation=world["a"], name="预算完成率", weight=2, evidence_required="预决算报表等"
    )


def test_store_keeps_name_size_type_hash_uploader_and_links(world, indicator, settings):
    content = pdf_bytes()
    (item,) = service.store_evidence(
        evaluation=world["a"],
        uploads=[upload("2022年罗庄区民政局部门决算报表.pdf", content)],
        user=world["unit_a"],
        description="盖章版",
        indicator_ids=[str(indicator.pk)],
        table_keys=["dept_staffing"],
    )
    item.refresh_from_db()
    assert (item.original_name, item.size, item.content_type, item.description) == (
        "2022年罗庄区民政局部门决算报表.pdf",
        len(content),
        "application/pdf",
        "盖章版",
    )
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.uploaded_by == world["unit_a"] and item.uploaded_at is not None
    assert list(item.indicators.all()) == [indicator]
    assert [table.key for table in item.tables.all()] == ["dept_staffing"]
    assert item.file.name.startswith("evidence/") and item.file.name.endswith(".pdf")
    assert "罗庄" not in item.file.name  # stored under a random name
    with item.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == item.sha256


def media_files(settings) -> set:
    return {path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}


def test_one_bad_file_refuses_the_whole_upload(world, indicator, settings):
    before = media_files(settings)
    with pytest.raises(service.EvidenceRejected) as info:
        service.store_evidence(
            evaluation=world["a"],
            uploads=[upload("好.pdf", pdf_bytes()), upload("坏.pdf", exe_bytes())],
            user=world["evaluator_a"],
        )
    assert "「坏.pdf」的内容不是PDF 文件" in str(info.value)
    assert Evidence.objects.count() == 0
    assert media_files(settings) == before


def test_links_to_another_evaluation_are_refused_and_leave_no_file(world, settings):
    foreign = EvaluationIndicatorFactory(evaluation=world["b"])
    before = media_files(settings)
    for kwargs, message in (
        ({"indicator_ids": [foreign.pk]}, "所选的关联指标不属于本评价"),
        ({"indicator_ids": ["x"]}, "关联指标无效"),
        ({"table_keys": ["project_funds"]}, "所选的基础数据表不属于本评价"),  # a project table, department evaluation
    ):
        with pytest.raises(service.EvidenceRejected, match=message):
            service.store_evidence(
                evaluation=world["a"], uploads=[upload("a.pdf", pdf_bytes())], user=world["evaluator_a"], **kwargs
            )
    assert Evidence.objects.count() == 0
    assert media_files(settings) == before


def test_evidence_requests_list_what_is_required_and_what_came(world, indicator):
    EvaluationIndicatorFactory(evaluation=world["a"], name="没有要求", evidence_required="")
    (item,) = service.store_evidence(
        evaluation=world["a"],
        uploads=[upload("决算.pdf", pdf_bytes())],
        user=world["unit_a"],
        indicator_ids=[indicator.pk],
    )
    (request,) = service.evidence_requests(world["a"])
    assert (request.indicator, request.required, request.evidence) == (indicator, "预决算报表等", [item])


# --- pages and actions, per role -------------------------------------------------------------------------

SEE_A = ["evaluator_a", "reviewer_a", "unit_a", "bureau_a", "admin"]
NOT_A = ["evaluator_b", "unit_b", "bureau_b", "nobody"]


def evidence_url(evaluation):
    return reverse("evaluation-evidence", args=[evaluation.pk])


def stored(world, user_key="evaluator_a", name="决算报表.pdf", evaluation="a", **kwargs) -> Evidence:
    (item,) = service.store_evidence(
        evaluation=world[evaluation], uploads=[upload(name, pdf_bytes())], user=world[user_key], **kwargs
    )
    return item


@pytest.mark.parametrize("persona", SEE_A)
def test_the_evidence_page_answers_those_who_see_the_evaluation(client, world, indicator, persona):
    item = stored(world, indicator_ids=[indicator.pk])
    client.force_login(world[persona])
    response = client.get(evidence_url(world["a"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "决算报表.pdf" in body and "预决算报表等" in body
    assert reverse("evidence-download", args=[world["a"].pk, item.pk]) in body
    assert "/media/" not in body and item.file.name not in body  # never a direct link to the stored file
    assert item.sha256 in body and item.sha256[:12] + "…" in body  # shortened, full on hover
    assert ("上传佐证材料" in body) == (persona in ("evaluator_a", "unit_a"))


@pytest.mark.parametrize("persona", NOT_A)
def test_the_evidence_page_is_404_for_the_other_side(client, world, persona):
    client.force_login(world[persona])
    assert client.get(evidence_url(world["a"])).status_code == 404


def test_the_unit_sees_requests_and_uploads_but_no_scores(client, world, indicator):
    evaluation = world["a"]
    evaluation.total_score, evaluation.grade = Decimal("97.75"), "优"
    evaluation.save()
    indicator.computed_score = Decimal("1.87")
    indicator.save()
    client.force_login(world["unit_a"])
    body = client.get(evidence_url(evaluation)).content.decode()
    assert "所需佐证材料" in body and "预决算报表等" in body and "尚未上传" in body
    assert "97.75" not in body and "1.87" not in body
    assert reverse("evaluation-narrative", args=[evaluation.pk]) not in body  # no tab to the drafts


REQUESTS_TAB_OPEN = 'class="nav-link active" data-bs-toggle="pill" data-bs-target="#tab-requests"'
FILES_TAB_OPEN = 'class="nav-link active" data-bs-toggle="pill" data-bs-target="#tab-files"'


def test_the_unit_lands_on_the_list_of_requests_and_after_an_upload_on_its_files(client, world, indicator):
    client.force_login(world["unit_a"])
    assert REQUESTS_TAB_OPEN in client.get(evidence_url(world["a"])).content.decode()
    response = client.post(evidence_url(world["a"]), {"files": [upload("决算.pdf", pdf_bytes())]})
    assert response.url == evidence_url(world["a"]) + "?tab=files"
    body = client.get(response.url).content.decode()
    assert FILES_TAB_OPEN in body and "决算.pdf" in body


def test_with_nothing_asked_for_the_unit_lands_on_the_files(client, world):
    client.force_login(world["unit_a"])
    assert FILES_TAB_OPEN in client.get(evidence_url(world["a"])).content.decode()


@pytest.mark.parametrize(("persona", "status"), [("evaluator_a", 302), ("unit_a", 302)])
def test_upload_by_those_who_may(client, world, indicator, persona, status):
    client.force_login(world[persona])
    response = client.post(
        evidence_url(world["a"]),
        {
            "files": [upload("三定方案.docx", docx_bytes()), upload("清单.xlsx", xlsx_bytes())],
            "indicators": [indicator.pk],
        },
    )
    assert response.status_code == status
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == ["三定方案.docx", "清单.xlsx"]
    assert all(item.uploaded_by == world[persona] for item in Evidence.objects.all())


@pytest.mark.parametrize(
    ("persona", "status"),
    [("bureau_a", 403), ("reviewer_a", 403), ("admin", 403), ("evaluator_b", 404), ("unit_b", 404)],
)
def test_upload_refused_to_others(client, world, persona, status):
    client.force_login(world[persona])
    response = client.post(evidence_url(world["a"]), {"files": [upload("a.pdf", pdf_bytes())]})
    assert response.status_code == status
    assert Evidence.objects.count() == 0


def test_the_unit_uploads_only_while_collecting_data(client, world):
    world["a"].state = EvaluationState.SCORING
    world["a"].save()
    client.force_login(world["unit_a"])
    assert client.post(evidence_url(world["a"]), {"files": [upload("a.pdf", pdf_bytes())]}).status_code == 403
    client.force_login(world["evaluator_a"])
    assert client.post(evidence_url(world["a"]), {"files": [upload("a.pdf", pdf_bytes())]}).status_code == 302


def test_a_refused_upload_says_why_in_chinese_and_stores_nothing(client, world):
    client.force_login(world["unit_a"])
    response = client.post(evidence_url(world["a"]), {"files": [upload("决算.pdf", exe_bytes())]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "上传未成功：「决算.pdf」的内容不是PDF 文件（实际内容为：Windows 可执行程序）" in body
    assert Evidence.objects.count() == 0
    response = client.post(evidence_url(world["a"]), {})
    assert "请选择要上传的文件。" in response.content.decode()


def test_filter_by_indicator(client, world, indicator):
    stored(world, name="预算完成率依据.pdf", indicator_ids=[indicator.pk])
    stored(world, name="其他材料.pdf")
    client.force_login(world["evaluator_a"])
    body = client.get(evidence_url(world["a"]), {"indicator": indicator.pk}).content.decode()
    assert "预算完成率依据.pdf" in body and "其他材料.pdf" not in body
    body = client.get(evidence_url(world["a"]), {"indicator": "nonsense"}).content.decode()
    assert "预算完成率依据.pdf" in body and "其他材料.pdf" in body


def test_the_list_shows_uploader_time_size_and_links(client, world, indicator):
    item = stored(world, indicator_ids=[indicator.pk], table_keys=["dept_staffing"])
    client.force_login(world["bureau_a"])
    body = client.get(evidence_url(world["a"])).content.decode()
    assert world["evaluator_a"].full_name in body
    assert service.format_size(item.size) in body
    assert "基础表1" in body and "预算完成率" in body


# --- downloading ----------------------------------------------------------------------------------------


def download_url(evaluation, item):
    return reverse("evidence-download", args=[evaluation.pk, item.pk])


@pytest.mark.parametrize("persona", SEE_A)
def test_download_is_an_attachment_with_the_chinese_name_and_nosniff(client, world, persona):
    item = stored(world, name="2022年决算报表.pdf")
    client.force_login(world[persona])
    response = client.get(download_url(world["a"], item))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''" + quote("2022年决算报表.pdf") in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf_bytes()


def test_a_stored_type_that_is_not_served_becomes_octet_stream(client, world):
    item = stored(world)
    Evidence.objects.filter(pk=item.pk).update(content_type="text/html")  # e.g. a row edited by hand
    client.force_login(world["evaluator_a"])
    response = client.get(download_url(world["a"], item))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")  # never inline


@pytest.mark.parametrize("persona", NOT_A)
def test_download_is_404_for_the_other_side(client, world, persona):
    item = stored(world)
    client.force_login(world[persona])
    assert client.get(download_url(world["a"], item)).status_code == 404


def test_a_guessed_evidence_id_of_another_evaluation_is_404(client, world):
    theirs = stored(world, user_key="evaluator_b", evaluation="b")
    client.force_login(world["evaluator_a"])
    assert client.get(download_url(world["a"], theirs)).status_code == 404  # through my evaluation's URL
    assert client.get(download_url(world["b"], theirs)).status_code == 404  # through theirs
    assert client.post(reverse("evidence-delete", args=[world["a"].pk, theirs.pk])).status_code == 404
    assert Evidence.objects.filter(pk=theirs.pk).exists()


def test_a_missing_file_is_a_chinese_404(client, world):
    item = stored(world)
    item.file.storage.delete(item.file.name)
    client.force_login(world["evaluator_a"])
    assert client.get(download_url(world["a"], item)).status_code == 404


# --- deleting ---------------------------------------------------------------------------------------------


def delete_url(evaluation, item):
    return reverse("evidence-delete", args=[evaluation.pk, item.pk])


def test_the_uploader_deletes_own_evidence_and_its_file(client, world, django_capture_on_commit_callbacks):
    item = stored(world, user_key="unit_a")
    storage, name = item.file.storage, item.file.name
    client.force_login(world["unit_a"])
    assert client.get(delete_url(world["a"], item)).status_code == 405
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(world["a"], item))
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=item.pk).exists()
    assert not storage.exists(name)


def test_an_evaluator_deletes_any_the_unit_only_its_own(client, world):
    mine = stored(world, user_key="evaluator_a")
    client.force_login(world["unit_a"])
    assert client.post(delete_url(world["a"], mine)).status_code == 403
    theirs = stored(world, user_key="unit_a", name="单位材料.pdf")
    client.force_login(world["evaluator_a"])
    assert client.post(delete_url(world["a"], theirs)).status_code == 302
    assert list(Evidence.objects.all()) == [mine]


@pytest.mark.parametrize(("persona", "status"), [("bureau_a", 403), ("reviewer_a", 403), ("evaluator_b", 404)])
def test_others_cannot_delete(client, world, persona, status):
    item = stored(world)
    client.force_login(world[persona])
    assert client.post(delete_url(world["a"], item)).status_code == status
    assert Evidence.objects.filter(pk=item.pk).exists()


def test_nothing_is_deleted_once_the_evaluation_is_no_longer_editable(client, world):
    item = stored(world)
    world["a"].state = EvaluationState.INTERNAL_REVIEW
    world["a"].save()
    client.force_login(world["evaluator_a"])
    assert client.post(delete_url(world["a"], item)).status_code == 403
    assert "删除" not in client.get(evidence_url(world["a"])).content.decode().split("<tbody>")[1].split("</tbody>")[0]


# --- query counts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_the_evidence_page_needs_the_same_queries_for_1_and_30_files(
    client, world, indicator, count, django_assert_max_num_queries
):
    for number in range(count):
        stored(world, name=f"材料{number}.pdf", indicator_ids=[indicator.pk], table_keys=["dept_staffing"])
    client.force_login(world["evaluator_a"])
    # whatever the number of files; one of them counts the 评价任务 waiting in the navigation's 待办
    with django_assert_max_num_queries(19):
        response = client.get(evidence_url(world["a"]))
    assert response.content.decode().count("材料") >= count
