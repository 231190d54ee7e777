"""``python manage.py export_evaluation ID [--output FILE]``: an evaluation as a perf-eval/1 document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from evaluations.interchange.export import export_document
from evaluations.models import Evaluation


class Command(BaseCommand):
    help = "把一项评价导出为 perf-eval/1 JSON 文档（默认输出到屏幕）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("evaluation_id", metavar="ID", help="评价编号")
        parser.add_argument("--output", "-o", metavar="FILE", help="写入该文件，而不是输出到屏幕")

    def handle(self, *args: Any, evaluation_id: str, output: str | None, **options: Any) -> None:
        evaluation = Evaluation.objects.filter(pk=int(evaluation_id)).first() if evaluation_id.isdigit() else None
        if evaluation is None:
            self._fail(f"找不到编号为 {evaluation_id} 的评价")
        text = json.dumps(export_document(evaluation), ensure_ascii=False, indent=2)
        if output is None:
            self.stdout.write(text)
            return
        try:
            Path(output).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            self._fail(f"无法写入文件 {output}：{exc.strerror or exc}")
        self.stdout.write(f"已导出评价 {evaluation.pk}「{evaluation.title}」到 {output}")

    def _fail(self, line: str) -> NoReturn:
        self.stderr.write(line)
        raise SystemExit(1)
