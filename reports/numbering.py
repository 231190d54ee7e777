"""How report headings are numbered: 一、 （一） 1. （1） ①. Numbers themselves are written by rubrics.numbers."""

from __future__ import annotations

from rubrics.numbers import cn_number

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def heading_number(level: int, index: int) -> str:
    """The number of the index-th (1-based) heading of a level: 一、 （一） 1. （1） ① (beyond ⑳: （21）)."""
    if level == 1:
        return f"{cn_number(index)}、"
    if level == 2:
        return f"（{cn_number(index)}）"
    if level == 3:
        return f"{index}."
    if level >= 5 and index <= len(CIRCLED):
        return CIRCLED[index - 1]
    return f"（{index}）"
