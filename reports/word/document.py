"""The report as a Word file, from the same assembled content as the PDF (a ReportContent or its JSON snapshot).

Pages as the PDF prints them: the cover (title, fields, date) and the table of contents without page numbers,
the body numbered from 1 in the footer ("- 1 -"), each annex in its own landscape section, and for a draft the
list of unsolved problems last, with "草稿" in the page header (a header, not body text). Headings use Word's
标题 1–4 styles with their numbers as text (一、（一）1.（1）), so the navigation pane and the table of contents
work; the table of contents is a TOC field over levels 1–2 (the PDF's contents), pre-filled with its entries and
page references, that Word updates on opening. Tables keep their merged cells, repeat their header rows and
never split a row.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt

from reports.content import ReportContent, toc_entries
from reports.word import stylesheet
from reports.word.html import html_to_docx, list_to_docx, runs_to_paragraph
from reports.word.ooxml import (
    add_footnote,
    add_paragraph,
    anchor_link,
    ask_to_update_fields,
    bookmark,
    clean,
    drop_thumbnail,
    element,
    field_begin,
    field_end,
    field_runs,
    footnote_settings,
    set_font,
    tab_run,
    text_run,
)
from reports.word.style import MM_PT, REPORT_STYLE, Page, WordStyle
from reports.word.tables import GridCell, GridRow, write_table

PROBLEMS_TITLE = "附：尚未解决的问题清单"
PROBLEMS_LEAD = "本报告为草稿：一致性检查发现以下问题，其中标为“错误”的须在提交前解决。"
PROBLEM_COLUMNS = (7, 9, 26, 58)
TOC_LEVELS = 2  # the PDF's contents: levels 1 and 2 (and the annexes)
LEAD_LINE = re.compile(r"[：:]\s*$")  # "…如下表：" stays on the page of the table it announces
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SOURCE_DIR = Path(__file__).resolve().parent


@dataclass
class RenderedWord:
    docx: bytes
    seconds: float
    tables: int
    headings: int


@cache
def renderer_version() -> str:
    """A digest of this renderer's code and python-docx's version: a change to either gives new content hashes."""
    digest = hashlib.sha256(version("python-docx").encode())
    for path in sorted(SOURCE_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _bookmark_name(anchor: str) -> str:
    """Word bookmark names: letters, digits and underscores; a leading underscore hides them from the user."""
    return "_Toc_" + re.sub(r"\W", "_", anchor, flags=re.ASCII)[:34]


class _Report:
    def __init__(self, data: dict, style: WordStyle):
        self.data = data
        self.style = style
        self.document = Document()
        stylesheet.install(self.document, style)
        self.ids = stylesheet.ids(self.document)
        self.toc = [*toc_entries(data)]
        if data.get("problems"):  # a draft for the team (a draft handed to others has no list)
            self.toc.append((1, PROBLEMS_TITLE, "problems"))
        self.toc_anchors = {anchor for _, _, anchor in self.toc}
        self.bookmarks = 0
        self.tables = 0
        self.headings = 0
        self.after_table = False

    # --- pages ----------------------------------------------------------------------------------------------

    def _page(self, section: Section, page: Page, *, landscape: bool = False) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(page.width), Mm(page.height)
        top, right, bottom, left = page.margins
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
        section.header_distance, section.footer_distance = Mm(page.header), Mm(page.footer)

    def _new_section(self, page: Page, *, landscape: bool = False) -> Section:
        """A section starting on a new page; headers and footers continue from the one before."""
        body = self.document.element.body
        sentinel = body.sectPr
        closing = sentinel.clone()  # the section that ends here keeps its settings and header/footer
        last = sentinel.getprevious()
        if last is not None and last.tag == qn("w:p") and (last.pPr is None or last.pPr.sectPr is None):
            last.set_sectPr(closing)  # carried by the section's last paragraph: no empty paragraph added
        else:  # after a table: a small empty paragraph carries the break (a body-size one could spill a page)
            self.add(stylesheet.UNIT_NOTE)._p.set_sectPr(closing)
        for child in sentinel.xpath("w:headerReference|w:footerReference|w:pgNumType"):
            sentinel.remove(child)
        section = Section(sentinel, self.document.part)
        self._page(section, page, landscape=landscape)
        return section

    def _draft_header(self, section: Section) -> None:
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph._p.style = self.ids[stylesheet.HEADER]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run("草稿")
        set_font(run._r, self.style.draft_mark, color=self.style.draft_color)

    def _numbered_footer(self, section: Section) -> None:
        """ "- N -" centred in the footer, counting from 1 in this section."""
        section._sectPr.insert_element_before(
            element("w:pgNumType", start="1"),
            *("w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi"),
            *("w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange"),
        )
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph._p.style = self.ids[stylesheet.FOOTER]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        probe = paragraph.add_run("- ")
        set_font(probe._r, self.style.page_number)
        field_runs(paragraph, "PAGE", "1", rPr=probe._r.rPr)
        set_font(paragraph.add_run(" -")._r, self.style.page_number)

    # --- cover and contents ---------------------------------------------------------------------------------

    def cover(self) -> None:
        data = self.data
        title = self.add(stylesheet.COVER_TITLE)
        for index, line in enumerate(data.get("title_lines") or [data["title"]]):  # broken as the PDF's cover
            if index:
                title.add_run().add_break()
            title.add_run(clean(line))
        for index, cover_field in enumerate(data["cover_fields"]):
            paragraph = self.add(stylesheet.COVER_FIELD)
            if index == 0:
                paragraph.paragraph_format.space_before = Pt(40 * MM_PT)
            label = paragraph.add_run(f"{cover_field['label']}：")
            set_font(label._r, self.style.cover_label)
            paragraph.add_run(clean(cover_field["value"]))
        self.add(stylesheet.COVER_DATE, data["date_text"])

    def contents(self) -> None:
        """目录: a TOC field (levels 1–2, links, page numbers) pre-filled with the PDF's entries."""
        title = self.add(stylesheet.TOC_TITLE, "目\u3000录")
        title.paragraph_format.page_break_before = True
        entries = self.toc or [(1, "", "")]
        for index, (level, heading, anchor) in enumerate(entries):
            paragraph = self.add(stylesheet.TOC_LEVELS[min(level, TOC_LEVELS) - 1])
            if index == 0:
                field_begin(paragraph, f'TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u')
            if heading:
                link = anchor_link(paragraph, _bookmark_name(anchor))
                text_run(link, heading)
                tab_run(link)
                field_runs(link, f"PAGEREF {_bookmark_name(anchor)} \\h")
        field_end(self.add(stylesheet.TOC_LEVELS[0]))

    # --- body -----------------------------------------------------------------------------------------------

    def heading(self, text: str, level: int, anchor: str, *, annex: bool = False, new_page: bool = False):
        paragraph = self.add(stylesheet.HEADINGS[min(level, len(stylesheet.HEADINGS)) - 1])
        run = paragraph.add_run(clean(text))
        if annex:
            set_font(run._r, self.style.annex_heading)
            paragraph.paragraph_format.space_before = Pt(0)
        if new_page:
            paragraph.paragraph_format.page_break_before = True
        if anchor in self.toc_anchors:
            self.bookmarks += 1
            bookmark(paragraph, _bookmark_name(anchor), self.bookmarks)
        self.headings += 1
        self.after_table = False
        return paragraph

    def section(self, section: dict, *, wide: bool = False, annex: bool = False) -> None:
        heading = f"{section['number']}{section['title']}"
        self.heading(
            heading, section["level"], section["anchor"], annex=annex, new_page=section["new_page"] and not annex
        )
        blocks = section["blocks"]
        for index, block in enumerate(blocks):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            self.block(block, following, wide=wide)
        for child in section["children"]:
            self.section(child, wide=wide)

    def block(self, block: dict, following: dict | None, *, wide: bool) -> None:
        kind = block.get("kind")
        if kind == "table":
            self.table(block, wide=wide)
        elif kind == "p":
            self.paragraph(block, keep=bool(following and following.get("kind") == "table"))
        elif kind == "list":  # a list written in a section (reports.rich_text)
            page = self.style.landscape if wide else self.style.portrait
            list_to_docx(self.document, block, self.style, width=page.text_width_twips)
            self.after_table = False
        elif kind == "html":  # sanitised narrative HTML
            page = self.style.landscape if wide else self.style.portrait
            html_to_docx(self.document, block["html"], self.style, width=page.text_width_twips)
            self.after_table = False
        else:
            raise ValueError(f"报告内容中有无法写入 Word 的部分（{kind}）。")

    def paragraph(self, block: dict, *, keep: bool = False) -> None:
        if block.get("style") == "heading":  # a section's own sub-heading (h3/h4): below the numbered levels
            paragraph = self.add(stylesheet.HEADINGS[-1])
        else:
            style = {"subhead": stylesheet.SUBHEAD, "note": stylesheet.NOTE}.get(
                block.get("style", ""), stylesheet.NORMAL
            )
            paragraph = self.add(style)
        if block.get("label"):
            set_font(paragraph.add_run(clean(block["label"]))._r, self.style.label)
        if block.get("runs"):  # bold, italic and line breaks written in the rich editor
            runs_to_paragraph(paragraph, block, self.style)
        elif block.get("text"):
            paragraph.add_run(clean(block["text"]))
        if block.get("footnote"):
            add_footnote(
                self.document,
                paragraph,
                clean(block["footnote"]),
                text_style=self._style_id(stylesheet.FOOTNOTE_TEXT),
                mark_style=self._style_id(stylesheet.FOOTNOTE_MARK),
            )
            footnote_settings(self.document)
        if keep and LEAD_LINE.search(block.get("text", "")):
            paragraph.paragraph_format.keep_with_next = True
        if self.after_table:
            paragraph.paragraph_format.space_before = Pt(4 * MM_PT)
        self.after_table = False

    def table(self, table: dict, *, wide: bool) -> None:
        document = self.document
        caption = f"{table.get('number', '')} {table.get('title', '')}".strip()
        last = document.element.body.sectPr.getprevious()
        if last is not None and last.tag == qn("w:tbl") and not table.get("title") and not table.get("unit_note"):
            self.add(stylesheet.UNIT_NOTE)  # two adjacent tables would be joined into one by Word
        if table.get("title"):
            self.add(stylesheet.CAPTION, caption)
        if table.get("unit_note"):
            self.add(stylesheet.UNIT_NOTE, table["unit_note"])
        if table.get("empty_text"):
            self.add(stylesheet.NOTE, table["empty_text"])
            self.after_table = False
            return
        small = table.get("size") == "small"
        whole, keep_bodies = table.get("whole"), table.get("keep_bodies")
        head = [GridRow([self._cell(cell, small, header=True) for cell in row], header=True) for row in table["head"]]
        for row in head:
            row.keep_with_next = True
        bodies = []
        for body in table["bodies"]:
            rows = [GridRow([self._cell(cell, small) for cell in row]) for row in body]
            for row in rows[:-1]:
                row.keep_with_next = bool(whole or keep_bodies)
            if rows:  # an empty body (a table without rows) prints its header only
                bodies.append(rows)
        if whole:
            for rows in bodies[:-1]:
                rows[-1].keep_with_next = True
        page = self.style.landscape if wide else self.style.portrait
        write_table(
            document,
            [group for group in (head, *bodies) if group],
            total=page.text_width_twips,
            style=self.style,
            percents=[column["width"] for column in table["columns"]],
            small=small,
            text_style=self._style_id(stylesheet.SMALL_TABLE_TEXT if small else stylesheet.TABLE_TEXT),
        )
        for note in table.get("notes") or []:
            paragraph = self.add(stylesheet.UNIT_NOTE, note)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        self.tables += 1
        self.after_table = True

    def _style_id(self, name: str) -> str:
        return self.ids[name]

    def add(self, style_name: str, text: str = ""):
        return add_paragraph(self.document, self.ids[style_name], text)

    def _cell(self, cell: dict, small: bool, *, header: bool = False) -> GridCell:
        style = self.style
        font = style.small_table if small else style.table
        role, align = cell.get("role", ""), cell.get("align", "")
        strong = header or role == "total"
        shade = style.head_fill if strong else style.subtotal_fill if role == "subtotal" else ""
        if header or align == "center" or role == "level":
            alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "num":
            alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            alignment = WD_ALIGN_PARAGRAPH.LEFT
        text = clean(cell.get("text", ""))
        style_id = self.ids[stylesheet.SMALL_TABLE_TEXT if small else stylesheet.TABLE_TEXT]

        def fill(target) -> None:
            paragraph = target.paragraphs[0]
            paragraph._p.style = style_id
            paragraph.alignment = alignment
            if text:
                run = paragraph.add_run(text)
                if strong:
                    set_font(run._r, style.table_head.sized(font.size))

        return GridCell(fill, rowspan=cell.get("rowspan", 1), colspan=cell.get("colspan", 1), shade=shade)

    def problems(self) -> None:
        self.heading(PROBLEMS_TITLE, 1, "problems")
        self.paragraph({"text": PROBLEMS_LEAD})
        head = GridRow(
            [self._cell({"text": text}, True, header=True) for text in ("序号", "类别", "位置", "问题")],
            header=True,
            keep_with_next=True,
        )
        rows = [
            GridRow(
                [
                    self._cell({"text": str(number), "align": "center"}, True),
                    self._cell({"text": problem["severity"], "align": "center"}, True),
                    self._cell({"text": problem["where"]}, True),
                    self._cell({"text": problem["message"]}, True),
                ]
            )
            for number, problem in enumerate(self.data["problems"], start=1)
        ]
        write_table(
            self.document,
            [[head], rows] if rows else [[head]],
            total=self.style.portrait.text_width_twips,
            style=self.style,
            percents=PROBLEM_COLUMNS,
            small=True,
            text_style=self._style_id(stylesheet.SMALL_TABLE_TEXT),
        )
        self.tables += 1

    # --- the whole ------------------------------------------------------------------------------------------

    def build(self) -> None:
        data, style = self.data, self.style
        first = self.document.sections[0]
        self._page(first, style.portrait)
        if data["draft"]:
            self._draft_header(first)
        self.cover()
        self.contents()
        main = self._new_section(style.portrait)
        self._numbered_footer(main)
        for paragraph in data["preamble"]:
            self.paragraph(paragraph)
        for section in data["sections"]:
            self.section(section)
        for annex in data["annexes"]:
            wide = bool(annex.get("wide"))
            self._new_section(style.landscape if wide else style.portrait, landscape=wide)
            self.section(annex, wide=wide, annex=True)
        if data.get("problems"):
            self._new_section(style.portrait)
            self.problems()
        self._properties()
        ask_to_update_fields(self.document)
        drop_thumbnail(self.document)

    def _properties(self) -> None:
        properties = self.document.core_properties
        properties.title = self.data["title"][:255]
        properties.author = properties.last_modified_by = (self.data.get("author") or "")[:255]
        properties.subject = self.data.get("outline_name", "")[:255]
        properties.comments = "由预算绩效评价工作台生成" + ("（草稿）" if self.data["draft"] else "")
        properties.language = "zh-CN"
        properties.keywords = ""
        properties.revision = 1
        properties.created = properties.modified = datetime.now(UTC).replace(microsecond=0)


def render_word_document(content: ReportContent | dict, style: WordStyle = REPORT_STYLE) -> RenderedWord:
    started = time.monotonic()
    data = content.to_dict() if isinstance(content, ReportContent) else content
    report = _Report(data, style)
    report.build()
    buffer = io.BytesIO()
    report.document.save(buffer)
    return RenderedWord(buffer.getvalue(), time.monotonic() - started, report.tables, report.headings)


def render_word(content: ReportContent | dict) -> bytes:
    return render_word_document(content).docx
