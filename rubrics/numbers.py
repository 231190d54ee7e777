"""The one number module: exact values, one rounding (half-up) and the way numbers are written.

Every figure the product shows (pages, Excel, PDF, explanations, the consistency check) goes through here,
so a value rounds the same way and prints the same digits everywhere. Computation is exact: values are read
as ``Fraction`` (3 × 5 / 24 is exactly 0.625) and rounded once, half-up, when shown or stored.
Pure Python: no Django, no database.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

HUNDRED = Fraction(100)
WAN = 10000  # 万元 = 10,000 yuan

# Bounds on what is read as a number, checked before any arithmetic: no budget, score or count needs more,
# and "1e1000000" must not pin a worker.
MAX_DIGITS = 30  # significant digits of a typed number
MAX_MAGNITUDE = 10**18  # |value| below this

# Digits people type from a Chinese or Arabic keyboard: full-width ０–９ and its ．＋－, Arabic-Indic and Extended
# Arabic-Indic digits; read as the ASCII digits they mean, everywhere a number is read.
_DIGIT_FORMS = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "．": ".",
        "＋": "+",
        "－": "-",
        "／": "/",
        "\u066b": ".",  # Arabic decimal separator
        "\u2212": "-",  # minus sign
    }
)
_FRACTION_TEXT = re.compile(r"^\s*([+-]?\d{1,30})\s*/\s*(\d{1,30})\s*$")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN_DIGITS = "〇一二三四五六七八九"


# --- reading ----------------------------------------------------------------------------------------


def ascii_digits(text: str) -> str:
    """Full-width (１２．５) and Arabic-Indic (١٢٫٥) digits as ASCII (12.5); anything else unchanged."""
    return text.translate(_DIGIT_FORMS)


def _bounded(number: Fraction) -> Fraction | None:
    return number if abs(number.numerator) < MAX_MAGNITUDE * number.denominator else None


def _from_decimal(number: Decimal) -> Fraction | None:
    if not number.is_finite():
        return None
    _sign, digits, exponent = number.as_tuple()
    # Checked on the tuple, before anything expands "1e1000000" into a million digits.
    if len(digits) > MAX_DIGITS or not -MAX_DIGITS - 10 <= exponent <= 18:
        return None if any(digits) else Fraction(0)
    return _bounded(Fraction(number))


def exact(value: Any) -> Fraction | None:
    """The value as an exact fraction, or None when it is not a (reasonable) number.

    Accepts int, Decimal, Fraction, float (read through its shortest repr, so 99.71 stays 99.71) and text:
    "12.5", "-3", "1/3". Booleans, blanks, NaN, infinities and absurd magnitudes are not numbers.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Fraction):
        return _bounded(value)
    if isinstance(value, int):
        return _bounded(Fraction(value)) if abs(value) < MAX_MAGNITUDE else None
    if isinstance(value, Decimal):
        return _from_decimal(value)
    if isinstance(value, float):
        return _from_decimal(Decimal(repr(value))) if math.isfinite(value) else None
    if isinstance(value, str):
        text = ascii_digits(value.strip())
        if not text or len(text) > 2 * MAX_DIGITS + 10:
            return None
        match = _FRACTION_TEXT.match(text)
        if match:
            denominator = int(match.group(2))
            return _bounded(Fraction(int(match.group(1)), denominator)) if denominator else None
        try:
            return _from_decimal(Decimal(text))
        except InvalidOperation:
            return None
    return None


def bounded_decimal(value: Any) -> Decimal | None:
    """The value as a Decimal when ``exact`` reads it as a reasonable number with a finite decimal (12.5, 1e3),
    else None: "1e1000000", 400 nines, 1e308 and "1/3" are refused before any arithmetic touches them."""
    number = exact(value)
    if number is None:
        return None
    text = exact_text(number)
    return None if "/" in text else Decimal(text)


def exact_text(value: Any) -> str:
    """A value written so that ``exact`` reads it back unchanged: "0.625", "99.71", "125/6" (no finite decimal)."""
    number = exact(value)
    if number is None:
        raise ValueError(f"不是数字：{value!r}")
    if number.denominator == 1:
        return str(number.numerator)
    denominator = number.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:  # 1/3, 125/6: no finite decimal writes it
        return f"{number.numerator}/{number.denominator}"
    places = 0
    while (number * 10**places).denominator != 1:
        places += 1
    text = format(Decimal(number.numerator * 10**places // number.denominator).scaleb(-places), "f")
    return text


# --- rounding: half-up, once -----------------------------------------------------------------------


def round_half_up(value: Any, places: int = 2) -> Decimal:
    """Round half-up (ties away from zero), exactly: 0.625 → 0.63, 12.345 → 12.35, -0.005 → -0.01."""
    if isinstance(value, Decimal) and value.is_finite() and exact(value) is not None:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0  # + 0: no -0.00
    number = exact(value)
    if number is None:
        raise ValueError(f"不是数字：{value!r}")
    # Integer arithmetic on the exact fraction: |n| × 10^places ÷ d, rounded half away from zero.
    whole, rest = divmod(abs(number.numerator) * 10**places, number.denominator)
    if 2 * rest >= number.denominator:
        whole += 1
    if number < 0:
        whole = -whole
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places)) + 0


def round_score(value: Any) -> Decimal:
    """A score, a rate or an amount in 万元 as stored and printed: half-up to 0.01."""
    return round_half_up(value, 2)


def rescaled(score: Any, weight: Any, scale: Any = HUNDRED) -> Decimal | None:
    """score ÷ weight × scale, exactly, rounded once half-up to 0.01: a total over the applicable indicators
    only, brought to the 100-point scale (45 of 60 → 75.00). None when either is missing or the weight is 0."""
    numerator, denominator, factor = exact(score), exact(weight), exact(scale)
    if numerator is None or denominator is None or factor is None or denominator == 0:
        return None
    return round_score(numerator * factor / denominator)


def percent_of(part: Any, whole: Any) -> Fraction | None:
    """part ÷ whole × 100, exactly; None when either is missing or the whole is 0."""
    numerator, denominator = exact(part), exact(whole)
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * HUNDRED


def wan(yuan: Any) -> Fraction | None:
    """Yuan as 万元, exactly."""
    number = exact(yuan)
    return None if number is None else number / WAN


# --- writing -----------------------------------------------------------------------------------------


def fixed(value: Any, places: int = 2, *, grouping: bool = False, none: str = "—") -> str:
    """Exactly ``places`` decimals: 2.90, 97.75, 5,653.10 (with grouping)."""
    if value is None:
        return none
    rounded = round_half_up(value, places)
    return format(rounded, ",f" if grouping else "f")


def plain(value: Any, places: int = 2, *, none: str = "—") -> str:
    """Rounded to ``places`` decimals, without trailing zeros: 97.75, 19, 1.8, 0.07."""
    if value is None:
        return none
    text = fixed(value, places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def written(value: Any, *, min_places: int = 0, grouping: bool = False) -> str:
    """A given number as people wrote it (no rounding): 3, 1.5, 0.1, 99.707871; 2 decimals if it has no end.

    ``min_places`` pads (36 → 36.00 for money typed in a form), ``grouping`` adds thousands separators.
    """
    number = exact(value)
    if number is None:
        return str(value)
    text = exact_text(number)
    if "/" in text:
        return plain(number, 2) if not grouping else format(Decimal(plain(number, 2)), ",f")
    whole, _, decimals = text.partition(".")
    decimals = decimals.ljust(min_places, "0")
    if grouping:
        whole = format(int(whole), ",") if whole not in ("-0",) else whole
    return f"{whole}.{decimals}" if decimals else whole


def percent(value: Any, places: int = 2, *, none: str = "—", trim: bool = False) -> str:
    """A percent number (99.71 means 99.71 %): 12.35%, 100.00%; with ``trim``, no trailing zeros (100%, 82.38%)
    as report prose writes rates."""
    if value is None:
        return none
    return f"{plain(value, places) if trim else fixed(value, places)}%"


def money(value: Any, *, none: str = "") -> str:
    """An amount with thousands separators and exactly 2 decimals: 5,653.10."""
    return fixed(value, 2, grouping=True, none=none)


def with_unit(text: str, unit: str) -> str:
    """333 户, 99.71%: a percent sign sticks to the number, other units are spaced."""
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def measured(value: Any, unit: str) -> str:
    """A measured value: percents with 2 decimals (99.71%), counts and amounts rounded to 2 (333 户, 36.5 万元)."""
    if unit == "%":
        return percent(value)
    return with_unit(plain(value), unit)


def integer_or_fixed(value: Any, places: int = 2) -> str:
    """Whole numbers without decimals (18), anything else with ``places`` decimals (0.07 → 0.07)."""
    number = exact(value)
    if number is not None and number.denominator == 1:
        return str(number.numerator)
    return fixed(value, places)


# --- Chinese numbering ---------------------------------------------------------------------------------


def circled(index: int) -> str:
    """①②③ for 0-based item indices, as the scoring page and the report number checklist items."""
    return _CIRCLED[index] if 0 <= index < len(_CIRCLED) else f"（{index + 1}）"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (headings rarely go further)."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def cn_year_month(day: dt.date) -> str:
    """二〇二三年十月, as report covers date themselves."""
    return "".join(_CN_DIGITS[int(d)] for d in str(day.year)) + "年" + cn_number(day.month) + "月"


# Dates a budget evaluation can mention: policy documents, budgets and payments of this republic's decades.
# 0001-01-01 and 9999-12-31 are typing slips or probes, never a payment day.
EARLIEST_DATE = dt.date(1950, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def date_problem(day: dt.date) -> str | None:
    """Why a date cannot be a real one of an evaluation (outside 1950–2099), or None."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"日期 {day.isoformat()} 不合理（应在 {EARLIEST_DATE.year} 年至 {LATEST_DATE.year} 年之间）"


def cn_date(day: dt.date | None) -> str:
    """2023年2月17日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""
