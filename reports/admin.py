from django.contrib import admin
from django.utils.html import format_html_join

from evaluations.domain.freezing import is_frozen
from reports.models import ReportOutline, ReportSettings, ReportVersion
from rubrics.admin_scale import ScaledAdmin


class FrozenWithEvaluation(ScaledAdmin):
    """A record of an approved evaluation is shown read-only, without a delete button (the model refuses too)."""

    def _frozen(self, obj) -> bool:
        return obj is not None and is_frozen(obj.evaluation)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)


@admin.register(ReportOutline)
class ReportOutlineAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "version", "kind", "typography", "is_active")
    list_filter = ("kind", "is_active")
    readonly_fields = ("structure",)

    @admin.display(description="提纲结构")
    def structure(self, obj):
        try:
            spec = obj.spec
        except KeyError:
            return "（程序中没有该提纲）"
        lines = []

        def walk(nodes, depth):
            for node in nodes:
                lines.append(("　" * depth + node.title,))
                walk(node.children, depth + 1)

        walk(spec.chapters, 0)
        lines += [(f"附件：{node.title}",) for node in spec.annexes]
        return format_html_join("", "<div>{}</div>", lines)


@admin.register(ReportSettings)
class ReportSettingsAdmin(FrozenWithEvaluation):
    list_display = ("evaluation", "outline", "title")
    raw_id_fields = ("evaluation",)
    list_select_related = ("evaluation", "outline")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "outline":
            kwargs["queryset"] = ReportOutline.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ReportVersion)
class ReportVersionAdmin(FrozenWithEvaluation):
    list_display = ("evaluation", "number", "status", "is_draft", "pages", "size", "author", "created_at")
    list_filter = ("status", "is_draft")
    list_select_related = ("evaluation", "author")
    exclude = ("content",)

    def get_queryset(self, request):
        # The content snapshot can be megabytes per version: never read for the list or the read-only form.
        return super().get_queryset(request).defer("content")

    readonly_fields = [field.name for field in ReportVersion._meta.fields if field.name not in ("content", "id")]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
