"""``python manage.py import_evaluation FILE``: create or replace an evaluation from a perf-eval/1 document.

All or nothing: on any problem it prints one line per error on stderr, exits 1 and changes nothing.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from evaluations.domain.interchange import import_document
from rubrics.interchange import DocumentError, parse_document, read_document_file


class Command(BaseCommand):
    help = "从 perf-eval/1 JSON 文档导入一项评价（同一单位、年度、名称的评价将被整体替换）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", metavar="FILE", help="perf-eval/1 JSON 文档路径")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            evaluation = import_document(parse_document(read_document_file(file)))
        except DocumentError as exc:  # DocumentImportError is one
            self._fail(exc.errors)
        except Exception as exc:  # the contract: one line per error, never a traceback
            self._fail([f"无法导入：程序内部错误（{type(exc).__name__}：{exc}）"])
        total = "未能计算（有指标尚缺输入）" if evaluation.total_score is None else f"{evaluation.total_score} 分"
        self.stdout.write(f"评价编号：{evaluation.pk}")
        self.stdout.write(f"总分：{total}    评价等级：{evaluation.grade or '—'}")

    def _fail(self, errors: list[str]) -> NoReturn:
        # Not CommandError: Django would prefix "CommandError: " to the first line only.
        for line in errors:
            self.stderr.write(line)
        raise SystemExit(1)
