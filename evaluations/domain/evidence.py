"""Evidence (佐证材料): checking uploads by their content, storing them, listing and deleting them.

A file is accepted only when its bytes are what its name says: PDF, JPEG/PNG, Word (.docx, .doc) or
Excel (.xlsx, .xls), at most 20 MB. .docx/.xlsx are opened as zip packages and their declared main
content type is checked; .doc/.xls are opened as OLE compound documents and must hold the stream of a Word
(WordDocument) or Excel (Workbook/Book) file. Anything else (an .exe or a web page renamed .pdf, a text file,
an .msi or an encrypted package renamed .doc) is refused with a Chinese message and nothing is stored.
``check_upload`` is the one check of an uploaded document: evidence and rectification files both pass it.
One upload holds at most MAX_FILES_PER_UPLOAD files and MAX_UPLOAD_BYTES; an evaluation's evidence at most
MAX_EVALUATION_FILES files and MAX_EVALUATION_BYTES.
Files are stored under a random name; the original name, size, type and SHA-256 are kept on the row,
and files are only ever served through the permission-checked download view.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import filetype
import olefile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet, Sum

from evaluations.datatables import tables_for_kind
from evaluations.domain.datatables import get_table
from evaluations.models import DataTable, Evaluation, EvaluationIndicator, Evidence
from rubrics.tree import IndicatorTree

MAX_SIZE = 20 * 1024 * 1024
# An evaluation's evidence: the seeds' reports cite a few dozen documents; scans of every contract and invoice
# of a large department stay well inside these.
MAX_FILES_PER_UPLOAD = 20
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_EVALUATION_FILES = 1000
MAX_EVALUATION_BYTES = 2 * 1024 * 1024 * 1024
MAX_NAME = 255
HEAD = 8192
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"

# extension → (content type stored and served, what users call it)
ACCEPTED = {
    ".pdf": (PDF, "PDF 文件"),
    ".jpg": (JPEG, "JPEG 图片"),
    ".jpeg": (JPEG, "JPEG 图片"),
    ".png": (PNG, "PNG 图片"),
    ".docx": (DOCX, "Word 文档（.docx）"),
    ".doc": (DOC, "Word 97-2003 文档（.doc）"),
    ".xlsx": (XLSX, "Excel 工作簿（.xlsx）"),
    ".xls": (XLS, "Excel 97-2003 工作簿（.xls）"),
}
SERVED_TYPES = {content_type for content_type, _ in ACCEPTED.values()}
ACCEPT_ATTRIBUTE = ",".join(ACCEPTED)  # for <input type="file" accept="…">
ACCEPTED_TEXT = "PDF、JPEG/PNG 图片、Word（.docx/.doc）、Excel（.xlsx/.xls）"

# The stream an OLE compound document of each kind holds (an .msi, .msg or encrypted package holds neither).
OLE_STREAMS = {DOC: ("WordDocument",), XLS: ("Workbook", "Book")}

# The main part a package must declare in [Content_Types].xml, and the part that must exist.
OOXML_MAIN = {
    DOCX: ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/document.xml"),
    XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/workbook.xml"),
}
SNIFFED_LABELS = {
    "application/x-msdownload": "Windows 可执行程序",
    "application/x-executable": "可执行程序",
    "application/x-elf": "可执行程序",
    "application/zip": "ZIP 压缩包",
    "application/x-rar-compressed": "RAR 压缩包",
    "application/x-7z-compressed": "7z 压缩包",
    "application/gzip": "GZIP 压缩包",
    "image/gif": "GIF 图片",
    "image/bmp": "BMP 图片",
    "image/webp": "WebP 图片",
    "image/tiff": "TIFF 图片",
    PDF: "PDF 文件",
    JPEG: "JPEG 图片",
    PNG: "PNG 图片",
    DOCX: "Word 文档（.docx）",
    XLSX: "Excel 工作簿（.xlsx）",
}


class EvidenceRejected(ValueError):
    """The upload is refused; the message says which file and why, in Chinese."""


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    content_type: str
    size: int
    sha256: str


# --- names and sizes ------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The file's own name as the user sent it: no directories, no control characters, at most 255 characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        return "未命名文件"
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME - len(ext)] + ext
    return name


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def format_size(size: int) -> str:
    """1536 → "1.5 KB", 3 × 2²⁰ → "3.0 MB"; under 1 KB in bytes."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback name and the real (Chinese) name per RFC 5987 / RFC 6266."""
    ext = extension(filename)
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    fallback = re.sub(r"_+", "_", fallback)
    if not fallback.strip("_. ") or fallback.strip("_") == ext.strip("_"):
        fallback = f"evidence{ext if ext.isascii() else ''}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- checking the content -------------------------------------------------------------------------


def check_uploads(evaluation: Evaluation, uploads: list[UploadedFile]) -> list[CheckedFile]:
    """Check the files of one upload for an evaluation: how many and how large, against the upload's and the
    evaluation's quota (before any file is read), then each file's content."""
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise EvidenceRejected(f"一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件，现为 {len(uploads)} 个；请分批上传。")
    total = sum(upload.size or 0 for upload in uploads)
    if total > MAX_UPLOAD_BYTES:
        raise EvidenceRejected(
            f"一次上传的文件合计 {format_size(total)}，超过 {format_size(MAX_UPLOAD_BYTES)} 的上限；请分批上传。"
        )
    held = evaluation.evidence.aggregate(count=Count("pk"), size=Sum("size"))
    if held["count"] + len(uploads) > MAX_EVALUATION_FILES:
        raise EvidenceRejected(
            f"每个评价最多保存 {MAX_EVALUATION_FILES} 个佐证文件，本评价已有 {held['count']} 个；"
            "请删除不再需要的文件，或合并后再上传。"
        )
    if (held["size"] or 0) + total > MAX_EVALUATION_BYTES:
        raise EvidenceRejected(
            f"每个评价的佐证文件合计最多 {format_size(MAX_EVALUATION_BYTES)}，本评价已有 "
            f"{format_size(held['size'] or 0)}，加上本次的 {format_size(total)} 将超出；请删除不再需要的文件后再上传。"
        )
    return [check_upload(upload) for upload in uploads]


def _sniffed(head: bytes) -> str:
    """What the bytes look like, for the refusal message."""
    if head.startswith(OLE_SIGNATURE):
        return "Office 97-2003 复合文档"
    kind = filetype.guess(head)
    if kind is not None:
        return SNIFFED_LABELS.get(kind.mime, f"{kind.extension.upper()} 文件")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<script", b"<?xml", b"<svg")) or b"<html" in text[:1024]:
        return "网页（HTML/XML）"
    if head.startswith(b"MZ"):
        return "Windows 可执行程序"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
        except UnicodeDecodeError:
            return "无法识别的内容"
    return "纯文本"


def _ooxml_type(upload: UploadedFile) -> str | None:
    """DOCX or XLSX when the file is a zip package declaring that main part (and holding it), else None."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                return None
            declared = package.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    finally:
        upload.seek(0)
    for content_type, (main, part) in OOXML_MAIN.items():
        if main in declared and part in names:
            return content_type
    return None


def _ole_type(upload: UploadedFile) -> str | None:
    """DOC or XLS when the compound document holds a Word or Excel stream, else None."""
    upload.seek(0)
    try:
        document = olefile.OleFileIO(upload)
    except Exception:  # olefile raises many kinds of error for a broken file; it is then no document
        return None
    finally:
        upload.seek(0)
    try:
        for content_type, streams in OLE_STREAMS.items():
            if any(document.exists(stream) for stream in streams):
                return content_type
        return None
    finally:
        document.close()
        upload.seek(0)


def detect_type(upload: UploadedFile, head: bytes) -> str | None:
    """The accepted content type the bytes prove, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(OLE_SIGNATURE):
        return _ole_type(upload)
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(upload)
    kind = filetype.guess(head)
    return kind.mime if kind is not None and kind.mime in SERVED_TYPES else None


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Check one uploaded file; raise EvidenceRejected naming the file and the reason."""
    name = clean_name(upload.name)
    ext = extension(name)
    if ext not in ACCEPTED:
        shown = f"「{ext}」" if ext else "无扩展名的"
        raise EvidenceRejected(f"「{name}」：不支持{shown}文件，只接受 {ACCEPTED_TEXT}。")
    expected_type, label = ACCEPTED[ext]
    size = upload.size or 0
    if size <= 0:
        raise EvidenceRejected(f"「{name}」是空文件（0 字节），未上传。")
    if size > MAX_SIZE:
        raise EvidenceRejected(f"「{name}」大小为 {format_size(size)}，超过 20 MB 的上限，未上传。")
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    detected = detect_type(upload, head)
    if detected != expected_type:
        raise EvidenceRejected(
            f"「{name}」的内容不是{label}（实际内容为：{_sniffed(head)}），为安全起见已拒绝上传。"
            "请上传原始文件，不要只修改扩展名。"
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name, expected_type, size, digest.hexdigest())


# --- storing and deleting -------------------------------------------------------------------------


@dataclass
class Links:
    indicators: list[EvaluationIndicator] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)


def resolve_links(evaluation: Evaluation, indicator_ids: Iterable, table_keys: Iterable[str]) -> Links:
    """The evaluation's indicators and tables named by a form; anything else is refused."""
    ids = set()
    for value in indicator_ids:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise EvidenceRejected("关联指标无效，请刷新页面后重新选择。") from None
    indicators = list(evaluation.indicators.filter(pk__in=ids))
    if len(indicators) != len(ids):
        raise EvidenceRejected("所选的关联指标不属于本评价，请刷新页面后重新选择。")
    keys = set(table_keys)
    known = {spec.key for spec in tables_for_kind(evaluation.kind)}
    if keys - known:
        raise EvidenceRejected("所选的基础数据表不属于本评价，请刷新页面后重新选择。")
    return Links(indicators, [get_table(evaluation, key) for key in sorted(keys)])


def store_evidence(
    *,
    evaluation: Evaluation,
    uploads: list[UploadedFile],
    user,
    description: str = "",
    indicator_ids: Iterable = (),
    table_keys: Iterable[str] = (),
) -> list[Evidence]:
    """Check every file first, then store them all with their links; all or nothing."""
    if not uploads:
        raise EvidenceRejected("请选择要上传的文件。")
    description = description.strip()
    if len(description) > 200:
        raise EvidenceRejected(f"说明最多 200 个字，现为 {len(description)} 个字。")
    checked = check_uploads(evaluation, uploads)
    stored_names: list[str] = []
    try:
        with transaction.atomic():
            links = resolve_links(evaluation, indicator_ids, table_keys)
            created = []
            for upload, info in zip(uploads, checked, strict=True):
                evidence = Evidence(evaluation=evaluation, description=description, uploaded_by=user)
                save_checked_file(evidence, upload, info, stored_names)
                evidence.indicators.set(links.indicators)
                evidence.tables.set(links.tables)
                created.append(evidence)
    except BaseException:
        for name in stored_names:  # the rows were rolled back: do not leave their files behind
            Evidence._meta.get_field("file").storage.delete(name)
        raise
    return created


def save_checked_file(record, upload: UploadedFile, info, stored: list[str]) -> None:
    """Save a checked upload (``info`` from check_upload) and its row: evidence and rectification files alike.
    The file gets a random name (the original one is only shown); its name goes into ``stored`` first, so a
    caller whose transaction rolls back can delete what is already in storage."""
    record.original_name, record.size = info.original_name, info.size
    record.sha256, record.content_type = info.sha256, info.content_type
    record.file.save(f"{uuid.uuid4().hex}{extension(info.original_name)}", upload, save=False)
    stored.append(record.file.name)
    record.save()


def delete_with_file(record) -> None:
    """Delete a row holding a stored file; the file goes once the transaction has committed."""
    name, storage = record.file.name, record.file.storage
    record.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def delete_evidence(evidence: Evidence) -> None:
    delete_with_file(evidence)


# --- reading --------------------------------------------------------------------------------------


def evidence_list(evaluation: Evaluation, indicator: EvaluationIndicator | None = None) -> QuerySet[Evidence]:
    """The evaluation's evidence, newest first, with uploader, indicators and tables in 4 queries."""
    items = evaluation.evidence.select_related("uploaded_by").prefetch_related(
        Prefetch("indicators", queryset=EvaluationIndicator.objects.order_by("order", "pk").only("pk", "name")),
        "tables",
    )
    if indicator is not None:
        items = items.filter(indicators=indicator)
    return items.order_by("-uploaded_at", "-pk")


@dataclass
class EvidenceRequest:
    indicator: EvaluationIndicator
    path: str  # the indicator's ancestors: "管理效率 / 预算执行"
    required: str
    evidence: list[Evidence]


def evidence_requests(evaluation: Evaluation) -> list[EvidenceRequest]:
    """Each indicator that asks for evidence (所需佐证材料), in tree order, with what has been uploaded for it."""
    nodes = list(
        evaluation.indicators.order_by("order", "pk")
        .only("pk", "name", "parent_id", "order", "evidence_required", "evaluation_id")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("-uploaded_at", "-pk")))
    )
    requests: list[EvidenceRequest] = []
    # Only the fields loaded above: weights and scores play no part in what is asked for.
    for entry in IndicatorTree(nodes, weight=lambda row: None, score=lambda row: None).nodes:
        node = entry.item
        if node.evidence_required.strip():
            path = " / ".join(entry.path[:-1])
            requests.append(EvidenceRequest(node, path, node.evidence_required, list(node.evidence.all())))
    return requests
