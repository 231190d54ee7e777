"""The archive package of an approved evaluation (财监〔2021〕4号 第二十条): one ZIP with a manifest.

Contents: the final report PDF, the base data tables as Excel, every evidence file, the
consultation ledger, the timeline, the whole evaluation as a perf-eval/1 document, and a
manifest (manifest.json + SHA256SUMS) with the SHA-256 of every file, so the package can be
verified file by file.
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
from evaluations.models import Evaluation


@dataclass(frozen=True)
class ArchiveFile:
    path: str
    data: bytes


def final_report_version(evaluation: Evaluation):
    """The report version stored at approval (reports app), or None when there is none."""
    try:
        from reports.services import final_report
    except ImportError:
        return None
    return final_report(evaluation)


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def archive_files(evaluation: Evaluation) -> list[ArchiveFile]:
    from evaluations.domain.datatables import evaluation_tables
    from evaluations.domain.interchange import export_document
    from evaluations.interfaces.excel import build_workbook

    files: list[ArchiveFile] = []
    final = final_report_version(evaluation)
    if final is not None and final.file:
        with final.file.open("rb") as handle:
            files.append(ArchiveFile("01_评价报告（最终版）.pdf", handle.read()))
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
    timeline = [["时间", "操作人", "操作", "原状态", "新状态", "复核级次", "意见"]]
    for change in evaluation.state_changes.select_related("actor"):
        timeline.append(
            [
                timezone.localtime(change.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                str(change.actor),
                change.transition,
                change.get_from_state_display(),
                change.get_to_state_display(),
                change.review_level or "",
                change.comment,
            ]
        )
    files.append(ArchiveFile("05_流程时间线.csv", _csv(timeline)))
    for evidence in evaluation.evidence.order_by("pk"):
        with evidence.file.open("rb") as handle:
            files.append(ArchiveFile(f"06_佐证材料/{evidence.pk:04d}_{evidence.original_name}", handle.read()))
    return files


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
