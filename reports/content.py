"""The assembled report: plain dataclasses, independent of HTML, CSS and the PDF engine.

assemble_report() builds a ReportContent from the data; to_dict() gives the JSON snapshot that a
ReportVersion stores and hashes; the templates render either the dataclasses or that dict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

WHOLE_ROWS = 12  # tables of at most this many rows are kept on one page


@dataclass
class Run:
    """A piece of a paragraph's text with its emphasis, as the evaluator wrote it in a section."""

    text: str
    bold: bool = False
    italic: bool = False
    br: bool = False  # a line break (text is then empty)
    missing: bool = False  # a figure bound to data that no longer exists: text is the 数据已删除 marker


@dataclass
class Paragraph:
    text: str
    label: str = ""  # a leading label printed in bold: "预算完成率："
    footnote: str = ""  # a footnote attached at the end of the paragraph
    style: str = ""  # "" (indented body text), "subhead", "note", "plain", "heading" (a section's own sub-heading)
    kind: str = "p"
    runs: list[Run] = field(default_factory=list)  # the text with bold/italic/line breaks, when it has any
    level: int = 0  # a "heading"'s level in the report's hierarchy (4 （1）, 5 ①), below its section's


@dataclass
class ListBlock:
    """A bullet or numbered list written in a section; each item holds Paragraphs and nested ListBlocks."""

    ordered: bool
    items: list[list] = field(default_factory=list)
    kind: str = "list"


@dataclass
class Cell:
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    align: str = ""  # "num" (right-aligned figures), "center"
    role: str = ""  # "level" (merged indicator level), "subtotal", "total", "muted"


@dataclass
class Column:
    width: float  # percent of the table width (table-layout: fixed)
    align: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    head: list[list[Cell]]
    bodies: list[list[list[Cell]]]  # each body is a <tbody> of rows of cells
    number: str = ""  # 表1-1, filled in by the outline's numbering
    unit_note: str = ""  # 单位：万元
    notes: list[str] = field(default_factory=list)
    size: str = ""  # "", "small" (annex tables)
    keep_bodies: bool = False  # never split a body across pages (its merged labels would be lost)
    empty_text: str = ""  # shown instead of the table when it has no rows
    whole: bool = False  # short table: never split across pages
    kind: str = "table"
    style: str = ""  # "", "rich" (a table written in a section: cells of several lines, top-aligned)

    def __post_init__(self) -> None:
        self.whole = self.whole or sum(len(body) for body in self.bodies) <= WHOLE_ROWS

    @property
    def caption(self) -> str:
        return f"{self.number} {self.title}".strip()


@dataclass
class Section:
    anchor: str
    title: str
    level: int  # 1 一、 2 （一） 3 1. 4 （1）
    number: str = ""
    blocks: list = field(default_factory=list)  # Paragraph | ListBlock | Table
    children: list[Section] = field(default_factory=list)
    toc: bool = True
    new_page: bool = False
    wide: bool = False  # laid out on landscape pages (annex tables)

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}"


@dataclass
class CoverField:
    label: str
    value: str


@dataclass
class Problem:
    severity: str  # 错误 / 待填 / 提示
    where: str
    message: str


@dataclass
class ReportContent:
    evaluation_id: int
    title: str
    cover_fields: list[CoverField]
    date_text: str
    outline_key: str
    outline_version: int
    outline_name: str
    author: str  # the evaluating firm, for the PDF metadata
    preamble: list = field(default_factory=list)  # Paragraph | ListBlock | Table
    sections: list[Section] = field(default_factory=list)
    annexes: list[Section] = field(default_factory=list)
    draft: bool = False
    problems: list[Problem] = field(default_factory=list)
    total: str = ""  # "97.75"
    grade: str = ""
    title_lines: list[str] = field(default_factory=list)  # the title as the cover breaks it (never inside a word)
    typography: str = "report"  # the outline's typography profile (reports/typography.py)
    fonts: dict = field(default_factory=dict)  # role → family actually used on this server

    def to_dict(self) -> dict:
        return asdict(self)

    def toc_entries(self) -> list[tuple[int, str, str]]:
        return toc_entries(self.to_dict())


def toc_entries(content: dict) -> list[tuple[int, str, str]]:
    """(level, heading, anchor) of the headings shown in the table of contents: levels 1 and 2 and annexes."""
    entries = []

    def walk(sections: list[dict]) -> None:
        for section in sections:
            if section["toc"] and section["level"] <= 2:
                entries.append((section["level"], f"{section['number']}{section['title']}", section["anchor"]))
                walk(section["children"])

    walk(content["sections"])
    walk(content["annexes"])
    return entries


def canonical_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(data: dict, *extra: str) -> str:
    """SHA-256 of the content snapshot plus anything else that changes the PDF (outline, renderer)."""
    digest = hashlib.sha256(canonical_json(data).encode())
    for part in extra:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()
