"""Rules where the evaluator judges a share of the weight: graded (a level, then a share within its range, as every
定性 indicator of a 自评表: "分别按照该指标对应分值区间100-80%（含）、80-60%（含）、60-0%合理确定分值") and
coefficient ("得分系数(%) × 指标权重")."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from itertools import pairwise
from typing import Any

from rubrics.numbers import exact, percent, written
from rubrics.rules.base import (
    HUNDRED,
    ZERO,
    Column,
    Config,
    InputError,
    InputField,
    Inputs,
    Outcome,
    ParamField,
    Params,
    RuleKind,
    calculated,
    full,
    no_params,
    num,
    pct,
    show,
)

DEFAULT_LEVELS = (("好", 80, 100), ("中", 60, 80), ("差", 0, 60))


def _level_raw(p: Params) -> Any:
    raw = p.raw.get("levels")
    return [list(level) for level in DEFAULT_LEVELS] if raw is None else raw


def _read_graded(p: Params) -> Config:
    raw = _level_raw(p)
    if not isinstance(raw, list | tuple) or not raw:
        p.fail("levels", "等级及分值区间", f"必须是非空的 [[等级, 下限, 上限], …] 列表，现为 {show(raw)}")
        return {"levels": {}, "top": ""}
    levels: list[tuple[int, str, Fraction, Fraction]] = []  # (position, label, lower, upper)
    labels: dict[str, int] = {}
    for i, level in enumerate(raw, start=1):
        name = f"levels 第 {i} 级"
        if not isinstance(level, list | tuple) or len(level) != 3:
            p.messages.append(f"参数 {name}必须是 [等级, 下限, 上限]，现为 {show(level)}")
            continue
        label, lower, upper = level[0], exact(level[1]), exact(level[2])
        usable = True
        if not isinstance(label, str) or not label.strip():
            p.messages.append(f"参数 {name}的等级名称不能为空，现为 {show(label)}")
            usable = False
        elif label.strip() in labels:
            p.messages.append(f"参数 {name}的等级“{label.strip()}”与第 {labels[label.strip()]} 级重名")
            usable = False
        else:
            labels[label.strip()] = i
        for bound, given, word in ((lower, level[1], "下限"), (upper, level[2], "上限")):
            if bound is None:
                p.messages.append(f"参数 {name}的{word}必须是数字（百分数），现为 {show(given)}")
                usable = False
            elif not 0 <= bound <= 100:
                p.messages.append(f"参数 {name}的{word}必须在 0 到 100 之间，现为 {written(bound)}")
                usable = False
        if usable and lower >= upper:
            p.messages.append(f"参数 {name}的下限 {written(lower)} 应小于上限 {written(upper)}")
            usable = False
        if usable:
            levels.append((i, label.strip(), lower, upper))
    ordered = sorted(levels, key=lambda level: level[2])
    for below, above in pairwise(ordered):
        if below[3] > above[2]:
            p.messages.append(
                f"参数 levels 第 {below[0]} 级“{below[1]}”（{_span(below[2], below[3])}）与第 {above[0]} 级"
                f"“{above[1]}”（{_span(above[2], above[3])}）的分值区间重叠"
            )
    top = max(levels, key=lambda level: level[3])[1] if levels else ""
    return {"levels": {label: (lower, upper) for _, label, lower, upper in levels}, "top": top}


def _span(lower: Fraction, upper: Fraction) -> str:
    return f"{written(lower)}%–{written(upper)}%"


def _range_text(lower: Fraction, upper: Fraction, top: bool) -> str:
    """好 80%（含）至 100%（含）; 中 60%（含）至 80%（不含）: the top level also holds its upper bound."""
    return f"{written(lower)}%（含）至 {written(upper)}%（{'含' if top else '不含'}）"


def _graded(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    levels: Mapping[str, tuple[Fraction, Fraction]] = c["levels"]
    if not inputs.present("level"):
        raise InputError("level", "缺少输入 level（等级）")
    given = inputs.raw["level"]
    label = given.strip() if isinstance(given, str) else ""
    if label not in levels:
        raise InputError("level", f"输入 level（等级）{show(given)} 不是本指标的等级（可选：{'、'.join(levels)}）")
    share = inputs.number("share")
    lower, upper = levels[label]
    top = label == c["top"]
    if not (lower <= share < upper or (top and share == upper)):
        raise InputError(
            "share",
            f"输入 share（得分比例，百分数）{written(share)} 不在等级“{label}”的分值区间 "
            f"{_range_text(lower, upper, top)}内",
        )
    span = _range_text(lower, upper, top)
    head = f"{c['label'] or '评定等级'}为“{label}”，分值区间 {span}，得分比例 {percent(share, trim=True)}"
    if share == HUNDRED:
        return full(head, w)
    return calculated(head, num(w) * pct(share))


def _coefficient(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    value = inputs.number("coefficient")
    if not ZERO <= value <= HUNDRED:
        raise InputError(
            "coefficient", f"输入 coefficient（得分系数，百分数）必须在 0 到 100 之间，现为 {written(value)}"
        )
    head = f"{c['label'] or '得分系数'} {percent(value, trim=True)}"
    if value == HUNDRED:
        return full(head, w)
    return calculated(head, num(w) * pct(value))


GRADED = RuleKind(
    "graded",
    "定性分档评分",
    ("levels",),
    (
        InputField("level", "评定等级", "level"),
        InputField("share", "得分比例", percent=True, hint="占权重分的百分比，须在所选等级的分值区间内"),
    ),
    _read_graded,
    _graded,
    summary="先评定等级（好、中、差），再在该等级的分值区间内确定得分比例：权重分 × 得分比例",
    example="分别按照该指标对应分值区间100-80%（含）、80-60%（含）、60-0%合理确定分值",
    param_fields=(
        ParamField(
            "levels",
            "等级及分值区间",
            "levels",
            default=DEFAULT_LEVELS,
            hint="区间含下限；最高一级同时含上限（好 80%–100%，中 60%–<80%，差 0–<60%）",
            columns=(
                Column("label", "等级", "text"),
                Column("lower", "下限", "percent"),
                Column("upper", "上限", "percent"),
            ),
        ),
    ),
)
COEFFICIENT = RuleKind(
    "coefficient",
    "得分系数",
    (),
    (InputField("coefficient", "得分系数", percent=True, hint="0 到 100"),),
    no_params,
    _coefficient,
    summary="评定得分系数（百分比），得分 = 权重分 × 得分系数",
    example="得分系数(%) × 指标权重",
)
