"""The rich narrative's sanitised HTML as Word paragraphs, lists and tables.

The narrative editor stores HTML limited to an allow-list: p, br, strong, em, h3, h4, ul, ol, li, table, thead,
tbody, tr, th, td (colspan, rowspan) and <span data-figure="KEY">value</span> for a bound figure (its value is
printed as text). html_to_docx writes that HTML into a python-docx container (the document, or a table cell):
p → a body paragraph; h3/h4 → bold sub-headings that stay with the next paragraph and are not in the table of
contents; ul/ol → Word list paragraphs (列表项目符号 / 列表编号, deeper levels 2 and 3), each <ol> counting from 1;
tables → Word tables with merged cells and repeated header rows; strong/em → bold/italic runs. Any other tag is
dropped and its text kept, script and style with their content (the sanitiser should not let one through).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from reports.word import stylesheet
from reports.word.ooxml import add_paragraph, clean, list_definition, list_instance, set_font, set_numbering
from reports.word.style import MM_TWIPS, Font, WordStyle
from reports.word.tables import GridCell, GridRow, write_table

INLINE = frozenset({"strong", "b", "em", "i", "span", "br"})
BLOCK = frozenset({"p", "h3", "h4", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td"})
# A start tag that ends the open element of the same family (HTML's implied end tags).
CLOSES = {
    "p": {"p"},
    "li": {"li", "p"},
    "tr": {"tr", "td", "th", "p"},
    "td": {"td", "th", "p"},
    "th": {"td", "th", "p"},
    "thead": {"thead", "tbody", "tr", "td", "th", "p"},
    "tbody": {"thead", "tbody", "tr", "td", "th", "p"},
}
SKIPPED = frozenset({"script", "style", "template"})  # dropped with their content
BOUNDARY = frozenset({"ul", "ol", "table", "root"})  # implied ends never cross these
SPACES = re.compile(r"\s+")

ORDERED = [("decimal", "%1."), ("decimal", "（%2）"), ("decimalEnclosedCircle", "%3")] + [
    ("decimal", f"%{level}.") for level in range(4, 10)
]
BULLETS = [("bullet", "•"), ("bullet", "◦"), ("bullet", "▪")] * 3


@dataclass
class Node:
    tag: str  # "" for text
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str = ""

    @property
    def inline(self) -> bool:
        return self.tag == "" or self.tag in INLINE


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
            return
        if tag not in BLOCK and tag not in INLINE:
            return  # not in the allow-list: dropped, its text kept
        closes = CLOSES.get(tag, set())
        for index in range(len(self.stack) - 1, 0, -1):
            open_tag = self.stack[index].tag
            if open_tag in BOUNDARY:
                break
            if open_tag in closes:
                del self.stack[index:]
                break
        node = Node(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(node)
        if tag != "br":
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag != "br" and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
            return
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if self.skipping:
            return
        self.stack[-1].children.append(Node("", text=data))


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html or "")
    builder.close()
    return builder.root


@dataclass(frozen=True)
class Format:
    bold: bool = False
    italic: bool = False
    font: Font | None = None  # a face other than the paragraph style's (table header cells)


def _span(node: Node, name: str) -> int:
    try:
        return max(1, min(int(node.attrs.get(name) or 1), 1000))
    except ValueError:
        return 1


class _Writer:
    def __init__(self, part, style: WordStyle, width: int, ids: dict[str, str] | None = None):
        self.part = part
        self.style = style
        self.width = width
        self.ids = ids or stylesheet.ids(part.document)
        self.pending_break = None  # the paragraph whose last text ended in a line break after a Chinese character

    # --- inline ---------------------------------------------------------------------------------------------

    def inline(self, paragraph, node: Node, fmt: Format) -> None:
        if node.tag == "":
            text = self.collapse(paragraph, clean(node.text))
            if text:
                run = paragraph.add_run(text)
                if fmt.font:
                    set_font(run._r, fmt.font)
                if fmt.bold:
                    run.bold = True
                if fmt.italic:
                    run.italic = True
            return
        if node.tag == "br":
            paragraph.add_run().add_break()
            return
        if node.tag in ("strong", "b"):
            fmt = replace(fmt, bold=True)
        elif node.tag in ("em", "i"):
            fmt = replace(fmt, italic=True)
        for child in node.children:
            self.inline(paragraph, child, fmt)

    def collapse(self, paragraph, text: str) -> str:
        """HTML's white space: a run of it is one space, none at a paragraph's start; a line break between two
        Chinese characters disappears (CSS Text 3), also across tags (decided when the next text arrives)."""
        before = paragraph.text[-1:] if paragraph.runs else ""
        pending, self.pending_break = self.pending_break is paragraph, None
        if pending and text[:1] and not text[0].isspace() and not _wide(text[0]):
            text = " " + text
        out, position = "", 0
        for match in SPACES.finditer(text):
            out += text[position : match.start()]
            position = match.end()
            previous, following = out[-1:] or before, text[position : position + 1]
            line_break = "\n" in match.group()
            if previous in ("", " ", "\n"):
                continue  # nothing to separate: a paragraph's start, or after a space or a line break
            if line_break and _wide(previous) and not following:
                self.pending_break = paragraph
            elif not (line_break and _wide(previous) and _wide(following)):
                out += " "
        return out + text[position:]

    # --- blocks ---------------------------------------------------------------------------------------------

    def blocks(self, container, nodes: list[Node], paragraph_style: str, fmt: Format, depth: int = 0) -> None:
        """Block content: loose inline content between blocks gathers into paragraphs of paragraph_style."""
        current = None
        for node in nodes:
            if node.inline:
                if current is None:
                    if node.tag == "" and not node.text.strip():
                        continue
                    current = self.add(container, paragraph_style)
                self.inline(current, node, fmt)
                continue
            _trim(current)
            current = None
            self.block(container, node, paragraph_style, fmt, depth)
        _trim(current)

    def block(self, container, node: Node, paragraph_style: str, fmt: Format, depth: int) -> None:
        tag = node.tag
        if tag in ("ul", "ol"):
            self.list(container, node, depth)
        elif tag == "table":
            self.table(container, node)
        elif tag in ("h3", "h4"):
            paragraph = self.add(container, stylesheet.SUBHEAD)
            paragraph.paragraph_format.first_line_indent = Pt(0)  # a heading, as the PDF prints h3/h4
            for child in node.children:
                self.inline(paragraph, child, fmt)
            _trim(paragraph)
        elif tag == "p" or tag == "li":
            paragraph = self.add(container, paragraph_style)
            self._align_like(paragraph, fmt)
            for child in node.children:
                if child.inline:
                    self.inline(paragraph, child, fmt)
                else:  # a block inside a paragraph (malformed): written after it
                    self.block(container, child, paragraph_style, fmt, depth)
            _trim(paragraph)
        else:  # table parts outside a table, and the like: their content as blocks
            self.blocks(container, node.children, paragraph_style, fmt, depth)

    def _align_like(self, paragraph, fmt: Format) -> None:
        if fmt.font is not None:  # header cells are centred
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    # --- lists ----------------------------------------------------------------------------------------------

    def list(self, container, node: Node, depth: int) -> None:
        ordered = node.tag == "ol"
        name = "报告正文编号列表" if ordered else "报告正文项目符号列表"
        em = round(self.style.body.size * 20)
        abstract = list_definition(self.part, name, ORDERED if ordered else BULLETS, 2 * em)
        num_id = list_instance(self.part, abstract, min(depth, 8))
        styles = stylesheet.LIST_NUMBER if ordered else stylesheet.LIST_BULLET
        for child in node.children:
            if child.tag == "" and not child.text.strip():
                continue
            children = child.children if child.tag == "li" else [child]
            self.item(container, children, styles[min(depth, len(styles) - 1)], num_id, depth)

    def item(self, container, children: list[Node], style_name: str, num_id: int, depth: int) -> None:
        """One list item: the numbered paragraph, then its nested lists, further paragraphs and tables."""
        size = self.style.body.size
        left, hanging = Pt(size * 2 * (depth + 2)), Pt(size * 2)
        paragraph = self.add(container, style_name)
        set_numbering(paragraph, num_id, min(depth, 8))
        paragraph.paragraph_format.left_indent = left
        paragraph.paragraph_format.first_line_indent = -hanging
        current = paragraph
        for child in children:
            if child.inline:
                if current is None:
                    if child.tag == "" and not child.text.strip():
                        continue
                    current = self.continuation(container, style_name, left)
                self.inline(current, child, Format())
            elif child.tag in ("p", "li"):  # the item's first paragraph is the numbered one, the others follow it
                if not (current is paragraph and not paragraph.runs):
                    _trim(current)
                    current = self.continuation(container, style_name, left)
                for grandchild in child.children:
                    self.inline(current, grandchild, Format())
                _trim(current)
                current = None
            else:
                _trim(current)
                current = None
                self.block(container, child, stylesheet.NORMAL, Format(), depth + 1)
        _trim(current)

    def continuation(self, container, style_name: str, left):
        """A further paragraph of a list item: indented like the item's text, numbering off (numId 0)."""
        paragraph = self.add(container, style_name)
        paragraph.paragraph_format.left_indent = left
        paragraph.paragraph_format.first_line_indent = Pt(0)
        set_numbering(paragraph, 0, 0)
        return paragraph

    def add(self, container, style_name: str):
        return add_paragraph(container, self.ids[style_name])

    # --- tables ---------------------------------------------------------------------------------------------

    def table(self, container, node: Node) -> None:
        groups: list[list[GridRow]] = []
        loose: list[GridRow] = []
        for child in node.children:
            if child.tag in ("thead", "tbody"):
                if loose:
                    groups.append(loose)
                    loose = []
                rows = [self.row(tr, header=child.tag == "thead") for tr in child.children if tr.tag == "tr"]
                if rows:
                    groups.append(rows)
            elif child.tag == "tr":
                loose.append(self.row(child, header=False))
        if loose:
            groups.append(loose)
        if not groups:
            return
        first = groups[0]
        if not first[0].header and first[0].cells and all(cell.shade for cell in first[0].cells):
            first[0].header = True  # a first row of <th> only is the header row
        for group in groups:
            for row in group:
                row.keep_with_next = row.header
        text_style = self.ids[stylesheet.TABLE_TEXT]
        write_table(container, groups, total=self.width, style=self.style, text_style=text_style)

    def row(self, tr: Node, *, header: bool) -> GridRow:
        cells = []
        for cell in tr.children:
            if cell.tag not in ("td", "th"):
                continue
            head = cell.tag == "th" or header
            cells.append(
                GridCell(
                    self.cell_filler(cell.children, head),
                    rowspan=_span(cell, "rowspan"),
                    colspan=_span(cell, "colspan"),
                    shade=self.style.head_fill if head else "",
                )
            )
        return GridRow(cells, header=header)

    def cell_filler(self, children: list[Node], head: bool):
        def fill(cell) -> None:
            fmt = Format(font=self.style.table_head) if head else Format()
            inner = cell.width.twips - 2 * round(self.style.cell_margins_mm[1] * MM_TWIPS) if cell.width else self.width
            writer = _Writer(self.part, self.style, max(inner, 567), self.ids)
            writer.blocks(cell, children, stylesheet.TABLE_TEXT, fmt)
            first = cell.paragraphs[0]
            if len(cell._tc) > 2 and not first.runs:  # the empty paragraph a new cell starts with
                cell._tc.remove(first._p)
            for paragraph in cell.paragraphs:
                if paragraph._p.style in (None, self.ids[stylesheet.NORMAL]):
                    paragraph._p.style = self.ids[stylesheet.TABLE_TEXT]
                if head:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

        return fill


def _wide(character: str) -> bool:
    """A Chinese (CJK or full-width) character: no space is needed around it."""
    code = ord(character) if character else 0
    return code >= 0x2E80 and not 0xAC00 <= code <= 0xD7AF  # Hangul keeps its spaces


def _trim(paragraph) -> None:
    """Drop the trailing space HTML source leaves at the end of a paragraph."""
    if paragraph is not None and paragraph.runs:
        last = paragraph.runs[-1]
        if last.text.endswith(" "):
            last.text = last.text.rstrip(" ")


def html_to_docx(container, html: str, style: WordStyle, *, width: int | None = None) -> None:
    """Write sanitised narrative HTML into a python-docx container (the Document or a table cell).

    width is the width available to tables in twips (default: the style's portrait text width).
    """
    writer = _Writer(container.part, style, width or style.portrait.text_width_twips)
    writer.blocks(container, parse(html).children, stylesheet.NORMAL, Format())


# --- the report's own rich blocks (reports.rich_text): lists and formatted paragraphs ---------------------------


def run_nodes(paragraph: dict) -> list[Node]:
    """A Paragraph's runs (bold, italic, line breaks) as inline nodes; its plain text when it has no runs."""
    runs = paragraph.get("runs") or []
    if not runs:
        return [Node("", text=paragraph.get("text", ""))]
    nodes = []
    for run in runs:
        if run.get("br"):
            nodes.append(Node("br"))
            continue
        node = Node("", text=run.get("text", ""))
        if run.get("italic"):
            node = Node("em", children=[node])
        if run.get("bold"):
            node = Node("strong", children=[node])
        nodes.append(node)
    return nodes


def _list_node(block: dict) -> Node:
    items = []
    for item in block.get("items", []):
        children = [
            _list_node(part) if part.get("kind") == "list" else Node("p", children=run_nodes(part)) for part in item
        ]
        items.append(Node("li", children=children))
    return Node("ol" if block.get("ordered") else "ul", children=items)


def list_to_docx(container, block: dict, style: WordStyle, *, width: int | None = None) -> None:
    """A list written in a section (reports.content.ListBlock, as a dict), numbered or bulleted as Word lists."""
    writer = _Writer(container.part, style, width or style.portrait.text_width_twips)
    writer.list(container, _list_node(block), 0)


def runs_to_paragraph(paragraph, block: dict, style: WordStyle) -> None:
    """A formatted Paragraph's runs into a python-docx paragraph."""
    writer = _Writer(paragraph.part, style, style.portrait.text_width_twips)
    for node in run_nodes(block):
        writer.inline(paragraph, node, Format())
