"""A leaf's scoring in words, as the analysis drafts and the bound figures print it.

Two readers need the same words: the drafter (evaluations.queries.analysis_drafts), which writes them into an
analysis, and the figure catalogue (evaluations.queries.bound_figures), which offers them as figures bound to the
data (``indicator:PATH:explanation`` and ``indicator:PATH:facts``) so a drafted analysis shows the current
calculation, never a copy of an old one.

- ``rule_explanation``: the engine's explanation recomputed with the indicator's unit and name, so it reads
  "实际 333 户（人），目标 344 户（人）", not "实际 333，目标 344";
- ``input_facts``: what the inputs say that the explanation does not: the checklist points met and not met, named;
  本年/上年 of a change rate that was typed.

Numbers are written by rubrics.numbers only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from evaluations.models import EvaluationIndicator
from rubrics.engine import InputError, RuleError, compute_score, readable
from rubrics.numbers import circled, exact, plain, with_unit
from rubrics.rules.base import item_index

# Kinds whose actual and target values are in the indicator's own unit (户, 人, 万元): the explanation writes them
# with it. Kinds with a unit of their own (a percent) keep it.
UNIT_KINDS = frozenset({"ratio", "inverse_ratio"})
# change_rate: 本年 and 上年 are in the indicator's unit (万元/人), the rate itself is a percent.
FIGURE_UNIT_KINDS = frozenset({"change_rate"})
# Kinds whose measured value is what the indicator is named after: "预算执行率 99.71%" reads better than "实际值".
NAMED_VALUE_KINDS = frozenset({"threshold_deduct", "threshold_else_rate", "bands", "change_rate", "rate_penalty"})
# Kinds whose inputs say more than the explanation does (input_facts).
FACT_KINDS = frozenset({"checklist", "change_rate"})

TRAILING = "。；;，,、 \t"


class NotDraftable(ValueError):
    """The leaf cannot be drafted yet (no rule, missing or bad inputs); the message is for the user."""


def clean(text: str) -> str:
    """One line, single spaces, no trailing punctuation."""
    return " ".join((text or "").split()).strip(TRAILING)


def params_for_drafting(indicator: EvaluationIndicator) -> dict[str, Any]:
    """The rule's parameters with the indicator's unit and name where the rule names none (wording only)."""
    params = dict(indicator.rule_params or {})
    kind, unit = indicator.rule_kind, (indicator.unit or "").strip()
    takes_unit = kind in UNIT_KINDS or (kind in FIGURE_UNIT_KINDS and not unit.startswith("%"))
    if unit and takes_unit and not params.get("unit"):
        params["unit"] = unit
    if not params.get("label") and kind in NAMED_VALUE_KINDS:
        params["label"] = indicator.name
    return params


def rule_explanation(
    indicator: EvaluationIndicator, na_policy: str, params: Mapping[str, Any] | None = None
) -> tuple[str, Decimal]:
    """The engine's explanation (in people's words) and computed score; NotDraftable when it cannot score.

    ``params``: the rule's parameters as drafting words them (``params_for_drafting``), when already built."""
    if not indicator.rule_kind:
        raise NotDraftable("尚未设置计分规则")
    try:
        result = compute_score(
            indicator.rule_kind,
            params if params is not None else params_for_drafting(indicator),
            indicator.inputs or {},
            indicator.weight,
            na_policy=na_policy,
        )
    except InputError as error:
        raise NotDraftable(readable(error.message)) from None
    except RuleError:  # its messages name parameter codes; the indicator editor shows them where they belong
        raise NotDraftable("计分规则的设置有误，请先在指标体系中修改") from None
    return readable(result.explanation), result.score


def explanation_text(indicator: EvaluationIndicator, na_policy: str) -> str:
    """The explanation as a bound figure prints it: "" when the leaf cannot be scored yet."""
    try:
        return rule_explanation(indicator, na_policy)[0].rstrip("。")
    except NotDraftable:
        return ""


# --- what the inputs say ------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    """A checklist point quoted as a statement ("是否符合…" → “符合…”), its own quotation marks turned into inner
    ones (‘十三五’)."""
    text = clean(text).replace("是否", "")
    return "“" + text.replace("“", "‘").replace("”", "’").replace('"', "’") + "”"


def _point_texts(params: Mapping[str, Any]) -> list[str]:
    items = params.get("items") or []
    return [item if isinstance(item, str) else str(item.get("text") or "") for item in items]


def checklist_fact(params: Mapping[str, Any], inputs: Mapping[str, Any]) -> str:
    """ "符合①“…”、②“…”；部分符合③“…”；不符合④“…”" (points counted by their faults are explained by the rule)."""
    texts = _point_texts(params)
    count = len(texts)
    met = {item_index(value, count) for value in inputs.get("met") or []} - {None}
    partial = {item_index(key, count) for key in (inputs.get("partial") or {})} - {None}
    faulted = {item_index(key, count) for key in (inputs.get("faults") or {})} - {None}

    def listed(indices: Iterable[int]) -> str:
        return "、".join(f"{circled(i)}{_quoted(texts[i])}" if clean(texts[i]) else circled(i) for i in indices)

    unmet = [i for i in range(count) if i not in met | partial | faulted]
    parts = []
    if met:
        parts.append(f"符合{listed(sorted(met))}")
    if partial:
        parts.append(f"部分符合{listed(sorted(partial))}")
    if unmet:
        parts.append(f"不符合{listed(unmet)}")
    return "；".join(parts)


def change_rate_fact(indicator: EvaluationIndicator, params: Mapping[str, Any]) -> str:
    """本年/上年 when the rate was typed: the rule's sentence then shows only the rate ("" when the rate is bound to
    a figure, whose formula says it, or when it was computed from 本年/上年, which the rule's sentence shows)."""
    inputs = indicator.inputs or {}
    if indicator.bindings:
        return ""
    current, previous = exact(inputs.get("current")), exact(inputs.get("previous"))
    if inputs.get("rate") in (None, "") or current is None or previous is None:
        return ""
    unit = params.get("unit") or ""
    unit = "" if unit.startswith("%") else unit
    return f"本年 {with_unit(plain(current), unit)}，上年 {with_unit(plain(previous), unit)}"


def input_facts(indicator: EvaluationIndicator, params: Mapping[str, Any] | None = None) -> str:
    """What the inputs of a checklist or a typed change rate say beyond the explanation ("" for other kinds)."""
    params = params if params is not None else params_for_drafting(indicator)
    if indicator.rule_kind == "checklist":
        return checklist_fact(params, indicator.inputs or {})
    if indicator.rule_kind == "change_rate":
        return change_rate_fact(indicator, params)
    return ""
