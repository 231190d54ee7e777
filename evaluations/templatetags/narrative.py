"""Showing a report section's text: its stored HTML, sanitised again on the way out (``{{ text|rich_text }}``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from evaluations.narrative_html import clean_section_html

register = template.Library()


@register.filter
def rich_text(value: str | None) -> str:
    """Stored section HTML as the page shows it; cleaning again costs little and trusts no stored row."""
    return mark_safe(clean_section_html(value))  # noqa: S308 - the allow-list sanitiser's output
