"""From assembled content to HTML (Django template + print CSS) to PDF (WeasyPrint).

WeasyPrint is imported inside the functions that need it (its import takes most of a second), and it
only ever gets the project's own print CSS: the url_fetcher refuses every other URL (no network, no
other files: SSRF, CVE-2026-43979). All data reaches the HTML through autoescaping templates.
"""

from __future__ import annotations

import hashlib
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string

from reports import columns, pagination
from reports.content import ReportContent, toc_entries

STATIC_DIR = Path(settings.BASE_DIR) / "static" / "reports"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"
Progress = Callable[[int, str], None]


class RefusedURL(ValueError):
    """The report asked for a resource outside the project's report static files."""


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves files under static/reports/ and refuses everything else (http, https, data, other files)."""

        def __init__(self, root: Path = STATIC_DIR):
            super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=False)
            self.root = root.resolve()

        def fetch(self, url, headers=None):
            return URLFetcherResponse(url, body=read_static(url, self.root), headers=_headers(url))

    return StaticOnlyFetcher


def read_static(url: str, root: Path = STATIC_DIR) -> bytes:
    """The bytes of a file:// URL inside root; RefusedURL for anything else."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"报告只能使用本系统的样式文件，已拒绝：{url[:200]}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    root = root.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise RefusedURL(f"报告只能使用本系统的样式文件，已拒绝：{url[:200]}")
    return path.read_bytes()


def _headers(url: str) -> dict:
    content_type = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
    return {"Content-Type": content_type + ("; charset=utf-8" if content_type.startswith("text/") else "")}


def url_fetcher():
    """A WeasyPrint URL fetcher that only serves static/reports/ (see read_static)."""
    return _fetcher_class()()


@cache
def renderer_version() -> str:
    """A digest of the print CSS and templates: a change to them gives new content hashes, so new PDFs."""
    digest = hashlib.sha256()
    for folder in (STATIC_DIR, TEMPLATE_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".css", ".html"):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def render_html(content: ReportContent | dict) -> str:
    data = content.to_dict() if isinstance(content, ReportContent) else content
    return render_to_string("reports/pdf/report.html", {"report": data, "toc": toc_entries(data)})


@dataclass
class RenderedPDF:
    pdf: bytes
    pages: int
    seconds: float
    layout_seconds: float


def render_pdf_document(content: ReportContent | dict, progress: Progress | None = None) -> RenderedPDF:
    """Render and report progress: 组装内容 → 排版 → 写入 PDF."""
    report = progress or (lambda percent, stage: None)
    started = time.monotonic()
    report(10, "组装内容")
    document = layout_document(content, report)
    layout = time.monotonic() - started
    report(80, "写入 PDF")
    pdf = document.write_pdf()  # fonts are subset by default (never full_fonts)
    return RenderedPDF(pdf, len(document.pages), time.monotonic() - started, layout)


def layout_document(content: ReportContent | dict, progress: Progress | None = None):
    """The laid-out WeasyPrint document; tables that continue on another page are cut there (reports/pagination)."""
    report = progress or (lambda percent, stage: None)
    data = content.to_dict() if isinstance(content, ReportContent) else content
    marked = pagination.mark_rows(data)
    for blocks in pagination.block_lists(marked):
        for block in blocks:
            if block.get("kind") == "table":
                columns.fit_columns(block, marked.get("typography", ""))
    from weasyprint import HTML  # slow import: only where a PDF is made

    report(20, "排版")
    first = _layout(HTML, render_html(marked))
    paged, cut = pagination.paginate(marked, pagination.row_pages(first))
    if not cut:
        return first
    del first  # its boxes are not needed for the second layout (peak memory)
    report(50, "分页")  # tables continue on another page: lay out again with their parts, 续表 and （续）
    return _layout(HTML, render_html(paged))


def _layout(html_class, html: str):
    return html_class(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=url_fetcher()).render()


def render_pdf(content: ReportContent | dict) -> bytes:
    return render_pdf_document(content).pdf
