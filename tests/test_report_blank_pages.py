"""No page of body text ends more than 15 % blank, read from the laid-out pages of both demo reports in both profiles.

A page may end emptier only where nothing could fill it without breaking a rule: before a chapter, an annex or a
blank page (a forced break), or when what starts the next page is one unit the rules keep together and it is
taller than the space left (a heading or lead line with the first two lines or rows of what follows, a table's
caption and header with its first rows, a row that is never split). The test measures that unit on the next page
and fails when the space left would have held it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from weasyprint import HTML
from weasyprint.formatting_structure import boxes as B

from evaluations.demo import load_demo
from reports import pagination
from reports.assembly import assemble_report
from reports.models import ReportOutline
from reports.rendering import STATIC_DIR, layout_document, render_html, url_fetcher
from reports.selection import outline_for
from reports.typography import GONGWEN, REPORT

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

MOST_BLANK = 0.15
MARGINS = 0.03  # the vertical margins around the kept unit (table block, heading) are not part of its boxes
FORCED = {"page", "left", "right", "recto", "verso"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@pytest.fixture(scope="session")
def laid_out(django_db_setup, django_db_blocker):
    documents = {}
    with django_db_blocker.unblock(), transaction.atomic():
        evaluations = load_demo()
        for profile in (REPORT, GONGWEN):
            for kind, evaluation in evaluations.items():
                outline = outline_for(evaluation)
                ReportOutline.objects.filter(pk=outline.pk).update(typography=profile)
                outline.refresh_from_db()
                documents[(profile, kind)] = layout_document(assemble_report(evaluation, outline))
        # the check must be able to fail: the project report with every table kept whole (break-inside: avoid)
        evaluation = evaluations["project"]
        ReportOutline.objects.filter(pk=outline_for(evaluation).pk).update(typography=REPORT)
        data = pagination.mark_rows(assemble_report(evaluation, outline_for(evaluation)).to_dict())
        html = render_html(data).replace("</head>", "<style>.table-block { break-inside: avoid; }</style></head>")
        documents["kept whole"] = HTML(
            string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=url_fetcher()
        ).render()
        transaction.set_rollback(True)
    return documents


@dataclass
class Unit:
    """A line of text outside tables, or a table row, in page order."""

    box: object
    kind: str  # heading, lead, line, header (caption and header rows), row
    continued: bool  # in a table part continued from the page before

    @property
    def top(self) -> float:
        return self.box.position_y

    @property
    def bottom(self) -> float:
        return self.box.position_y + self.box.margin_height()


def units(box, out: list[Unit], *, header: bool = False, continued: bool = False) -> list[Unit]:
    element = getattr(box, "element", None)
    classes = (element.get("class") or "") if element is not None else ""
    continued = continued or "continued" in classes.split()
    if isinstance(box, B.TableRowGroupBox):
        header = box.is_header
    if isinstance(box, B.TableRowBox):
        out.append(Unit(box, "header" if header else "row", continued))
    elif isinstance(box, B.LineBox):
        tag = box.element_tag
        kind = "heading" if tag in HEADINGS else "lead" if "lead" in classes.split() else "line"
        out.append(Unit(box, kind, continued))
    elif not isinstance(box, B.FootnoteAreaBox):
        for child in getattr(box, "children", []):
            units(child, out, header=header, continued=continued)
    return out


def flow(page) -> tuple[list[Unit], float]:
    """The page's units and the height of its footnote area (0 without footnotes)."""
    found: list[Unit] = []
    footnotes = 0.0
    for child in page._page_box.children:
        if isinstance(child, B.FootnoteAreaBox):
            footnotes = child.margin_height() if child.children else 0.0
        elif not isinstance(child, B.MarginBox):
            units(child, found)
    return found, footnotes


def first_new_block_is_forced(page, seen: set[int]) -> bool:
    """Whether the first element that starts on this page was pushed there by a forced break (chapter, annex)."""
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is None or id(element) in seen or not isinstance(box, B.BlockBox):
            continue
        if box.style["break_before"] in FORCED:
            return "continued" not in (element.get("class") or "").split()
        if isinstance(box, B.LineBox):
            return False
    return False


def kept_height(page) -> float:
    """Height of the unit kept together at the top of the page: headings and lead lines, then the first rows
    of a table (one of a continued part) or the first lines of text (two; three of a three-line paragraph);
    plus the page's footnotes."""
    found, footnotes = flow(page)
    if not found:
        return 0.0
    top, index, bottom = found[0].top, 0, found[0].bottom
    while index < len(found) and found[index].kind in ("heading", "lead", "header"):
        bottom = found[index].bottom
        index += 1
    if index < len(found):
        first = found[index]
        same = [
            u for u in found[index:] if u.kind == first.kind and (u.kind == "row" or u.box.element is first.box.element)
        ]
        rows = 1 if first.continued else 2
        lines = len(same) if len(same) <= 3 else 2  # orphans and widows 2: three lines cannot be split
        take = rows if first.kind == "row" else lines
        bottom = same[:take][-1].bottom
    return bottom - top + footnotes


def blank_pages(document) -> list[str]:
    """Pages more than 15 % blank that the rules do not explain, as 'p.N 27% (kept 12%)'."""
    unexplained, seen = [], set()
    pages = document.pages
    for index, page in enumerate(pages):
        for box in page._page_box.descendants():
            if getattr(box, "element", None) is not None:
                seen.add(id(box.element))
        found, footnotes = flow(page)
        if not found or index + 1 == len(pages):
            continue
        box = page._page_box
        end = box.content_box_y() + box.height - footnotes
        blank = (end - max(unit.bottom for unit in found)) / box.height
        if blank <= MOST_BLANK:
            continue
        following = pages[index + 1]
        if not flow(following)[0] or first_new_block_is_forced(following, seen):
            continue  # before a chapter, an annex or a blank page
        kept = kept_height(following) / box.height
        if blank >= kept + MARGINS:
            unexplained.append(f"p.{index + 1} {blank:.0%} (kept {kept:.0%})")
    return unexplained


@pytest.mark.parametrize("profile", [REPORT, GONGWEN])
@pytest.mark.parametrize("kind", ["project", "department"])
def test_no_page_of_body_text_ends_more_than_15_percent_blank(laid_out, profile, kind):
    assert blank_pages(laid_out[(profile, kind)]) == []


def test_the_measure_finds_pages_left_blank_by_tables_kept_whole(laid_out):
    assert blank_pages(laid_out["kept whole"])
