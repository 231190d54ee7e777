"""Chinese numbering and the way reports write numbers, dates and percentages."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

DIGITS = "〇一二三四五六七八九"
CENT = Decimal("0.01")


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (headings rarely go further)."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
    return str(n)


def heading_number(level: int, index: int) -> str:
    """The number of the index-th (1-based) heading of a level: 一、 （一） 1. （1）."""
    if level == 1:
        return f"{cn_number(index)}、"
    if level == 2:
        return f"（{cn_number(index)}）"
    if level == 3:
        return f"{index}."
    return f"（{index}）"


def cn_year_month(day: dt.date) -> str:
    """二〇二三年十月, as report covers date themselves."""
    return "".join(DIGITS[int(d)] for d in str(day.year)) + "年" + cn_number(day.month) + "月"


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def plain(value: Decimal | int | None, places: str = "0.01") -> str:
    """A score or weight as reports write it: 2 decimals at most, no trailing zeros (97.75, 19, 1.8)."""
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money(value: Decimal | int | None) -> str:
    """An amount with thousands separators and exactly 2 decimals: 5,653.10."""
    if value is None:
        return ""
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def percent(value: Decimal | None, *, fixed: bool = False) -> str:
    """A percent number (99.71 means 99.71 %): 99.71%; with fixed, always 2 decimals (100.00%)."""
    if value is None:
        return "—"
    if fixed:
        return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):f}%"
    return f"{plain(value)}%"


def rate(score: Decimal | None, weight: Decimal | None) -> Decimal | None:
    """得分率 in percent: score ÷ weight × 100, or None when unscored or weightless."""
    if score is None or not weight:
        return None
    return Decimal(score) / Decimal(weight) * 100
