"""Rules judged by the evaluator: binary (met or not) and manual (a score with its reason)."""

from __future__ import annotations

from fractions import Fraction

from rubrics.numbers import fixed, written
from rubrics.rules.base import (
    ZERO,
    Config,
    InputError,
    InputField,
    Inputs,
    Outcome,
    RuleKind,
    full,
    no_params,
)


def _binary(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    met = inputs.flag("met")
    label = c["label"]
    if met:
        return full(f"{label}达到要求" if label else "达到要求", w)
    return Outcome(ZERO, f"{label}未达到要求，不得分" if label else "未达到要求，不得分")


def _manual(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
    score = inputs.number("score")
    if not 0 <= score <= w:
        raise InputError("score", f"输入 score（评定得分）{written(score)} 分超出 0 到 {written(w)} 分的范围")
    reason = inputs.raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError("reason", "酌情评分必须填写理由 reason")
    reason = reason.strip().rstrip("。；;，,")
    return Outcome(score, f"酌情评分 {fixed(score)} 分，理由：{reason}")


BINARY = RuleKind(
    "binary",
    "达标得满分",
    (),
    (InputField("met", "是否达到要求", "flag"),),
    no_params,
    _binary,
    summary="达到要求得满分，否则不得分",
    example="能改善…得满分，否则不得分",
)
MANUAL = RuleKind(
    "manual",
    "酌情评分",
    (),
    (InputField("score", "评定得分", unit="分"), InputField("reason", "评分理由", "text")),
    no_params,
    _manual,
    summary="评价人员按实际情况直接评定得分，并写明理由",
    example="按照实际情况酌情扣分",
)
