"""The report as a Word file (.docx), from the same assembled content as the PDF.

document (the renderer), html (the rich narrative's HTML), tables (merged cells), stylesheet and style (the
typography, one WordStyle), ooxml (what python-docx has no API for).
"""

from reports.word.document import DOCX_TYPE, RenderedWord, render_word, render_word_document, renderer_version
from reports.word.html import html_to_docx
from reports.word.style import GONGWEN_STYLE, REPORT_STYLE, WordStyle, word_style

__all__ = [
    "DOCX_TYPE",
    "GONGWEN_STYLE",
    "REPORT_STYLE",
    "RenderedWord",
    "WordStyle",
    "html_to_docx",
    "render_word",
    "render_word_document",
    "renderer_version",
    "word_style",
]
