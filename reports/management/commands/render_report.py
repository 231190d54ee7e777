import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Evaluation
from reports.assembly import assemble_report
from reports.models import ReportOutline
from reports.rendering import render_pdf_document
from reports.selection import outline_for, report_title


class Command(BaseCommand):
    help = "同步生成一项评价的报告 PDF（用于脚本和 CI），打印页数、大小和耗时。"

    def add_arguments(self, parser):
        parser.add_argument("evaluation", type=int, help="评价 ID")
        parser.add_argument("--output", "-o", required=True, help="输出的 PDF 文件")
        parser.add_argument("--outline", help="报告提纲代码（默认为该评价设置的提纲或其类型的最新提纲）")

    def handle(self, *args, evaluation: int, output: str, outline: str | None = None, **options):
        target = Evaluation.objects.filter(pk=evaluation).first()
        if target is None:
            raise CommandError(f"没有 ID 为 {evaluation} 的评价。")
        if outline:
            chosen = ReportOutline.objects.filter(key=outline, kind=target.kind).order_by("-version").first()
            if chosen is None:
                raise CommandError(f"没有适用于{target.get_kind_display()}的报告提纲「{outline}」。")
        else:
            chosen = outline_for(target)
        started = time.monotonic()
        content = assemble_report(target, chosen, title=report_title(target))
        result = render_pdf_document(content)
        path = Path(output)
        try:
            path.write_bytes(result.pdf)
        except OSError as error:
            raise CommandError(f"无法写入 {path}：{error.strerror or error}") from None
        seconds = time.monotonic() - started
        kind = "草稿" if content.draft else "正式"
        self.stdout.write(
            f"{path}：{result.pages} 页，{len(result.pdf) / 1024:.0f} KB，{seconds:.2f} 秒"
            f"（排版 {result.layout_seconds:.2f} 秒），{kind}报告，提纲 {chosen.name}（第 {chosen.version} 版）"
        )
