"""Checks of the indicator system and its scores: weights, rules, awarded scores, stored scores, bound inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from evaluations.datatables.figures import Figure
from evaluations.models import FROZEN_STATES, Evaluation, EvaluationIndicator
from evaluations.queries.consistency.problem import ERROR, WARNING, Problem, digest, key
from evaluations.queries.consistency.quantities import same_as_quoted
from rubrics import tree
from rubrics.engine import InputError, RuleError, ScoreResult, compute_score, grade_for, readable, rule_problems
from rubrics.numbers import exact, percent, plain, round_score
from rubrics.tree import IndicatorTree


@dataclass(frozen=True)
class EngineRun:
    """What the engine makes of one leaf's stored rule, weight and inputs: a result, or why it cannot score."""

    result: ScoreResult | None = None
    error: InputError | RuleError | None = None


def engine_results(evaluation: Evaluation, scored: IndicatorTree[EvaluationIndicator]) -> dict[int, EngineRun]:
    """What the engine computes for each leaf (a leaf without a rule has an empty run)."""
    runs: dict[int, EngineRun] = {}
    for leaf in scored.leaves:
        node = leaf.item
        if not node.rule_kind:
            runs[node.pk] = EngineRun()
            continue
        try:
            result = compute_score(
                node.rule_kind, node.rule_params or {}, node.inputs or {}, node.weight, na_policy=evaluation.na_policy
            )
        except (InputError, RuleError) as error:
            runs[node.pk] = EngineRun(error=error)
        else:
            runs[node.pk] = EngineRun(result=result)
    return runs


def _place(node: EvaluationIndicator) -> tuple[str, str]:
    return f"指标「{node.name}」", f"indicator-{node.pk}"


def indicator_problems(
    indicators: list[EvaluationIndicator], scored: IndicatorTree[EvaluationIndicator], runs: dict[int, EngineRun]
) -> list[Problem]:
    """Weights that do not add up, rule findings, findings about the inputs, awarded scores and 实际完成值.

    A leaf that cannot be scored yet is a to-do of the completeness check, not a finding here.
    """
    problems = [
        Problem(ERROR, "指标体系", message, "indicators", key("weights", "indicators", digest(message)))
        for message in tree.tree_errors(tree.Node(n.pk, n.parent_id, n.name, n.weight) for n in indicators)
    ]
    for leaf in scored.leaves:
        node = leaf.item
        where, anchor = _place(node)
        if node.rule_kind and node.weight is not None:
            for message in rule_problems(node.rule_kind, node.rule_params or {}, node.weight):
                text = readable(message)
                problems.append(Problem(WARNING, where, f"{text}。", anchor, key("rule", anchor, digest(text))))
        if not leaf.applicable:
            continue  # 不适用, left out of the total: nothing to score, nothing to compare
        result = runs[node.pk].result
        if result is not None:  # findings about the inputs that do not change the score (over-achievement)
            for message in result.problems:
                text = readable(message)
                problems.append(
                    Problem(WARNING, where, f"{text}。", anchor, key("input-finding", anchor, digest(text)))
                )
        if node.awarded_score is not None:
            problems += _award_problems(node, where, anchor)
        if node.score is not None:
            problems += _actual_display_problems(node, where, anchor)
    return problems


def stored_score_problems(
    evaluation: Evaluation, scored: IndicatorTree[EvaluationIndicator], runs: dict[int, EngineRun]
) -> list[Problem]:
    """A stored score that is not what the engine computes from the stored rule, weight and inputs.

    Scores are written only by the scoring service; a difference means the data were changed around it
    (a database edit, an interrupted save), so the score printed in the report would not follow its rule.
    """
    problems: list[Problem] = []
    if evaluation.state in FROZEN_STATES:
        return problems  # an approved evaluation keeps the scores it was approved with: they are the record
    for leaf in scored.leaves:
        node = leaf.item
        result = runs[node.pk].result
        engine = result.score if result is not None and result.applicable else None
        if engine != node.computed_score:
            stored = plain(node.computed_score, none="未计分")
            now = plain(engine, none="无法计分") if result is None or result.applicable else "不适用"
            where, anchor = _place(node)
            problems.append(
                Problem(
                    ERROR,
                    where,
                    f"保存的计算得分 {stored} 分与按评分规则重新计算的 {now} 分不一致，"
                    "指标数据在计分之外被修改过；请重新保存该指标的计分输入以重新计分。",
                    anchor,
                    key("stored-score", anchor),
                )
            )
    total = scored.total
    grade = grade_for(total, evaluation.grades) if total is not None else ""
    if (evaluation.total_score, evaluation.grade) != (total, grade):
        problems.append(
            Problem(
                ERROR,
                "总分",
                f"保存的总分 {plain(evaluation.total_score, none='未计分')} 分（{evaluation.grade or '无等级'}）"
                f"与各末级指标得分之和 {plain(total, none='无法合计')} 分（{grade or '无等级'}）不一致。",
                "indicators",
                key("stored-total", "indicators"),
            )
        )
    return problems


def binding_problems(indicators: list[EvaluationIndicator], figures: dict[str, Figure]) -> list[Problem]:
    """A bound input that no longer follows its figure (an error), or whose figure the data cannot give yet while
    a value typed earlier scores in its place (a warning). A bound input with neither is a to-do (completeness)."""
    problems = []
    for node in indicators:
        where, anchor = _place(node)
        for name, figure_key in (node.bindings or {}).items():
            figure = figures.get(figure_key)
            typed = (node.inputs or {}).get(name)
            if figure is not None and figure.value is not None:
                stored = exact(typed)
                if stored != figure.value:
                    problems.append(
                        Problem(
                            ERROR,
                            where,
                            f"计分所用的{figure.label} {plain(stored, none='（空）')} "
                            f"与基础数据计算的 {figure.display} 不一致，得分未随基础数据更新；"
                            "请重新保存基础数据表以重新计分。",
                            anchor,
                            key("binding", anchor, name),
                        )
                    )
            elif typed is not None:
                reason = figure.formula if figure is not None else "基础数据中还没有这一项。"
                problems.append(
                    Problem(
                        WARNING,
                        where,
                        f"绑定的派生数据无法取得：{reason}暂按填写的 {typed} 计分。",
                        anchor,
                        key("binding-missing", anchor, name),
                    )
                )
    return problems


def _award_problems(node: EvaluationIndicator, where: str, anchor: str) -> list[Problem]:
    awarded = node.awarded_score
    problems = []
    if awarded < 0 or awarded > node.weight:
        problems.append(
            Problem(
                ERROR,
                where,
                f"评定得分 {plain(awarded)} 分超出 0～{plain(node.weight)} 分的范围。",
                anchor,
                key("award-range", anchor),
            )
        )
    computed = node.computed_score
    if computed is not None and round_score(awarded) != computed and not node.override_reason.strip():
        problems.append(
            Problem(
                ERROR,
                where,
                f"评定得分 {plain(awarded)} 分与按评分标准计算的 {plain(computed)} 分不一致，且未说明理由"
                f"（{readable(node.score_explanation)}）。",
                anchor,
                key("award-reason", anchor),
            )
        )
    return problems


_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_MAIN_INPUT = {
    "ratio": "actual",
    "threshold_deduct": "actual",
    "bands": "actual",
    "threshold_else_rate": "actual",
    "rate_penalty": "rate",
    "satisfaction": "complaint_rate",
    "change_rate": "rate",
}


def _actual_display_problems(node: EvaluationIndicator, where: str, anchor: str) -> list[Problem]:
    """The printed 实际完成值 must agree with the figure the score was computed from."""
    name = _MAIN_INPUT.get(node.rule_kind)
    if node.rule_kind == "satisfaction" and (node.inputs or {}).get("survey"):
        name = "satisfaction"
    match = _PERCENT.fullmatch((node.actual_display or "").strip())
    value = (node.inputs or {}).get(name) if name else None
    if not match or value is None or node.unit not in ("", "%"):
        return []
    scored = exact(value)
    if scored is None:
        return [
            Problem(
                WARNING,
                where,
                f"计分所用的实际值“{value}”不是数字，无法核对实际完成值。",
                anchor,
                key("actual-display", anchor),
            )
        ]
    if not same_as_quoted(Decimal(match.group(1)), scored):
        return [
            Problem(
                WARNING,
                where,
                f"实际完成值写作「{node.actual_display}」，而计分所用的数值为 {percent(scored)}。",
                anchor,
                key("actual-display", anchor),
            )
        ]
    return []
