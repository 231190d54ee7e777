"""Lookup rules: the score is read from a table (bands by value, grade_map by grade)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from rubrics.numbers import exact, measured, with_unit, written
from rubrics.rules.base import (
    ZERO,
    Config,
    InputError,
    InputField,
    Inputs,
    Outcome,
    Params,
    RuleKind,
    full,
    points_text,
    show,
)


def _read_bands(p: Params) -> Config:
    raw = p.raw.get("bands")
    if raw is None:
        p.messages.append("缺少参数 bands（分档）")
        return {"bands": []}
    if not isinstance(raw, list | tuple) or not raw:
        p.fail("bands", "分档", "必须是非空的 [[下限, 分值], …] 列表")
        return {"bands": []}
    bands: list[tuple[Fraction, Fraction]] = []
    lowers: list[Fraction] = []
    for i, band in enumerate(raw, start=1):
        name = f"bands 第 {i} 档"
        if not isinstance(band, list | tuple) or len(band) != 2:
            p.messages.append(f"参数 {name}必须是 [下限, 分值]，现为 {show(band)}")
            continue
        lower = exact(band[0])
        if lower is None:
            p.messages.append(f"参数 {name}的下限必须是数字，现为 {show(band[0])}")
        else:
            lowers.append(lower)
        points = p.points(name, "分值", band[1])
        if lower is not None and points is not None:
            bands.append((lower, points))
    for lower in sorted({x for x in lowers if lowers.count(x) > 1}):
        p.fail("bands", "分档", f"的下限 {written(lower)} 重复")
    # Highest lower bound first, whatever order the document lists them in.
    return {"bands": sorted(bands, key=lambda band: band[0], reverse=True)}


def _bands(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    unit = c["unit"]
    actual = inputs.number("actual")
    head = f"{c['label'] or '实际值'} {measured(actual, unit)}"
    for lower, points in c["bands"]:
        if actual >= lower:
            limit = with_unit(written(lower), unit)
            if points == w:
                return full(f"{head}，不低于 {limit}", w)
            return Outcome(points, f"{head}，不低于 {limit}，按该档得 {points_text(points)} 分")
    lowest = with_unit(written(c["bands"][-1][0]), unit)
    return Outcome(ZERO, f"{head}，低于最低档 {lowest}，得 0 分")


def _read_grade_map(p: Params) -> Config:
    raw = p.raw.get("map")
    table: dict[str, Fraction] = {}
    if raw is None:
        p.messages.append("缺少参数 map（等级与分值对照）")
    elif not isinstance(raw, Mapping) or not raw:
        p.fail("map", "等级与分值对照", f'必须是非空对象，如 {{"优秀": 4}}，现为 {show(raw)}')
    else:
        for grade, value in raw.items():
            points = p.points(f"map“{grade}”", "分值", value)
            if not isinstance(grade, str) or not grade.strip():
                p.fail("map", "等级与分值对照", "中的等级名称不能为空")
            elif points is not None:
                table[grade.strip()] = points
    default = None
    if p.raw.get("default") is not None:
        default = p.points("default", "不在对照表中的等级的分值", p.raw["default"])
    return {"map": table, "default": default}


def _grade_map(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    if not inputs.present("grade"):
        raise InputError("grade", "缺少输入 grade（等级）")
    grade = str(inputs.raw["grade"]).strip()
    label = c["label"] or "等级"
    table: dict[str, Fraction] = c["map"]
    if grade in table:
        points = table[grade]
        if points == w:
            return full(f"{label}为“{grade}”", w)
        return Outcome(points, f"{label}为“{grade}”，得 {points_text(points)} 分")
    default = c["default"]
    if default is not None:
        return Outcome(default, f"{label}为“{grade}”，不在对照表中，按默认得 {points_text(default)} 分")
    # Seed 004: "考核等级为优秀得 4 分；良好 2 分；三等 1 分；其他不得分".
    return Outcome(ZERO, f"{label}为“{grade}”，不在对照表中（{'、'.join(table)}），得 0 分")


BANDS = RuleKind("bands", "分档计分", ("bands",), (InputField("actual", "实际值"),), _read_bands, _bands, unit="%")
GRADE_MAP = RuleKind(
    "grade_map",
    "等级对照",
    ("map", "default"),
    (InputField("grade", "等级", "grade"),),
    _read_grade_map,
    _grade_map,
)
