"""Pagination and the 公文 profile, read from the laid-out pages of both demo reports (set in the 公文 profile).

The WeasyPrint boxes say on which page each table row lies; the PDF (pdfplumber) says which font and size each
character has and where each line sits.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import defaultdict

import pdfplumber
import pytest
from django.db import transaction

from evaluations.demo import load_demo
from reports.assembly import assemble_report
from reports.models import ReportOutline
from reports.rendering import layout_document
from reports.selection import outline_for
from reports.typography import GONGWEN

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="session")
def gongwen_reports(django_db_setup, django_db_blocker):
    reports = {}
    with django_db_blocker.unblock(), transaction.atomic():
        for kind, evaluation in load_demo().items():
            outline = outline_for(evaluation)
            ReportOutline.objects.filter(pk=outline.pk).update(typography=GONGWEN)
            outline.refresh_from_db()
            content = assemble_report(evaluation, outline)
            document = layout_document(content)
            reports[kind] = (content, document, document.write_pdf())
        transaction.set_rollback(True)
    return reports


def boxes(page, tag: str):
    for box in page._page_box.descendants():
        if getattr(box, "element_tag", "") == tag and getattr(box, "element", None) is not None:
            yield box


@pytest.mark.parametrize("kind", ["project", "department"])
def test_no_table_row_is_split_across_pages(gongwen_reports, kind):
    _, document, _ = gongwen_reports[kind]
    pages_of_row = defaultdict(set)
    body_rows, rich_rows = set(), set()
    for index, page in enumerate(document.pages):
        for box in boxes(page, "tr"):
            pages_of_row[id(box.element)].add(index)
        for box in boxes(page, "table"):  # header rows repeat on every page by design: only body rows count
            body_rows.update(id(tr) for tbody in box.element.findall("tbody") for tr in tbody)
        for box in boxes(page, "div"):
            if "rich" in (box.element.get("class") or ""):  # a section's own table: its tall rows may split
                rich_rows.update(id(tr) for tr in box.element.iter("tr"))
    split = [row for row in body_rows - rich_rows if len(pages_of_row[row]) > 1]
    assert len(body_rows - rich_rows) > 100 and not split


@pytest.mark.parametrize("kind", ["project", "department"])
def test_a_continued_table_starts_its_page_with_a_continued_caption(gongwen_reports, kind):
    _, document, _ = gongwen_reports[kind]
    continued = 0
    for page in document.pages:
        blocks = [box for box in boxes(page, "div") if "table-block" in (box.element.get("class") or "")]
        for box in blocks:
            if "continued" in box.element.get("class"):
                continued += 1
                caption = box.element.find(".//thead/tr/th/p")  # the caption is the first header row
                assert caption is not None and "续" in "".join(caption.itertext())
                # nothing of the body above it on that page: it is the page's first block
                assert box.position_y <= page._page_box.content_box_y() + 1
    assert continued >= 2


def test_merged_level_cells_are_repeated_with_continued_on_the_next_page(gongwen_reports):
    _, document, _ = gongwen_reports["project"]
    first_rows, marked = [], []
    for page in document.pages:
        for box in boxes(page, "div"):
            if "continued" in (box.element.get("class") or ""):
                first_rows.append(box.element.find(".//tbody/tr"))
        for box in boxes(page, "td"):
            if "level" in (box.element.get("class") or "") and "".join(box.element.itertext()).endswith("（续）"):
                marked.append(box.element)
    carried = [td for row in first_rows for td in row if td in marked]
    # e.g. 项目产出（35分）（续） at the top of the page its group continues on, and nowhere else
    assert carried and all(any(td in row for row in first_rows) for td in marked)


def lines_of(page):
    lines = defaultdict(list)
    for char in page.chars:
        lines[round(char["top"])].append(char)
    return [sorted(chars, key=lambda c: c["x0"]) for _, chars in sorted(lines.items())]


def test_gongwen_profile_sets_fangsong_kaiti_heiti_at_gbt_9704_sizes(gongwen_reports):
    content, _, pdf = gongwen_reports["project"]
    fonts = content.fonts
    assert set(fonts) == {"fangsong", "kaiti", "heiti"}
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        body_lines, headings = [], defaultdict(set)
        for page in opened.pages[3:14]:
            for line in lines_of(page):
                text = "".join(c["text"] for c in line)
                size, font = round(line[0]["size"], 1), line[-1]["fontname"]
                if re.match(r"^[一二三四五六七]、", text):
                    headings["h1"].add((font, size))
                elif text.startswith("（一）"):
                    headings["h2"].add((font, size))
                elif re.match(r"^1\.", text):
                    headings["h3"].add((font, size))
                elif size == 16 and len(text) >= 27 and "Serif" in font and all(ord(c) > 0x2E7F for c in text):
                    body_lines.append((page.page_number, line[0]["top"], len(text)))
    # 一、 in 黑体's role (Noto Sans), （一） in 楷体's (LXGW WenKai), 1. in 仿宋 bold, body in 仿宋's (or Noto Serif)
    assert any(size == 16 and ("Sans" in font or "Hei" in font) for font, size in headings["h1"])
    assert any(size == 16 and ("WenKai" in font or "Kai" in font) for font, size in headings["h2"])
    assert any(size == 16 and "Bold" in font and "Sans" not in font for font, size in headings["h3"])
    # 28 characters a full line, lines 225 mm / 22 apart
    assert max(count for _, _, count in body_lines) == 28
    pitches = {round(b[1] - a[1], 1) for a, b in itertools.pairwise(body_lines) if a[0] == b[0] and b[1] > a[1]}
    assert 29.0 in pitches or 28.9 in pitches


def test_gongwen_tables_are_small_four_and_page_numbers_outside(gongwen_reports):
    _, _, pdf = gongwen_reports["project"]
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        sizes = {round(c["size"], 1) for page in opened.pages[5:12] for c in page.chars if c["text"] == "%"}
        assert 12 in sizes
        numbers = {}
        for page in opened.pages:
            footer = [w for w in page.extract_words() if w["top"] > page.height - 35 * 72 / 25.4 and w["text"] != "—"]
            digits = [w for w in footer if w["text"].isdigit()]
            if digits:
                numbers[int(digits[0]["text"])] = digits[0]["x0"] > page.width / 2
    assert numbers[1] is True and numbers[2] is False and numbers[3] is True  # odd pages right, even pages left
