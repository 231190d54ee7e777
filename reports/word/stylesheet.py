"""The document's named styles, made from a WordStyle: Word's built-in 正文, 标题 1–4, 目录 1–2, 脚注, 列表 and
our own styles for tables, captions, notes and the cover. Styles rather than direct formatting, so an editor who
changes 正文 or 标题 2 in Word changes every paragraph of that kind."""

from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from reports.word.ooxml import add_fonts, set_font
from reports.word.style import MM_PT, Font, Spacing, WordStyle

# Built-in styles (Word shows them under their Chinese names: 正文, 标题 1, 目录 1, 脚注文本, 列表项目符号, 列表编号).
NORMAL = "Normal"
HEADINGS = ("Heading 1", "Heading 2", "Heading 3", "Heading 4")
TOC_LEVELS = ("toc 1", "toc 2")
FOOTNOTE_TEXT = "footnote text"
FOOTNOTE_MARK = "footnote reference"
LIST_BULLET = ("List Bullet", "List Bullet 2", "List Bullet 3")
LIST_NUMBER = ("List Number", "List Number 2", "List Number 3")
HEADER = "Header"
FOOTER = "Footer"
# Our own styles.
SUBHEAD = "小标题"
NOTE = "说明文字"
CAPTION = "表题"
UNIT_NOTE = "表注"
TABLE_TEXT = "表格文字"
SMALL_TABLE_TEXT = "表格文字（小）"
COVER_TITLE = "封面标题"
COVER_FIELD = "封面项目"
COVER_DATE = "封面日期"
TOC_TITLE = "目录标题"


# ASCII ids for the styles added here (Word finds built-in styles by name; ids only link paragraphs to styles).
STYLE_IDS = {
    "toc 1": "TOC1",
    "toc 2": "TOC2",
    FOOTNOTE_TEXT: "FootnoteText",
    FOOTNOTE_MARK: "FootnoteReference",
    SUBHEAD: "ReportSubhead",
    NOTE: "ReportNote",
    CAPTION: "ReportCaption",
    UNIT_NOTE: "ReportUnitNote",
    TABLE_TEXT: "ReportTableText",
    SMALL_TABLE_TEXT: "ReportSmallTableText",
    COVER_TITLE: "ReportCoverTitle",
    COVER_FIELD: "ReportCoverField",
    COVER_DATE: "ReportCoverDate",
    TOC_TITLE: "ReportTocTitle",
}


BUILT_IN = frozenset({*TOC_LEVELS, FOOTNOTE_TEXT, FOOTNOTE_MARK})


def ids(document) -> dict[str, str]:
    """Style name → style id: paragraphs get their style by id (python-docx's lookup by name scans every style)."""
    return {style.name: style.style_id for style in document.styles}


def _add_style(document, name: str, kind):
    styles = document.styles
    try:
        return styles[name]
    except KeyError:
        style = styles.add_style(name, kind)
        style.style_id = STYLE_IDS.get(name, style.style_id)
        if name in BUILT_IN:  # Word's own style (目录 1, 脚注文本): not marked custom, so Word uses it as its own
            style.element.attrib.pop(qn("w:customStyle"), None)
        return style


def _paragraph_style(document, name: str, base: str | None = NORMAL):
    styles = document.styles
    style = _add_style(document, name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        style.base_style = styles[base]
    style.hidden = False
    style.quick_style = True
    return style


def _space(style, spacing: Spacing) -> None:
    layout = style.paragraph_format
    layout.space_before = Pt(spacing.before)
    layout.space_after = Pt(spacing.after)
    layout.line_spacing = Pt(spacing.exact) if spacing.exact else spacing.line  # a Length: an exact pitch


def _no_indent(style) -> None:
    style.paragraph_format.first_line_indent = Twips(0)
    style.paragraph_format.left_indent = Twips(0)


def _defaults(document, style: WordStyle) -> None:
    """Document defaults: the body face and size, Chinese as the East Asian language, no spacing."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rPr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rPr.find(qn("w:rFonts"))
    for name in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(name), None)
    for key, value in (
        ("ascii", style.body.latin),
        ("hAnsi", style.body.latin),
        ("eastAsia", style.body.east_asia),
        ("cs", style.body.latin),
    ):
        fonts.set(qn(f"w:{key}"), value)
    for tag in ("w:sz", "w:szCs"):
        rPr.find(qn(tag)).set(qn("w:val"), str(round(style.body.size * 2)))
    rPr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")


def _heading(document, level: int, font: Font, spacing: Spacing) -> None:
    heading = _paragraph_style(document, HEADINGS[level - 1])
    set_font(heading.element, font, color="000000")
    heading.font.italic = False
    _space(heading, spacing)
    _no_indent(heading)
    heading.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    heading.paragraph_format.keep_with_next = True
    heading.paragraph_format.keep_together = True
    heading.next_paragraph_style = document.styles[NORMAL]


def _table_text(document, name: str, font: Font, line: float) -> None:
    text = _paragraph_style(document, name)
    set_font(text.element, font)
    _space(text, Spacing(0, 0, exact=round(font.size * line, 2)))  # the PDF's line-height, as a fixed pitch
    _no_indent(text)
    text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    text.paragraph_format.widow_control = False


def install(document, style: WordStyle) -> None:
    """Define every style the report uses."""
    _defaults(document, style)
    add_fonts(document, style.fonts(), dict(style.faces))

    normal = document.styles[NORMAL]
    set_font(normal.element, style.body)
    _space(normal, style.body_spacing)
    normal.paragraph_format.first_line_indent = Pt(style.body.size * style.first_line_em)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if style.justify else WD_ALIGN_PARAGRAPH.LEFT
    normal.paragraph_format.widow_control = True

    for level in range(1, len(HEADINGS) + 1):
        _heading(document, level, style.heading(level), style.heading_space(level))

    subhead = _paragraph_style(document, SUBHEAD)
    set_font(subhead.element, style.label)
    subhead.paragraph_format.keep_with_next = True

    note = _paragraph_style(document, NOTE)
    set_font(note.element, style.body, color=style.note_color)

    caption = _paragraph_style(document, CAPTION)
    set_font(caption.element, style.caption)
    _space(caption, style.caption_spacing)
    _no_indent(caption)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True

    unit_note = _paragraph_style(document, UNIT_NOTE)
    set_font(unit_note.element, style.unit_note)
    _space(unit_note, Spacing(0, 0, 1.3))
    _no_indent(unit_note)
    unit_note.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    unit_note.paragraph_format.keep_with_next = True

    _table_text(document, TABLE_TEXT, style.table, style.table_line)
    _table_text(document, SMALL_TABLE_TEXT, style.small_table, style.small_table_line)

    for name in (*LIST_BULLET, *LIST_NUMBER):
        _paragraph_style(document, name)

    footnote = _paragraph_style(document, FOOTNOTE_TEXT)
    set_font(footnote.element, style.footnote)
    _space(footnote, Spacing(0, 0, 1.3))
    _no_indent(footnote)
    footnote.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _add_style(document, FOOTNOTE_MARK, WD_STYLE_TYPE.CHARACTER).font.superscript = True

    for name in (HEADER, FOOTER):
        part = _paragraph_style(document, name)
        _no_indent(part)

    _cover(document, style)
    _contents(document, style)


def _cover(document, style: WordStyle) -> None:
    title = _paragraph_style(document, COVER_TITLE)
    set_font(title.element, style.cover_title)
    _space(title, Spacing(style.cover_title_before_mm * MM_PT, 0, 1.5))
    _no_indent(title)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    # The fields are a block of cover_fields_width_mm centred on the page, each label hanging (5 characters).
    field = _paragraph_style(document, COVER_FIELD)
    set_font(field.element, style.cover_field)
    _space(field, Spacing(0, 0, 2))
    hanging = style.cover_field.size * 5
    side = (style.portrait.text_width_twips / 20 - style.cover_fields_width_mm * MM_PT) / 2
    field.paragraph_format.left_indent = Pt(side + hanging)
    field.paragraph_format.right_indent = Pt(side)
    field.paragraph_format.first_line_indent = Pt(-hanging)
    field.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    date = _paragraph_style(document, COVER_DATE)
    set_font(date.element, style.cover_date)
    _space(date, Spacing(style.cover_date_before_mm * MM_PT, 0, 1.5))
    _no_indent(date)
    date.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _contents(document, style: WordStyle) -> None:
    title = _paragraph_style(document, TOC_TITLE)
    set_font(title.element, style.toc_title)
    _space(title, Spacing(0, 8 * MM_PT, 1.5))
    _no_indent(title)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    width = Twips(style.portrait.text_width_twips)
    for level, name in enumerate(TOC_LEVELS, start=1):
        entry = _paragraph_style(document, name)
        set_font(entry.element, style.toc_chapter if level == 1 else style.toc_entry)
        font = style.toc_chapter if level == 1 else style.toc_entry
        _space(entry, Spacing(0, 0, exact=round(font.size * style.toc_line, 2)))
        _no_indent(entry)
        entry.paragraph_format.left_indent = Pt(style.toc_entry.size * 2 * (level - 1))
        entry.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        entry.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
