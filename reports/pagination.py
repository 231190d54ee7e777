"""Tables cut where the pages fall: merged cells repeated with （续）, a 续表 caption on every continued page.

WeasyPrint keeps a merged (rowspan) cell's text on the page where the cell starts and leaves the rest blank, and
it repeats a table's header rows but cannot print anything that says "continued". So the report is laid out
twice: the first layout tells on which page each table row starts (rows are never split: tr break-inside
avoid); the second prints each table as one part per page, each continued part with its own "续表" caption and
header, and every merged cell cut at the page boundary and repeated with （续） on the next page.

Both layouts must put the same rows on each page. So the caption (and unit note) is the first header row in
both, repeated on every page by WeasyPrint in the first and rewritten as 续表 in the second, and every merged
cell holds the room of a （续） it may get. The table's left rule is drawn by its left-edge cells (edge), as the
caption row has none.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator


def tables(blocks: list) -> Iterator[dict]:
    """Every table dict among blocks, in lists too (in document order)."""
    for block in blocks:
        if block.get("kind") == "table":
            yield block
        elif block.get("kind") == "list":
            for item in block["items"]:
                yield from tables(item)


def sections(data: dict) -> Iterator[dict]:
    def walk(items: list[dict]) -> Iterator[dict]:
        for section in items:
            yield section
            yield from walk(section["children"])

    yield from walk(data["sections"])
    yield from walk(data["annexes"])


def block_lists(data: dict) -> Iterator[list]:
    """The lists of blocks of the report (preamble, each section, each list item), each once."""

    def inner(blocks: list) -> Iterator[list]:
        yield blocks
        for block in blocks:
            if block.get("kind") == "list":
                for item in block["items"]:
                    yield from inner(item)

    yield from inner(data["preamble"])
    for section in sections(data):
        yield from inner(section["blocks"])


def mark_leads(blocks: list) -> None:
    """A lead line ("预算执行率：权重分为…", "详见下表：") keeps with what follows, unless a lead follows it.

    A run of lead lines (labelled lines whose analysis was not written) kept together would move as one block
    to the next page and leave the page before it blank.
    """

    def is_lead(block: dict) -> bool:
        if block.get("kind") != "p" or block.get("style") == "heading":
            return False
        return bool(block.get("label")) or (block.get("text") or "").rstrip().endswith("：")

    for block, following in zip(blocks, [*blocks[1:], None], strict=False):
        if is_lead(block):
            block["lead"] = following is not None and not is_lead(following)


def mark_edges(rows: list[list[dict]]) -> None:
    """Cells in the table's first grid column draw its left rule (edge)."""
    for row in grid(rows):
        for column, cell in row:
            cell["edge"] = column == 0


def mark_rows(data: dict) -> dict:
    """A copy for the first layout: tables numbered (tid), captions in the header, leads and edges marked."""
    marked = copy.deepcopy(data)
    number = 0
    for blocks in block_lists(marked):
        mark_leads(blocks)
        for block in blocks:
            if block.get("kind") == "table":
                block["tid"] = number
                block["reserve"] = block.get("style") != "rich"  # rows of a rich table may split: not cut
                mark_edges(block.get("head") or [])
                for body in block["bodies"]:
                    mark_edges(body)
                if block["reserve"]:  # merged cells hold the room of a （续） they may get, so they never grow
                    for body in block["bodies"]:
                        for row in body:
                            for cell in row:
                                if cell.get("rowspan", 1) > 1 or cell.get("role") == "level":
                                    cell["hold"] = True
                number += 1
    return marked


def row_pages(document) -> dict[str, int]:
    """data-row of each table row → index of the page where the row starts, from a WeasyPrint layout."""
    pages: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if getattr(box, "element_tag", "") == "tr" and element is not None:
                key = element.get("data-row")
                if key and key not in pages:
                    pages[key] = index
    return pages


def grid(body: list[list[dict]]) -> list[list[tuple[int, dict]]]:
    """Each row's cells with the grid column where they start (rowspans of rows above occupy columns)."""
    taken: dict[tuple[int, int], bool] = {}
    placed = []
    for r, row in enumerate(body):
        col, cells = 0, []
        for cell in row:
            while taken.get((r, col)):
                col += 1
            cells.append((col, cell))
            for dr in range(cell.get("rowspan", 1)):
                for dc in range(cell.get("colspan", 1)):
                    taken[(r + dr, col + dc)] = True
            col += cell.get("colspan", 1)
        placed.append(cells)
    return placed


def split_body(body: list[list[dict]], at: int) -> tuple[list[list[dict]], list[list[dict]]]:
    """A body cut before row `at`: cells spanning the cut end there and are repeated below with （续）."""
    placed = grid(body)
    top = [[dict(cell) for _, cell in row] for row in placed[:at]]
    bottom = [[(col, dict(cell)) for col, cell in row] for row in placed[at:]]
    for r in range(at):
        for position, (col, cell) in enumerate(placed[r]):
            span = cell.get("rowspan", 1)
            if r + span <= at:
                continue
            top[r][position]["rowspan"] = at - r
            carried = dict(cell, rowspan=r + span - at)
            carried["continued"] = bool(carried.get("text"))  # printed with （续） on a line of its own
            bottom[0].append((col, carried))
    bottom[0].sort(key=lambda item: item[0])
    return top, [[cell for _, cell in row] for row in bottom]


def _parts(table: dict, pages: dict[str, int]) -> list[dict]:
    """The table as one part per page it has rows on (itself when it stays on one page)."""
    keys = [[f"{table['tid']}:{b}:{r}" for r in range(len(body))] for b, body in enumerate(table["bodies"])]
    if any(key not in pages for row_keys in keys for key in row_keys):
        return [table]
    parts: list[list] = [[]]  # the bodies of each part
    previous = None
    for b, body in enumerate(table["bodies"]):
        rest, offset = body, 0
        for r in range(len(body)):
            page = pages[keys[b][r]]
            if previous is not None and page != previous:
                if r > offset:  # the page falls inside this body
                    top, rest = split_body(rest, r - offset)
                    parts[-1].append(top)
                    offset = r
                parts.append([])
            previous = page
        parts[-1].append(rest)
    parts = [bodies for bodies in parts if bodies]
    if len(parts) == 1:
        return [table]
    return [dict(table, bodies=bodies, continued=index > 0) for index, bodies in enumerate(parts)]


def paginate(marked: dict, pages: dict[str, int]) -> tuple[dict, int]:
    """The content for the second layout (tables cut into page parts) and how many tables were cut."""
    cut = 0
    for blocks in block_lists(marked):
        index = 0
        while index < len(blocks):
            block = blocks[index]
            if block.get("kind") == "table" and "tid" in block and block.get("style") != "rich":
                parts = _parts(block, pages) if block["bodies"] else [block]
                for part in parts:
                    for body in part["bodies"]:
                        for row in body:
                            for cell in row:
                                cell.pop("hold", None)
                blocks[index : index + 1] = parts
                cut += len(parts) > 1
                index += len(parts)
            else:
                index += 1
    return marked, cut
