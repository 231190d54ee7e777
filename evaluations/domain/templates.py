"""Indicator templates from perf-eval/1 documents: the template import and the built-in templates.

A template is a document's indicator tree without inputs or scores. The document is read by the one reader
(evaluations.interchange.reader) and written with evaluations.domain.tree_sync, like an evaluation's tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from evaluations.domain.importing import DocumentImportError
from evaluations.domain.tree_sync import indicator_values, sync_tree
from evaluations.interchange.reader import read_document
from rubrics.builtin import BUILTIN_DIR
from rubrics.document import DocumentError, parse_document, read_document_file, show
from rubrics.models import EvaluationKind, EvaluationMode, IndicatorTemplate, TemplateIndicator, default_grades


def _template_header_errors(name: str, kind: str, mode: str, source: str) -> list[str]:
    errors = []
    if not name.strip() or len(name) > 200:
        errors.append(f"模板名称必须是 1 到 200 个字，现为 {show(name)}")
    if kind not in EvaluationKind.values:
        errors.append(f"适用评价类型必须是 {'、'.join(EvaluationKind.values)} 之一，现为 {show(kind)}")
    if mode not in EvaluationMode.values:
        errors.append(f"评价方式必须是 {'、'.join(EvaluationMode.values)} 之一，现为 {show(mode)}")
    if len(source) > 200:
        errors.append(f"模板来源最多 200 个字，现为 {len(source)} 个字")
    return errors


def _save_template(name: str, values: dict[str, Any]) -> IndicatorTemplate:
    """Create the template, or change only the fields that differ (so an unchanged reload writes nothing)."""
    template = IndicatorTemplate.objects.filter(name=name).first() or IndicatorTemplate(name=name)
    changed = [key for key, value in values.items() if getattr(template, key) != value]
    if template.pk is None or changed:
        for key in changed:
            setattr(template, key, values[key])
        template.full_clean()
        template.save()
    return template


@transaction.atomic
def import_template(
    doc: Any,
    *,
    name: str,
    kind: str,
    mode: str,
    source: str = "",
    description: str = "",
    is_builtin: bool = False,
) -> IndicatorTemplate:
    """Create the template ``name``, or replace its tree, from a document's indicators (inputs and scores ignored).

    The document is read by the one reader, so a template imports exactly when the document scores or imports
    as an evaluation. Raises DocumentImportError listing every problem; then nothing is written.
    """
    errors = _template_header_errors(name, kind, mode, source)
    try:
        parsed = read_document(doc)
    except DocumentError as error:
        errors += error.errors
    if errors:
        raise DocumentImportError(errors)
    template = _save_template(
        name,
        {
            "kind": kind,
            "mode": mode,
            "source": source,
            "description": description,
            "grades": parsed.grades or default_grades(),
            "na_policy": parsed.na_policy,
            "is_builtin": is_builtin,
        },
    )
    sync_tree(
        template.indicators.all(),
        parsed.indicators,
        lambda values: TemplateIndicator(template=template, **values),
        indicator_values,
    )
    return template


def is_document(text: str) -> bool:
    """Whether a JSON file is meant as a perf-eval/1 document (an object with "format").

    Other JSON data may live beside the templates (e.g. field_research_004.json, a list); a file that does
    not parse at all is treated as a document, so its error is reported rather than skipped.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return True
    return isinstance(data, dict) and "format" in data


def template_arguments(doc: dict, file: Path) -> dict[str, Any]:
    """Name, kind, source and description of the template a built-in document describes."""
    header = doc.get("evaluation") if isinstance(doc.get("evaluation"), dict) else {}
    name = doc.get("template_name") or header.get("template_name") or header.get("title")
    if not isinstance(name, str) or not name.strip():
        raise DocumentError(["缺少模板名称：请在 evaluation.title 或 template_name 中写明"])
    source = header.get("source")
    description = header.get("description")
    return {
        "name": name.strip(),
        "kind": header.get("kind"),
        "mode": EvaluationMode.FINANCE,
        "source": source if isinstance(source, str) else f"rubrics/builtin/{file.name}",
        "description": description if isinstance(description, str) else "",
        "is_builtin": True,
    }


@dataclass
class BuiltinResult:
    file: Path
    template: IndicatorTemplate | None = None
    errors: list[str] = field(default_factory=list)
    skipped: bool = False


def load_builtin_templates(directory: Path = BUILTIN_DIR) -> list[BuiltinResult]:
    """Load every perf-eval/1 document of the folder as a built-in template (idempotent).

    A file that fails is reported and the others still load; a user-made template of the
    same name is never overwritten.
    """
    results = []
    for file in sorted(directory.glob("*.json")):
        result = BuiltinResult(file)
        results.append(result)
        try:
            text = read_document_file(str(file))
            if not is_document(text):
                result.skipped = True
                continue
            doc = parse_document(text)
            arguments = template_arguments(doc, file)
            existing = IndicatorTemplate.objects.filter(name=arguments["name"], is_builtin=False).first()
            if existing is not None:
                raise DocumentError([f"已有同名的非内置模板「{existing.name}」，为免覆盖，未载入"])
            result.template = import_template(doc, **arguments)
        except DocumentError as exc:
            result.errors = list(exc.errors)
    return results
