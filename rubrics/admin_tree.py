"""Admin pieces shared by template trees and evaluation trees.

The inline formset validates the whole tree as it will be after the save (database
rows merged with the submitted rows), using rubrics.tree, so an admin is stopped
with the indicator's name and both figures whenever weights stop adding up.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from rubrics import tree
from rubrics.rule_editor.fields import RuleModelForm
from rubrics.rule_editor.layout import summary


def owner_queryset(instance):
    """All nodes of the tree the formset's parent object belongs to."""
    if hasattr(instance, "indicators"):  # a template or an evaluation: the tree's owner itself
        return instance.indicators.all()
    owner = instance.template if hasattr(instance, "template_id") else instance.evaluation
    return owner.indicators.all()


class TreeFormSet(BaseInlineFormSet):
    """Refuses a save that would leave the tree with wrong weights, too deep, or cyclic."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        nodes = self.merged_nodes()
        errors = tree.tree_errors(nodes.values())
        if errors:
            raise ValidationError(errors)

    def merged_nodes(self) -> dict:
        parent_obj = self.instance
        nodes: dict = {}
        if parent_obj.pk:
            for pk, parent, name, weight in owner_queryset(parent_obj).values_list("pk", "parent_id", "name", "weight"):
                nodes[pk] = tree.Node(pk, parent, name, weight)
        is_node_level = self.fk.name == "parent"
        if is_node_level and parent_obj.pk:  # the edited node itself, with its new weight
            nodes[parent_obj.pk] = tree.Node(parent_obj.pk, parent_obj.parent_id, parent_obj.name, parent_obj.weight)
        deleted: set = set()
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            obj = form.instance
            if self.can_delete and self._should_delete_form(form):
                if obj.pk:
                    deleted.add(obj.pk)
                continue
            key = obj.pk or f"new-{index}"
            parent = parent_obj.pk if is_node_level else None
            nodes[key] = tree.Node(key, parent, data.get("name", ""), data.get("weight"))
        return _without_subtrees(nodes, deleted)


class RuleEditing:
    """An indicator admin (page or inline) whose rule is edited with the structured rule editor, and shown as
    one line where the page is read-only (an approved evaluation)."""

    form = RuleModelForm

    @admin.display(description="计分规则")
    def rule(self, obj) -> str:
        return summary(obj.rule_kind, obj.rule_params) if obj.rule_kind else "—"


class LevelOneInlineBase(admin.StackedInline):
    """The level-1 indicators of a tree's owner (template or evaluation); deeper levels are edited on each node."""

    formset = TreeFormSet
    extra = 0
    verbose_name = "一级指标"
    verbose_name_plural = "一级指标（下级指标请点开各指标编辑）"
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(parent__isnull=True)


def _without_subtrees(nodes: dict, deleted: set) -> dict:
    """Drop deleted nodes and, as the database cascade will, everything below them."""
    removed = set(deleted)
    changed = True
    while changed:
        changed = False
        for key, node in nodes.items():
            if key not in removed and node.parent in removed:
                removed.add(key)
                changed = True
    return {key: node for key, node in nodes.items() if key not in removed}


def tree_outline(nodes, change_url_name: str) -> str:
    """An indented read-only outline of a tree with weights, each name linking to its page."""
    rows = [
        (
            (entry.level - 1) * 1.5,
            reverse(change_url_name, args=[entry.key]),
            entry.level,
            entry.name,
            tree.fmt(entry.weight),
            entry.item.get_rule_kind_display() if entry.item.rule_kind else "",
        )
        for entry in tree.IndicatorTree(nodes, score=lambda row: None).nodes
    ]
    if not rows:
        return "（尚无指标）"
    return format_html(
        '<div class="indicator-outline">{}</div>',
        format_html_join(
            "",
            '<div style="margin-left:{}em"><a href="{}">{}级 {}</a> — {} 分 <small>{}</small></div>',
            rows,
        ),
    )
