"""Showing a report section's or an analysis' text: its stored HTML, sanitised again on the way out, with each bound
figure's current value filled in (``{{ text|rich_text:figures }}``, figures from evaluations.queries.bound_figures),
or as plain words where a short quote is shown (``{{ text|as_words:figures|truncatechars:160 }}``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from evaluations.narrative_html import clean_section_html, plain_text, with_figures
from evaluations.queries.bound_figures import figure_labels, figure_texts

register = template.Library()


@register.filter
def rich_text(value: str | None, catalogue=None) -> str:
    """Stored section HTML as the page shows it; cleaning again costs little and trusts no stored row. A bound
    figure reads its value from the catalogue now (never a stored copy), or shows 数据已删除."""
    if catalogue is None:
        return mark_safe(clean_section_html(value))  # noqa: S308 - the allow-list sanitiser's output
    html = with_figures(value, figure_texts(catalogue), figure_labels(catalogue))
    return mark_safe(html)  # noqa: S308 - sanitised, then filled with escaped values


@register.filter
def as_words(value: str | None, catalogue=None) -> str:
    """Stored rich text as plain words, one line per paragraph, bound figures read as their current values."""
    return plain_text(value, figure_texts(catalogue) if catalogue is not None else None)
