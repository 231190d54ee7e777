"""WordprocessingML that python-docx has no API for: East Asian fonts, fields, bookmarks, footnotes, numbering,
settings and the font table. Each helper writes elements in the order the schema requires (Word refuses a file
whose elements are out of order)."""

from __future__ import annotations

import re

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from docx.text.font import Font as DocxFont
from docx.text.paragraph import Paragraph
from lxml import etree

from reports.word.style import Font

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def clean(text: str) -> str:
    """Text that XML can hold (narrative pasted from elsewhere may carry control characters)."""
    return NOT_XML.sub("", text or "")


def element(tag: str, **attributes: str) -> OxmlElement:
    """<w:tag w:key="value" …/>."""
    return OxmlElement(tag, {qn(f"w:{key}"): str(value) for key, value in attributes.items()})


def add_paragraph(container, style_id: str, text: str = "") -> Paragraph:
    """A paragraph of the given style (by id) appended to a python-docx container (document, cell, header)."""
    paragraph = container.add_paragraph()
    paragraph._p.style = style_id
    if text:
        paragraph.add_run(clean(text))
    return paragraph


# --- fonts --------------------------------------------------------------------------------------------------


def set_font(owner, font: Font, *, bold: bool | None = None, color: str = "") -> None:
    """Face (Latin and East Asian), size, weight and colour on a style or a run (the owner of a w:rPr)."""
    target = DocxFont(owner)
    target.name = font.latin  # w:ascii and w:hAnsi
    target.size = Pt(font.size)
    target.bold = font.bold if bold is None else bold
    if color:
        target.color.rgb = RGBColor.from_string(color)
    fonts = owner.get_or_add_rPr().get_or_add_rFonts()
    for name in THEME_FONT_ATTRIBUTES:  # a theme font would win over the named one
        fonts.attrib.pop(qn(name), None)
    fonts.set(qn("w:eastAsia"), font.east_asia)
    fonts.set(qn("w:cs"), font.latin)


def font_table_entry(name: str, alias: str) -> OxmlElement:
    """A w:font of a Chinese face: its Windows name and the GB2312 charset, so a substitute is a Chinese face."""
    entry = element("w:font", name=name)
    entry.append(element("w:altName", val=alias))
    entry.append(element("w:charset", val="86"))
    entry.append(element("w:family", val="auto"))
    entry.append(element("w:pitch", val="variable"))
    return entry


def add_fonts(document, fonts: list[Font], aliases: dict[str, str]) -> None:
    """Declare the style's East Asian faces in the document's font table (word/fontTable.xml)."""
    table = next(part for part in document.part.package.iter_parts() if part.partname == "/word/fontTable.xml")
    root = etree.fromstring(table.blob)
    known = {entry.get(qn("w:name")) for entry in root.findall(qn("w:font"))}
    for name in dict.fromkeys(font.east_asia for font in fonts):
        if name not in known:
            root.append(font_table_entry(name, aliases.get(name, name)))
    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- fields, bookmarks, links -------------------------------------------------------------------------------


def _run(child, rPr=None) -> OxmlElement:
    r = OxmlElement("w:r")
    if rPr is not None:
        r.append(parse_xml(rPr.xml))  # a copy: an element has one parent
    r.append(child)
    return r


def _instruction(instruction: str) -> OxmlElement:
    instr = OxmlElement("w:instrText")
    instr.set(XML_SPACE, "preserve")
    instr.text = f" {instruction} "
    return instr


def field_begin(parent, instruction: str, rPr=None) -> None:
    """The start of a complex field (begin, instruction, separate); its result follows, then field_end."""
    parent = getattr(parent, "_p", parent)
    parent.append(_run(element("w:fldChar", fldCharType="begin"), rPr))
    parent.append(_run(_instruction(instruction), rPr))
    parent.append(_run(element("w:fldChar", fldCharType="separate"), rPr))


def field_end(parent, rPr=None) -> None:
    getattr(parent, "_p", parent).append(_run(element("w:fldChar", fldCharType="end"), rPr))


def field_runs(parent, instruction: str, cached: str = "", rPr=None) -> None:
    """A whole complex field in one paragraph (or link): PAGE, PAGEREF; cached is shown until Word updates it."""
    field_begin(parent, instruction, rPr)
    if cached:
        text_run(getattr(parent, "_p", parent), cached, rPr)
    field_end(parent, rPr)


def bookmark(paragraph: Paragraph, name: str, number: int) -> None:
    """A bookmark around the paragraph's content (targets of the table of contents' links and page numbers)."""
    start = element("w:bookmarkStart", id=str(number), name=name)
    end = element("w:bookmarkEnd", id=str(number))
    p = paragraph._p
    pPr = p.pPr
    if pPr is not None:
        pPr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def anchor_link(paragraph: Paragraph, anchor: str) -> OxmlElement:
    """A w:hyperlink to a bookmark inside the document, appended to the paragraph; runs go inside it."""
    link = element("w:hyperlink", anchor=anchor, history="1")
    paragraph._p.append(link)
    return link


def text_run(parent, text: str, rPr=None) -> OxmlElement:
    t = OxmlElement("w:t")
    t.set(XML_SPACE, "preserve")
    t.text = clean(text)
    r = _run(t, rPr)
    parent.append(r)
    return r


def tab_run(parent) -> None:
    r = OxmlElement("w:r")
    r.append(OxmlElement("w:tab"))
    parent.append(r)


# --- footnotes ----------------------------------------------------------------------------------------------

FOOTNOTES_XML = (
    f"<w:footnotes {nsdecls('w')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    "</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def _footnotes_part(document) -> XmlPart:
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            return rel.target_part
    part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(FOOTNOTES_XML), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    return part


def add_footnote(document, paragraph: Paragraph, text: str, *, text_style: str, mark_style: str) -> int:
    """A real footnote: the reference mark at the end of the paragraph, the note at the foot of the page."""
    part = _footnotes_part(document)
    number = 1 + max(int(note.get(qn("w:id"))) for note in part.element.findall(qn("w:footnote")))
    note = element("w:footnote", id=str(number))
    p = OxmlElement("w:p")
    pPr = OxmlElement("w:pPr")
    pPr.append(element("w:pStyle", val=text_style))
    p.append(pPr)
    mark = OxmlElement("w:r")
    mark_rPr = OxmlElement("w:rPr")
    mark_rPr.append(element("w:rStyle", val=mark_style))
    mark.append(mark_rPr)
    mark.append(OxmlElement("w:footnoteRef"))
    p.append(mark)
    text_run(p, " " + text)
    note.append(p)
    part.element.append(note)
    reference = OxmlElement("w:r")
    rPr = OxmlElement("w:rPr")
    rPr.append(element("w:rStyle", val=mark_style))
    reference.append(rPr)
    reference.append(element("w:footnoteReference", id=str(number)))
    paragraph._p.append(reference)
    return number


# --- numbering (lists) --------------------------------------------------------------------------------------


def list_definition(part, name: str, levels: list[tuple[str, str]], indent: int) -> int:
    """The id of the list definition called name, added on first use: per level (format, text), each level
    indented by indent twips more than the one above. part is the document part (holds the numbering)."""
    numbering = part.numbering_part.element
    for abstract in numbering.findall(qn("w:abstractNum")):
        label = abstract.find(qn("w:name"))
        if label is not None and label.get(qn("w:val")) == name:
            return int(abstract.get(qn("w:abstractNumId")))
    ids = [int(node.get(qn("w:abstractNumId"))) for node in numbering.findall(qn("w:abstractNum"))]
    abstract_id = max(ids, default=-1) + 1
    abstract = element("w:abstractNum", abstractNumId=str(abstract_id))
    abstract.append(element("w:multiLevelType", val="multilevel"))
    abstract.append(element("w:name", val=name))
    for level, (number_format, text) in enumerate(levels):
        lvl = element("w:lvl", ilvl=str(level))
        lvl.append(element("w:start", val="1"))
        lvl.append(element("w:numFmt", val=number_format))
        lvl.append(element("w:lvlText", val=text))
        lvl.append(element("w:lvlJc", val="left"))
        pPr = OxmlElement("w:pPr")
        pPr.append(element("w:ind", left=str(indent * (level + 1)), hanging=str(indent)))
        lvl.append(pPr)
        abstract.append(lvl)
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)  # every w:abstractNum comes before the first w:num
    else:
        numbering.append(abstract)
    return abstract_id


def list_instance(part, abstract_id: int, level: int) -> int:
    """A new w:num of a list definition whose numbering restarts at 1 (each <ol> counts from 1)."""
    numbering = part.numbering_part.element
    num_id = numbering._next_numId
    num = element("w:num", numId=str(num_id))
    num.append(element("w:abstractNumId", val=str(abstract_id)))
    override = element("w:lvlOverride", ilvl=str(level))
    override.append(element("w:startOverride", val="1"))
    num.append(override)
    numbering.append(num)
    return num_id


def set_numbering(paragraph: Paragraph, num_id: int, level: int) -> None:
    numPr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numPr.get_or_add_ilvl().val = level
    numPr.get_or_add_numId().val = num_id


# --- settings -----------------------------------------------------------------------------------------------

# What follows w:updateFields and w:footnotePr in w:settings (schema order; Word rejects a misplaced element).
SETTINGS_TAIL = (
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "sl:schemaLibrary",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)


def ask_to_update_fields(document) -> None:
    """settings updateFields: Word offers to update the table of contents (and page references) on opening."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        settings.insert_element_before(element("w:updateFields", val="true"), *SETTINGS_TAIL)
    language = settings.find(qn("w:themeFontLang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "zh-CN")


def drop_thumbnail(document) -> None:
    """python-docx's template carries a thumbnail of an empty page: Explorer would show it as the preview."""
    rels = document.part.package.rels
    for rId in [rId for rId, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[rId]


def footnote_settings(document) -> None:
    """settings footnotePr naming the separators, as Word writes it when a document has footnotes."""
    settings = document.settings.element
    if settings.find(qn("w:footnotePr")) is not None:
        return
    properties = OxmlElement("w:footnotePr")
    properties.append(element("w:footnote", id="-1"))
    properties.append(element("w:footnote", id="0"))
    settings.insert_element_before(properties, *SETTINGS_TAIL[SETTINGS_TAIL.index("w:footnotePr") + 1 :])
