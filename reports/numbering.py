"""How report headings are numbered: 一、 （一） 1. （1）. Numbers themselves are written by rubrics.numbers."""

from __future__ import annotations

from rubrics.numbers import cn_number


def heading_number(level: int, index: int) -> str:
    """The number of the index-th (1-based) heading of a level: 一、 （一） 1. （1）."""
    if level == 1:
        return f"{cn_number(index)}、"
    if level == 2:
        return f"（{cn_number(index)}）"
    if level == 3:
        return f"{index}."
    return f"（{index}）"
