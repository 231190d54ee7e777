"""Lookup rules: the score is read from a table (bands by value, grade_map by grade)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from rubrics.numbers import exact, measured, with_unit, written
from rubrics.rules.base import (
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
    full,
    points_text,
    show,
)

BAND_DIRECTIONS = (("higher", "越高越好"), ("lower", "越低越好"))


def _read_bands(p: Params) -> Config:
    higher = p.choice("direction", "分档方向", BAND_DIRECTIONS, "higher") == "higher"
    bound_word = "下限" if higher else "上限"
    config: Config = {"bands": [], "higher": higher}
    raw = p.raw.get("bands")
    if raw is None:
        p.messages.append("缺少参数 bands（分档）")
        return config
    if not isinstance(raw, list | tuple) or not raw:
        p.fail("bands", "分档", f"必须是非空的 [[{bound_word}, 分值], …] 列表")
        return config
    bands: list[tuple[Fraction, Fraction]] = []
    seen: dict[Fraction, int] = {}  # bound → the band it was first given for
    previous: tuple[int, Fraction] | None = None
    for i, band in enumerate(raw, start=1):
        name = f"bands 第 {i} 档"
        if not isinstance(band, list | tuple) or len(band) != 2:
            p.messages.append(f"参数 {name}必须是 [{bound_word}, 分值]，现为 {show(band)}")
            continue
        bound = exact(band[0])
        if bound is None:
            p.messages.append(f"参数 {name}的{bound_word}必须是数字，现为 {show(band[0])}")
        elif bound in seen:
            p.messages.append(f"参数 {name}的{bound_word} {written(bound)} 与第 {seen[bound]} 档重复，分档不能重叠")
        else:
            if previous is not None and (bound > previous[1] if higher else bound < previous[1]):
                j, before = previous
                order = "越高越好的分档应按下限从高到低排列" if higher else "越低越好的分档应按上限从低到高排列"
                relation = "高于" if higher else "低于"
                p.messages.append(
                    f"参数 {name}的{bound_word} {written(bound)} {relation}第 {j} 档的{bound_word} "
                    f"{written(before)}，{order}"
                )
            seen[bound] = i
            previous = (i, bound)
        points = p.points(name, "分值", band[1])
        if bound is not None and points is not None:
            bands.append((bound, points))
    config["bands"] = bands
    return config


def _bands(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    unit = c["unit"]
    actual = inputs.number("actual")
    head = f"{c['label'] or '实际值'} {measured(actual, unit)}"
    bands: list[tuple[Fraction, Fraction]] = c["bands"]
    if not c["higher"]:
        # "预算控制率=0，计5分；0-10%（含）计4分；…大于30%不得分": upper bounds, inclusive, lowest first.
        for i, (upper, points) in enumerate(bands):
            if actual <= upper:
                where = f"不高于 {with_unit(written(upper), unit)}"
                if i > 0:
                    where = f"高于 {with_unit(written(bands[i - 1][0]), unit)}、{where}"
                if points == w:
                    return full(f"{head}，{where}", w)
                return Outcome(points, f"{head}，{where}，按该档得 {points_text(points)} 分")
        highest = with_unit(written(bands[-1][0]), unit)
        return Outcome(ZERO, f"{head}，高于最后一档的上限 {highest}，得 0 分")
    for lower, points in bands:
        if actual >= lower:
            limit = with_unit(written(lower), unit)
            if points == w:
                return full(f"{head}，不低于 {limit}", w)
            return Outcome(points, f"{head}，不低于 {limit}，按该档得 {points_text(points)} 分")
    lowest = with_unit(written(bands[-1][0]), unit)
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


BANDS = RuleKind(
    "bands",
    "分档计分",
    ("bands", "direction"),
    (InputField("actual", "实际值"),),
    _read_bands,
    _bands,
    unit="%",
    summary="按实际值落在哪一档得该档分值；越高越好按下限分档，越低越好按上限分档",
    example="≥90% 2 分；80–90% 1.5 分；70–80% 1 分；60–70% 0.5 分；<60% 0 分",
    param_fields=(
        ParamField(
            "bands",
            "分档",
            "bands",
            required=True,
            hint=(
                "越高越好：每档填下限（含），从高到低排列；越低越好：每档填上限（含），从低到高排列；都达不到的得 0 分"
            ),
            columns=(
                Column("bound", "界限值", hint="越高越好时为下限（含），越低越好时为上限（含）"),
                Column("points", "分值", unit="分"),
            ),
        ),
        ParamField("direction", "分档方向", "choice", default="higher", choices=BAND_DIRECTIONS),
    ),
)
GRADE_MAP = RuleKind(
    "grade_map",
    "等级对照",
    ("map", "default"),
    (InputField("grade", "等级", "grade"),),
    _read_grade_map,
    _grade_map,
    summary="按考核等级查对照表得分；表中没有的等级不得分，或按“其他等级得分”计",
    example="考核等级为优秀得 4 分；良好 2 分；三等 1 分",
    param_fields=(
        ParamField(
            "map",
            "等级与分值",
            "grade_map",
            required=True,
            columns=(Column("grade", "等级", "text"), Column("points", "分值", unit="分")),
        ),
        ParamField("default", "其他等级得分", unit="分", hint="不填则表中没有的等级得 0 分"),
    ),
)
