"""The checklist rule: points per criterion met (①…(1 分)②…(1 分)), an optional gate, partial shares, and
deductions per fault inside a criterion (max_faults: "每出现一项不满足，扣除该要点权重分值的1/3，出现三项及以上
不满足，该要点不得分")."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from rubrics.numbers import circled, exact, fixed, written
from rubrics.rules.base import (
    ZERO,
    Column,
    Config,
    Expr,
    InputError,
    InputField,
    Inputs,
    Outcome,
    ParamField,
    Params,
    RuleKind,
    calculated,
    full,
    item_index,
    num,
    show,
    shown,
    total,
)

ITEM_KEYS = ("text", "points", "max_faults")


def _read_checklist(p: Params) -> Config:
    raw = p.raw.get("items")
    if raw is None:
        p.messages.append("缺少参数 items（评分要点）")
        return {"points": [], "gate": None, "equal": False, "max_faults": {}}
    if not isinstance(raw, list | tuple) or not raw:
        p.fail("items", "评分要点", "必须是非空列表")
        return {"points": [], "gate": None, "equal": False, "max_faults": {}}
    given: list[Any] = []
    max_faults: dict[int, int] = {}
    for i, item in enumerate(raw):
        if isinstance(item, str):
            given.append(None)
        elif isinstance(item, Mapping):
            given.append(item.get("points"))
            unknown = [key for key in item if key not in ITEM_KEYS]
            if unknown:  # a misspelt "pionts" must not fall back to an equal split unnoticed
                keys = "、".join(show(key) for key in unknown)
                p.messages.append(f"参数 items 第 {i + 1} 项有未知的键 {keys}（每项可用：{'、'.join(ITEM_KEYS)}）")
            if item.get("max_faults") is not None:
                limit = exact(item["max_faults"])
                if limit is None or limit.denominator != 1 or limit < 1:
                    p.messages.append(
                        f"参数 items 第 {i + 1} 项的 max_faults（不满足几项不得分）必须是正整数，"
                        f"现为 {show(item['max_faults'])}"
                    )
                else:
                    max_faults[i] = limit.numerator
        else:
            p.messages.append(f"参数 items 第 {i + 1} 项必须是 {{text, points}} 对象，现为 {show(item)}")
            given.append(None)
    equal = all(value is None for value in given)
    points: list[Fraction] = []
    if equal:
        # "各占 1/4 权重分": no item states its points, so the weight is split equally (exactly: 2.5 / 12 each).
        share = p.weight / len(raw) if p.weight is not None else ZERO
        points = [share] * len(raw)
    else:
        for i, value in enumerate(given):
            name = f"items 第 {i + 1} 项"
            if value is None:
                p.messages.append(f"参数 {name}缺少分值 points（要么每项都写分值，要么都不写，平均分配权重）")
                continue
            number = exact(value)
            if number is None:
                p.messages.append(f"参数 {name}的分值 points 必须是数字，现为 {show(value)}")
            elif number < 0:
                p.messages.append(f"参数 {name}的分值 points 不能为负数，现为 {written(number)}")
            else:
                points.append(number)
        points_sum = sum(points, ZERO)
        if len(points) == len(raw) and p.weight is not None and points_sum > p.weight:
            # "各占 1/3 权重分" printed as 2.67 × 3 = 8.01 of 8: the score is clamped, the check reports it.
            w = written(p.weight)
            p.problems.append(f"要点分值合计 {written(points_sum)} 分，超过权重 {w} 分，得分按权重 {w} 分封顶")
    gate = p.raw.get("gate")
    if gate is not None and (isinstance(gate, bool) or not isinstance(gate, int) or not 0 <= gate < len(raw)):
        p.fail("gate", "前提要点序号", f"必须是 0 到 {len(raw) - 1} 的整数（从 0 起数），现为 {show(gate)}")
        gate = None
    return {"points": points, "gate": gate, "equal": equal, "max_faults": max_faults}


def _index(value: Any, count: int, field: str) -> int:
    number = item_index(value, count)
    if number is None:
        why = f"无效：应为 0 到 {count - 1}（从 0 起数）"
        raise InputError(field, f"输入 {field} 中的要点序号 {show(value)} {why}")
    return number


def _faults(inputs: Inputs, c: Config, count: int, taken: set[int]) -> dict[int, int]:
    """``faults`` {"index": count}: how many faults were found in each criterion that has a ``max_faults``."""
    raw = inputs.raw.get("faults")
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InputError("faults", f"输入 faults（各要点不满足的项数）必须是对象，现为 {show(raw)}")
    limits: dict[int, int] = c["max_faults"]
    faults: dict[int, int] = {}
    for key, value in raw.items():
        index = _index(key, count, "faults")
        if index not in limits:
            raise InputError(
                "faults", f"要点{circled(index)}没有设置 max_faults（不满足几项不得分），不能按不满足项数计分"
            )
        if index in taken:
            raise InputError("faults", f"要点{circled(index)}已按不满足项数计分，不能再算满足或部分满足")
        number = exact(value)
        if number is None or number < 0 or number.denominator != 1:
            raise InputError(
                "faults",
                f"输入 faults（各要点不满足的项数）中要点{circled(index)}的项数必须是不小于 0 的整数，"
                f"现为 {show(value)}",
            )
        faults[index] = number.numerator
    return faults


def _share(value: Any, field: str) -> Fraction:
    """A part share (0..1), exactly: 0.5, or "1/3" which no decimal writes exactly."""
    share = exact(value)
    if share is None:
        raise InputError(field, f"输入 {field} 的部分得分比例必须是数字或分数，现为 {show(value)}")
    if not 0 <= share <= 1:
        raise InputError(field, f"输入 {field} 的部分得分比例必须在 0 到 1 之间，现为 {show(value)}")
    return share


def _checklist(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    points: list[Fraction] = c["points"]
    count = len(points)
    met_raw = inputs.raw.get("met")
    if met_raw is None and isinstance(inputs.raw.get("faults"), Mapping) and inputs.raw["faults"]:
        met_raw = []  # every criterion counted by its faults
    if met_raw is None:
        raise InputError("met", "缺少输入 met（满足的要点序号列表）")
    if not isinstance(met_raw, list | tuple):
        raise InputError("met", f"输入 met（满足的要点序号列表）必须是列表，现为 {show(met_raw)}")
    met = sorted({_index(value, count, "met") for value in met_raw})
    partial_raw = inputs.raw.get("partial") or {}
    if not isinstance(partial_raw, Mapping):
        raise InputError("partial", f"输入 partial（部分满足的要点）必须是对象，现为 {show(partial_raw)}")
    partial: dict[int, Fraction] = {}
    for key, value in partial_raw.items():
        index = _index(key, count, "partial")
        if index in met:
            raise InputError("partial", f"要点{circled(index)}不能既算满足又算部分满足")
        partial[index] = _share(value, "partial")
    faults = _faults(inputs, c, count, {*met, *partial})

    gate = c["gate"]
    if gate is not None and gate not in met and faults.get(gate) != 0:
        return Outcome(ZERO, f"未满足前提要点{circled(gate)}，本项得 0 分")
    if not met and not partial and not faults:
        return Outcome(ZERO, "各项要点均未满足，得 0 分")
    equal = c["equal"]
    head = ""
    if equal:
        each = w / count
        about = "" if (each * 100).denominator == 1 else "约"
        head = f"共 {count} 项要点，各占 1/{count} 权重分（各{about} {fixed(each)} 分）；"
    if len(met) == count and (equal or sum(points, ZERO) == w):
        return full(f"{head}全部 {count} 项要点均满足", w)

    # (what was met, its points as a calculation, whether the calculation is worth showing)
    terms: list[tuple[str, Expr, bool]] = []
    if met:
        what = f"满足要点{''.join(circled(i) for i in met)}"
        if equal:
            terms.append((what, num(w) * num(len(met)) / num(count), True))
        else:
            terms.append((what, total([num(points[i]) for i in met]), False))
    for index in sorted(partial):
        base = num(w) / num(count) if equal else num(points[index])
        terms.append((f"部分满足要点{circled(index)}", base * num(partial[index]), True))
    for index in sorted(faults):
        base = num(w) / num(count) if equal else num(points[index])
        found, limit = faults[index], c["max_faults"][index]
        if found == 0:
            terms.append((f"要点{circled(index)}未发现不满足", base, equal))
        elif found >= limit:
            terms.append((f"要点{circled(index)}有 {found} 项不满足，已达 {limit} 项，该要点不得分", num(ZERO), False))
        else:
            what = f"要点{circled(index)}有 {found} 项不满足，扣减该要点分值的 {found}/{limit}"
            terms.append((what, base * (num(1) - num(found) / num(limit)), True))

    if len(terms) == 1:
        what, calculation, worth = terms[0]
        value = calculation.value
        if worth or (value > w and len(met) > 1):
            return calculated(f"{head}{what}", calculation)
        if value > w:
            return Outcome(value, f"{head}{what}（{written(value)} 分），超过权重，按满分 {written(w)} 分计")
        return Outcome(value, f"{head}{what}，得 {fixed(value)} 分")
    text = "，".join(
        f"{what}（{calculation.text} = {fixed(calculation.value)} 分）"
        if worth
        else f"{what}（{fixed(calculation.value)} 分）"
        for what, calculation, worth in terms
    )
    calculations = [calculation for _, calculation, _ in terms]
    return calculated(
        f"{head}{text}", total(calculations), total([shown(calculation.value) for calculation in calculations])
    )


CHECKLIST = RuleKind(
    "checklist",
    "要点计分",
    ("items", "gate"),
    (
        InputField("met", "满足的要点", "indices", description="满足的要点序号列表"),
        InputField("partial", "部分满足比例", "shares", description="部分满足的要点"),
        InputField(
            "faults",
            "不满足的项数",
            "faults",
            hint="设置了“不满足几项不得分”的要点填写",
            description="各要点不满足的项数",
        ),
    ),
    _read_checklist,
    _checklist,
    summary="逐项对照评分要点，满足的要点得该要点分值；可部分满足、设前提要点，或按不满足的项数扣分",
    example="①…(1 分)②…(1 分)…；在符合①的前提下…，不符合①则本项 0 分",
    param_fields=(
        ParamField(
            "items",
            "评分要点",
            "items",
            required=True,
            hint="每项都填分值，或都不填（平均分配权重分）",
            columns=(
                Column("text", "要点", "text"),
                Column("points", "分值", required=False, unit="分"),
                Column(
                    "max_faults",
                    "不满足几项不得分",
                    "integer",
                    required=False,
                    unit="项",
                    hint="如“每出现一项不满足扣该要点分值的1/3，三项及以上不得分”填 3",
                ),
            ),
        ),
        ParamField("gate", "前提要点", "index", hint="不满足该要点则本项 0 分；不设则留空"),
    ),
)
