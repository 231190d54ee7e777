"""What people type into the rule editor's boxes, read exactly, and stored values written back for those boxes.

A number is read as a Decimal (or a fraction such as 1/3), never through a float, and stored as JSON data that
``rubrics.numbers.exact`` reads back unchanged: integral values as int, other decimals as floats that print back
the same, anything else as exact text ("1/3"). Full-width characters are folded first (９８．５ is 98.5), and
thousands separators are accepted (1,000). Pure Python: no Django.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from rubrics.document import plain_json
from rubrics.numbers import exact, exact_text

_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_FRACTION = re.compile(r"^[+-]?\d+/\d+$")


class Unreadable(ValueError):
    """A typed value that cannot be used; ``why`` completes a sentence that starts with the box's name."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def folded(text: Any) -> str:
    """The text as typed, trimmed, with full-width digits and signs folded to ASCII (％ → %, ， → ,)."""
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def read_number(text: Any, *, percent: bool = False, integer: bool = False) -> Any:
    """The stored value of a number box (None when blank); Unreadable when it is not a usable number.

    ``percent``: a percent number (80 means 80 %), so a trailing % is accepted. Elsewhere a % is refused, since
    it would change the meaning of a factor such as 封顶比例 (1 = 100 %).
    """
    value = folded(text)
    if not value:
        return None
    if value.endswith("%"):
        if not percent:
            raise Unreadable(f"只填数字，不带 %，现为“{value}”")
        value = value[:-1].strip()
    if _GROUPED.match(value):
        value = value.replace(",", "")
    number: Fraction | None
    if _FRACTION.match(value):
        if int(value.split("/")[1]) == 0:
            raise Unreadable(f"的分母不能为 0，现为“{value}”")
        number = exact(value)
    else:
        try:
            number = exact(Decimal(value)) if "," not in value and "_" not in value else None
        except InvalidOperation:
            number = None
    if number is None:
        raise Unreadable(f"必须是数字，现为“{folded(text)}”")
    if integer and number.denominator != 1:
        raise Unreadable(f"必须是整数，现为“{folded(text)}”")
    return stored(number)


def stored(number: Fraction) -> Any:
    """An exact number as JSON data: 5, 0.1 (a float that prints back as 0.1), "1/3" (no decimal holds it)."""
    if number.denominator == 1:
        return number.numerator
    text = exact_text(number)
    return text if "/" in text else plain_json(Decimal(text))


def read_index(text: Any, count: int) -> int | None:
    """A checklist item number typed 1-based (第 2 项 is 2), stored 0-based; None when blank."""
    value = read_number(text, integer=True)
    if value is None:
        return None
    if not 1 <= value <= count:
        if count == 0:
            raise Unreadable("须是评分要点中的一项，但尚未填写评分要点")
        raise Unreadable(f"须是第 1 到第 {count} 项之一，现为 {value}")
    return value - 1


def shown(value: Any) -> str:
    """A stored number as its box shows it (0.1, 1/3, 12); other stored values as text."""
    if value is None:
        return ""
    number = exact(value)
    return exact_text(number) if number is not None else str(value)


def shown_index(value: Any) -> str:
    """A stored 0-based item number as typed, 1-based."""
    return str(value + 1) if isinstance(value, int) and not isinstance(value, bool) else shown(value)
