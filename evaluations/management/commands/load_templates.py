"""``python manage.py load_templates``: load the built-in indicator templates of rubrics/builtin/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from evaluations.domain.templates import load_builtin_templates
from rubrics.builtin import BUILTIN_DIR


class Command(BaseCommand):
    help = "载入 rubrics/builtin/ 下的全部内置指标体系模板（可重复执行，结果相同）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", dest="directory", default=str(BUILTIN_DIR), help="内置模板文档所在目录")

    def handle(self, *args: Any, directory: str, **options: Any) -> None:
        results = load_builtin_templates(Path(directory))
        if not results:
            self.stderr.write(f"{directory} 下没有内置模板文档（*.json）")
            raise SystemExit(1)
        failed = 0
        for result in results:
            if result.skipped:
                self.stdout.write(f"{result.file.name}：不是 perf-eval/1 文档，跳过")
            elif result.errors:
                failed += 1
                self.stderr.write(f"{result.file.name}：未载入，{len(result.errors)} 个问题：")
                for line in result.errors:
                    self.stderr.write(f"  {line}")
            else:
                template = result.template
                count = template.indicators.count()
                self.stdout.write(
                    f"{result.file.name}：内置模板「{template.name}」（{template.get_kind_display()}，{count} 个指标）"
                )
        if failed:
            raise SystemExit(1)
