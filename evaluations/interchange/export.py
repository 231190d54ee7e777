"""An evaluation as one perf-eval/1 document (DESIGN §10).

The export carries everything stored, in extension keys the score command ignores, so ``score FILE`` still
scores it, and ``import_evaluation`` reads it back into the same evaluation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from evaluations.datatables import tables_for_kind
from evaluations.models import Evaluation, EvaluationIndicator
from evaluations.narrative_html import clean_section_html
from evaluations.queries.tree import indicator_tree
from evaluations.sections import sections_for
from rubrics.document import FORMAT, TEXT_FIELDS, json_number


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _export_node(indicator: EvaluationIndicator, children: list[dict]) -> dict:
    node: dict[str, Any] = {"name": indicator.name, "weight": json_number(indicator.weight)}
    for key, (model_field, _) in TEXT_FIELDS.items():
        if getattr(indicator, model_field):
            node[key] = getattr(indicator, model_field)
    if not children:  # rule, bindings, inputs and the awarded score only mean something on a leaf
        if indicator.rule_kind:
            node["rule"] = {"kind": indicator.rule_kind, **(indicator.rule_params or {})}
        if indicator.bindings:
            node["bind"] = indicator.bindings
        node["inputs"] = indicator.inputs or {}
    if indicator.actual_display:
        node["actual_display"] = indicator.actual_display
    if not children and indicator.awarded_score is not None:
        node["score"] = json_number(indicator.awarded_score)
        if indicator.override_reason:
            node["reason"] = indicator.override_reason
    if indicator.analysis:  # rich text, written as the one sanitiser keeps it (bound figures as their keys)
        node["analysis"] = clean_section_html(indicator.analysis)
    if indicator.evidence_obtained:  # 附件 3 现场调研记录: what was obtained, and when
        node["evidence_obtained"] = indicator.evidence_obtained
    if indicator.research_content:
        node["research_content"] = indicator.research_content
    if indicator.research_order is not None:
        node["research_order"] = indicator.research_order
    if indicator.research_start or indicator.research_end:
        node["research"] = [_iso(indicator.research_start), _iso(indicator.research_end)]
    if indicator.is_custom:
        node["custom"] = True
    if children:
        node["children"] = children
    return node


def _export_tree(evaluation: Evaluation) -> tuple[list[dict], dict[int, tuple[list[str], int]]]:
    """The indicator tree, and each indicator's path and position in tree order (for findings)."""
    scored = indicator_tree(evaluation)
    paths = {node.key: (list(node.path), position) for position, node in enumerate(scored.nodes)}
    exported: dict[int, dict] = {}
    for node in reversed(scored.nodes):  # children before parents
        exported[node.key] = _export_node(node.item, [exported[child.key] for child in node.children])
    return [exported[root.key] for root in scored.roots], paths


def _export_tables(evaluation: Evaluation) -> dict[str, list[dict]]:
    stored = {table.key: table for table in evaluation.data_tables.prefetch_related("rows")}
    tables: dict[str, list[dict]] = {}
    for spec in tables_for_kind(evaluation.kind):  # the registry's order, so exports are stable
        if spec.key in stored:
            rows = sorted(stored[spec.key].rows.all(), key=lambda row: (row.order, row.pk))
            tables[spec.key] = [spec.dump_row(spec.load_row(row.values)) for row in rows]
    return tables


def _export_narrative(evaluation: Evaluation) -> dict[str, str]:
    stored = {section.key: section.text for section in evaluation.narrative.all()}
    outline = [section.key for section in sections_for(evaluation.kind)]
    keys = [key for key in outline if key in stored] + sorted(set(stored) - set(outline))
    return {key: stored[key] for key in keys}


def export_document(evaluation: Evaluation) -> dict:
    """Everything stored about the evaluation as a perf-eval/1 document of plain JSON values."""
    evaluation = Evaluation.objects.select_related(
        "evaluated_unit", "project", "commissioning_bureau", "evaluating_firm", "template"
    ).get(pk=evaluation.pk)
    indicators, paths = _export_tree(evaluation)
    findings = list(evaluation.findings.order_by("order", "pk").prefetch_related("indicators"))
    finding_index = {finding.pk: i for i, finding in enumerate(findings)}
    return {
        "format": FORMAT,
        "evaluation": {
            "kind": evaluation.kind,
            "title": evaluation.title,
            "year": evaluation.year,
            "agency": evaluation.evaluated_unit.name,
            "project": evaluation.project.name if evaluation.project else None,
            "grades": evaluation.grades,
            "na_policy": evaluation.na_policy,
            "commissioning_bureau": evaluation.commissioning_bureau.name,
            "evaluating_firm": evaluation.evaluating_firm.name,
            "period": [_iso(evaluation.period_start), _iso(evaluation.period_end)],
            "report_date": _iso(evaluation.report_date),
            "template": evaluation.template.name if evaluation.template else None,
            **({} if evaluation.cover_names_firm else {"cover_names_firm": False}),
        },
        "indicators": indicators,
        "tables": _export_tables(evaluation),
        "narrative": _export_narrative(evaluation),
        "team": [
            {
                "name": member.name,
                "group": member.group,
                "qualification": member.qualification,
                "role": member.role,
                "duty": member.duty,
                "user": member.user.username if member.user else None,
            }
            for member in evaluation.team.order_by("order", "pk").select_related("user")
        ],
        "findings": [
            {
                "title": finding.title,
                "text": finding.text,
                "indicators": [
                    paths[pk][0] for pk in sorted((i.pk for i in finding.indicators.all()), key=lambda k: paths[k][1])
                ],
            }
            for finding in findings
        ],
        "recommendations": [
            {"title": item.title, "text": item.text, "finding": finding_index.get(item.finding_id)}
            for item in evaluation.recommendations.order_by("order", "pk")
        ],
        "experiences": [
            {"title": item.title, "text": item.text} for item in evaluation.experiences.order_by("order", "pk")
        ],
    }
