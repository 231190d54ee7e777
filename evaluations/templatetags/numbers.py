"""Template filters over rubrics.numbers, so pages print figures exactly as the report and the Excel file do.

{% load numbers %} … {{ leaf.score|fixed }} → 2.90 · {{ node.weight|short }} → 19 or 1.50 · {{ rate|percent }} → 99.71%
"""

from django import template

from rubrics import numbers

register = template.Library()


@register.filter
def fixed(value, places=2):
    """Exactly ``places`` decimals (2.90); "" for no value."""
    return numbers.fixed(value, int(places), none="")


@register.filter
def short(value):
    """Whole numbers without decimals (19), others with 2 (1.50); "" for no value."""
    return "" if value is None or value == "" else numbers.integer_or_fixed(value)


@register.filter
def plain(value):
    """At most 2 decimals, no trailing zeros (97.75, 19, 1.8); "" for no value."""
    return numbers.plain(value, none="")


@register.filter
def percent(value):
    """A percent number with 2 decimals: 99.71%; "" for no value."""
    return numbers.percent(value, none="")
