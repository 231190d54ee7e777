"""The ``perf-eval/1`` interchange document (DESIGN §10): parse, check and score it without a database.

A document that cannot be scored raises ``DocumentError`` listing every error found, one Chinese line each.
A document that can be scored may still have problems (weights that do not add up, awarded scores that
differ from their rule without a reason): those are reported in the result, not raised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rubrics.engine import (
    DEFAULT_GRADES,
    RULE_KINDS,
    InputError,
    RuleError,
    as_decimal,
    compute_score,
    grade_for,
    round_score,
    validate_grades,
    validate_params,
)

FORMAT = "perf-eval/1"
HUNDRED = Decimal(100)
LEVEL_ONE = "一级指标"  # "where" of the problem about the level-1 weights


class DocumentError(Exception):
    """The document cannot be scored; ``errors`` holds one Chinese line per error."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


class _BadConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadConstant(name)


def parse_document(text: str) -> dict:
    """JSON text to a document dict (numbers with a fraction become Decimal); DocumentError if unusable."""
    try:
        doc = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError([f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"]) from None
    except _BadConstant as exc:
        raise DocumentError([f"文件不是有效的 JSON：{exc} 不是数字"]) from None
    except RecursionError:
        raise DocumentError(["文件不是有效的 JSON：嵌套层级过深"]) from None
    except ValueError as exc:  # e.g. an integer literal with thousands of digits
        raise DocumentError([f"文件不是有效的 JSON：{exc}"]) from None
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
        return [f"format 应为“{FORMAT}”，现为 {_show(doc['format'])}"]
    return []


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    return json.dumps(value, ensure_ascii=False, default=str)


def _n(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@dataclass
class _Node:
    data: Any
    path: tuple[str, ...]
    parent: int | None
    children: list[int] = field(default_factory=list)
    weight: Decimal | None = None  # as given
    total_weight: Decimal | None = None  # as given, else the sum of the children
    leaf: bool = False
    computed: Decimal | None = None
    awarded: Decimal | None = None
    reason: str = ""
    explanation: str = ""
    score: Decimal | None = None  # the rounded leaf score, or the sum over the subtree

    @property
    def where(self) -> str:
        return " / ".join(self.path)


class _Evaluation:
    """One pass over a document collecting errors (cannot score) and problems (scored, but inconsistent)."""

    def __init__(self, doc: Any) -> None:
        self.errors: list[str] = []
        self.nodes: list[_Node] = []
        self.grades: Any = DEFAULT_GRADES
        self.errors += format_errors(doc)
        if not isinstance(doc, dict):
            return
        self._read_grades(doc.get("evaluation"))
        indicators = doc.get("indicators")
        if indicators is None:
            self.errors.append("缺少指标列表 indicators")
        elif not isinstance(indicators, list):
            self.errors.append(f"indicators 必须是指标列表，现为 {_show(indicators)}")
        elif not indicators:
            self.errors.append("指标列表 indicators 为空")
        else:
            self._walk(indicators)
            self._add_up()

    def _read_grades(self, evaluation: Any) -> None:
        if evaluation is None:
            return
        if not isinstance(evaluation, dict):
            self.errors.append(f"evaluation 必须是对象，现为 {_show(evaluation)}")
            return
        grades = evaluation.get("grades")
        if grades is None:
            return
        messages = validate_grades(grades)
        self.errors += [f"evaluation.grades（评价等级）：{message}" for message in messages]
        if not messages:
            self.grades = grades

    def _walk(self, indicators: list) -> None:
        # Iterative pre-order, so a deep tree cannot exhaust Python's recursion limit.
        stack: list[tuple[Any, tuple[str, ...], int | None, int]] = [
            (data, (), None, i) for i, data in reversed(list(enumerate(indicators)))
        ]
        while stack:
            data, parent_path, parent, position = stack.pop()
            name = data.get("name") if isinstance(data, dict) else None
            named = isinstance(name, str) and bool(name.strip())
            label = name.strip() if named else f"第 {position + 1} 项（未命名）"
            node = _Node(data, (*parent_path, label), parent)
            index = len(self.nodes)
            self.nodes.append(node)
            if parent is not None:
                self.nodes[parent].children.append(index)
            if not isinstance(data, dict):
                self._error(node, f"指标必须是对象，现为 {_show(data)}")
                continue
            if not named:
                self._error(node, "缺少指标名称 name")
            node.weight = self._weight(node)
            children = data.get("children")
            if children is not None and not isinstance(children, list):
                self._error(node, f"children（下级指标）必须是列表，现为 {_show(children)}")
            elif children:
                if data.get("rule") is not None:
                    self._error(node, "既有下级指标 children 又有评分规则 rule，无法确定如何计分")
                stack.extend((child, node.path, index, i) for i, child in reversed(list(enumerate(children))))
            else:
                node.leaf = True
                self._score_leaf(node)

    def _error(self, node: _Node, message: str) -> None:
        self.errors.append(f"{node.where}：{message}")

    def _weight(self, node: _Node) -> Decimal | None:
        value = node.data.get("weight")
        if value is None:
            return None
        weight = as_decimal(value)
        if weight is None:
            self._error(node, f"权重 weight 必须是数字，现为 {_show(value)}")
        elif weight < 0:
            self._error(node, f"权重 weight 不能为负数，现为 {_n(weight)}")
        else:
            return weight
        return None

    def _score_leaf(self, node: _Node) -> None:
        data = node.data
        errors_before = len(self.errors)
        if data.get("weight") is None:
            self._error(node, "缺少权重 weight")
        rule = data.get("rule")
        kind = rule.get("kind") if isinstance(rule, dict) else None
        params: dict[str, Any] = {}
        if rule is None:
            self._error(node, "缺少评分规则 rule")
        elif not isinstance(rule, dict):
            self._error(node, f"评分规则 rule 必须是对象，现为 {_show(rule)}")
        elif kind is None:
            self._error(node, "评分规则缺少类型 kind")
        elif not isinstance(kind, str) or kind not in RULE_KINDS:
            self._error(node, f"未知的评分规则类型 kind {_show(kind)}（可选：{'、'.join(RULE_KINDS)}）")
        else:
            params = {key: value for key, value in rule.items() if key != "kind"}
            for message in validate_params(kind, params, node.weight):
                self._error(node, f"评分规则 {kind}：{message}")
        inputs = data.get("inputs")
        if inputs is None:
            self._error(node, "缺少输入 inputs")
        elif not isinstance(inputs, dict):
            self._error(node, f"输入 inputs 必须是对象，现为 {_show(inputs)}")
        awarded = data.get("score")
        if awarded is not None:
            node.awarded = as_decimal(awarded)
            if node.awarded is None:
                self._error(node, f"评定得分 score 必须是数字，现为 {_show(awarded)}")
        reason = data.get("reason")
        node.reason = reason.strip() if isinstance(reason, str) else ""
        if len(self.errors) > errors_before or node.weight is None:  # a bad weight is reported by _walk
            return
        try:
            result = compute_score(kind, params, inputs, node.weight)
        except InputError as exc:
            self._error(node, exc.message)
            return
        except RuleError as exc:  # already reported by validate_params; kept as a safety net
            self.errors += [f"{node.where}：{message}" for message in exc.messages]
            return
        node.computed = result.score
        node.explanation = result.explanation
        node.score = result.score if node.awarded is None else round_score(node.awarded)
        if node.score != node.computed:
            why = f"理由：{node.reason}" if node.reason else "未说明理由"
            node.explanation += f"；评定得分 {node.score} 分（{why}）"

    def _add_up(self) -> None:
        # Children come after their parent in pre-order, so one backward sweep sums every subtree.
        for node in reversed(self.nodes):
            if not node.children:  # a leaf, or a node too broken to have children
                node.total_weight = node.weight
                continue
            kids = [self.nodes[i] for i in node.children]
            weights = [kid.total_weight for kid in kids]
            scores = [kid.score for kid in kids]
            child_sum = sum(weights, Decimal(0)) if None not in weights else None
            node.total_weight = node.weight if node.weight is not None else child_sum
            node.score = sum(scores, Decimal(0)) if None not in scores else None

    def roots(self) -> list[_Node]:
        return [node for node in self.nodes if node.parent is None]

    def problems(self) -> list[dict[str, str]]:
        problems: list[dict[str, str]] = []
        level_one = [node.total_weight for node in self.roots()]
        if level_one and None not in level_one:
            total = sum(level_one, Decimal(0))
            if total != HUNDRED:
                problems.append({"where": LEVEL_ONE, "message": f"一级指标权重合计 {_n(total)} 分，应为 100 分"})
        for node in self.nodes:
            message = self._leaf_problem(node) if node.leaf else self._weight_problem(node)
            if message:
                problems.append({"where": node.where, "message": message})
        return problems

    def _weight_problem(self, node: _Node) -> str | None:
        weights = [self.nodes[i].total_weight for i in node.children]
        if node.weight is None or None in weights:
            return None
        child_sum = sum(weights, Decimal(0))
        if child_sum == node.weight:
            return None
        return f"下级指标权重合计 {_n(child_sum)} 分，与本级权重 {_n(node.weight)} 分不一致"

    def _leaf_problem(self, node: _Node) -> str | None:
        if node.awarded is None or node.weight is None:
            return None
        awarded = round_score(node.awarded)
        if not 0 <= node.awarded <= node.weight:
            return f"评定得分 {_n(node.awarded)} 分超出 0 到 {_n(node.weight)} 分的范围"
        if node.computed is not None and awarded != node.computed and not node.reason:
            return f"评定得分 {awarded} 分与按评分规则计算的 {node.computed} 分不一致，且未说明理由"
        return None

    def result(self) -> dict[str, Any]:
        leaves = [node for node in self.nodes if node.leaf]
        total = sum((node.score for node in leaves), Decimal(0))
        return {
            "total": total,
            "grade": grade_for(total, self.grades),
            "sections": [
                {"name": node.path[-1], "weight": node.total_weight, "score": node.score} for node in self.roots()
            ],
            "indicators": [
                {
                    "path": list(node.path),
                    "weight": node.weight,
                    "score": node.score,
                    "computed": node.computed,
                    "explanation": node.explanation,
                }
                for node in leaves
            ],
            "problems": self.problems(),
        }


def score_document(doc: dict) -> dict:
    """Score a document (DESIGN §10 output, numbers as Decimal); DocumentError lists every error."""
    evaluation = _Evaluation(doc)
    if evaluation.errors:
        raise DocumentError(evaluation.errors)
    return evaluation.result()


def document_problems(doc: dict) -> list[dict]:
    """The consistency problems (§7) found in a document, as far as it can be read; never raises."""
    return _Evaluation(doc).problems()


def json_number(value: Decimal) -> int | float:
    """A Decimal as a plain JSON number: 4, 2.9, 97.75 (scores carry at most 2 decimals)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def to_json_data(value: Any) -> Any:
    """The scoring result with every Decimal turned into a JSON number, e.g. for JsonResponse."""
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
