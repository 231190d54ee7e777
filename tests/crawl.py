"""Crawl the site as one user with Django's test client: every page and download reachable by links from the
start pages, each read as the text a person would see (HTML without tags; PDF, Word, Excel, CSV, JSON and every
file of a ZIP unpacked), so a test can look for words that must not be there.

Only GET requests; links that act (delete, move, transition, generate, retry, new version) are never followed.
To keep a crawl short, a path with a query string is followed at most a few times (filters and pages of one
list), list sorting not at all, and pages of one kind inside an evaluation (the analysis of indicator 12, 13 …)
a few times each: they are one template over different rows."""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote, urldefrag, urlsplit

import pypdfium2
from openpyxl import load_workbook

LINK = re.compile(r"""(?:href|data-url|data-status-url)\s*=\s*["']([^"'<>]+)["']""")
JSON_PATH = re.compile(r'"(/[^"\s]*)"')
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
NEVER = ("/admin/", "/accounts/", "/static/", "/media/", "/favicon")
ACTS = ("/delete/", "/move/", "/transition/", "/generate/", "/retry/", "/new-version/", "/final/", "/settings/")
QUERY_VARIANTS = 4
ITEM_VARIANTS = 3
EVALUATION_PREFIX = re.compile(r"^(/evaluations/\d+/)(.*)$")


def squeeze(text: str) -> str:
    """Text without any white space: PDF extraction splits and joins lines where the layout did."""
    return SPACE.sub("", text)


def html_text(body: str) -> str:
    return html.unescape(TAG.sub(" ", SCRIPT_OR_STYLE.sub(" ", body)))


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    return "\n".join([*book.sheetnames, *cells])


def office_xml_text(data: bytes) -> str:
    """The words of a Word file: every XML part of the package without its tags."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = [package.read(name).decode("utf-8", "replace") for name in package.namelist() if name.endswith(".xml")]
    return html.unescape(TAG.sub("", "\n".join(parts)))


def file_text(name: str, data: bytes) -> str:
    """The readable text of a downloaded file, by its name (a ZIP: every member, recursively)."""
    lower = name.lower()
    if lower.endswith(".pdf"):
        return pdf_text(data)
    if lower.endswith(".xlsx"):
        return xlsx_text(data)
    if lower.endswith(".docx"):
        return office_xml_text(data)
    if lower.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(f"{member}\n{file_text(member, archive.read(member))}" for member in archive.namelist())
    text = data.decode("utf-8-sig", "replace")
    if lower.endswith(".json"):  # unicode escapes, if any, as words
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _download_name(response) -> str:
    disposition = response.get("Content-Disposition", "")
    match = re.search(r"filename\*=utf-8''([^;]+)", disposition, re.IGNORECASE) or re.search(
        r'filename="?([^";]+)', disposition
    )
    if match:
        return unquote(match.group(1))
    content_type = response.get("Content-Type", "")
    for kind, suffix in (("pdf", ".pdf"), ("zip", ".zip"), ("spreadsheet", ".xlsx"), ("word", ".docx")):
        if kind in content_type:
            return "download" + suffix
    return "download.txt"


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@dataclass
class Crawl:
    """What one user reached: the text of every page and download by URL, and the status of every URL tried."""

    texts: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    def containing(self, words: str) -> list[str]:
        """The URLs whose text contains ``words`` (white space ignored)."""
        wanted = squeeze(words)
        return [url for url, text in self.texts.items() if wanted in squeeze(text)]


def crawl(client, starts: list[str], allowed) -> Crawl:
    """Follow links from ``starts`` while ``allowed(path)`` says so. Every answer must be a page, a redirect,
    a download or a refusal (403/404/405); a 500 fails at once."""
    result = Crawl()
    queue = list(starts)
    variants: Counter = Counter()
    while queue:
        url = urldefrag(queue.pop(0))[0]
        if url in result.statuses:
            continue
        parts = urlsplit(url)
        if "sort=" in parts.query:
            continue
        if parts.query:
            variants[parts.path] += 1
            if variants[parts.path] > QUERY_VARIANTS:
                continue
        if prefix := EVALUATION_PREFIX.match(parts.path):
            kind = prefix.group(1) + re.sub(r"\d+", "N", prefix.group(2))
            if kind != parts.path and not parts.query:
                variants[kind] += 1
                if variants[kind] > ITEM_VARIANTS:
                    continue
        response = client.get(url)
        result.statuses[url] = response.status_code
        assert response.status_code in {200, 302, 403, 404, 405}, (url, response.status_code)
        if response.status_code == 302:
            queue.append(response["Location"])
            continue
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        data = _body(response)
        if "text/html" in content_type:
            body = data.decode("utf-8")
            result.texts[url] = html_text(body)
            found = LINK.findall(body)
        elif "application/json" in content_type:
            body = data.decode("utf-8")
            result.texts[url] = file_text("page.json", data)
            found = JSON_PATH.findall(body)
        else:
            result.texts[url] = file_text(_download_name(response), data)
            found = []
        for link in found:
            link = html.unescape(link)
            if link.startswith("?"):
                link = parts.path + link
            if not link.startswith("/") or link.startswith("//"):
                continue
            path = urlsplit(link).path
            if any(part in path for part in NEVER + ACTS) or not allowed(path):
                continue
            queue.append(link)
    return result
