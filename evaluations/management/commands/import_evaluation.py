"""``python manage.py import_evaluation FILE|DIR …``: create or replace evaluations from perf-eval/1 documents.

Each document is all or nothing: a document with any problem changes nothing (its own transaction) and is
reported on stderr, one line per error, never a traceback; the other documents still import. The exit status is
1 when any document failed. With several documents (several files, or a directory: every ``*.json`` in it, in
name order) every line names its file and a summary line ends the output; one file prints as it always has.
Header facts a document does not state (the evaluated unit, the commissioning bureau, the firm …) come from the
options, the same for every file; they are never invented. Organisations, projects, templates and accounts are
looked up once for the whole run.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from evaluations.domain.importing import ImportDefaults, ImportLookups, import_document
from evaluations.models import Evaluation
from rubrics.document import DocumentError, parse_json, read_document_file
from rubrics.models import EvaluationKind

logger = logging.getLogger(__name__)


def document_files(paths: list[str]) -> list[str]:
    """The files to import: each path as given, a directory as the ``*.json`` files in it (sorted by name).

    A path that does not exist is kept, so reading it reports it."""
    files: list[str] = []
    for path in paths:
        folder = Path(path)
        if folder.is_dir():
            files += [str(file) for file in sorted(folder.glob("*.json")) if file.is_file()]
        else:
            files.append(path)
    return files


class Command(BaseCommand):
    help = (
        "从 perf-eval/1 JSON 文档导入评价（同一单位、年度、名称的评价将被整体替换）。可给多个文件或目录（导入目录中"
        "全部 .json 文件）：每份文档单独成败，出错的文档不做任何修改，其余照常导入；有文档失败时退出码为 1。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="perf-eval/1 JSON 文档路径，或包含文档的目录")
        facts = parser.add_argument_group("文档未写明时使用的评价信息（对每份文档都适用）")
        facts.add_argument("--unit", help="被评价单位名称（evaluation.agency）")
        facts.add_argument("--bureau", help="委托单位（财政局）名称（evaluation.commissioning_bureau）")
        facts.add_argument("--firm", help="评价机构名称（evaluation.evaluating_firm）")
        facts.add_argument("--kind", choices=EvaluationKind.values, help="评价类型（evaluation.kind）")
        facts.add_argument("--title", help="评价名称（evaluation.title）")
        facts.add_argument("--year", type=int, help="评价年度（evaluation.year）")
        facts.add_argument("--project", help="评价项目名称（evaluation.project，项目支出评价必填）")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        defaults = ImportDefaults(
            kind=options.get("kind"),
            title=options.get("title"),
            year=options.get("year"),
            agency=options.get("unit"),
            project=options.get("project"),
            commissioning_bureau=options.get("bureau"),
            evaluating_firm=options.get("firm"),
        )
        paths = document_files(files)
        several = len(paths) != 1 or Path(files[0]).is_dir()
        verbose = options.get("verbosity", 1) >= 1
        lookups = ImportLookups()
        started = time.perf_counter()
        imported = failed = 0
        for path in paths:
            prefix = f"{path}：" if several else ""
            evaluation, errors = self._import(path, defaults, lookups)
            if evaluation is None:
                failed += 1
                for line in errors:
                    self.stderr.write(prefix + line)
                continue
            imported += 1
            total = "未能计算（有指标尚缺输入）" if evaluation.total_score is None else f"{evaluation.total_score} 分"
            lines = [f"说明：{note}" for note in evaluation.import_notes]
            if several:
                lines.append(f"评价编号 {evaluation.pk}，总分 {total}，评价等级 {evaluation.grade or '—'}")
            else:
                lines += [f"评价编号：{evaluation.pk}", f"总分：{total}    评价等级：{evaluation.grade or '—'}"]
            if verbose or not several:
                for line in lines:
                    self.stdout.write(prefix + line)
        if several:
            seconds = time.perf_counter() - started
            self.stdout.write(f"导入完成：成功 {imported} 份，失败 {failed} 份，用时 {seconds:.1f} 秒")
            if not paths:
                self.stderr.write(f"没有找到要导入的文档（.json 文件）：{'、'.join(files)}")
        if failed or not paths:
            raise SystemExit(1)  # not CommandError: Django would prefix "CommandError: " to the first line only

    def _import(
        self, path: str, defaults: ImportDefaults, lookups: ImportLookups
    ) -> tuple[Evaluation | None, list[str]]:
        """One document: (the evaluation, []) when it imported, (None, one line per error) when not."""
        try:
            return import_document(parse_json(read_document_file(path)), defaults=defaults, lookups=lookups), []
        except DocumentError as exc:  # DocumentImportError is one
            return None, exc.errors
        except Exception as exc:  # the contract: one line per error, never a traceback; the log keeps it
            logger.exception("import_evaluation %s failed", path)
            return None, [f"无法导入：程序内部错误（{type(exc).__name__}：{exc}）"]
