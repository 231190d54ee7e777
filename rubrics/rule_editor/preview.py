"""The editor's live preview: the rule being typed, scored for sample inputs with the engine, nothing stored.

Every outcome is an answer for people: the score and the engine's explanation, or what is wrong (the rule's
boxes, the weight or a sample input), always in Chinese and never a traceback. Pure Python: no Django.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rubrics.engine import InputError, RuleError, compute_score, readable
from rubrics.numbers import fixed
from rubrics.rule_editor.drafts import RuleDraft
from rubrics.rule_editor.typed import Unreadable, read_number
from rubrics.rule_editor.wording import people

log = logging.getLogger(__name__)

MAX_INPUTS_LENGTH = 20_000  # sample inputs of the largest checklist are a few hundred characters


def refused(*messages: str) -> dict[str, Any]:
    return {"ok": False, "errors": list(messages)}


def preview(draft: RuleDraft, inputs_text: Any, weight_text: Any) -> dict[str, Any]:
    """{"ok": True, "score": "1.00", "explanation", "problems"} or {"ok": False, "errors": [...]}."""
    if not draft.kind:
        return refused(*(draft.messages() or ["请先选择计分规则。"]))
    try:
        weight = read_number(weight_text)
    except Unreadable as error:
        return refused(f"「权重」{error.why}")
    messages = draft.check(weight, with_weight=True)
    if messages:
        return refused(*messages)
    inputs = _inputs(inputs_text)
    if isinstance(inputs, str):
        return refused(inputs)
    try:
        result = compute_score(draft.kind, draft.params, inputs, weight)
    except RuleError as error:
        return refused(*(people(draft.kind, message) for message in error.messages))
    except InputError as error:
        return refused(people(draft.kind, error.message))
    except (ArithmeticError, TypeError, ValueError):  # a sample the engine did not foresee: say so, log it
        log.exception("rule preview failed for %s", draft.rule)
        return refused("这组试算输入无法计分，请检查输入的数值。")
    return {
        "ok": True,
        "score": fixed(result.score),
        "explanation": readable(result.explanation),
        "problems": [people(draft.kind, problem) for problem in result.problems],
        "applicable": result.applicable,
    }


def _inputs(text: Any) -> dict[str, Any] | str:
    """The sample inputs the browser sends as JSON, or why they cannot be used."""
    if not text:
        return {}
    if not isinstance(text, str) or len(text) > MAX_INPUTS_LENGTH:
        return "试算的输入过长。"
    try:
        inputs = json.loads(text)
    except (ValueError, RecursionError):
        return "试算的输入无法读取，请刷新页面后重试。"
    return inputs if isinstance(inputs, dict) else "试算的输入无法读取，请刷新页面后重试。"
