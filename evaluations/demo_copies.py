"""A seed document as the same project or department would have reported it in another year.

The demo's lifecycle evaluations are copies of the two seeds for other years. A copy moves every date of its
own time by the same number of years (the period, the batch and deadline dates, the field research, the report
date, "2023 年" in the prose, the year in the title), so the check finds in it exactly what it finds in the seed.
Years outside the seed's own time are left alone: the dates of laws and standing policies ("2021 年 6 月",
"财预〔2020〕10 号"), a building opened "自 2019 年", and the seed's typo "2013 年 2 月 17 日" (the evaluator
corrects it). Document numbers of the seed's year and the next (the budget notice 罗财函〔2024〕234 号) move with it.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from rubrics.document import parse_document, read_document_file

# Keys naming where the document came from and the template it was built on: the same for every copy.
KEPT = frozenset({"format", "template_name", "template", "source"})

ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
YEAR_WORD = re.compile(r"(?<!\d)(\d{4})(\s?年)")
DOCUMENT_YEAR = re.compile(r"([〔\[])(\d{4})([〕\]])")


def _moved_date(match: re.Match, seed_year: int, shift: int) -> str:
    year, month, day = (int(part) for part in match.groups())
    if abs(year - seed_year) > 1:
        return match.group(0)
    try:
        return dt.date(year + shift, month, day).isoformat()
    except ValueError:  # 29 February into a common year: the last day of that February
        return dt.date(year + shift, month, 28).isoformat()


def shift_text(text: str, seed_year: int, shift: int) -> str:
    """The text with the years of the seed's own time (the year before, the year, the year after) moved."""

    def word(match: re.Match) -> str:
        year = int(match.group(1))
        return f"{year + shift}{match.group(2)}" if abs(year - seed_year) <= 1 else match.group(0)

    def document(match: re.Match) -> str:
        year = int(match.group(2))
        moved = year + shift if 0 <= year - seed_year <= 1 else year
        return f"{match.group(1)}{moved}{match.group(3)}"

    text = ISO_DATE.sub(lambda match: _moved_date(match, seed_year, shift), text)
    text = YEAR_WORD.sub(word, text)
    return DOCUMENT_YEAR.sub(document, text)


def _shifted(value: Any, seed_year: int, shift: int) -> Any:
    if isinstance(value, str):
        return shift_text(value, seed_year, shift)
    if isinstance(value, list):
        return [_shifted(item, seed_year, shift) for item in value]
    if isinstance(value, dict):
        return {key: item if key in KEPT else _shifted(item, seed_year, shift) for key, item in value.items()}
    return value


def copy_for_year(path, year: int) -> dict:
    """The seed document at ``path`` as reported for ``year`` (a new dict; the seed file is not touched)."""
    seed = parse_document(read_document_file(str(path)))
    seed_year = int(seed["evaluation"]["year"])
    document = _shifted(copy.deepcopy(seed), seed_year, year - seed_year)
    document["evaluation"]["year"] = year
    return document
