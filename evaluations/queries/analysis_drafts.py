"""Drafting the per-indicator analysis (指标分析): the one composer, for one indicator and for all of them.

Pure reads. A leaf's draft is written in the register of the seeds' analysis sections ("该指标主要考核…。经核查，…，
根据评分标准，…"), from what the evaluation already holds: the indicator's explanation (指标解释), the rule's engine
explanation recomputed with the indicator's unit and name (so it reads "实际 333 户（人），目标 344 户（人）", not
"实际 333，目标 344"), the checklist points met and not met, the derived figures its inputs are bound to with the
table they come from, the names of the evidence attached to it, an awarded score with its reason, and, for a leaf
marked 不适用, how the evaluation's policy counts it. Numbers are written by rubrics.numbers only.

``analysis_plan`` drafts every leaf of an evaluation at once (a fixed number of queries) and says, for each, whether
its stored analysis is blank, an untouched earlier draft, already the draft, or a text of the team's own; the write
that uses it is evaluations.domain.narrative.draft_all_analyses.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from evaluations.datatables.figures import Figure, compute_figures
from evaluations.datatables.registry import TABLES
from evaluations.models import Evaluation, EvaluationIndicator, Evidence
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.tree import indicator_tree
from rubrics.engine import InputError, RuleError, compute_score, na_policy_label, readable
from rubrics.numbers import circled, exact, plain, with_unit
from rubrics.rules.base import item_index

# Kinds whose actual and target values are in the indicator's own unit (户, 人, 万元): the explanation writes them
# with it. Kinds with a unit of their own (a percent) keep it.
UNIT_KINDS = frozenset({"ratio", "inverse_ratio"})
# change_rate: 本年 and 上年 are in the indicator's unit (万元/人), the rate itself is a percent.
FIGURE_UNIT_KINDS = frozenset({"change_rate"})
# Kinds whose measured value is what the indicator is named after: "预算执行率 99.71%" reads better than "实际值".
NAMED_VALUE_KINDS = frozenset({"threshold_deduct", "threshold_else_rate", "bands", "change_rate", "rate_penalty"})

EVIDENCE_LISTED = 5  # evidence names quoted in a draft; more are covered by "等"
_COUNT = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}

# "…的比率，用以反映和考核部门对人员成本的控制程度。" → what the indicator assesses
_PURPOSE = re.compile(r"用以(?:反映和考核|反映或考核|反映和考察|反映、考核|考核|考察|反映)\s*([^。；;\n]+)")
_ASSESSES = ("考核", "考察", "反映", "评价")
_TRAILING = "。；;，,、 \t"


class NotDraftable(ValueError):
    """The leaf cannot be drafted yet (no rule, missing or bad inputs); the message is for the user."""


# --- the sentences ------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join((text or "").split()).strip(_TRAILING)


def subject_sentence(indicator: EvaluationIndicator) -> str:
    """ "该指标主要考核…。" from the indicator's explanation (指标解释), else from its name."""
    explanation = (indicator.explanation or "").strip()
    purpose = _PURPOSE.search(explanation)
    if purpose and _clean(purpose.group(1)):
        return f"该指标主要考核{_clean(purpose.group(1))}。"
    first = _clean(re.split(r"[。\n]", explanation, maxsplit=1)[0])
    if not first:
        return f"该指标主要考核{indicator.name}。"
    plainly = first.removeprefix("主要")
    if plainly.startswith(_ASSESSES) or (plainly.startswith("对") and plainly.endswith("进行评价")):
        return f"该指标主要{plainly}。"
    return f"该指标主要考核{indicator.name}：{first}。"


def _quoted(text: str) -> str:
    """A checklist point quoted in the draft as a statement ("是否符合…" → “符合…”), its own quotation marks turned
    into inner ones (‘十三五’)."""
    text = _clean(text).replace("是否", "")
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
        return "、".join(f"{circled(i)}{_quoted(texts[i])}" if _clean(texts[i]) else circled(i) for i in indices)

    unmet = [i for i in range(count) if i not in met | partial | faulted]
    parts = []
    if met:
        parts.append(f"符合{listed(sorted(met))}")
    if partial:
        parts.append(f"部分符合{listed(sorted(partial))}")
    if unmet:
        parts.append(f"不符合{listed(unmet)}")
    return "；".join(parts)


def figure_fact(figure: Figure) -> str:
    """ "据《预、决算支出对比表》计算，预算完成率 = 决算数 5292.58 万元 ÷ 预算数 5653.1 万元 × 100% = 93.62%"."""
    spec = TABLES.get(figure.table)
    source = f"据《{spec.title}》计算，" if spec else ""
    return f"{source}{figure.label} = {figure.formula.rstrip('。')}"


def evidence_phrase(names: list[str]) -> str:
    """ "查阅《慰问金发放表》《局务会议纪要》等佐证材料" (file extensions dropped)."""
    shown = []
    for name in names:
        stem = _clean(PurePath(name).stem if "." in name else name)
        if stem and stem not in shown:
            shown.append(stem)
    return "查阅" + "".join(f"《{stem}》" for stem in shown[:EVIDENCE_LISTED]) + "等佐证材料" if shown else ""


def _params_for_drafting(indicator: EvaluationIndicator) -> dict[str, Any]:
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

    ``params``: the rule's parameters as drafting words them (``_params_for_drafting``), when already built."""
    if not indicator.rule_kind:
        raise NotDraftable("尚未设置计分规则")
    try:
        result = compute_score(
            indicator.rule_kind,
            params if params is not None else _params_for_drafting(indicator),
            indicator.inputs or {},
            indicator.weight,
            na_policy=na_policy,
        )
    except InputError as error:
        raise NotDraftable(readable(error.message)) from None
    except RuleError:  # its messages name parameter codes; the indicator editor shows them where they belong
        raise NotDraftable("计分规则的设置有误，请先在指标体系中修改") from None
    return readable(result.explanation), result.score


def _change_rate_fact(indicator: EvaluationIndicator, params: Mapping[str, Any]) -> str:
    """本年/上年 when the rate was given (bound or typed): the rule's sentence then shows only the rate."""
    inputs = indicator.inputs or {}
    current, previous = exact(inputs.get("current")), exact(inputs.get("previous"))
    if inputs.get("rate") in (None, "") or current is None or previous is None:
        return ""
    unit = params.get("unit") or ""
    unit = "" if unit.startswith("%") else unit
    return f"本年 {with_unit(plain(current), unit)}，上年 {with_unit(plain(previous), unit)}"


def _not_applicable_paragraph(indicator: EvaluationIndicator, na_policy: str) -> str:
    policy = f"本次评价对不适用指标的处理方式为“{na_policy_label(na_policy)}”"
    if na_policy == "full":
        return f"经核查，该指标不适用于本次评价。{policy}，该指标按满分 {plain(indicator.weight)} 分计算。"
    return f"经核查，该指标不适用于本次评价。{policy}，该指标不参与计分，评价总分按适用指标得分折算为百分制。"


def compose_leaf(
    indicator: EvaluationIndicator,
    *,
    figures: Mapping[str, Figure],
    evidence: list[str] = (),
    na_policy: str,
) -> str:
    """A leaf's analysis paragraph (the report prints the heading "权重分为 …" itself). NotDraftable when the
    leaf cannot be scored yet."""
    subject = subject_sentence(indicator)
    if indicator.not_applicable:
        return subject + _not_applicable_paragraph(indicator, na_policy)
    params = _params_for_drafting(indicator)
    explanation, computed = rule_explanation(indicator, na_policy, params)
    facts = []
    bound = [figures[key] for key in (indicator.bindings or {}).values() if key in figures]
    facts += [figure_fact(figure) for figure in bound if figure.value is not None]
    if indicator.rule_kind == "checklist":
        facts.append(checklist_fact(params, indicator.inputs or {}))
    if indicator.rule_kind == "change_rate" and not bound:
        facts.append(_change_rate_fact(indicator, params))
    facts = [fact for fact in facts if fact]
    sources = evidence_phrase(list(evidence))
    opening = f"经{sources}" if sources else "经核查"
    if facts:
        body = f"{opening}，{'；'.join(facts)}。根据评分标准，{explanation}。"
    else:
        body = f"{opening}并对照评分标准，{explanation}。"
    awarded = indicator.awarded_score
    if awarded is not None and awarded != computed:
        reason = _clean(indicator.override_reason)
        body += f"经评价小组评定，该指标得 {plain(awarded)} 分" + (f"，理由：{reason}。" if reason else "。")
    return subject + body


@dataclass(frozen=True)
class ChildScore:
    indicator: EvaluationIndicator
    score: Decimal | None


def compose_inner(indicator: EvaluationIndicator, children: list[ChildScore]) -> str:
    """An inner node's overview: the angles it is judged from and where points were lost."""
    if not children:
        return ""
    names = "、".join(child.indicator.name for child in children)
    count = _COUNT.get(len(children), str(len(children)))
    text = f"{indicator.name}指标从{names}{count}个角度来考察。"
    lost = [child for child in children if child.score is not None and child.score < child.indicator.weight]
    if lost:
        listed = "、".join(
            f"{child.indicator.name}（权重 {plain(child.indicator.weight)} 分，得 {plain(child.score)} 分）"
            for child in lost
        )
        text += f"其中失分的是{listed}。"
    elif all(child.score is not None for child in children):
        text += "各项指标均得满分。"
    return text


# --- what drafting needs, read once -----------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """What every draft of one evaluation reads: derived figures, evidence names by indicator, the policy."""

    figures: Mapping[str, Figure]
    evidence: Mapping[int, list[str]]
    na_policy: str

    def compose(self, indicator: EvaluationIndicator) -> str:
        return compose_leaf(
            indicator,
            figures=self.figures,
            evidence=self.evidence.get(indicator.pk, []),
            na_policy=self.na_policy,
        )


def evidence_names(evaluation: Evaluation, indicator_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """Names of the evidence attached to each indicator, oldest first (one query)."""
    links = Evidence.indicators.through.objects.filter(evidence__evaluation=evaluation)
    if indicator_ids is not None:
        links = links.filter(evaluationindicator_id__in=list(indicator_ids))
    names: dict[int, list[str]] = {}
    rows = links.order_by("evidence__uploaded_at", "evidence_id").values_list(
        "evaluationindicator_id", "evidence__original_name"
    )
    for indicator_id, name in rows:
        names.setdefault(indicator_id, []).append(name)
    return names


def sources_for(evaluation: Evaluation, indicator_ids: Iterable[int] | None = None) -> Sources:
    """Figures (one query for the tables) and evidence names (one query), for all leaves or a few."""
    figures = compute_figures(evaluation.kind, evaluation_tables(evaluation))
    return Sources(figures, evidence_names(evaluation, indicator_ids), evaluation.na_policy)


# --- one indicator (the 起草 button of the analysis editor) -------------------------------------------


def draft_for(
    evaluation: Evaluation,
    indicator: EvaluationIndicator,
    children: list[ChildScore] | None = None,
    sources: Sources | None = None,
) -> str:
    """The draft of one indicator: a leaf's paragraph (NotDraftable when it cannot be scored) or a node's overview.

    ``sources``: already read for this indicator (``sources_for(evaluation, [indicator.pk])``)."""
    if children:
        return compose_inner(indicator, children)
    return (sources or sources_for(evaluation, [indicator.pk])).compose(indicator)


# --- every leaf at once (起草全部) --------------------------------------------------------------------


class Standing(enum.Enum):
    """Where a leaf's stored analysis stands against its new draft."""

    BLANK = "空白"  # nothing written: drafted
    DRAFTED = "起草稿"  # the drafter's last text, untouched since: redrafted when stale (nobody's words are lost)
    CURRENT = "与起草结果相同"  # not marked as drafted, but the same as the new draft: nothing to write
    OWN = "已编辑"  # written or changed by a person: kept unless the user asks to overwrite it
    UNDRAFTABLE = "尚不能起草"  # cannot be scored yet (no rule, missing inputs)


def standing_of(indicator: EvaluationIndicator, draft: str) -> Standing:
    stored = (indicator.analysis or "").strip()
    if not stored:
        return Standing.BLANK
    if stored == (indicator.analysis_drafted or "").strip():
        return Standing.DRAFTED
    if stored == draft.strip():
        return Standing.CURRENT
    return Standing.OWN


@dataclass
class LeafDraft:
    indicator: EvaluationIndicator
    draft: str
    standing: Standing
    problem: str = ""  # why it cannot be drafted

    @property
    def stale(self) -> bool:
        """Drafting would change the stored analysis."""
        return self.standing is not Standing.UNDRAFTABLE and (self.indicator.analysis or "").strip() != self.draft


@dataclass
class AnalysisPlan:
    leaves: list[LeafDraft] = field(default_factory=list)

    def with_standing(self, *standings: Standing) -> list[LeafDraft]:
        return [leaf for leaf in self.leaves if leaf.standing in standings]

    @property
    def own(self) -> list[LeafDraft]:
        return self.with_standing(Standing.OWN)

    @property
    def fillable(self) -> list[LeafDraft]:
        """Drafted without asking: blank analyses and untouched earlier drafts the data has moved on from."""
        return [leaf for leaf in self.with_standing(Standing.BLANK, Standing.DRAFTED) if leaf.stale]

    @property
    def undraftable(self) -> list[LeafDraft]:
        return self.with_standing(Standing.UNDRAFTABLE)

    def counts(self) -> dict[Standing, int]:
        return {standing: len(self.with_standing(standing)) for standing in Standing}


def analysis_plan(evaluation: Evaluation, indicators: list[EvaluationIndicator] | None = None) -> AnalysisPlan:
    """Every leaf's draft and standing, in tree order (3 queries, whatever the number of indicators).

    ``indicators``: the evaluation's indicators when already loaded (locked for update by the writer, say).
    """
    tree = indicator_tree(evaluation, indicators)
    sources = sources_for(evaluation)
    plan = AnalysisPlan()
    for node in tree.leaves:
        indicator = node.item
        try:
            draft = sources.compose(indicator)
        except NotDraftable as reason:
            plan.leaves.append(LeafDraft(indicator, "", Standing.UNDRAFTABLE, str(reason)))
            continue
        plan.leaves.append(LeafDraft(indicator, draft, standing_of(indicator, draft)))
    return plan
