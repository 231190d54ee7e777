"""The Word report: ``.venv/bin/python bench/word.py [--runs N]``.

Both demo reports are assembled once in a throw-away SQLite database (migrated in a temporary directory, removed
afterwards) and written as .docx several times: median seconds and size. When LibreOffice (``soffice``) is on the
PATH, each .docx is also converted to PDF headless and its page count printed beside the WeasyPrint PDF's (the
issue's bench figure: within ±10 %); without LibreOffice the line says so. LibreOffice does not update the table
of contents' page numbers on conversion; the entries are pre-filled, so the page count is still comparable.

Prints figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.TemporaryDirectory(prefix="perf-eval-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR.name}/bench.sqlite3"
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from evaluations.demo import load_demo  # noqa: E402
from reports.assembly import assemble_report  # noqa: E402
from reports.models import ReportOutline  # noqa: E402
from reports.rendering import render_pdf_document  # noqa: E402
from reports.selection import outline_for  # noqa: E402
from reports.typography import GONGWEN, REPORT  # noqa: E402
from reports.word import render_word_document  # noqa: E402
from reports.word.style import word_style  # noqa: E402


def libreoffice_pages(docx: bytes, folder: Path) -> int | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    source = folder / "report.docx"
    source.write_bytes(docx)
    subprocess.run(  # noqa: S603 (our own file, a fixed program found on the PATH)
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return len(PdfReader(folder / "report.pdf").pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    call_command("migrate", verbosity=0)
    for evaluation in load_demo().values():
        for profile in (REPORT, GONGWEN):  # both typography profiles of the outline
            outline = outline_for(evaluation)
            ReportOutline.objects.filter(pk=outline.pk).update(typography=profile)
            outline.refresh_from_db()
            data = assemble_report(evaluation, outline).to_dict()
            times, docx = [], b""
            for _ in range(runs):
                started = time.perf_counter()
                docx = render_word_document(data, word_style(profile)).docx
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            line = (
                f"{evaluation.title}（{word_style(profile).name}）：Word {median:.2f} 秒（{runs} 次中位数），"
                f"{len(docx) / 1024:.0f} KiB"
            )
            with tempfile.TemporaryDirectory(prefix="perf-eval-word-") as folder:
                pages = libreoffice_pages(docx, Path(folder))
            if pages is None:
                line += "；LibreOffice（soffice）未安装，未比较页数"
            else:
                pdf_pages = len(PdfReader(io.BytesIO(render_pdf_document(data).pdf)).pages)
                change = pages / pdf_pages - 1
                line += f"；LibreOffice 转 PDF {pages} 页，WeasyPrint PDF {pdf_pages} 页（{change:+.0%}）"
            print(line)


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        WORKDIR.cleanup()
