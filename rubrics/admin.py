from django.contrib import admin
from django.utils.html import format_html_join

from rubrics.admin_tree import LevelOneInlineBase, RuleEditing, TreeFormSet, tree_outline
from rubrics.checks import template_warnings
from rubrics.models import IndicatorTemplate, TemplateIndicator

INDICATOR_FIELDS = (
    "name",
    "weight",
    "order",
    "rule",  # rule_kind and rule_params, in the structured rule editor
    "benchmark",
    "unit",
    "explanation",
    "standard",
    "evidence_required",
)


class LevelOneInline(LevelOneInlineBase):
    model = TemplateIndicator
    fk_name = "template"
    fields = ("name", "weight", "order", "explanation")


class ChildInline(RuleEditing, admin.StackedInline):
    model = TemplateIndicator
    fk_name = "parent"
    formset = TreeFormSet
    fields = INDICATOR_FIELDS
    extra = 0
    verbose_name = "下级指标"
    verbose_name_plural = "下级指标"
    show_change_link = True


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "source", "is_builtin", "updated_at")
    list_filter = ("kind", "mode", "is_builtin")
    search_fields = ("name", "source")
    readonly_fields = ("outline", "warnings")
    fields = (
        "name",
        "kind",
        "mode",
        "source",
        "description",
        "grades",
        "na_policy",
        "is_builtin",
        "warnings",
        "outline",
    )
    inlines = [LevelOneInline]

    @admin.display(description="指标体系结构")
    def outline(self, obj):
        if not obj.pk:
            return "保存后显示"
        return tree_outline(obj.indicators.all(), "admin:rubrics_templateindicator_change")

    @admin.display(description="提示")
    def warnings(self, obj):
        messages = template_warnings(obj) if obj.pk else []
        if not messages:
            return "无"
        return format_html_join("", '<div class="text-warning">⚠ {}</div>', ((m,) for m in messages))


@admin.register(TemplateIndicator)
class TemplateIndicatorAdmin(RuleEditing, admin.ModelAdmin):
    list_display = ("name", "template", "parent", "weight", "rule_kind", "order")
    list_filter = ("template", "rule_kind")
    search_fields = ("name", "standard")
    fields = ("template", "parent", *INDICATOR_FIELDS)
    inlines = [ChildInline]
    autocomplete_fields = ("parent",)
    list_select_related = ("template", "parent")
