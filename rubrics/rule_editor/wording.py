"""Engine messages in the editor's words: no parameter codes, each message pinned to the box it concerns.

The engine's messages carry the JSON names for people who write rule documents ("参数 step（每档幅度）必须大于
0"). ``rubrics.engine.readable`` turns the common forms into 「每档幅度」…; what it leaves (a table's code such as
"参数 items 第 2 项", a column's code after its Chinese name) is replaced here by the names the editor shows.
Pure Python: no Django.
"""

from __future__ import annotations

import re
from functools import cache

from rubrics.engine import COMMON_PARAM_FIELDS, RULE_KINDS, readable

INDICATOR_PREFIX = re.compile(r"^指标「[^」]*」：")
# Where a message is about one parameter: "参数 step（…）…", "缺少参数 bands（…）", "参数 items 第 2 项…".
PARAM_CODE = re.compile(r"^(?:缺少)?参数 ([a-z_]+)")
# An either_of option's own rule: "参数 options 第 2 项（结转结余变动率）的评分规则：<the option's message>".
OPTION_MESSAGE = re.compile(r"^参数 options 第 (\d+) 项（[^）]*）的评分规则：(.+)$")
_CODE = re.compile(r"(?<![A-Za-z_])[a-z][a-z_]*(?![A-Za-z_])")
_QUOTED = re.compile(r"(“[^”]*”)")
_CHOICES = re.compile(r"（可选：[a-z_、]+）")  # the list of kind codes after an unknown kind
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff」）]) +(?=[\u4e00-\u9fff「（，])")
_GENERIC = {"kind": "类型", "rule": "评分规则", "inputs": "所选指标的输入"}


@cache
def _names(kind: str) -> dict[str, str]:
    """Every code a message about this kind may carry, with the name the editor shows for it."""
    names = dict(_GENERIC)
    names.update({field.name: field.label for field in COMMON_PARAM_FIELDS})
    spec = RULE_KINDS.get(kind)
    if spec is not None:
        names.update({field.name: field.label for field in spec.fields})
        for param in spec.param_fields:
            names.update({column.name: column.label for column in param.columns})
        names.update({param.name: param.label for param in spec.param_fields})
    return names


def without_indicator(message: str) -> str:
    """指标「预算执行率」：参数 … → 参数 …: the editor already says which indicator it is."""
    return INDICATOR_PREFIX.sub("", message, count=1)


def param_of(kind: str, message: str) -> str:
    """The parameter a message is about ("" when it is about the rule as a whole)."""
    match = PARAM_CODE.match(message)
    spec = RULE_KINDS.get(kind)
    if match and spec is not None and match.group(1) in spec.params:
        return match.group(1)
    return ""


def people(kind: str, message: str) -> str:
    """An engine message without codes: 参数 items 第 2 项的分值 points 必须是数字 → 「评分要点」第 2 项的分值
    必须是数字."""
    names = _names(kind)
    text = _outside_quotes(message, lambda part: _CODE.sub(lambda m: _after_label(part, m, names), part))
    text = _CHOICES.sub("", readable(text))
    text = re.sub(r"参数 ([a-z_]+)", lambda m: f"「{names.get(m.group(1), m.group(1))}」", text)
    text = _outside_quotes(text, lambda part: _CODE.sub(lambda m: _named(m, names), part))
    return _CJK_SPACE.sub("", text).strip()


def _outside_quotes(text: str, change) -> str:
    """``change`` applied to the text but not to what people typed (quoted “…” as typed, codes or not)."""
    return "".join(part if part.startswith("“") else change(part) for part in _QUOTED.split(text))


def _after_label(text: str, match: re.Match, names: dict[str, str]) -> str:
    """A code right after its own Chinese name (分值 points) is dropped; others are left for later steps."""
    code = match.group(0)
    label = names.get(code)
    return "" if label and text[: match.start()].rstrip().endswith(label) else code


def _named(match: re.Match, names: dict[str, str]) -> str:
    code = match.group(0)
    return f"「{names[code]}」" if code in names else code
