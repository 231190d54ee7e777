"""The perf-eval/1 document (DESIGN §10): reading its indicator tree, and scoring it without a database.

This is the indicator half of the one parser: ``evaluations.interchange.reader`` reads the whole document
with it (header, tables, texts) for ``score``, ``import_evaluation`` and the template import, so all three
accept and refuse exactly the same documents. The rules an indicator must follow are the ones the admin and
the editors apply (rubrics.engine.validate_rule / validate_awarded, rubrics.tree), so nothing stored can be
refused later.

Two verdicts, kept apart:
- *valid* (``read_indicators``): every value given is usable. An evaluation in progress may still lack
  inputs or a rule; such a document imports.
- *scorable* (``score_indicators``): additionally every leaf has its rule and all its inputs. ``score``
  needs that; what is inconsistent but scorable (weights that do not add up, an awarded score without a
  reason) is a problem in the result, never an error.

A leaf whose inputs hold ``"not_applicable": true`` needs no other input; ``evaluation.na_policy``
(``read_na_policy``: "full" or "rescale", the default) decides whether it scores its weight or is left out of
the total, which is then rescaled to 100 over the applicable leaves (DESIGN §4.1).

Pure Python: no Django, no database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rubrics import tree
from rubrics.engine import (
    DEFAULT_GRADES,
    DEFAULT_NA_POLICY,
    NOT_APPLICABLE,
    RULE_KINDS,
    InputError,
    RuleError,
    ScoreResult,
    compute_score,
    grade_for,
    rule_problems,
    validate_awarded,
    validate_grades,
    validate_na_policy,
    validate_rule,
)
from rubrics.numbers import date_problem, exact, exact_text, fixed, round_score, written
from rubrics.text import JsonShapeError, load_json

FORMAT = "perf-eval/1"
LEVEL_ONE = "一级指标"  # "where" of the problem about the level-1 weights
MAX_WEIGHT = Decimal("9999.99")  # the stored weight: 6 digits, 2 decimals
MAX_NAME = 200
MAX_RESEARCH_ORDER = 32767  # the stored 调研记录序号 (a small positive integer)
TEXT_FIELDS = {  # document key → (stored field, max length or None for a long text)
    "explanation": ("explanation", None),
    "standard": ("standard", None),
    "benchmark": ("benchmark", 200),
    "unit": ("unit", 30),
    "evidence": ("evidence_required", None),
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DocumentError(Exception):
    """The document cannot be used; ``errors`` holds one Chinese line per error."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


# --- JSON in and out ---------------------------------------------------------------------------------


class _BadConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadConstant(name)


def parse_json(text: str) -> Any:
    """JSON text to Python data (numbers with a fraction become Decimal, exactly); DocumentError if unusable."""
    try:
        return load_json(text, parse_float=Decimal, parse_constant=_reject_constant)
    except JsonShapeError as exc:
        raise DocumentError([f"文件不是有效的 JSON：{exc}"]) from None
    except json.JSONDecodeError as exc:
        raise DocumentError([f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"]) from None
    except _BadConstant as exc:
        raise DocumentError([f"文件不是有效的 JSON：{exc} 不是数字"]) from None
    except RecursionError:
        raise DocumentError(["文件不是有效的 JSON：嵌套层级过深"]) from None
    except ValueError as exc:  # e.g. an integer literal with thousands of digits
        raise DocumentError([f"文件不是有效的 JSON：{exc}"]) from None


def parse_document(text: str) -> dict:
    """JSON text to a document dict whose format is perf-eval/1; DocumentError otherwise."""
    doc = parse_json(text)
    errors = format_errors(doc)
    if errors:
        raise DocumentError(errors)
    return doc


def format_errors(doc: Any) -> list[str]:
    """A JSON object whose format is perf-eval/1, or the lines saying why not."""
    if not isinstance(doc, dict):
        return ["文档必须是 JSON 对象（{…}）"]
    if "format" not in doc:
        return [f"缺少 format 字段，应为“{FORMAT}”"]
    if doc["format"] != FORMAT:
        return [f"format 应为“{FORMAT}”，现为 {show(doc['format'])}"]
    return []


def read_document_file(path: str) -> str:
    """The text of a document file, or DocumentError saying in Chinese why it cannot be read."""
    file = Path(path)
    if not file.exists():
        raise DocumentError([f"找不到文件：{path}"])
    if not file.is_file():
        raise DocumentError([f"不是文件：{path}"])
    try:
        return file.read_text(encoding="utf-8-sig")  # -sig: files saved by Windows editors start with a BOM
    except UnicodeDecodeError:
        raise DocumentError([f"文件不是 UTF-8 编码的文本：{path}"]) from None
    except OSError as exc:
        raise DocumentError([f"无法读取文件 {path}：{exc.strerror or exc}"]) from None


def show(value: Any) -> str:
    """A value as quoted in an error line: “文字”, 12.5, null, ["a"]."""
    if isinstance(value, str):
        return f"“{value}”"
    try:
        return json.dumps(plain_json(value), ensure_ascii=False, default=str)
    except ValueError:  # circular structures
        return repr(value)


def plain_json(value: Any) -> Any:
    """A parsed document value as JSON-storable data.

    Parsing reads fractions as Decimal, which JSON storage cannot hold. A Decimal becomes a float when the
    float prints back as the same number (99.71, 0.5), else a string, which rubrics.numbers reads exactly.
    """
    if isinstance(value, Decimal):
        if exact(value) is None:  # 1e999999999: kept as written (the rule's check refuses it), never expanded
            return str(value)
        number = float(value)
        return number if Decimal(repr(number)) == value else format(value, "f")
    if isinstance(value, dict):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    return value


def json_number(value: Decimal) -> int | float:
    """A Decimal as a plain JSON number: 4, 2.9, 97.75 (scores carry at most 2 decimals)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def to_json_data(value: Any) -> Any:
    """Data with every Decimal turned into a JSON number, e.g. for JsonResponse."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, dict):
        return {key: to_json_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_data(item) for item in value]
    return value


def dumps(result: dict, *, indent: int | None = 2) -> str:
    """The scoring result as JSON text (Chinese kept readable)."""
    return json.dumps(to_json_data(result), ensure_ascii=False, indent=indent)


# --- small readers shared with evaluations.interchange.reader -------------------------------------------


def text_value(data: dict, key: str, max_length: int | None, where: str, errors: list[str]) -> str:
    """An optional text value ("" when absent); non-text or too long values are reported."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"{where}：{key} 必须是文字，现为 {show(value)}")
        return ""
    if max_length is not None and len(value) > max_length:
        errors.append(f"{where}：{key} 最多 {max_length} 个字，现为 {len(value)} 个字")
    return value


def iso_date(value: Any, where: str, errors: list[str]) -> dt.date | None:
    """An ISO date (2023-10-01) or null."""
    if value is None:
        return None
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            problem = date_problem(day)
            if not problem:
                return day
            errors.append(f"{where}：{problem}")
            return None
    errors.append(f"{where}：日期应写作 2023-10-01 这样的 ISO 格式，现为 {show(value)}")
    return None


def read_grades(header: Any, errors: list[str]) -> list | None:
    """``evaluation.grades`` as given (None when the document keeps the default scale)."""
    grades = header.get("grades") if isinstance(header, dict) else None
    if grades is None:
        return None
    messages = validate_grades(grades)
    errors += [f"evaluation.grades（评价等级）：{message}" for message in messages]
    return None if messages else plain_json(grades)


def read_na_policy(header: Any, errors: list[str]) -> str:
    """``evaluation.na_policy``: how not-applicable leaves count, "full" or "rescale" (the default when absent)."""
    policy = header.get("na_policy") if isinstance(header, dict) else None
    if policy is None:
        return DEFAULT_NA_POLICY
    message = validate_na_policy(policy)
    if message:
        errors.append(f"evaluation.na_policy（不适用指标的处理）：{message}")
        return DEFAULT_NA_POLICY
    return policy


# --- the indicator tree --------------------------------------------------------------------------------


@dataclass
class Indicator:
    """One indicator of a document, checked. ``weight`` is as given, or the children's sum for an inner node."""

    data: dict
    path: tuple[str, ...]
    parent: int | None
    order: int  # 1-based position among its siblings
    children: list[int] = field(default_factory=list)
    name: str = ""
    weight: Decimal | None = None
    texts: dict[str, str] = field(default_factory=dict)  # stored field → text (explanation, standard …)
    rule_kind: str = ""
    rule_params: dict = field(default_factory=dict)
    bindings: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    has_inputs: bool = False
    awarded: Decimal | None = None
    reason: str = ""
    actual_display: str = ""
    analysis: str = ""
    evidence_obtained: str = ""
    research_content: str = ""  # 附件 3 调研内容 where the record words it otherwise than the 指标解释
    research_order: int | None = None  # the row's place in 附件 3 where it differs from the tree's order
    research: tuple[dt.date | None, dt.date | None] = (None, None)
    is_custom: bool = False
    broken: bool = False  # not an object: reported once, not checked further
    errors: list[str] = field(default_factory=list)  # this indicator's own, listed in document order
    result: ScoreResult | None = None  # the engine's result, when the inputs given already score it

    @property
    def where(self) -> str:
        return " / ".join(self.path)

    @property
    def leaf(self) -> bool:
        return not self.children

    @property
    def not_applicable(self) -> bool:
        """A leaf whose inputs say ``"not_applicable": true`` (DESIGN §4.1)."""
        return self.leaf and self.inputs.get(NOT_APPLICABLE.name) is True


def _walk(indicators: list) -> list[Indicator]:
    # Iterative pre-order (parents before children), so a deep document cannot exhaust the recursion limit.
    nodes: list[Indicator] = []
    stack: list[tuple[Any, tuple[str, ...], int | None, int]] = [
        (data, (), None, i) for i, data in reversed(list(enumerate(indicators)))
    ]
    while stack:
        data, parent_path, parent, position = stack.pop()
        name = data.get("name") if isinstance(data, dict) else None
        named = isinstance(name, str) and bool(name.strip())
        label = name.strip() if named else f"第 {position + 1} 项（未命名）"
        node = Indicator(data if isinstance(data, dict) else {}, (*parent_path, label), parent, position + 1)
        index = len(nodes)
        nodes.append(node)
        errors = node.errors
        if parent is not None:
            nodes[parent].children.append(index)
        if not isinstance(data, dict):
            errors.append(f"{node.where}：指标必须是对象，现为 {show(data)}")
            node.broken = True
            continue
        if not named:
            errors.append(f"{node.where}：缺少指标名称 name")
        elif len(name.strip()) > MAX_NAME:
            errors.append(f"{node.where}：指标名称最多 {MAX_NAME} 个字")
        node.name = label if named else ""
        children = data.get("children")
        if children is not None and not isinstance(children, list):
            errors.append(f"{node.where}：children（下级指标）必须是列表，现为 {show(children)}")
        elif children:
            stack.extend((child, node.path, index, i) for i, child in reversed(list(enumerate(children))))
    return nodes


def _weight(node: Indicator, errors: list[str]) -> Decimal | None:
    raw = node.data.get("weight")
    if raw is None:
        return None
    number = exact(raw)
    if number is None:
        errors.append(f"{node.where}：权重 weight 必须是数字，现为 {show(raw)}")
    elif number < 0:
        errors.append(f"{node.where}：权重 weight 不能为负数，现为 {written(number)}")
    elif number > MAX_WEIGHT:
        errors.append(f"{node.where}：权重 weight 不能超过 {MAX_WEIGHT}，现为 {written(number)}")
    elif (number * 100).denominator != 1:
        errors.append(f"{node.where}：权重 weight 最多两位小数，现为 {written(number)}")
    else:
        # As written (20, 12.5); a float is read through its shortest form, like every JSON number here.
        return raw if isinstance(raw, Decimal) else Decimal(raw if isinstance(raw, int) else exact_text(number))
    return None


def _rule(node: Indicator, errors: list[str]) -> None:
    rule = node.data.get("rule")
    if rule is None:
        return  # a leaf without a rule yet: valid (stored, and reported as unscored), not scorable
    if not node.leaf:
        errors.append(f"{node.where}：既有下级指标 children 又有评分规则 rule，无法确定如何计分")
        return
    if not isinstance(rule, dict):
        errors.append(f"{node.where}：评分规则 rule 必须是对象，现为 {show(rule)}")
        return
    kind = rule.get("kind")
    if not isinstance(kind, str) or kind not in RULE_KINDS:
        known = "、".join(RULE_KINDS)
        what = "评分规则缺少类型 kind" if kind is None else f"未知的评分规则类型 kind {show(kind)}"
        errors.append(f"{node.where}：{what}（可选：{known}）")
        return
    params = {key: value for key, value in rule.items() if key != "kind"}
    if node.weight is not None:
        errors.extend(
            f"{node.where}：评分规则 {kind}：{message}" for message in validate_rule(kind, params, node.weight)
        )
    node.rule_kind, node.rule_params = kind, plain_json(params)


def _bindings(node: Indicator, errors: list[str]) -> None:
    bind = node.data.get("bind")
    if bind is None:
        return
    if not isinstance(bind, dict) or not all(isinstance(v, str) and v.strip() for v in bind.values()):
        errors.append(f"{node.where}：数据绑定 bind 必须是 {{输入名: 派生数据代码}} 对象，现为 {show(bind)}")
        return
    if not node.leaf:
        errors.append(f"{node.where}：只有末级指标可以绑定数据 bind")
        return
    if node.rule_kind:
        allowed = RULE_KINDS[node.rule_kind].inputs
        unknown = [name for name in bind if name not in allowed]
        if unknown:
            errors.append(
                f"{node.where}：数据绑定 bind 的输入 {'、'.join(unknown)} 不是评分规则 {node.rule_kind} 的输入"
                f"（可选：{'、'.join(allowed)}）"
            )
            return
    node.bindings = dict(bind)


def _present(inputs: dict, name: str) -> bool:
    """Whether an input is given; a dotted name ("inputs.actual", an either_of option's input) is looked up inside."""
    value: Any = inputs
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value is not None and not (isinstance(value, str) and not value.strip())


def _leaf_inputs(node: Indicator, errors: list[str]) -> None:
    data = node.data
    inputs = data.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        errors.append(f"{node.where}：输入 inputs 必须是对象，现为 {show(inputs)}")
        inputs = None
    node.has_inputs = isinstance(inputs, dict)
    node.inputs = plain_json(inputs or {})
    flag = node.inputs.get(NOT_APPLICABLE.name)
    if flag is not None and not isinstance(flag, bool):
        errors.append(f"{node.where}：输入 not_applicable（不适用）只能是 true 或 false，现为 {show(flag)}")
    elif flag is True and data.get("score") is not None:
        errors.append(f"{node.where}：不适用的指标不计分，不能填写评定得分 score")
    awarded = data.get("score")
    if awarded is not None:
        number = exact(awarded)
        if number is None:
            errors.append(f"{node.where}：评定得分 score 必须是数字，现为 {show(awarded)}")
        elif node.weight is not None and (message := validate_awarded(number, node.weight)):
            errors.append(f"{node.where}：{message}")
        else:
            node.awarded = round_score(number)
    node.reason = text_value(data, "reason", None, node.where, errors).strip()
    rescore(node)


def rescore(node: Indicator) -> None:
    """The engine's result for a leaf's inputs (again after bound inputs changed); a given input that is not
    usable is an error, a missing one only leaves the leaf unscored."""
    node.result = None
    if not node.rule_kind or node.weight is None or not node.has_inputs:
        return
    try:
        node.result = compute_score(node.rule_kind, node.rule_params, node.inputs, node.weight)
    except InputError as exc:
        message = f"{node.where}：{exc.message}"
        if _present(node.inputs, exc.field) and message not in node.errors:
            node.errors.append(message)
    except RuleError:
        pass  # already reported with the rule


def _extras(node: Indicator, errors: list[str]) -> None:
    data, where = node.data, node.where
    for key, (stored, max_length) in TEXT_FIELDS.items():
        node.texts[stored] = text_value(data, key, max_length, where, errors)
    if "benchmark" not in data and isinstance(data.get("target"), str):
        # §10's example calls the 标杆值 "target"; "benchmark" is this product's name for it.
        node.texts["benchmark"] = text_value(data, "target", 200, where, errors)
    node.actual_display = text_value(data, "actual_display", 200, where, errors)
    node.analysis = text_value(data, "analysis", None, where, errors)
    node.evidence_obtained = text_value(data, "evidence_obtained", None, where, errors)
    node.research_content = text_value(data, "research_content", None, where, errors)
    order = data.get("research_order")
    if order is not None:
        if isinstance(order, int) and not isinstance(order, bool) and 1 <= order <= MAX_RESEARCH_ORDER:
            node.research_order = order
        else:
            errors.append(
                f"{where}：research_order（调研记录序号）必须是 1 至 {MAX_RESEARCH_ORDER} 的整数，现为 {show(order)}"
            )
    research = data.get("research")
    if research is not None:
        label = f"{where}：research（现场调研时间）"
        if not isinstance(research, list) or len(research) != 2:
            errors.append(f"{label}必须是 [开始, 结束] 两个日期，现为 {show(research)}")
        else:
            start, end = iso_date(research[0], f"{label}开始", errors), iso_date(research[1], f"{label}结束", errors)
            if start and end and start > end:
                errors.append(f"{label}开始日 {start} 晚于结束日 {end}")
            node.research = (start, end)
    custom = data.get("custom", False)
    if not isinstance(custom, bool):
        errors.append(f"{where}：custom（个性指标）只能是 true 或 false，现为 {show(custom)}")
    node.is_custom = custom is True


def _sibling_errors(nodes: list[Indicator]) -> None:
    # Findings, evidence and re-imports address indicators by their path of names, so a path must be unique.
    seen = set()
    for node in nodes:
        if node.name and node.path in seen:
            node.errors.append(f"{node.where}：同一上级指标下有两个指标同名，请改名以便区分")
        seen.add(node.path)


def read_indicators(indicators: Any) -> tuple[list[Indicator], list[str]]:
    """Check a document's ``indicators``; return the nodes (pre-order) and every error found (valid = none)."""
    if indicators is None:
        return [], ["缺少指标列表 indicators"]
    if not isinstance(indicators, list):
        return [], [f"indicators 必须是指标列表，现为 {show(indicators)}"]
    if not indicators:
        return [], ["指标列表 indicators 为空"]
    nodes = _walk(indicators)
    _sibling_errors(nodes)
    for node in reversed(nodes):  # children first, so an inner node may omit its weight
        if node.broken:
            continue
        node.weight = _weight(node, node.errors)
        if node.data.get("weight") is None:
            kids = [nodes[i].weight for i in node.children]
            if not node.children:
                node.errors.append(f"{node.where}：缺少权重 weight")
            elif None not in kids:
                node.weight = sum(kids, Decimal(0))
    for node in nodes:
        if node.broken:
            continue
        _extras(node, node.errors)
        _rule(node, node.errors)
        _bindings(node, node.errors)
        if node.leaf:
            _leaf_inputs(node, node.errors)
        elif node.data.get("score") is not None or node.data.get("inputs"):
            node.errors.append(f"{node.where}：有下级指标的指标由下级得分汇总，不能填写 inputs 或评定得分 score")
    return nodes, [error for node in nodes for error in node.errors]


def _tree(
    nodes: list[Indicator], scores: dict[int, Decimal | None], left_out: set[int] | frozenset[int] = frozenset()
) -> tree.IndicatorTree[int]:
    return tree.IndicatorTree(
        range(len(nodes)),
        key=lambda i: i,
        parent=lambda i: nodes[i].parent,
        order=lambda i: i,  # pre-order is the document's order
        name=lambda i: nodes[i].path[-1],
        weight=lambda i: nodes[i].weight,
        score=lambda i: scores.get(i),
        applicable=lambda i: i not in left_out,
    )


def indicator_problems(nodes: list[Indicator], computed: dict[int, Decimal] | None = None) -> list[dict[str, str]]:
    """What the consistency check (§7) finds in a document's tree: weights that do not add up, awarded
    scores that differ from the rule without a reason, rule problems (a checklist worth more than its weight)."""
    computed = _computable(nodes) if computed is None else computed
    problems: list[dict[str, str]] = []
    roots = [node for node in nodes if node.parent is None and not node.broken]
    if roots and None not in [root.weight for root in roots]:
        total = sum((root.weight for root in roots), Decimal(0))
        if total != tree.TOTAL_WEIGHT:
            problems.append({"where": LEVEL_ONE, "message": f"一级指标权重合计 {written(total)} 分，应为 100 分"})
    for index, node in enumerate(nodes):
        if node.broken:
            continue
        if node.children:
            weights = [nodes[i].weight for i in node.children]
            given = exact(node.data.get("weight"))
            if given is not None and None not in weights and sum(weights, Decimal(0)) != given:
                problems.append(
                    {
                        "where": node.where,
                        "message": f"下级指标权重合计 {written(sum(weights, Decimal(0)))} 分，"
                        f"与本级权重 {written(given)} 分不一致",
                    }
                )
            continue
        if node.rule_kind and node.weight is not None:
            # the engine's findings on this leaf: from its result when scored, else from the rule alone
            messages = (
                node.result.problems if node.result else rule_problems(node.rule_kind, node.rule_params, node.weight)
            )
            problems += [{"where": node.where, "message": message} for message in messages]
        score = computed.get(index)
        if node.awarded is not None and score is not None and node.awarded != score and not node.reason:
            problems.append(
                {
                    "where": node.where,
                    "message": f"评定得分 {fixed(node.awarded)} 分与按评分规则计算的 {fixed(score)} 分不一致，"
                    "且未说明理由",
                }
            )
    return problems


def _computable(nodes: list[Indicator]) -> dict[int, Decimal]:
    """The computed score of every leaf that can be scored (for problems of a document with errors)."""
    scores: dict[int, Decimal] = {}
    for index, node in enumerate(nodes):
        if node.not_applicable:
            continue  # no computed score to compare an awarded one with
        if node.result is not None:
            scores[index] = node.result.score
        elif node.leaf and node.rule_kind and node.weight is not None and node.has_inputs:
            try:
                scores[index] = compute_score(node.rule_kind, node.rule_params, node.inputs, node.weight).score
            except (InputError, RuleError):
                continue
    return scores


def document_problems(doc: Any) -> list[dict[str, str]]:
    """The consistency problems (§7) of a document's tree, as far as it can be read; never raises."""
    if format_errors(doc):
        return []
    nodes, _ = read_indicators(doc.get("indicators"))
    return indicator_problems(nodes)


def score_indicators(
    nodes: list[Indicator], grades: list | None = None, na_policy: str = DEFAULT_NA_POLICY
) -> dict[str, Any]:
    """Score a valid tree (DESIGN §10 output, numbers as Decimal); DocumentError lists every leaf that cannot
    be scored (no rule, no inputs, a missing input).

    Not-applicable leaves (inputs ``"not_applicable": true``) score their weight under ``na_policy`` "full";
    under "rescale" they are left out: their row has ``"score": None``, sections sum the applicable leaves and
    the total is Σ applicable scores × 100 ÷ Σ applicable weights, rounded once. Either way the row carries
    ``"not_applicable": True``.
    """
    message = validate_na_policy(na_policy)
    if message:
        raise DocumentError([f"evaluation.na_policy（不适用指标的处理）：{message}"])
    errors: list[str] = []
    computed: dict[int, Decimal] = {}
    counting: dict[int, Decimal] = {}
    explanations: dict[int, str] = {}
    left_out: set[int] = set()
    for index, node in enumerate(nodes):
        if not node.leaf or node.broken or node.weight is None:
            continue
        if not node.rule_kind:
            errors.append(f"{node.where}：缺少评分规则 rule")
            continue
        if not node.has_inputs:
            errors.append(f"{node.where}：缺少输入 inputs")
            continue
        try:
            if node.not_applicable:
                result = compute_score(node.rule_kind, node.rule_params, node.inputs, node.weight, na_policy=na_policy)
            else:
                result = node.result or compute_score(node.rule_kind, node.rule_params, node.inputs, node.weight)
        except InputError as exc:
            errors.append(f"{node.where}：{exc.message}")
            continue
        except RuleError as exc:  # reported as invalid already; kept as a safety net
            errors += [f"{node.where}：{message}" for message in exc.messages]
            continue
        explanations[index] = result.explanation
        if not result.applicable:
            left_out.add(index)
            continue
        computed[index] = result.score
        counting[index] = result.score if node.awarded is None else node.awarded
        if counting[index] != result.score:
            why = f"理由：{node.reason}" if node.reason else "未说明理由"
            explanations[index] += f"；评定得分 {fixed(counting[index])} 分（{why}）"
    if errors:
        raise DocumentError(errors)
    scored = _tree(nodes, counting, left_out)
    total = scored.total or Decimal(0)
    return {
        "total": total,
        "grade": grade_for(total, grades or DEFAULT_GRADES),
        "sections": [_section(root) for root in scored.roots],
        "indicators": [_row(nodes[leaf.key], leaf, computed, explanations) for leaf in scored.leaves],
        "problems": indicator_problems(nodes, computed),
    }


def _section(root: tree.TreeNode[int]) -> dict[str, Any]:
    section = {"name": root.name, "weight": root.weight, "score": root.score}
    if not root.applicable:
        section["not_applicable"] = True
    return section


def _row(
    node: Indicator, leaf: tree.TreeNode[int], computed: dict[int, Decimal], explanations: dict[int, str]
) -> dict[str, Any]:
    row = {
        "path": list(node.path),
        "weight": leaf.weight,
        "score": leaf.score,
        "computed": computed.get(leaf.key),
        "explanation": explanations[leaf.key],
    }
    if node.not_applicable:
        row["not_applicable"] = True
    return row
