"""The report's rich text: what HTML a section or an analysis may hold, the one sanitiser, and reading it back.

A section (NarrativeSection.text) and an indicator's analysis (EvaluationIndicator.analysis, and the drafter's
text it is compared with) are stored as sanitised HTML: paragraphs, sub-headings h3/h4 (the section's own title is
the report heading), bullet and numbered lists, bold, italic and tables with merged cells; nothing else.
``clean_section_html`` is the only way in: the section and analysis pages, the drafter, the admin, the perf-eval/1
reader (imports, the demo, new editions) all call it. Plain text (an older document, a browser without the
editor) becomes one paragraph per line; HTML (the editor's, or pasted from Word or a web page) is sanitised with nh3
against an explicit allow-list.

A figure bound to the data is stored as ``<span data-figure="KEY"></span>`` (the only attribute a span may have):
its value is never stored, it is filled in when the text is shown or printed (evaluations.queries.bound_figures
says which keys exist and what they read), so it cannot go stale; a key that no longer exists shows
MISSING_FIGURE.

``plain_text`` gives the text back for whatever reads sections as text (the consistency check, counts, messages),
``figure_keys`` the bindings, ``with_figures`` the HTML a page shows, and ``parse`` the normalised element tree that
the report (reports/) lays out with its own styles.

Pure Python (nh3 and the standard library): no Django, so every layer may use it.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from rubrics.text import clean_text

# --- what a section may hold ------------------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "h3", "h4", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "span"}
)
ALLOWED_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "span": {"data-figure"}}
FIGURE = "data-figure"
# A bound figure's key (see evaluations.queries.bound_figures): total · grade · figure:KEY · formula:KEY ·
# sum:TABLE:COLUMN · indicator:PATH:score|weight|actual|explanation|facts. Anything else is not a key and is
# dropped with its span.
FIGURE_KEY = re.compile(
    r"^(?:total|grade|(?:figure|formula):[^<>\"\s]{1,200}|sum:\w{1,60}:\w{1,60}(?::wan)?"
    r"|indicator:[^<>\"]{1,600}:(?:score|weight|actual|explanation|facts))$"
)
# A bound figure longer than this (a calculation, a sentence) may wrap on the page; a number with its unit never.
SHORT_FIGURE = 16
MISSING_FIGURE = "数据已删除"
MAX_SPAN = 100  # a merged cell spans at most this many rows or columns; anything else is junk
# Dropped with everything inside them (the rest of a disallowed tag is unwrapped: its text stays).
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "xml",
        "head",
        "title",
        "meta",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "noscript",
        "template",
        "svg",
        "math",
        "textarea",
        "select",
        "button",
    }
)

# The editor (django-prose-editor) offers exactly what the sanitiser keeps.
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [3, 4]},
    "BulletList": True,
    "OrderedList": {"enableListAttributes": False},
    "ListItem": True,
    "HardBreak": True,
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "History": True,
    "WordPaste": True,  # ours (static/js/prose_word_paste.js): Word's list paragraphs become real lists
    "DataFigure": True,  # ours (static/js/prose_data_figure.js): a figure bound to the data, from a picker
}

BLOCK_TAGS = frozenset({"p", "h3", "h4", "ul", "ol", "table"})
INLINE_TAGS = frozenset({"strong", "em", "br", "span"})
TEXT_BLOCKS = frozenset({"p", "h3", "h4"})
SPACE = re.compile(r"[ \t\n\r\f\xa0]+")
EDGE_SPACE = " \t\n\r\f\xa0\u3000"
TAG_LIKE = re.compile(r"<(?:/?[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?|!--)>?", re.S)


def looks_like_html(text: str) -> bool:
    """Whether a stored or imported text is HTML (a tag or a comment) rather than plain paragraphs."""
    return bool(text) and TAG_LIKE.search(text) is not None


def html_from_text(text: str) -> str:
    """Plain text as HTML: each non-empty line one paragraph, escaped."""
    lines = (line.strip(EDGE_SPACE) for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


# --- Word's clipboard HTML --------------------------------------------------------------------------

_WORD_PARAGRAPH = re.compile(r"<p\b([^>]*)>(.*?)</p\s*>", re.S | re.I)
_WORD_LIST_STYLE = re.compile(r"mso-list:\s*l(\d+)\s+level(\d+)", re.I)
_WORD_MARKER = re.compile(r"<!(?:--)?\[if\s+!supportLists\](?:--)?>(.*?)<!(?:--)?\[endif\](?:--)?>", re.S | re.I)
_ORDERED_MARKER = re.compile(r"^[（(]?(\d+|[一二三四五六七八九十]+|[a-zA-Z]|[ivxlcIVXLC]+)[)）.．、]|^[①-⑳]")
_TAG = re.compile(r"<[^>]*>")


@dataclass
class _ListParagraph:
    start: int
    end: int
    list_id: str
    level: int
    tag: str
    content: str


def _word_list_paragraphs(source: str) -> list[_ListParagraph]:
    found = []
    for match in _WORD_PARAGRAPH.finditer(source):
        style = _WORD_LIST_STYLE.search(match.group(1))
        if style is None:
            continue
        content = match.group(2)
        marker = _WORD_MARKER.search(content)
        marker_text = ""
        if marker is not None:
            marker_text = html.unescape(_TAG.sub("", marker.group(1))).strip(EDGE_SPACE)
            content = content[: marker.start()] + content[marker.end() :]
        tag = "ol" if _ORDERED_MARKER.match(marker_text) else "ul"
        found.append(_ListParagraph(match.start(), match.end(), style.group(1), int(style.group(2)), tag, content))
    return found


def _nested_list(items: list[_ListParagraph]) -> str:
    parts: list[str] = []
    stack: list[tuple[int, str]] = []  # open lists, each with an open <li>
    for item in items:
        while stack and stack[-1][0] > item.level:
            parts.append(f"</li></{stack.pop()[1]}>")
        if stack and stack[-1][0] == item.level:
            if stack[-1][1] == item.tag:
                parts.append("</li>")
            else:
                parts.append(f"</li></{stack.pop()[1]}><{item.tag}>")
                stack.append((item.level, item.tag))
        else:
            parts.append(f"<{item.tag}>")
            stack.append((item.level, item.tag))
        parts.append(f"<li><p>{item.content}</p>")
    while stack:
        parts.append(f"</li></{stack.pop()[1]}>")
    return "".join(parts)


def word_lists(source: str) -> str:
    """Word writes a list as paragraphs styled ``mso-list:l0 level1`` with the bullet or number as text;
    consecutive ones become one (nested) <ul>/<ol>, numbered when the marker is a number (1. （1） 一、 ①)."""
    paragraphs = _word_list_paragraphs(source)
    if not paragraphs:
        return source
    runs: list[list[_ListParagraph]] = []
    for paragraph in paragraphs:
        previous = runs[-1][-1] if runs else None
        joined = (
            previous is not None
            and previous.list_id == paragraph.list_id
            and not _TAG.sub("", source[previous.end : paragraph.start]).strip(EDGE_SPACE)
        )
        if joined:
            runs[-1].append(paragraph)
        else:
            runs.append([paragraph])
    out, position = [], 0
    for run in runs:
        out.append(source[position : run[0].start])
        out.append(_nested_list(run))
        position = run[-1].end
    out.append(source[position:])
    return "".join(out)


# Tags that mean the same as an allowed one: bold and italic as Word writes them, headings of any level (inside a
# section only h3/h4 exist: the section's own title is the heading above them), and blocks written as <div>.
_RENAMED = {"b": "strong", "i": "em", "h1": "h3", "h2": "h3", "h5": "h4", "h6": "h4", "div": "p"}
_RENAMED_TAG = re.compile(r"<(/?)(b|i|h1|h2|h5|h6|div)(?=[\s>/])[^>]*>", re.I)


def _rename(source: str) -> str:
    return _RENAMED_TAG.sub(lambda m: f"<{m.group(1)}{_RENAMED[m.group(2).lower()]}>", source)


# --- the sanitiser -----------------------------------------------------------------------------------


def _span_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("colspan", "rowspan"):
        value = value.strip()
        return value if value.isdigit() and 1 < int(value) <= MAX_SPAN else None
    if attribute == FIGURE:
        return value if FIGURE_KEY.match(value) else None
    return None


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_span_filter,
    strip_comments=True,
    link_rel=None,
    url_schemes=set(),
)


# Pages and the consistency check read the same stored texts on every request: the results of the pure
# functions below (a string in, a string or a tuple out) are kept per process for the texts seen last.
TEXTS_KEPT = 2048


def clean_section_html(value: str | None) -> str:
    """The one sanitiser of section text: plain text → paragraphs; HTML → the allow-list, normalised.

    Idempotent (cleaning clean HTML changes nothing), and "" for a section with no text left.
    """
    return _clean_section_html(value or "")


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _clean_section_html(value: str) -> str:
    value = clean_text(value).strip()
    if not value:
        return ""
    if not looks_like_html(value):
        return html_from_text(value)
    cleaned = _CLEANER.clean(_rename(word_lists(value)))
    return serialise(normalise(_Builder.build(cleaned)))


# --- the element tree ----------------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    @property
    def figure(self) -> str:
        """The key of a bound figure (a span), "" for every other element."""
        return self.attrs.get(FIGURE, "") if self.tag == "span" else ""

    @property
    def text(self) -> str:
        """The text inside, line breaks as "\\n" (bound figures left out: see text_of)."""
        return text_of(self)

    def span(self, name: str) -> int:
        value = self.attrs.get(name, "1")
        return int(value) if value.isdigit() and 0 < int(value) <= MAX_SPAN else 1


class _Builder(HTMLParser):
    """Clean HTML (nh3's output) into Elements; end tags close up to the matching open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root")
        self.stack = [self.root]

    @classmethod
    def build(cls, source: str) -> list[Element | str]:
        builder = cls()
        builder.feed(source)
        builder.close()
        return builder.root.children

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag != "br":
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _inline(children: list[Element | str]) -> list[Element | str]:
    """Inline content with whitespace collapsed and empty bold/italic dropped; a bound figure is an empty span
    with its key (a span without one is unwrapped)."""
    out: list[Element | str] = []
    for child in children:
        if isinstance(child, str):
            text = SPACE.sub(" ", child)
            if text:
                out.append(text)
        elif child.tag == "br":
            out.append(Element("br"))
        elif child.tag == "span":
            if child.figure:
                out.append(Element("span", {FIGURE: child.figure}))
            else:
                out.extend(_inline(child.children))
        elif child.tag in INLINE_TAGS:
            inner = _inline(child.children)
            if inner:
                out.append(Element(child.tag, {}, inner))
        else:  # a block inside inline content (only from odd markup): keep its text
            out.extend(_inline(child.children))
    merged: list[Element | str] = []  # adjacent texts (from unwrapped tags) as one, its spaces collapsed again
    for node in out:
        if isinstance(node, str) and merged and isinstance(merged[-1], str):
            merged[-1] = SPACE.sub(" ", merged[-1] + node)
        else:
            merged.append(node)
    return merged


def _has_text(children: list[Element | str]) -> bool:
    return any(
        child.strip(EDGE_SPACE)
        if isinstance(child, str)
        else bool(child.figure) or (child.tag != "br" and _has_text(child.children))
        for child in children
    )


def _trim(children: list[Element | str], *, start: bool) -> None:
    """Strip white space (and line breaks) at the start or end of a block's inline content."""
    while children:
        index = 0 if start else -1
        child = children[index]
        if isinstance(child, str):
            text = child.lstrip(EDGE_SPACE) if start else child.rstrip(EDGE_SPACE)
            if text:
                children[index] = text
                return
            children.pop(index)
        elif child.tag == "br":
            children.pop(index)
        elif child.figure:  # a bound figure is content
            return
        else:
            _trim(child.children, start=start)
            if child.children:
                return
            children.pop(index)


def _text_block(tag: str, children: list[Element | str]) -> Element | None:
    inner = _inline(children)
    _trim(inner, start=True)
    _trim(inner, start=False)
    return Element(tag, {}, inner) if _has_text(inner) else None


def _flow(children: list[Element | str]) -> list[Element]:
    """Blocks in order; inline content between blocks becomes a paragraph."""
    out: list[Element] = []
    run: list[Element | str] = []

    def flush() -> None:
        paragraph = _text_block("p", run)
        if paragraph is not None:
            out.append(paragraph)
        run.clear()

    for child in children:
        if isinstance(child, str) or child.tag in INLINE_TAGS:
            run.append(child)
            continue
        flush()
        block = _block(child)
        if isinstance(block, list):
            out.extend(block)
        elif block is not None:
            out.append(block)
    flush()
    return out


def _list(element: Element) -> Element | None:
    items = []
    for child in element.children:
        if isinstance(child, str):
            if child.strip(EDGE_SPACE):
                items.append(Element("li", {}, _flow([child])))
            continue
        if child.tag in ("ul", "ol") and items:  # a list directly inside a list belongs to the item before it
            nested = _list(child)
            if nested is not None:
                items[-1].children.append(nested)
            continue
        content = _flow(child.children if child.tag == "li" else [child])
        if content:
            items.append(Element("li", {}, content))
    return Element(element.tag, {}, items) if items else None


def _cell(element: Element) -> Element:
    attrs = {name: element.attrs[name] for name in ("colspan", "rowspan") if element.span(name) > 1}
    return Element(element.tag, attrs, _flow(element.children))


def _rows(element: Element) -> list[Element]:
    rows = []
    for child in element.children:
        if isinstance(child, str):
            continue
        if child.tag == "tr":
            cells = [_cell(cell) for cell in child.children if isinstance(cell, Element) and cell.tag in ("td", "th")]
            if cells:
                rows.append(Element("tr", {}, cells))
        elif child.tag in ("thead", "tbody"):
            rows.extend(_rows(child))
    return rows


def _table(element: Element) -> Element | None:
    groups: list[Element] = []
    for child in element.children:
        if isinstance(child, str):
            continue
        tag = "thead" if child.tag == "thead" else "tbody"
        rows = _rows(child) if child.tag in ("thead", "tbody") else _rows(Element("tbody", {}, [child]))
        if not rows:
            continue
        if groups and groups[-1].tag == tag == "tbody":
            groups[-1].children.extend(rows)
        else:
            groups.append(Element(tag, {}, rows))
    return Element("table", {}, groups) if groups else None


def _block(element: Element) -> Element | list[Element] | None:
    if element.tag in TEXT_BLOCKS:
        return _text_block(element.tag, element.children)
    if element.tag in ("ul", "ol"):
        return _list(element)
    if element.tag == "table":
        return _table(element)
    if element.tag in ("li", "tr", "td", "th", "thead", "tbody"):  # a part of a list or table out of place
        return _flow(element.children)
    return _flow(element.children)


def normalise(children: list[Element | str]) -> list[Element]:
    """The block structure the editor and the report expect: paragraphs, headings, lists, tables, in order."""
    return _flow(children)


def serialise(nodes: list[Element | str]) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(html.escape(node, quote=False))
        elif node.tag == "br":
            parts.append("<br>")
        else:
            attrs = "".join(f' {name}="{html.escape(value)}"' for name, value in sorted(node.attrs.items()))
            parts.append(f"<{node.tag}{attrs}>{serialise(node.children)}</{node.tag}>")
    return "".join(parts)


def parse(value: str | None) -> list[Element]:
    """The blocks of a section's text (cleaned first, so stored text from any source reads the same)."""
    cleaned = clean_section_html(value)
    return normalise(_Builder.build(cleaned)) if cleaned else []


# --- as plain text, and with the figures' values ---------------------------------------------------------


def text_of(node: Element | str, figures: Mapping[str, str] | None = None) -> str:
    """The text of a node, line breaks as "\\n"; a bound figure reads as its value in ``figures`` (MISSING_FIGURE
    when the key is not there), or as nothing without ``figures``."""
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    if node.figure:
        return "" if figures is None else figures.get(node.figure, MISSING_FIGURE)
    return "".join(text_of(child, figures) for child in node.children)


def lines_of(blocks: list[Element | str], figures: Mapping[str, str] | None = None) -> list[str]:
    """The text lines of parsed blocks (see plain_text), e.g. of a table cell's content."""
    return _lines([block for block in blocks if isinstance(block, Element)], figures)


def _lines(blocks: list[Element], figures: Mapping[str, str] | None) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if block.tag in TEXT_BLOCKS:
            lines.extend(line for line in text_of(block, figures).split("\n") if line.strip(EDGE_SPACE))
        elif block.tag in ("ul", "ol"):
            for item in block.children:
                if isinstance(item, Element):
                    lines.extend(_lines([c for c in item.children if isinstance(c, Element)], figures))
        elif block.tag == "table":
            for group in block.children:
                for row in group.children if isinstance(group, Element) else ():
                    cells = [" ".join(_lines(c.children, figures)) for c in row.children if isinstance(c, Element)]
                    lines.append("\t".join(cells))
    return lines


def plain_text(value: str | None, figures: Mapping[str, str] | None = None) -> str:
    """A section's text as plain text: one line per paragraph, heading, list item or table row (cells separated
    by a tab). For everything that reads sections as text: the consistency check, counts, messages, diffs.
    Bound figures read as their values when ``figures`` ({key: text as printed}) is given, else as nothing (so a
    check of typed numbers never sees them). Plain text (not HTML) is returned as it is."""
    if not value:
        return ""
    if not looks_like_html(value):
        return value
    if figures is None:
        return _plain_text(value)
    return "\n".join(_lines(parse(value), figures))


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _plain_text(value: str) -> str:
    return "\n".join(_lines(parse(value), None))


def _figure_elements(nodes: list[Element | str]) -> list[Element]:
    found: list[Element] = []
    for node in nodes:
        if isinstance(node, Element):
            found += [node] if node.figure else _figure_elements(node.children)
    return found


def figure_keys(value: str | None) -> list[str]:
    """The keys of the figures bound in a section's text, in order (repeats kept)."""
    return list(_figure_keys(value or ""))


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _figure_keys(value: str) -> tuple[str, ...]:
    return tuple(element.figure for element in _figure_elements(parse(value)))


def with_figures(value: str | None, figures: Mapping[str, str], labels: Mapping[str, str] | None = None) -> str:
    """A section's HTML as a page shows it: sanitised, each bound figure filled with its current value (a span of
    class bound-figure titled with its label), or a visible MISSING_FIGURE marker."""
    blocks = parse(value)
    for element in _figure_elements(blocks):
        key = element.figure
        if key in figures:
            style = "bound-figure" if len(figures[key]) <= SHORT_FIGURE else "bound-figure sentence"
            element.attrs = {"class": style, FIGURE: key, "title": (labels or {}).get(key, "")}
            element.children = [figures[key]]
        else:
            element.attrs = {"class": "bound-figure missing", FIGURE: key, "title": "绑定的数据已不存在"}
            element.children = [MISSING_FIGURE]
    return serialise(blocks)


__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "EDITOR_EXTENSIONS",
    "MISSING_FIGURE",
    "Element",
    "clean_section_html",
    "figure_keys",
    "html_from_text",
    "lines_of",
    "looks_like_html",
    "parse",
    "plain_text",
    "text_of",
    "with_figures",
    "word_lists",
]
