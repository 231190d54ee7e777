"""The archive package of an approved evaluation (财监〔2021〕4号 第二十条): one ZIP with a manifest.

The package is the commissioning bureau's record of what was handed to it, the same for everyone who may
download it. Contents: the final report PDF (and its Word file), the base data tables as Excel, every evidence
file, the consultation ledger (every comment of the unit and the bureau with the team's answer), the timeline of
the hand-offs between organisations (in Chinese, local time; the bureau's return and approval opinions among
them), the approved evaluation as a perf-eval/1 document, and a manifest (manifest.json + SHA256SUMS) with the
SHA-256 of every file, so the package can be verified file by file.

Not in it: the firm's internal work (internal review steps and opinions, the consistency check, explanations'
internal decisions, the change log, draft report versions): evaluations.queries.access keeps them with the firm,
and the timeline is worded by evaluations.queries.audit for readers outside it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from django.utils import timezone

from evaluations.datatables import tables_for_kind
from evaluations.interchange.export import export_document
from evaluations.interfaces.excel import build_workbook
from evaluations.models import FROZEN_STATES, Evaluation
from evaluations.queries.audit import TIMELINE_HEADER, timeline
from evaluations.queries.datatables import evaluation_tables
from reports.jobs import final_report
from rubrics.text import csv_cell


class ArchiveNotReady(ValueError):
    """The package cannot be built (yet); the message says why, in Chinese. Never a package with a part missing."""


@dataclass(frozen=True)
class ArchiveFile:
    path: str
    data: bytes


def verify_pdf(evaluation: Evaluation, upload) -> dict | None:
    """The SHA-256 of an uploaded PDF against the final report's stored at approval (None: no final report)."""
    final = final_report(evaluation)
    if final is None:
        return None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return {"name": upload.name, "sha256": digest.hexdigest(), "matches": digest.hexdigest() == final.sha256}


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def archive_files(evaluation: Evaluation) -> list[ArchiveFile]:
    """Every file of the package; ArchiveNotReady while the evaluation is not approved or its final PDF is missing."""
    if evaluation.state not in FROZEN_STATES:
        raise ArchiveNotReady("只有已批准的评价可以下载归档包。")
    final = final_report(evaluation)
    if final is None:
        raise ArchiveNotReady(
            "最终报告尚未生成完毕，归档包须包含最终报告，暂不能下载。请在“评价报告”页查看最终报告的生成进度"
            "（生成失败时可在该页重试），完成后再下载归档包。"
        )
    files: list[ArchiveFile] = [ArchiveFile("01_评价报告（最终版）.pdf", _stored(final.file, "最终报告 PDF"))]
    if final.word_file:  # the same report for the last edits (versions rendered before Word export have none)
        files.append(ArchiveFile("01_评价报告（最终版）.docx", _stored(final.word_file, "最终报告 Word 文件")))
    files.append(
        ArchiveFile(
            "02_基础数据采集表.xlsx", build_workbook(tables_for_kind(evaluation.kind), evaluation_tables(evaluation))
        )
    )
    files.append(
        ArchiveFile(
            "03_评价数据（perf-eval-1）.json",
            json.dumps(export_document(evaluation), ensure_ascii=False, indent=2).encode("utf-8"),
        )
    )
    ledger = [["序号", "针对", "意见", "提出人", "提出时间", "处理结果", "理由", "答复人", "答复时间"]]
    for number, comment in enumerate(
        evaluation.consultation_comments.select_related("finding", "indicator", "author", "answered_by"), start=1
    ):
        ledger.append(
            [
                number,
                comment.target_label(),
                comment.text,
                str(comment.author),
                timezone.localtime(comment.created_at).strftime("%Y-%m-%d %H:%M"),
                comment.get_decision_display(),
                comment.reason,
                str(comment.answered_by or ""),
                timezone.localtime(comment.answered_at).strftime("%Y-%m-%d %H:%M") if comment.answered_at else "",
            ]
        )
    files.append(ArchiveFile("04_征求意见台账.csv", _csv(ledger)))
    steps = [TIMELINE_HEADER, *(step.row() for step in timeline(evaluation, internal=False))]
    files.append(ArchiveFile("05_流程时间线.csv", _csv(steps)))
    for evidence in evaluation.evidence.order_by("pk"):
        data = _stored(evidence.file, f"佐证材料「{evidence.original_name}」")
        files.append(ArchiveFile(f"06_佐证材料/{evidence.pk:04d}_{evidence.original_name}", data))
    return files


def _stored(field_file, label: str) -> bytes:
    """A stored file's bytes; a file missing from storage (a database restored without its files) is named."""
    try:
        with field_file.open("rb") as handle:
            return handle.read()
    except OSError:  # FileNotFoundError on disk and in a bucket; other storage errors alike
        raise ArchiveNotReady(
            f"{label}的文件（{field_file.name}）不在存储中，归档包不完整，暂不能下载。"
            "请系统管理员从完整备份恢复（manage.py restore）后再下载。"
        ) from None


def manifest(evaluation: Evaluation, files: list[ArchiveFile]) -> dict:
    return {
        "evaluation": {
            "id": evaluation.pk,
            "title": evaluation.title,
            "year": evaluation.year,
            "state": evaluation.get_state_display(),
            "total": str(evaluation.total_score or ""),
            "grade": evaluation.grade,
        },
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "files": [{"path": f.path, "size": len(f.data), "sha256": hashlib.sha256(f.data).hexdigest()} for f in files],
    }


def build_archive(evaluation: Evaluation) -> tuple[bytes, str]:
    """The ZIP bytes and a Chinese file name."""
    files = archive_files(evaluation)
    listing = manifest(evaluation, files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.writestr(file.path, file.data)
        archive.writestr("manifest.json", json.dumps(listing, ensure_ascii=False, indent=2))
        archive.writestr("SHA256SUMS", "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in listing["files"]))
    return buffer.getvalue(), f"{evaluation.title}_归档包.zip"


def verify_archive(data: bytes) -> list[str]:
    """Problems found when checking a package against its own manifest ([] when every file matches)."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        listing = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist()) - {"manifest.json", "SHA256SUMS"}
        for entry in listing["files"]:
            if entry["path"] not in names:
                problems.append(f"缺少文件：{entry['path']}")
                continue
            if hashlib.sha256(archive.read(entry["path"])).hexdigest() != entry["sha256"]:
                problems.append(f"文件与清单不符：{entry['path']}")
        problems += [f"清单中没有的文件：{name}" for name in sorted(names - {e["path"] for e in listing["files"]})]
    return problems
