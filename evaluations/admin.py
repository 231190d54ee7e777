from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from evaluations.domain.freezing import evaluation_of, is_frozen
from evaluations.domain.scoring import recompute_scores
from evaluations.models import (
    BudgetFigure,
    Commission,
    Evaluation,
    EvaluationIndicator,
    Evidence,
    Experience,
    Finding,
    NarrativeSection,
    Organisation,
    Project,
    Recommendation,
    RectificationEvidence,
    RectificationItem,
    RectificationStep,
    ReviewSignature,
    StateChange,
    SubItem,
    TeamMember,
    User,
)
from evaluations.sections import SECTIONS, sections_for
from rubrics.admin_scale import ScaledAdmin, related_id_filter
from rubrics.admin_tree import LevelOneInlineBase, RuleEditing, TreeFormSet, tree_outline

# 评价 as a list filter: the chosen evaluation only (?evaluation=pk), never a list of every evaluation.
EvaluationFilter = related_id_filter("evaluation", "评价")


class RescoringAdmin(ScaledAdmin):
    """A save in admin may change weights, rules, inputs, awarded scores or the grade scale: the scores are then
    recomputed by the scoring service, as after any other write, so stored scores always equal the engine's."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._rescore(evaluation_of(form.instance))

    def delete_model(self, request, obj):
        evaluation = evaluation_of(obj) if not isinstance(obj, Evaluation) else None
        super().delete_model(request, obj)
        self._rescore(evaluation)

    def delete_queryset(self, request, queryset):
        evaluations = {evaluation_of(obj) for obj in queryset if not isinstance(obj, Evaluation)}
        super().delete_queryset(request, queryset)
        for evaluation in evaluations:
            self._rescore(evaluation)

    @staticmethod
    def _rescore(evaluation) -> None:
        if evaluation is not None and evaluation.pk is not None and not is_frozen(evaluation):
            recompute_scores(evaluation)


class FrozenAwareAdmin(ScaledAdmin):
    """Objects of an approved (frozen) evaluation are shown read-only and cannot be deleted here."""

    def _frozen(self, obj) -> bool:
        evaluation = evaluation_of(obj) if obj is not None else None
        return evaluation is not None and is_frozen(evaluation)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)

    def delete_queryset(self, request, queryset):
        frozen = [obj for obj in queryset if self._frozen(obj)]
        if frozen:
            self.message_user(request, f"「{frozen[0]}」所属的评价已批准并冻结，未删除任何记录。", messages.ERROR)
            return
        super().delete_queryset(request, queryset)


INDICATOR_FIELDS = (
    "name",
    "weight",
    "order",
    "rule",  # rule_kind and rule_params, in the structured rule editor
    "inputs",
    "benchmark",
    "unit",
    "actual_display",
    "awarded_score",
    "override_reason",
    "explanation",
    "standard",
    "evidence_required",
    "research_content",
    "research_order",
    "analysis",
    "is_custom",
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "region")
    list_select_related = ("parent",)  # nullable: admin's own select_related() would not follow it
    show_full_result_count = False
    list_filter = ("kind", "region")
    search_fields = ("name", "short_name", "region")
    autocomplete_fields = ("parent",)


@admin.register(User)
class PerfUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "organisation", "role_names", "is_active")
    show_full_result_count = False
    list_filter = ("groups", "organisation__kind", "is_active")
    search_fields = ("username", "full_name", "organisation__name")
    autocomplete_fields = ("organisation",)
    fieldsets = (
        *UserAdmin.fieldsets,
        ("所属单位", {"fields": ("full_name", "organisation", "phone")}),
        ("个人资料（评价小组名单按此填写）", {"fields": ("qualification", "position")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("所属单位", {"fields": ("full_name", "organisation", "groups")}),
    )

    @admin.display(description="角色")
    def role_names(self, obj):
        return "、".join(group.name for group in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation").prefetch_related("groups")


class SubItemInline(admin.TabularInline):
    model = SubItem
    extra = 0


@admin.register(Project)
class ProjectAdmin(ScaledAdmin):
    list_display = ("name", "unit", "code", "registered_by")
    list_filter = ("unit",)
    list_select_related = ("unit", "registered_by")
    autocomplete_fields = ("unit", "registered_by")
    search_fields = ("name", "code")
    inlines = [SubItemInline]


@admin.register(Commission)
class CommissionAdmin(ScaledAdmin):
    """评价任务 are given and answered in the app (评价任务 pages); here for inspection and corrections."""

    list_display = ("__str__", "evaluated_unit", "bureau", "firm", "deadline", "state")
    list_filter = ("state", "kind", "year", "bureau")
    list_select_related = ("evaluated_unit", "bureau", "firm", "project")
    search_fields = ("evaluated_unit__name", "project__name", "firm__name")
    readonly_fields = ("evaluation", "created_by", "created_at", "answered_by", "answered_at")
    autocomplete_fields = ("bureau", "evaluated_unit", "project", "firm")


@admin.register(BudgetFigure)
class BudgetFigureAdmin(ScaledAdmin):
    list_display = (
        "year",
        "organisation",
        "project",
        "sub_item",
        "funding_source",
        "initial_budget",
        "adjusted_budget",
        "funds_received",
        "actual_expenditure",
        "carryover",
    )
    list_filter = ("year", "funding_source", "organisation")
    list_select_related = ("organisation", "project", "sub_item")
    autocomplete_fields = ("organisation", "project")
    raw_id_fields = ("sub_item",)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ("user",)


class LevelOneInline(LevelOneInlineBase):
    model = EvaluationIndicator
    fk_name = "evaluation"
    fields = ("name", "weight", "order")


class StateChangeInline(admin.TabularInline):
    model = StateChange
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "transition_label", "from_state", "to_state", "review_level", "comment")
    readonly_fields = fields
    verbose_name_plural = "流程记录（时间线）"

    @admin.display(description="操作")
    def transition_label(self, obj):
        return obj.transition_label

    def has_add_permission(self, request, obj=None):
        return False


class ReviewSignatureInline(admin.TabularInline):
    """Signatures are written by the workflow with the step they sign; here they are read, never edited."""

    model = ReviewSignature
    extra = 0
    can_delete = False
    fields = ("signed_on", "level_label", "signer_name", "signer_qualification", "decision", "opinion")
    readonly_fields = fields
    verbose_name_plural = "复核签署"

    @admin.display(description="级次")
    def level_label(self, obj):
        return obj.level_label

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(RescoringAdmin, FrozenAwareAdmin):
    list_display = (
        "title",
        "kind",
        "year",
        "evaluated_unit",
        "commissioning_bureau",
        "state",
        "total_score",
        "grade",
    )
    list_filter = ("kind", "year", "state", "commissioning_bureau", "evaluating_firm")
    search_fields = ("title", "evaluated_unit__name", "project__name")
    # State changes only through evaluations.domain.workflow (with its checks and timeline), never by editing.
    readonly_fields = ("state", "review_level", "total_score", "grade", "outline", "created_at", "updated_at")
    autocomplete_fields = ("evaluated_unit", "project", "commissioning_bureau", "evaluating_firm")
    inlines = [TeamMemberInline, LevelOneInline, StateChangeInline, ReviewSignatureInline]
    list_select_related = ("evaluated_unit", "commissioning_bureau")

    @admin.display(description="指标体系结构")
    def outline(self, obj):
        if not obj.pk:
            return "保存后显示"
        return tree_outline(obj.indicators.all(), "admin:evaluations_evaluationindicator_change")


class IndicatorChildInline(RuleEditing, admin.StackedInline):
    model = EvaluationIndicator
    fk_name = "parent"
    formset = TreeFormSet
    fields = INDICATOR_FIELDS
    extra = 0
    verbose_name = "下级指标"
    verbose_name_plural = "下级指标"
    show_change_link = True


@admin.register(EvaluationIndicator)
class EvaluationIndicatorAdmin(RuleEditing, RescoringAdmin, FrozenAwareAdmin):
    list_display = ("name", "evaluation", "parent", "weight", "rule_kind", "computed_score", "awarded_score")
    list_filter = (EvaluationFilter, "rule_kind")
    search_fields = ("name",)
    bigram_search = True  # the name has a bigram index (migration 0019)
    raw_id_fields = ("evaluation",)
    fields = ("evaluation", "parent", *INDICATOR_FIELDS, "computed_score", "score_explanation")
    readonly_fields = ("computed_score", "score_explanation")
    autocomplete_fields = ("parent",)
    inlines = [IndicatorChildInline]
    list_select_related = ("evaluation", "parent")


@admin.register(Evidence)
class EvidenceAdmin(FrozenAwareAdmin):
    list_display = ("original_name", "evaluation", "size", "uploaded_by", "uploaded_at")
    list_filter = (EvaluationFilter,)
    list_select_related = ("evaluation", "uploaded_by")
    raw_id_fields = ("evaluation", "indicators", "tables")
    autocomplete_fields = ("uploaded_by",)
    readonly_fields = ("sha256", "size", "content_type", "uploaded_at")
    search_fields = ("original_name", "description")


class NarrativeAdmin(FrozenAwareAdmin):
    list_display = ("title", "evaluation", "order")
    list_filter = (EvaluationFilter,)
    list_select_related = ("evaluation",)
    raw_id_fields = ("evaluation",)
    search_fields = ("title", "text")
    bigram_search = True  # title and text have bigram indexes (migration 0019)


class NarrativeSectionForm(forms.ModelForm):
    """The section's text in the same editor as the page; the model field sanitises it (clean_section_html)."""

    class Meta:
        model = NarrativeSection
        fields = ("evaluation", "key", "text")

    def clean(self):
        cleaned = super().clean()
        evaluation, key = cleaned.get("evaluation"), cleaned.get("key")
        if evaluation is not None and key and key not in {section.key for section in sections_for(evaluation.kind)}:
            titles = "、".join(f"{section.key}（{section.title}）" for section in sections_for(evaluation.kind))
            self.add_error("key", f"本类评价的报告没有这个章节。可用的章节：{titles}")
        return cleaned


@admin.register(NarrativeSection)
class NarrativeSectionAdmin(FrozenAwareAdmin):
    form = NarrativeSectionForm
    list_display = ("title", "evaluation", "version", "updated_at")
    list_filter = (EvaluationFilter,)
    raw_id_fields = ("evaluation",)
    list_select_related = ("evaluation",)
    readonly_fields = ("version", "updated_at")

    @admin.display(description="章节")
    def title(self, obj) -> str:
        titles = {section.key: section.title for section in SECTIONS.get(obj.evaluation.kind, ())}
        return titles.get(obj.key, obj.key)

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():  # a new version: someone editing the page meanwhile is told, not overwritten
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Finding)
class FindingAdmin(NarrativeAdmin):
    raw_id_fields = ("evaluation", "indicators")


@admin.register(Recommendation)
class RecommendationAdmin(NarrativeAdmin):
    raw_id_fields = ("evaluation", "finding")


admin.site.register(Experience, NarrativeAdmin)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RectificationStepInline(ReadOnlyInline):
    model = RectificationStep
    fields = ("created_at", "action", "actor", "comment", "measures", "deadline")
    readonly_fields = fields


class RectificationEvidenceInline(ReadOnlyInline):
    model = RectificationEvidence
    fields = ("original_name", "size", "sha256", "submission", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(RectificationItem)
class RectificationItemAdmin(ScaledAdmin):
    """Read only: the unit reports and the bureau accepts on the rectification pages, which check who may."""

    list_display = ("finding", "evaluation", "responsible_unit", "deadline", "status")
    list_filter = ("status", EvaluationFilter)
    list_select_related = ("finding", "evaluation", "responsible_unit")
    inlines = [RectificationStepInline, RectificationEvidenceInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = "预算绩效评价工作台 · 管理"
admin.site.site_title = "预算绩效评价工作台"
admin.site.index_title = "系统管理"
