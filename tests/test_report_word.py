"""The report as a Word file: the two demo reports opened with python-docx and read as Word would (styles, fields,
merged cells, sections), the narrative HTML converter, the download per role, the background job and the command.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from lxml import etree

from evaluations.demo import load_demo
from evaluations.domain.workflow import perform
from evaluations.models import NarrativeSection
from reports import jobs, rendering, word
from reports import requests as report_requests
from reports.assembly import assemble_report
from reports.content import toc_entries
from reports.models import ReportStatus, ReportVersion
from reports.selection import default_outline, outline_for
from reports.word import REPORT_STYLE, html_to_docx, render_word_document, word_style
from reports.word import stylesheet as sheet
from tests.factories import (
    OPINIONS,
    TO_CONSULTATION,
    EvaluationFactory,
    small_scored_report,
    walk,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- reading a .docx ----------------------------------------------------------------------------------------


def text_of(element) -> str:
    """The text of an element, a line break (<w:br/>) read as a newline."""
    return "".join("\n" if node.tag == f"{W}br" else node.text or "" for node in element.iter(f"{W}t", f"{W}br"))


def style_names(document) -> dict[str, str]:
    return {style.style_id: style.name for style in document.styles}


def body_paragraphs(document) -> list[tuple[str, str]]:
    """(style name, text) of the body's paragraphs (not those inside tables), in order."""
    names = style_names(document)
    found = []
    for p in document.element.body.iterchildren(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        found.append((names.get(style.get(f"{W}val")) if style is not None else "Normal", text_of(p)))
    return found


def read_table(tbl) -> list[list[dict]]:
    """The table's logical cells (text, colspan, rowspan, alignment), merges resolved from gridSpan and vMerge."""
    rows, origins = [], {}
    for tr in tbl.findall(f"{W}tr"):
        row, column = [], 0
        for tc in tr.findall(f"{W}tc"):
            span = tc.find(f"{W}tcPr/{W}gridSpan")
            colspan = int(span.get(f"{W}val")) if span is not None else 1
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            if merge is not None and merge.get(f"{W}val") != "restart":
                origins[column]["rowspan"] += 1
            else:
                jc = tc.find(f"{W}p/{W}pPr/{W}jc")
                cell = {
                    "text": text_of(tc),
                    "colspan": colspan,
                    "rowspan": 1,
                    "align": jc.get(f"{W}val") if jc is not None else "",
                }
                row.append(cell)
                origins[column] = cell
            column += colspan
        rows.append(row)
    return rows


def content_tables(data: dict) -> list[dict]:
    found = []

    def walk(sections):
        for section in sections:
            found.extend(b for b in section["blocks"] if b["kind"] == "table" and not b["empty_text"])
            walk(section["children"])

    walk(data["sections"])
    walk(data["annexes"])
    return found


def headings(data: dict) -> list[tuple[int, str]]:
    found = []

    def walk(sections):
        for section in sections:
            found.append((section["level"], f"{section['number']}{section['title']}"))
            walk(section["children"])

    walk(data["sections"])
    walk(data["annexes"])
    return found


@dataclass
class WordReport:
    data: dict
    docx: bytes
    document: object


@pytest.fixture(scope="session")
def demo_word(django_db_setup, django_db_blocker):
    reports = {}
    with django_db_blocker.unblock(), transaction.atomic():
        for kind, evaluation in load_demo().items():
            data = assemble_report(evaluation, outline_for(evaluation)).to_dict()
            docx = render_word_document(data).docx
            reports[kind] = WordReport(data, docx, Document(io.BytesIO(docx)))
        transaction.set_rollback(True)
    return reports


# --- the demo reports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["project", "department"])
def test_every_heading_is_a_word_heading_with_its_number_in_order(demo_word, kind):
    report = demo_word[kind]
    found = [(style, text) for style, text in body_paragraphs(report.document) if style.startswith("Heading")]
    expected = [(f"Heading {min(level, 4)}", text) for level, text in headings(report.data)]
    assert found == [*expected, ("Heading 1", "附：尚未解决的问题清单")]  # both demo reports are drafts
    assert ("Heading 1", "一、基本情况" if kind == "project" else "一、部门基本情况") in found
    assert any(style == "Heading 2" and text.startswith("（一）") for style, text in found)
    assert any(style == "Heading 3" and re.match(r"\d+\.", text) for style, text in found)
    assert "附件1 " in " ".join(text for _, text in found)


@pytest.mark.parametrize("kind", ["project", "department"])
def test_the_table_of_contents_is_a_toc_field_word_updates_on_opening(demo_word, kind):
    report = demo_word[kind]
    body = report.document.element.body
    instructions = [node.text for node in body.iter(f"{W}instrText")]
    assert instructions[0].strip() == 'TOC \\o "1-2" \\h \\z \\u'
    settings = report.document.settings.element
    assert settings.find(f"{W}updateFields").get(f"{W}val") == "true"
    for name in sheet.TOC_LEVELS:  # Word's own 目录 1–2 styles (not custom ones of the same name)
        assert report.document.styles[name].element.get(f"{W}customStyle") is None
    # Pre-filled with the PDF's entries, each a link to a bookmark on its heading with a page reference.
    entries = [text for style, text in body_paragraphs(report.document) if style in sheet.TOC_LEVELS and text]
    expected = [heading for _, heading, _ in toc_entries(report.data)] + ["附：尚未解决的问题清单"]
    assert entries == expected
    bookmarks = {node.get(f"{W}name") for node in body.iter(f"{W}bookmarkStart")}
    links = [node.get(f"{W}anchor") for node in body.iter(f"{W}hyperlink")]
    assert len(links) == len(expected) and set(links) <= bookmarks
    assert sum(f"PAGEREF {link} \\h" in " ".join(instructions) for link in links) == len(links)


@pytest.mark.parametrize("kind", ["project", "department"])
def test_every_table_keeps_its_cells_merges_and_alignment(demo_word, kind):
    report = demo_word[kind]
    tables = report.document.element.body.findall(f"{W}tbl")
    expected = content_tables(report.data)
    assert len(tables) == len(expected) + 1  # and the problems list
    for tbl, table in zip(tables, expected, strict=False):
        rows = read_table(tbl)
        wanted = [table["head"]] + table["bodies"]
        flat = [row for group in wanted for row in group]
        assert len(rows) == len(flat), table["title"]
        for got, cells in zip(rows, flat, strict=True):
            assert [(c["text"], c["colspan"], c["rowspan"]) for c in got] == [
                (c["text"], c["colspan"], c["rowspan"]) for c in cells
            ], table["title"]
            for cell, source in zip(got, cells, strict=True):
                if source["align"] == "num":
                    assert cell["align"] == "right", (table["title"], source["text"])
        trs = tbl.findall(f"{W}tr")
        assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in trs)
        headers = [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in trs]
        assert headers == [True] * len(table["head"]) + [False] * (len(trs) - len(table["head"]))


def test_the_indicator_table_merges_its_level_cells(demo_word):
    """表3-1 of the project report: level-1 and level-2 labels merged down (vMerge), the total across (gridSpan)."""
    document = demo_word["project"].document
    body = list(document.element.body.iterchildren())
    caption = next(i for i, node in enumerate(body) if text_of(node) == "表3-1 绩效评价体系得分表")
    tbl = body[caption + 1]
    assert tbl.tag == f"{W}tbl"
    xml = tbl.xml
    assert xml.count('<w:vMerge w:val="restart"/>') >= 4 and xml.count("<w:vMerge/>") >= 10
    assert '<w:gridSpan w:val="3"/>' in xml
    rows = read_table(tbl)
    first = rows[1][0]
    assert first["text"] == "项目决策" and first["rowspan"] > 1


@pytest.mark.parametrize("kind", ["project", "department"])
def test_column_widths_are_set_on_the_grid_and_every_cell(demo_word, kind):
    document = demo_word[kind].document
    for tbl in document.element.body.findall(f"{W}tbl"):
        grid = [int(col.get(f"{W}w")) for col in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        assert sum(grid) in (REPORT_STYLE.portrait.text_width_twips, REPORT_STYLE.landscape.text_width_twips)
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        for tr in tbl.findall(f"{W}tr"):
            column = 0
            for tc in tr.findall(f"{W}tc"):
                span = tc.find(f"{W}tcPr/{W}gridSpan")
                span = int(span.get(f"{W}val")) if span is not None else 1
                assert int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) == sum(grid[column : column + span])
                column += span
            assert column == len(grid)


def test_column_widths_follow_the_content_percentages(demo_word):
    report = demo_word["project"]
    table = content_tables(report.data)[0]
    tbl = report.document.element.body.findall(f"{W}tbl")[0]
    grid = [int(col.get(f"{W}w")) for col in tbl.findall(f"{W}tblGrid/{W}gridCol")]
    percents = [column["width"] for column in table["columns"]]
    for width, percent in zip(grid, percents, strict=True):
        assert abs(width - sum(grid) * percent / sum(percents)) < 1


@pytest.mark.parametrize("kind", ["project", "department"])
def test_the_cover_has_the_title_fields_and_date_on_its_own_page(demo_word, kind):
    report = demo_word[kind]
    paragraphs = body_paragraphs(report.document)
    cover = paragraphs[: 2 + len(report.data["cover_fields"])]
    assert cover[0] == (sheet.COVER_TITLE, "\n".join(report.data["title_lines"]))  # broken as the PDF breaks it
    assert "".join(report.data["title_lines"]) == report.data["title"]
    assert [text for _, text in cover[1:-1]] == [f"{f['label']}：{f['value']}" for f in report.data["cover_fields"]]
    assert cover[-1] == (sheet.COVER_DATE, report.data["date_text"])
    if kind == "department":
        assert cover[-1][1] == "二〇二三年十月"  # the report date of seed 004
    following = report.document.paragraphs[len(cover)]
    assert following.text == "目\u3000录" and following.paragraph_format.page_break_before


@pytest.mark.parametrize("kind", ["project", "department"])
def test_page_numbers_count_from_the_body_and_annexes_are_landscape(demo_word, kind):
    report = demo_word[kind]
    sections = report.document.sections
    cover, main, *annexes, closing = sections
    assert cover.footer.is_linked_to_previous  # no footer: the cover and contents carry no page number
    assert not main.footer.is_linked_to_previous
    footer = main.footer._element
    assert "PAGE" in [node.text.strip() for node in footer.iter(f"{W}instrText")]
    assert main._sectPr.find(f"{W}pgNumType").get(f"{W}start") == "1"
    assert len(annexes) == len(report.data["annexes"])
    for section in annexes:
        assert section.orientation == 1 and section.page_width > section.page_height  # WD_ORIENT.LANDSCAPE
        assert section.footer.is_linked_to_previous  # the numbering continues
    assert closing.page_width < closing.page_height


def test_a_draft_says_so_in_the_page_header_not_in_the_body(demo_word):
    report = demo_word["project"]
    assert report.data["draft"]
    header = report.document.sections[0].header
    assert not header.is_linked_to_previous and header.paragraphs[0].text == "草稿"
    assert all(section.header.is_linked_to_previous for section in report.document.sections[1:])
    assert not any(text.strip() in ("草", "稿", "草稿") for _, text in body_paragraphs(report.document))
    problems = report.document.element.body.findall(f"{W}tbl")[-1]
    rows = read_table(problems)
    assert [cell["text"] for cell in rows[0]] == ["序号", "类别", "位置", "问题"]
    assert [row[3]["text"] for row in rows[1:]] == [p["message"] for p in report.data["problems"]]


def test_a_final_report_has_no_draft_header_and_no_problems_page(demo_word):
    data = {**demo_word["department"].data, "draft": False, "problems": []}
    document = Document(io.BytesIO(render_word_document(data).docx))
    assert all(not paragraph.text for section in document.sections for paragraph in section.header.paragraphs)
    assert "附：尚未解决的问题清单" not in [text for _, text in body_paragraphs(document)]
    assert len(document.sections) == 2 + len(data["annexes"])


def test_the_grade_standard_is_a_real_footnote(demo_word):
    report = demo_word["project"]
    body = report.document.element.body
    references = list(body.iter(f"{W}footnoteReference"))
    assert len(references) == 1
    part = next(rel.target_part for rel in report.document.part.rels.values() if rel.reltype.endswith("/footnotes"))
    notes = {note.get(f"{W}id"): text_of(note) for note in etree.fromstring(part.blob).findall(f"{W}footnote")}
    assert "等级标识分数对应标准：优：绩效评价分值≥90 分" in notes[references[0].get(f"{W}id")]


def test_fonts_and_sizes_are_the_pdf_report_typography_with_east_asian_faces(demo_word):
    document = demo_word["project"].document

    def faces(style_name):
        fonts = document.styles[style_name].element.find(f"{W}rPr/{W}rFonts")
        return fonts.get(f"{W}eastAsia"), fonts.get(f"{W}ascii"), fonts.get(f"{W}asciiTheme")

    assert faces("Normal") == ("宋体", "Times New Roman", None)
    assert faces("Heading 1") == ("黑体", "Arial", None)
    assert document.styles["Normal"].font.size.pt == 12  # report.css: html { font-size: 12pt }
    assert document.styles["Heading 1"].font.size.pt == 16
    assert document.styles["Heading 2"].font.size.pt == 14
    assert document.styles[sheet.TABLE_TEXT].font.size.pt == 10.5
    assert document.styles[sheet.SMALL_TABLE_TEXT].font.size.pt == 9
    # report.css's line-heights as fixed pitches (a Word "multiple" is of the CJK face's own, taller line)
    assert document.styles["Normal"].paragraph_format.line_spacing.pt == 21  # 12 pt × 1.75
    assert document.styles["Heading 1"].paragraph_format.line_spacing.pt == 24  # 16 pt × 1.5
    assert document.styles[sheet.TABLE_TEXT].paragraph_format.line_spacing.pt == 14.7  # 10.5 pt × 1.4
    fonts = document.part.package.part_related_by  # the font table names the Chinese faces with their Windows names
    table = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    assert b'w:name="\xe5\xae\x8b\xe4\xbd\x93"' in table.blob and b"SimSun" in table.blob and fonts


# --- the narrative's HTML -----------------------------------------------------------------------------------

SAMPLE = "\n".join(
    [
        "<h3>（一）资金情况</h3>",
        '<p>项目预算 <strong>433.53 万元</strong>，执行率 <span data-figure="budget_rate">99.71%</span>，',
        "<em>较上年</em>提高。<br>第二行</p>",
        "<ul><li>一级甲<ul><li>二级 <strong>乙</strong></li><li>二级丙",
        "<ol><li>三级一</li><li>三级二</li></ol></li></ul></li><li>一级丁</li></ul>",
        "<ol><li>第一</li><li><p>第二</p><p>第二的续段</p></li></ol>",
        "<ol><li>另起一列</li></ol>",
        '<table><thead><tr><th rowspan="2">类别</th><th colspan="2">金额（万元）</th></tr>',
        "<tr><th>预算</th><th>执行</th></tr></thead>",
        '<tbody><tr><td rowspan="2">慰问</td><td>1.00</td><td>2.00</td></tr><tr><td>3.00</td><td>4.00</td></tr>',
        '<tr><td colspan="3"><strong>合计</strong> 10.00</td></tr></tbody></table>',
        "<h4>小结</h4><p>未闭合<p>第二段<script>alert(1)</script></p>",
    ]
)


@pytest.fixture
def sample_document():
    document = Document()
    sheet.install(document, REPORT_STYLE)
    html_to_docx(document, SAMPLE, REPORT_STYLE)
    return Document(io.BytesIO(_saved(document)))


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_html_paragraphs_subheadings_bold_italic_breaks_and_figures(sample_document):
    paragraphs = [p for p in sample_document.paragraphs]
    assert (paragraphs[0].style.name, paragraphs[0].text) == (sheet.SUBHEAD, "（一）资金情况")
    body = paragraphs[1]
    # The line break in the source between "，" and "较" (two Chinese characters) is dropped; a typed space stays.
    assert body.style.name == "Normal" and body.text == "项目预算 433.53 万元，执行率 99.71%，较上年提高。\n第二行"
    assert [run.text for run in body.runs if run.bold] == ["433.53 万元"]
    assert [run.text for run in body.runs if run.italic] == ["较上年"]
    texts = [p.text for p in paragraphs]
    assert "小结" in texts and "未闭合" in texts and "第二段" in texts
    assert not any("alert" in text for text in texts)
    assert not any(p.style.name.startswith("Heading") for p in paragraphs)  # h3/h4 stay out of the contents


def test_html_lists_nest_and_each_ordered_list_counts_from_one(sample_document):
    items = []
    for p in sample_document.paragraphs:
        numbering = p._p.find(f"{W}pPr/{W}numPr")
        if numbering is not None:
            level = int(numbering.find(f"{W}ilvl").get(f"{W}val"))
            items.append((p.style.name, level, int(numbering.find(f"{W}numId").get(f"{W}val")), p.text))
    assert [(style, level, text) for style, level, _, text in items] == [
        ("List Bullet", 0, "一级甲"),
        ("List Bullet 2", 1, "二级 乙"),
        ("List Bullet 2", 1, "二级丙"),
        ("List Number 3", 2, "三级一"),
        ("List Number 3", 2, "三级二"),
        ("List Bullet", 0, "一级丁"),
        ("List Number", 0, "第一"),
        ("List Number", 0, "第二"),
        ("List Number", 0, "第二的续段"),  # a second paragraph of the item: no number of its own
        ("List Number", 0, "另起一列"),
    ]
    numbers = {text: num for _, _, num, text in items}
    assert numbers["第二的续段"] == 0
    assert numbers["第一"] == numbers["第二"] != numbers["另起一列"]  # a new <ol> restarts at 1
    assert len({numbers["一级甲"], numbers["二级 乙"], numbers["三级一"]}) == 3
    numbering = sample_document.part.numbering_part.element
    restart = numbering.find(f'{W}num[@{W}numId="{numbers["另起一列"]}"]/{W}lvlOverride/{W}startOverride')
    assert restart.get(f"{W}val") == "1"
    assert [run.text for run in sample_document.paragraphs[3].runs if run.bold] == ["乙"]


def test_html_tables_merge_cells_and_repeat_their_header_rows(sample_document):
    tbl = sample_document.element.body.find(f"{W}tbl")
    rows = read_table(tbl)
    assert [[(c["text"], c["colspan"], c["rowspan"]) for c in row] for row in rows] == [
        [("类别", 1, 2), ("金额（万元）", 2, 1)],
        [("预算", 1, 1), ("执行", 1, 1)],
        [("慰问", 1, 2), ("1.00", 1, 1), ("2.00", 1, 1)],
        [("3.00", 1, 1), ("4.00", 1, 1)],
        [("合计 10.00", 3, 1)],
    ]
    trs = tbl.findall(f"{W}tr")
    assert [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in trs] == [True, True, False, False, False]
    assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in trs)
    assert tbl.xml.count('<w:vMerge w:val="restart"/>') == 2 and tbl.xml.count("<w:vMerge/>") == 2
    total = trs[-1].find(f"{W}tc")
    assert [r.find(f"{W}rPr/{W}b") is not None for r in total.iter(f"{W}r")] == [True, False]


def test_a_narrative_html_block_is_written_where_the_report_has_it(demo_word):
    data = demo_word["project"].data
    section = {**data["sections"][0], "blocks": [{"kind": "html", "html": "<ol><li>富文本第一项</li></ol>"}]}
    document = Document(io.BytesIO(render_word_document({**data, "sections": [section]}).docx))
    item = next(p for p in document.paragraphs if p.text == "富文本第一项")
    assert item.style.name == "List Number"
    with pytest.raises(ValueError, match="无法写入 Word"):
        render_word_document({**data, "sections": [{**section, "blocks": [{"kind": "chart"}]}]})


def test_two_tables_in_a_row_stay_two_tables(demo_word):
    """Word joins adjacent tables into one: an untitled table right after another gets a paragraph between."""
    data = demo_word["project"].data
    table = {**content_tables(data)[0], "title": "", "number": "", "unit_note": ""}
    section = {**data["sections"][0], "blocks": [table, table], "children": []}
    document = Document(io.BytesIO(render_word_document({**data, "sections": [section], "annexes": []}).docx))
    body = [node.tag for node in document.element.body.iterchildren()]
    first = body.index(f"{W}tbl")
    assert body[first + 1] == f"{W}p" and body[first + 2] == f"{W}tbl"


def test_a_table_without_rows_prints_its_header(demo_word):
    data = demo_word["project"].data
    table = {**content_tables(data)[0], "bodies": [[]], "whole": True}
    section = {**data["sections"][0], "blocks": [table], "children": []}
    document = Document(io.BytesIO(render_word_document({**data, "sections": [section], "annexes": []}).docx))
    rows = read_table(document.element.body.find(f"{W}tbl"))
    assert len(rows) == len(table["head"]) and rows[0][0]["text"] == table["head"][0][0]["text"]


# --- download, background job, command ----------------------------------------------------------------------


def scored(evaluation):
    return small_scored_report(evaluation)


def word_url(evaluation, number=1):
    return reverse("evaluation-report-word", args=[evaluation.pk, number])


def test_the_team_downloads_the_word_file_of_a_version(client, world, fake_pdf, django_capture_on_commit_callbacks):
    evaluation = scored(world["a"])
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation-report-generate", args=[evaluation.pk]))
    version = ReportVersion.objects.get(evaluation=evaluation)
    assert version.status == ReportStatus.DONE and version.word_file and version.content == {}
    page = client.get(reverse("evaluation-reports", args=[evaluation.pk])).content.decode()
    assert f'href="{word_url(evaluation)}"' in page and "下载 Word" in page
    status = client.get(reverse("evaluation-report-status", args=[evaluation.pk])).json()
    assert status["versions"][0]["word_url"] == word_url(evaluation)

    response = client.get(word_url(evaluation))
    assert response.status_code == 200 and response["Content-Type"] == word.DOCX_TYPE
    name = unquote(re.search(r"filename\*=utf-8''(.+)$", response["Content-Disposition"], re.I).group(1))
    assert name == f"{evaluation.title}报告_第1版.docx"
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert document.paragraphs[0].text == f"{evaluation.title}报告"
    assert any(p.text.startswith("完成率：权重分为 100 分，实际得分为 100 分。") for p in document.paragraphs)


def test_the_unit_downloads_only_the_word_file_handed_to_it(
    client, world, fake_pdf, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation-report-generate", args=[evaluation.pk]))  # the team's own draft
    client.force_login(world["unit_a"])
    assert client.get(word_url(evaluation)).status_code == 403  # nothing shared yet
    NarrativeSection.objects.update_or_create(
        evaluation=evaluation, key="dept_overview", defaults={"text": "更正后的部门概况。"}
    )
    walk(world, *TO_CONSULTATION, evaluation=evaluation, capture=django_capture_on_commit_callbacks)
    assert client.get(word_url(evaluation, 1)).status_code == 404  # the firm's earlier draft
    handed = client.get(word_url(evaluation, 2))
    assert handed.status_code == 200
    assert "更正后的部门概况。" in [p.text for p in Document(io.BytesIO(b"".join(handed.streaming_content))).paragraphs]
    page = client.get(reverse("evaluation-reports", args=[evaluation.pk])).content.decode()
    assert f'href="{word_url(evaluation, 2)}"' in page and f'href="{word_url(evaluation, 1)}"' not in page
    for persona in ("evaluator_b", "bureau_b", "unit_b"):
        client.force_login(world[persona])
        assert client.get(word_url(evaluation, 2)).status_code == 404


def test_the_final_report_offers_its_word_file_to_the_bureau(
    client, world, fake_pdf, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])
    evaluation.evaluating_firm.review_levels = 1
    evaluation.evaluating_firm.save()
    for name, persona in (
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
        ("submit", "evaluator_a"),
        ("approve", "bureau_a"),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            perform(evaluation, name, user=world[persona], comment=OPINIONS.get(name, ""))
    final = jobs.final_report(evaluation)
    assert final is not None and final.word_file
    client.force_login(world["bureau_a"])
    page = client.get(reverse("evaluation-reports", args=[evaluation.pk])).content.decode()
    card = page[page.index('id="final-report"') : page.index('id="report-versions"')]
    assert f'href="{word_url(evaluation, final.number)}"' in card
    assert client.get(word_url(evaluation, final.number)).status_code == 200


def test_a_version_rendered_before_word_files_has_no_word_link(client, world):
    evaluation = scored(world["a"])
    version = ReportVersion.objects.create(
        evaluation=evaluation,
        number=1,
        outline=default_outline(evaluation.kind),
        title="报告",
        content_hash="0" * 64,
        status=ReportStatus.DONE,
    )
    version.file.save("old.pdf", io.BytesIO(b"%PDF-1.7 old"))
    client.force_login(world["evaluator_a"])
    page = client.get(reverse("evaluation-reports", args=[evaluation.pk])).content.decode()
    assert "下载 PDF" in page and "下载 Word" not in page
    assert client.get(word_url(evaluation)).status_code == 404


def test_a_failed_word_file_fails_the_version_and_keeps_no_pdf(
    client, world, fake_pdf, monkeypatch, django_capture_on_commit_callbacks
):
    evaluation = scored(world["a"])

    def broken(content, style=None):
        raise RuntimeError("表格无法写入")

    monkeypatch.setattr(word, "render_word_document", broken)
    client.force_login(world["evaluator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation-report-generate", args=[evaluation.pk]))
    version = ReportVersion.objects.get(evaluation=evaluation)
    assert version.status == ReportStatus.FAILED and not version.file and not version.word_file
    assert version.error.startswith("生成 Word 文件时出错：表格无法写入")
    assert version.content  # kept for the retry


def test_the_word_renderer_is_part_of_the_content_hash(world, monkeypatch):
    evaluation = scored(world["a"])
    before = report_requests.assemble(evaluation).digest
    monkeypatch.setattr(report_requests, "word_renderer_version", lambda: "changed")
    assert report_requests.assemble(evaluation).digest != before


def test_run_render_writes_the_pdf_and_the_word_file_from_one_snapshot(world, fake_pdf):
    evaluation = scored(world["a"])
    with transaction.atomic():
        version, _ = report_requests.request_render(evaluation, world["evaluator_a"])
    version = jobs.run_render(version.pk) or version
    version.refresh_from_db()
    assert version.file.name.endswith(".pdf") and version.word_file.name.endswith(".docx")
    with version.word_file.open("rb") as handle:
        assert Document(handle).core_properties.title == f"{evaluation.title}报告"


@pytest.mark.django_db
def test_render_report_command_chooses_the_format_by_extension(tmp_path, monkeypatch):
    evaluation = scored(EvaluationFactory())
    out = io.StringIO()
    docx = tmp_path / "报告.docx"
    call_command("render_report", str(evaluation.pk), "--output", str(docx), stdout=out)
    assert Document(str(docx)).paragraphs[0].text == f"{evaluation.title}报告"
    assert re.search(r"：Word，\d+ KB，[\d.]+ 秒，正式报告", out.getvalue())

    from reports.management.commands import render_report

    monkeypatch.setattr(
        render_report, "render_pdf_document", lambda content: rendering.RenderedPDF(b"%PDF-1.7 fake", 2, 0.1, 0.05)
    )
    pdf = tmp_path / "报告.PDF"
    call_command("render_report", str(evaluation.pk), "--output", str(pdf), stdout=out)
    assert pdf.read_bytes() == b"%PDF-1.7 fake" and "：PDF，2 页" in out.getvalue()

    text = tmp_path / "报告.txt"
    with pytest.raises(CommandError, match=r"文件名须以 \.pdf（生成 PDF）或 \.docx（生成 Word）结尾"):
        call_command("render_report", str(evaluation.pk), "--output", str(text))
    assert not text.exists()


def test_the_gongwen_profile_writes_word_in_its_fonts_sizes_pitch_and_margins(demo_word):
    """The outline's 公文 profile (reports.typography) picks the 公文 WordStyle: 仿宋 三号 body at a fixed 28.99 pt
    pitch, 一、 黑体 and （一） 楷体 at 三号, 公文 margins; the compact profile keeps the report's sizes."""
    data = {**demo_word["project"].data, "typography": "gongwen"}
    document = Document(io.BytesIO(render_word_document(data, word_style(data["typography"])).docx))
    styles = {style.name: style for style in document.styles}
    body = styles["Normal"]
    east_asia = body.element.rPr.rFonts.get(qn("w:eastAsia"))
    assert (east_asia, body.font.size.pt) == ("仿宋", 16)
    assert body.paragraph_format.line_spacing.pt == pytest.approx(28.99, abs=0.05)
    assert body.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    heading_faces = [styles[f"Heading {level}"].element.rPr.rFonts.get(qn("w:eastAsia")) for level in (1, 2, 3)]
    assert heading_faces == ["黑体", "楷体", "仿宋"] and styles["Heading 3"].font.bold
    assert {styles[f"Heading {level}"].font.size.pt for level in (1, 2, 3)} == {16}
    section = document.sections[0]
    edges = (section.top_margin, section.right_margin, section.bottom_margin, section.left_margin)
    assert [round(length.mm) for length in edges] == [37, 26, 35, 28]
    assert word_style("report") is REPORT_STYLE and word_style(None) is REPORT_STYLE
    assert styles["Normal"].font.size.pt != demo_word["project"].document.styles["Normal"].font.size.pt
