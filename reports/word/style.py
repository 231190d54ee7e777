"""The fonts, sizes and spacing of the Word report, in one replaceable value.

WordStyle holds every typographic choice of the .docx; a typography profile (e.g. "公文") is another WordStyle.
REPORT_STYLE is the PDF's current "报告" look (static/reports/report.css): a serif (宋体-like) for text and
tables and a bold sans (黑体-like) for headings, table headers and labels, at the same sizes as the PDF.

Fonts are named as Chinese Word names them (宋体, 黑体, 仿宋, 楷体) and set for East Asian text (w:eastAsia),
with a Latin face for digits and letters. The .docx does not embed fonts: Word substitutes a font the machine
lacks (the font table gives each one's Windows name and GB2312 charset, so the substitute is a Chinese face of
the same kind); LibreOffice does the same through fontconfig (Noto Serif/Sans CJK on Debian).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reports.typography import GONGWEN, REPORT

MM_TWIPS = 1440 / 25.4
MM_PT = 72 / 25.4


@dataclass(frozen=True)
class Face:
    east_asia: str  # the face of Chinese text: 宋体
    latin: str  # the face of digits and Latin letters: Times New Roman


@dataclass(frozen=True)
class Font:
    face: Face
    size: float  # points
    bold: bool = False

    @property
    def east_asia(self) -> str:
        return self.face.east_asia

    @property
    def latin(self) -> str:
        return self.face.latin

    def sized(self, size: float) -> Font:
        return replace(self, size=size)


@dataclass(frozen=True)
class Spacing:
    """A paragraph's space before and after (points) and its line height: a multiple of single spacing, or with
    ``exact`` a fixed pitch in points (公文: 28 characters × 22 lines a page)."""

    before: float = 0
    after: float = 0
    line: float = 1.0
    exact: float = 0


@dataclass(frozen=True)
class Page:
    """Paper and margins in millimetres (top, right, bottom, left)."""

    width: float = 210
    height: float = 297
    margins: tuple[float, float, float, float] = (25, 25, 22, 25)
    header: float = 12  # distance of the header from the paper's top edge
    footer: float = 10

    @property
    def text_width_twips(self) -> int:
        return round((self.width - self.margins[1] - self.margins[3]) * MM_TWIPS)


# The known Chinese faces: their Windows (Latin) names, used by Word and LibreOffice to find a substitute.
FACE_ALIASES = {
    "宋体": "SimSun",
    "黑体": "SimHei",
    "仿宋": "FangSong",
    "楷体": "KaiTi",
    "仿宋_GB2312": "FangSong_GB2312",
    "楷体_GB2312": "KaiTi_GB2312",
    "方正小标宋简体": "FZXiaoBiaoSong-B05S",
}

SERIF = Face("宋体", "Times New Roman")  # the PDF's Noto Serif CJK SC
SANS = Face("黑体", "Arial")  # the PDF's Noto Sans CJK SC


@dataclass(frozen=True)
class WordStyle:
    name: str = "报告"
    body: Font = Font(SERIF, 12)
    # Line heights as fixed pitches (固定值), the PDF's CSS line-height × size: a "multiple" in Word is of the
    # face's own line height, which for the CJK faces is about 1.4 em, and made the document 40–55 % longer.
    body_spacing: Spacing = Spacing(after=2.8, exact=21)
    first_line_em: float = 2  # first-line indent of body paragraphs, in characters
    justify: bool = True  # body text justified (both edges)
    headings: tuple[Font, ...] = (
        Font(SANS, 16, bold=True),
        Font(SANS, 14, bold=True),
        Font(SANS, 12, bold=True),
        Font(SANS, 12, bold=True),
    )
    heading_spacing: tuple[Spacing, ...] = (
        Spacing(17, 8.5, exact=24),
        Spacing(11.3, 5.7, exact=21),
        Spacing(8.5, 4.25, exact=18),
        Spacing(5.7, 2.8, exact=18),
    )
    annex_heading: Font = Font(SANS, 14, bold=True)
    label: Font = Font(SANS, 12, bold=True)  # the bold lead label of a paragraph ("预算完成率：") and sub-headings
    note_color: str = "555555"
    caption: Font = Font(SANS, 10.5, bold=True)
    caption_spacing: Spacing = Spacing(5.7, 2.8, exact=15.75)
    unit_note: Font = Font(SERIF, 9)
    table: Font = Font(SERIF, 10.5)
    table_line: float = 1.4
    small_table: Font = Font(SERIF, 9)
    small_table_line: float = 1.35
    table_head: Font = Font(SANS, 10.5, bold=True)  # header cells and total rows (size follows the table's)
    head_fill: str = "E8EDF3"
    subtotal_fill: str = "F4F4F4"
    border_color: str = "333333"
    border_eighths: int = 4  # 0.5 pt
    cell_margins_mm: tuple[float, float] = (1, 1.2)  # top/bottom, left/right
    small_cell_margins_mm: tuple[float, float] = (0.8, 1)
    footnote: Font = Font(SERIF, 9)
    cover_title: Font = Font(SANS, 24, bold=True)
    cover_title_before_mm: float = 55
    cover_field: Font = Font(SERIF, 15)
    cover_label: Font = Font(SANS, 15, bold=True)
    cover_fields_width_mm: float = 125
    cover_date: Font = Font(SERIF, 16)
    cover_date_before_mm: float = 35
    toc_title: Font = Font(SANS, 18, bold=True)
    toc_entry: Font = Font(SERIF, 12)
    toc_chapter: Font = Font(SANS, 12, bold=True)  # level-1 entries of the table of contents
    toc_line: float = 1.9  # × the entry's size, as a fixed pitch
    page_number: Font = Font(SERIF, 10.5)
    draft_mark: Font = Font(SANS, 10.5, bold=True)
    draft_color: str = "B00000"
    portrait: Page = Page()
    landscape: Page = Page(width=297, height=210, margins=(18, 20, 17, 20))
    faces: tuple[tuple[str, str], ...] = tuple(FACE_ALIASES.items())  # (Chinese name, Windows name)

    def heading(self, level: int) -> Font:
        return self.headings[min(level, len(self.headings)) - 1]

    def heading_space(self, level: int) -> Spacing:
        return self.heading_spacing[min(level, len(self.heading_spacing)) - 1]

    def fonts(self) -> list[Font]:
        """Every font the style uses (for the document's font table)."""
        return [value for value in vars(self).values() if isinstance(value, Font)] + list(self.headings)


REPORT_STYLE = WordStyle()

# 公文 (GB/T 9704, as the PDF's "gongwen" profile, static/reports/gongwen.css): 仿宋 三号 body at a fixed pitch,
# 一、 黑体, （一） 楷体, 1. 仿宋 bold, all 三号; tables 小四, captions 四号 黑体; page numbers 四号; 公文 margins.
FANGSONG = Face("仿宋", "Times New Roman")
KAITI = Face("楷体", "Times New Roman")
GONGWEN_PITCH = 28.99  # points: 22 lines in the 225 mm text height
_GONGWEN_LINE = Spacing(0, 0, exact=GONGWEN_PITCH)
GONGWEN_STYLE = replace(
    REPORT_STYLE,
    name="公文",
    body=Font(FANGSONG, 16),
    body_spacing=_GONGWEN_LINE,
    headings=(Font(SANS, 16), Font(KAITI, 16), Font(FANGSONG, 16, bold=True), Font(FANGSONG, 16)),
    heading_spacing=(_GONGWEN_LINE,) * 4,
    annex_heading=Font(SANS, 16),
    label=Font(FANGSONG, 16, bold=True),
    caption=Font(SANS, 14),
    caption_spacing=_GONGWEN_LINE,
    unit_note=Font(FANGSONG, 12),
    table=Font(FANGSONG, 12),
    small_table=Font(FANGSONG, 10.5),
    table_head=Font(SANS, 12),
    footnote=Font(FANGSONG, 12),
    cover_field=Font(FANGSONG, 16),
    cover_label=Font(SANS, 16),
    cover_date=Font(FANGSONG, 16),
    toc_entry=Font(FANGSONG, 14),
    toc_chapter=Font(SANS, 14),
    page_number=Font(SERIF, 14),
    portrait=Page(margins=(37, 26, 35, 28)),
)
STYLES = {REPORT: REPORT_STYLE, GONGWEN: GONGWEN_STYLE}  # by the outline's typography profile


def word_style(profile: str | None) -> WordStyle:
    """The Word style of a typography profile (reports.typography); the compact one when unknown."""
    return STYLES.get(profile or "", REPORT_STYLE)
