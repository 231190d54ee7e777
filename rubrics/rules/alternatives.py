"""either_of: "结转结余率 / 结转结余变动率：二者择其一进行考核". The leaf holds two (or more) rules; the evaluator
chooses one, and that rule is scored with the leaf's weight.

The options are rules of the other kinds, read by ``rubrics.engine``'s one rule reader; the engine hands it in
(``either_of(read_rule)``), so this module needs no registry and the engine and the rules import in one direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from rubrics.rules.base import (
    Column,
    Config,
    InputError,
    InputField,
    Inputs,
    Outcome,
    ParamField,
    Params,
    ReadRule,
    RuleKind,
    item_index,
    show,
)

NAME = "either_of"
OPTION_KEYS = ("label", "rule")


def _option_choices(options: list[tuple[str, RuleKind, Config]]) -> str:
    return "、".join(f"{i}：{label}" for i, (label, _, _) in enumerate(options))


def either_of(read_rule: ReadRule) -> RuleKind:
    """The either_of kind, reading its options' rules with ``read_rule`` (kind, params, weight) → RuleRead."""

    def read(p: Params) -> Config:
        raw = p.raw.get("options")
        if raw is None:
            p.messages.append("缺少参数 options（可选的考核指标）")
            return {"options": []}
        if not isinstance(raw, list | tuple) or len(raw) < 2:
            p.fail("options", "可选的考核指标", f"必须是至少两项的 [{{label, rule}}, …] 列表，现为 {show(raw)}")
            return {"options": []}
        options: list[tuple[str, RuleKind, Config]] = []
        labels: dict[str, int] = {}
        for i, option in enumerate(raw, start=1):
            name = f"options 第 {i} 项"
            if not isinstance(option, Mapping):
                p.messages.append(f"参数 {name}必须是 {{label, rule}} 对象，现为 {show(option)}")
                continue
            unknown = [key for key in option if key not in OPTION_KEYS]
            if unknown:
                keys = "、".join(show(key) for key in unknown)
                p.messages.append(f"参数 {name}有未知的键 {keys}（每项可用：{'、'.join(OPTION_KEYS)}）")
            label = option.get("label")
            if not isinstance(label, str) or not label.strip():
                p.messages.append(f"参数 {name}缺少指标名称 label")
                label = f"第 {i} 项"
            elif label.strip() in labels:
                p.messages.append(f"参数 {name}的指标名称“{label.strip()}”与第 {labels[label.strip()]} 项重名")
            else:
                labels[label.strip()] = i
            label = label.strip()
            where = f"参数 {name}（{label}）的评分规则"
            rule = option.get("rule")
            if not isinstance(rule, Mapping):
                p.messages.append(f"{where} rule 必须是 {{kind, …}} 对象，现为 {show(rule)}")
                continue
            kind = rule.get("kind")
            if kind is None:
                p.messages.append(f"{where}缺少类型 kind")
                continue
            if kind == NAME:
                p.messages.append(f"{where}不能再是“二者择其一”")
                continue
            result = read_rule(kind, {key: value for key, value in rule.items() if key != "kind"}, p.weight)
            p.messages.extend(f"{where}：{message}" for message in result.messages)
            p.problems.extend(f"“{label}”：{problem}" for problem in result.problems)
            if result.kind is not None and not result.messages:
                options.append((label, result.kind, result.config))
        return {"options": options}

    def compute(c: Config, inputs: Inputs, w: Fraction) -> Outcome:
        options: list[tuple[str, RuleKind, Config]] = c["options"]
        if not inputs.present("option"):
            raise InputError("option", f"缺少输入 option（考核的指标，{_option_choices(options)}）")
        given = inputs.raw["option"]
        index = item_index(given, len(options))
        if index is None:
            raise InputError(
                "option",
                f"输入 option（考核的指标）{show(given)} 无效：应为 0 到 {len(options) - 1}"
                f"（从 0 起数：{_option_choices(options)}）",
            )
        label, kind, config = options[index]
        raw = inputs.raw.get("inputs")
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise InputError("inputs", f"输入 inputs（所选指标“{label}”的输入）必须是对象，现为 {show(raw)}")
        try:
            outcome = kind.compute(config, Inputs(raw, kind.fields), w)
        except InputError as exc:
            raise InputError(f"inputs.{exc.field}", f"所选指标“{label}”：{exc.message}") from None
        choose = "二者择其一" if len(options) == 2 else f"{len(options)} 项择其一"
        return replace(outcome, text=f"{choose}，按“{label}”考核，{outcome.text}")

    return RuleKind(
        NAME,
        "二者择其一",
        ("options",),
        (
            InputField("option", "考核的指标", "option", hint="从可选的指标中选择一项考核"),
            InputField("inputs", "所选指标的输入", "option_inputs", description="所选指标的输入"),
        ),
        read,
        compute,
        summary="两个（或多个）考核口径中选择一个，按所选口径的评分规则计分，权重不变",
        example="结转结余率 / 结转结余变动率：二者择其一进行考核",
        param_fields=(
            ParamField(
                "options",
                "可选的考核指标",
                "options",
                required=True,
                hint="至少两项；每项一个名称和一条评分规则（不能再选“二者择其一”）",
                columns=(Column("label", "指标名称", "text"), Column("rule", "评分规则", "rule")),
            ),
        ),
    )
