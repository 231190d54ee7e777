"""The list filters' selects are rendered in Python (interfaces.forms.PlainSelect) for speed: the same HTML as
Django's template-rendered Select, escaping included."""

from __future__ import annotations

import re

import pytest
from django import forms

from evaluations.interfaces.forms import PlainSelect

CHOICES = [("", "全部单位"), (3, "罗庄区民政局"), (12, '<b>"单位"</b> & 其他'), (7, "沂河街道")]


def normalised(html: str) -> list[str]:
    """Tags and texts in order, attributes sorted: whitespace between tags and attribute order do not matter."""
    parts = []
    for tag in re.findall(r"<[^>]+>|[^<]+", html):
        tag = tag.strip()
        if not tag:
            continue
        match = re.match(r"<(\w+)(.*?)>$", tag, re.S)
        if match:
            attrs = sorted(re.findall(r'(\w[\w-]*)(?:="([^"]*)")?', match.group(2)))
            parts.append((match.group(1), attrs))
        else:
            parts.append(tag)
    return parts


@pytest.mark.parametrize("value", [None, "", 12, "7", "99"])
def test_the_plain_select_renders_what_django_renders(value):
    attrs = {"id": "id_unit", "class": "form-select form-select-sm"}
    django_html = forms.Select(choices=CHOICES).render("unit", value, attrs=attrs)
    plain_html = PlainSelect(choices=CHOICES).render("unit", value, attrs=attrs)
    assert normalised(plain_html) == normalised(django_html)
    assert "<b>" not in plain_html and "&lt;b&gt;&quot;单位&quot;&lt;/b&gt; &amp; 其他" in plain_html


def test_the_chosen_option_is_selected():
    html = PlainSelect(choices=CHOICES).render("unit", 12, attrs={"id": "id_unit"})
    assert '<option value="12" selected>' in html and html.count("selected") == 1
