import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Evaluation
from reports.assembly import assemble_report
from reports.models import ReportOutline
from reports.rendering import render_pdf_document
from reports.selection import outline_for, report_title
from reports.word import render_word_document, word_style

FORMATS = {".pdf": "PDF", ".docx": "Word"}


class Command(BaseCommand):
    help = "同步生成一项评价的报告（用于脚本和 CI）：输出文件为 .pdf 时生成 PDF，为 .docx 时生成 Word；打印大小和耗时。"

    def add_arguments(self, parser):
        parser.add_argument("evaluation", type=int, help="评价 ID")
        parser.add_argument("--output", "-o", required=True, help="输出文件：report.pdf（PDF）或 report.docx（Word）")
        parser.add_argument("--outline", help="报告提纲代码（默认为该评价设置的提纲或其类型的最新提纲）")

    def handle(self, *args, evaluation: int, output: str, outline: str | None = None, **options):
        path = Path(output)
        extension = path.suffix.lower()
        if extension not in FORMATS:
            raise CommandError(
                f"无法识别输出文件的格式「{path.name}」：文件名须以 .pdf（生成 PDF）或 .docx（生成 Word）结尾。"
            )
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
        if extension == ".docx":
            data = render_word_document(content, word_style(content.typography)).docx
            pages, layout = "", ""
        else:
            result = render_pdf_document(content)
            data = result.pdf
            pages, layout = f"{result.pages} 页，", f"（排版 {result.layout_seconds:.2f} 秒）"
        try:
            path.write_bytes(data)
        except OSError as error:
            raise CommandError(f"无法写入 {path}：{error.strerror or error}") from None
        seconds = time.monotonic() - started
        kind = "草稿" if content.draft else "正式"
        self.stdout.write(
            f"{path}：{FORMATS[extension]}，{pages}{len(data) / 1024:.0f} KB，{seconds:.2f} 秒{layout}，"
            f"{kind}报告，提纲 {chosen.name}（第 {chosen.version} 版）"
        )
