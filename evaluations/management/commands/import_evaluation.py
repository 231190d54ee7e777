"""``python manage.py import_evaluation FILE``: create or replace an evaluation from a perf-eval/1 document.

All or nothing: on any problem it prints one line per error on stderr, exits 1 and changes nothing.
Header facts the document does not state (the evaluated unit, the commissioning bureau, the firm …) come from
the options; they are never invented.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from evaluations.domain.importing import ImportDefaults, import_document
from rubrics.document import DocumentError, parse_json, read_document_file
from rubrics.models import EvaluationKind

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "从 perf-eval/1 JSON 文档导入一项评价（同一单位、年度、名称的评价将被整体替换）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", metavar="FILE", help="perf-eval/1 JSON 文档路径")
        facts = parser.add_argument_group("文档未写明时使用的评价信息")
        facts.add_argument("--unit", help="被评价单位名称（evaluation.agency）")
        facts.add_argument("--bureau", help="委托单位（财政局）名称（evaluation.commissioning_bureau）")
        facts.add_argument("--firm", help="评价机构名称（evaluation.evaluating_firm）")
        facts.add_argument("--kind", choices=EvaluationKind.values, help="评价类型（evaluation.kind）")
        facts.add_argument("--title", help="评价名称（evaluation.title）")
        facts.add_argument("--year", type=int, help="评价年度（evaluation.year）")
        facts.add_argument("--project", help="评价项目名称（evaluation.project，项目支出评价必填）")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        defaults = ImportDefaults(
            kind=options.get("kind"),
            title=options.get("title"),
            year=options.get("year"),
            agency=options.get("unit"),
            project=options.get("project"),
            commissioning_bureau=options.get("bureau"),
            evaluating_firm=options.get("firm"),
        )
        try:
            evaluation = import_document(parse_json(read_document_file(file)), defaults=defaults)
        except DocumentError as exc:  # DocumentImportError is one
            self._fail(exc.errors)
        except Exception as exc:  # the contract: one line per error, never a traceback; the log keeps it
            logger.exception("import_evaluation %s failed", file)
            self._fail([f"无法导入：程序内部错误（{type(exc).__name__}：{exc}）"])
        total = "未能计算（有指标尚缺输入）" if evaluation.total_score is None else f"{evaluation.total_score} 分"
        for note in evaluation.import_notes:
            self.stdout.write(f"说明：{note}")
        self.stdout.write(f"评价编号：{evaluation.pk}")
        self.stdout.write(f"总分：{total}    评价等级：{evaluation.grade or '—'}")

    def _fail(self, errors: list[str]) -> NoReturn:
        # Not CommandError: Django would prefix "CommandError: " to the first line only.
        for line in errors:
            self.stderr.write(line)
        raise SystemExit(1)
