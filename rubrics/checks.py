"""Advisory checks on a template that do not block saving (shown as warnings in admin).

财预〔2020〕10号 第十四条: 部门评价/财政评价 产出+效益 ≥ 60 %;
第十三条: 自评 预算执行率 10 / 产出 50 / 效益 30 / 满意度 10.
"""

from __future__ import annotations

from decimal import Decimal

from rubrics import tree
from rubrics.models import EvaluationKind, EvaluationMode
from rubrics.numbers import plain

SELF_EVALUATION_WEIGHTS = {"预算执行率": 10, "产出": 50, "效益": 30, "满意度": 10}


def _level_one_weight(level_one: list, keyword: str) -> Decimal:
    return sum((node.weight for node in level_one if keyword in node.name), Decimal(0))


def template_warnings(template) -> list[str]:
    nodes = list(template.indicators.all())
    parents = {node.parent_id for node in nodes}
    records = [tree.Node(node.pk, node.parent_id, node.name, node.weight) for node in nodes]
    warnings = tree.tree_errors(records)  # a template imported from a document may not add up
    warnings += [
        f"末级指标「{node.name}」尚未设置计分规则。" for node in nodes if node.pk not in parents and not node.rule_kind
    ]
    if template.kind != EvaluationKind.PROJECT:
        return warnings
    level_one = [node for node in nodes if node.parent_id is None]
    total = sum((node.weight for node in level_one), Decimal(0)) or Decimal(100)
    if template.mode in {EvaluationMode.DEPARTMENT, EvaluationMode.FINANCE}:
        share = (_level_one_weight(level_one, "产出") + _level_one_weight(level_one, "效益")) / total * 100
        if share < 60:
            warnings.append(
                f"产出、效益指标权重合计占 {plain(share)}%，"
                "财预〔2020〕10号第十四条要求部门评价、财政评价原则上不低于 60%。"
            )
    if template.mode == EvaluationMode.SELF:
        for keyword, expected in SELF_EVALUATION_WEIGHTS.items():
            actual = _level_one_weight(level_one, keyword)
            if actual != expected:
                warnings.append(
                    f"自评的「{keyword}」权重为 {tree.fmt(actual)} 分，财预〔2020〕10号第十三条原则上为 {expected} 分。"
                )
    return warnings
