"""Forms of the evaluation workspace: they read and type the input; the services check and write it."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Count, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_prose_editor.fields import ProseEditorFormField

from evaluations.models import (
    REVIEW_ROLES,
    EvaluationState,
    Organisation,
    OrganisationKind,
    Project,
    TeamMember,
    TeamRole,
    User,
)
from evaluations.models.roles import Role
from evaluations.narrative_html import EDITOR_EXTENSIONS
from evaluations.queries import access
from evaluations.queries.targets import NUMERIC_TARGET_KINDS, benchmark_is_derived
from rubrics.engine import RULE_KINDS
from rubrics.models import EvaluationKind, IndicatorTemplate, TemplateIndicator
from rubrics.numbers import date_problem, written
from rubrics.rule_editor.fields import RuleEditorField, as_draft
from rubrics.tree import IndicatorTree

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlausibleDateField(forms.DateField):
    """A date an evaluation can mention: 0001-01-01 or 9999-12-31 is refused (rubrics.numbers.date_problem)."""

    def validate(self, value):
        super().validate(value)
        problem = date_problem(value) if value else None
        if problem:
            raise forms.ValidationError(f"{problem}。")


def option_tags(choices, chosen: set[str]) -> str:
    """The <option>s of a flat select, written in Python (escaped; those whose value is in ``chosen`` selected):
    Django's template-per-option rendering costs about 0.15 ms an option, and some selects list hundreds."""
    return format_html_join(
        "\n",
        '<option value="{}"{}>{}</option>',
        ((option, mark_safe(" selected") if str(option) in chosen else "", label) for option, label in choices),
    )


class PlainSelect(forms.Select):
    """A flat select rendered in Python, the same HTML as Django's (option_tags): the list's unit filter offers
    every unit a bureau or firm works with (30 ms a page through the templates)."""

    def render(self, name, value, attrs=None, renderer=None):
        options = option_tags(self.choices, set(self.format_value(value)))
        return format_html(
            '<select name="{}"{}>\n{}\n</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class EvaluationFilterForm(forms.Form):
    """The filters of the evaluation list (all optional; an unusable value is simply not applied)."""

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "评价名称、被评价单位或项目", "type": "search"}),
    )
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None, widget=PlainSelect)
    kind = forms.ChoiceField(
        label="评价类型", required=False, choices=[("", "全部类型"), *EvaluationKind.choices], widget=PlainSelect
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *EvaluationState.choices], widget=PlainSelect
    )
    unit = forms.TypedChoiceField(label="被评价单位", required=False, coerce=int, empty_value=None, widget=PlainSelect)

    def __init__(self, *args, evaluations: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        # Years and units of the visible evaluations, and how many there are, in one query.
        groups = list(
            evaluations.order_by()
            .values_list("year", "evaluated_unit_id", "evaluated_unit__name")
            .annotate(count=Count("pk", distinct=True))
        )
        self.total = sum(count for *_, count in groups)
        years = sorted({year for year, *_ in groups}, reverse=True)
        units = sorted({(pk, name) for _, pk, name, _ in groups}, key=lambda unit: unit[1])
        self.fields["year"].choices = [("", "全部年度"), *((year, f"{year} 年") for year in years)]
        self.fields["unit"].choices = [("", "全部单位"), *units]
        for name, form_field in self.fields.items():
            css = "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            form_field.widget.attrs["class"] = css

    @property
    def filtering(self) -> bool:
        """Whether any filter actually narrows the list."""
        return self.is_valid() and any(self.cleaned_data.get(name) for name in self.fields)

    def apply(self, evaluations: QuerySet) -> QuerySet:
        if not self.is_valid():
            return evaluations
        data = self.cleaned_data
        if data.get("q"):
            text = data["q"].strip()
            # Units and projects matched on their own (small) tables first: no join of every visible evaluation
            # with both tables only to test their names.
            evaluations = evaluations.filter(
                Q(title__icontains=text)
                | Q(evaluated_unit_id__in=Organisation.objects.filter(name__icontains=text).values("pk"))
                | Q(project_id__in=Project.objects.filter(name__icontains=text).values("pk"))
            )
        if data.get("year"):
            evaluations = evaluations.filter(year=data["year"])
        if data.get("kind"):
            evaluations = evaluations.filter(kind=data["kind"])
        if data.get("state"):
            evaluations = evaluations.filter(state=data["state"])
        if data.get("unit"):
            evaluations = evaluations.filter(evaluated_unit_id=data["unit"])
        return evaluations


class SectionTextForm(forms.Form):
    """A report section in the packaged editor (django-prose-editor); the domain sanitises what it posts."""

    text = ProseEditorFormField(label="正文", required=False, extensions=EDITOR_EXTENSIONS)
    editor_id = "section-text"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs.update({"id": self.editor_id, "class": "narrative-editor"})


class AnalysisTextForm(SectionTextForm):
    """An indicator's analysis in the same editor, with the same extensions (插入数据 included)."""

    editor_id = "analysis-text"


class GroupedChoiceIterator(ModelChoiceIterator):
    """Lazily (at rendering, not at import) the queryset's choices in <optgroup>s."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for obj in self.queryset:
            groups.setdefault(self.field.group_by(obj), []).append(self.choice(obj))
        yield from groups.items()


class GroupedModelChoiceField(forms.ModelChoiceField):
    """A select with <optgroup>s, e.g. projects by unit, templates by kind."""

    iterator = GroupedChoiceIterator

    def __init__(self, *args, group_by, **kwargs):
        self.group_by = group_by
        super().__init__(*args, **kwargs)


class ProjectSelect(forms.Select):
    """A project select whose options name their unit (data-unit): static/js/dependent_select.js shows only the
    projects of the unit chosen in the select named by data-depends-on."""

    def __init__(self, *args, depends_on: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.attrs["data-depends-on"] = depends_on

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-unit"] = str(instance.unit_id)
        return option


def unit_projects_field(*, label: str, required: bool, empty_label: str, help_text: str, unit_field: str):
    """The project choice that follows a unit choice (grouped by unit; narrowed by limit_to_unit)."""
    return GroupedModelChoiceField(
        label=label,
        required=required,
        queryset=Project.objects.none(),
        group_by=lambda project: project.unit.name,
        empty_label=empty_label,
        help_text=help_text,
        widget=ProjectSelect(depends_on=f"id_{unit_field}"),
    )


def limit_to_unit(form: forms.Form, *, unit_field: str, project_field: str, projects: QuerySet) -> None:
    """The project choices: the permitted ``projects``, narrowed on the server to the unit chosen before (posted,
    or given as initial); a project of another unit then answers with a message naming the unit."""
    unit = None
    raw = form.data.get(form.add_prefix(unit_field)) if form.is_bound else form.initial.get(unit_field)
    raw = getattr(raw, "pk", raw)
    if raw not in (None, "") and str(raw).isdigit():
        unit = form.fields[unit_field].queryset.filter(pk=int(raw)).first()
    field = form.fields[project_field]
    field.queryset = projects.select_related("unit").order_by("unit__name", "name")
    if unit is not None:
        field.queryset = field.queryset.filter(unit=unit)
        field.error_messages["invalid_choice"] = (
            f"所选项目不属于被评价单位「{unit}」，或您无权选用，请重新选择（尚未登记的项目请先登记）。"
        )


class EvaluationCreateForm(forms.Form):
    kind = forms.ChoiceField(label="评价类型", choices=EvaluationKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(
        label="评价名称",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如 2023 年度困难群体救助项目支出绩效评价"}),
    )
    evaluated_unit = forms.ModelChoiceField(
        label="被评价单位", queryset=Organisation.objects.none(), empty_label="请选择被评价单位"
    )
    project = unit_projects_field(
        label="评价项目",
        required=False,
        empty_label="（部门整体评价不选）",
        help_text="项目支出绩效评价必选，只列出所选被评价单位的项目。",
        unit_field="evaluated_unit",
    )
    year = forms.IntegerField(label="评价年度", min_value=2000, max_value=2100)
    period_start = PlausibleDateField(
        label="评价期间起", required=False, widget=DATE_WIDGET, help_text="不填则为该年 1 月 1 日"
    )
    period_end = PlausibleDateField(
        label="评价期间止", required=False, widget=DATE_WIDGET, help_text="不填则为该年 12 月 31 日"
    )
    commissioning_bureau = forms.ModelChoiceField(
        label="委托单位",
        queryset=Organisation.objects.filter(kind=OrganisationKind.BUREAU).order_by("name"),
        empty_label="请选择财政局",
    )
    report_date = PlausibleDateField(label="报告日期", required=False, widget=DATE_WIDGET)
    template = GroupedModelChoiceField(
        label="指标体系模板",
        queryset=IndicatorTemplate.objects.order_by("kind", "-is_builtin", "name"),
        group_by=lambda template: template.get_kind_display(),
        empty_label="请选择要复制的指标体系",
        help_text="评价将复制模板的整套指标（含评分标准和计分规则），之后可在“指标体系”中增删个性指标；以后修改模板不影响本评价。",
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", dt.date.today().year - 1)
        super().__init__(*args, **kwargs)
        self.fields["evaluated_unit"].queryset = access.units_for_user(user).order_by("name")
        limit_to_unit(
            self, unit_field="evaluated_unit", project_field="project", projects=access.projects_for_user(user)
        )
        self.fields["template"].label_from_instance = lambda t: f"{t.name}{'（内置）' if t.is_builtin else ''}"


class EvaluationBasicsForm(forms.Form):
    """The basic facts the team may correct while editing (evaluations.domain.basics.update_basics checks them)."""

    DATE_ERRORS = {"required": "请填写日期。", "invalid": "请填写有效的日期，例如 2024-01-31。"}

    title = forms.CharField(label="评价名称", max_length=200, error_messages={"required": "请填写评价名称。"})
    period_start = PlausibleDateField(label="评价期间起", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    period_end = PlausibleDateField(
        label="评价期间止",
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="可延至次年，例如第四季度的补贴在次年 1 月发放时，评价期间可截至发放日。",
    )
    report_date = PlausibleDateField(
        label="报告日期", required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS, help_text="印在报告封面"
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)  # the facts as the page showed them


class AccountSelect(forms.Select):
    """The firm's accounts, each option carrying the person's profile for the page to fill the member's fields."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        user = getattr(value, "instance", None)
        if user is not None:
            option["attrs"].update(
                {
                    "data-name": user.get_full_name(),
                    "data-qualification": user.qualification,
                    "data-position": user.position,
                }
            )
        return option


# The role select: who prepares the evaluation, then who signs each internal review level.
ROLE_CHOICES = [
    ("编制", [(role.value, role.label) for role in (TeamRole.MANAGER, TeamRole.LEAD, TeamRole.MEMBER)]),
    ("内部复核（签署级次）", [(role.value, role.label) for role in REVIEW_ROLES.values()]),
]


class TeamMemberForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        label="系统账号",
        required=False,
        queryset=User.objects.none(),
        widget=AccountSelect,
        empty_label="不关联账号（只列入名单）",
        help_text="从本评价机构的账号中选择：姓名、专业资格和职务取自其个人资料，可在下方修改。"
        "关联后该账号可进入本评价；复核人员须关联账号才能签署。",
    )
    role = forms.ChoiceField(label="角色与复核级次", choices=ROLE_CHOICES)

    class Meta:
        model = TeamMember
        fields = ("user", "role", "name", "qualification", "duty", "group", "order")
        widgets = {"order": forms.NumberInput(attrs={"min": 0})}

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        # The firm's evaluators and reviewers not yet on the team (the member being edited keeps their own).
        on_team = evaluation.team.exclude(pk=self.instance.pk).filter(user__isnull=False).values("user_id")
        self.fields["user"].queryset = (
            User.objects.filter(organisation_id=evaluation.evaluating_firm_id, is_active=True)
            .filter(groups__name__in=[Role.EVALUATOR.value, Role.INTERNAL_REVIEWER.value])
            .exclude(pk__in=on_team)
            .prefetch_related("groups")
            .distinct()
            .order_by("full_name", "username")
        )
        self.fields["user"].label_from_instance = _account_label
        self.fields["name"].required = False
        self.fields["name"].help_text = "选择账号后自动填写；不关联账号时必填。"
        self.fields["duty"].help_text = "选择账号后按其职务和角色填写，如 部门主任、二级复核。"
        self.fields["order"].required = False
        self.fields["order"].help_text = "名单中的位置；不填则排在最后。"
        if self.instance.pk is None:  # a new member: no position until given one (the service puts it last)
            self.initial.pop("order", None)
            self.fields["order"].initial = None
            self.initial["role"] = TeamRole.MEMBER

    def _post_clean(self):
        """Model validation (uniqueness, account) is the service's job, with messages naming the account."""


class ApprovalForm(forms.Form):
    """The bureau's approval: the opinion it signs and an explicit confirmation (approval freezes the evaluation)."""

    opinion = forms.CharField(
        label="审批意见",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "请填写审批意见。"},
        help_text="随批准签署并记入流程时间线，如“同意该评价报告，评价结论为良”。",
    )
    confirm = forms.BooleanField(
        label="我已审阅评价报告、得分和内部复核签署情况，确认批准。批准后评价冻结，不能再修改。",
        error_messages={"required": "请勾选确认后再批准。"},
    )


def _account_label(user: User) -> str:
    """ "孙琴 · 内部复核 · 注册会计师、资产评估师" (the roles say who may prepare and who may sign)."""
    roles = "、".join(sorted(group.name for group in user.groups.all())) or "未设置角色"
    parts = [user.get_full_name(), roles, user.qualification]
    return " · ".join(part for part in parts if part) + f"（{user.username}）"


class ProfileForm(forms.ModelForm):
    """What a person keeps up to date about themselves; team lists are filled from it."""

    class Meta:
        model = User
        fields = ("full_name", "qualification", "position", "phone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True


# --- indicator editor -----------------------------------------------------------------------------

RULE_FIELDS = ("rule_kind", "rule_params")  # how the indicator services name the rule's parts
DERIVED_BENCHMARK = "定量指标的标杆值由计分规则的目标值和计量单位自动给出，无需另行填写"


class IndicatorTextsForm(forms.Form):
    name = forms.CharField(label="指标名称", max_length=200)
    benchmark = forms.CharField(label="标杆值（定性指标）", max_length=200, required=False)
    unit = forms.CharField(label="计量单位", max_length=30, required=False)
    explanation = forms.CharField(label="指标解释", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    standard = forms.CharField(label="评分标准", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_required = forms.CharField(label="所需佐证材料", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    # 标杆值 is typed only for qualitative rules: for the others it follows from the rule (queries.targets).
    derived_benchmark_kinds = " ".join(sorted(NUMERIC_TARGET_KINDS))
    derived_benchmark_note = DERIVED_BENCHMARK


class IndicatorRuleForm(forms.Form):
    """The rule in the structured editor; cleaned into rule_kind and rule_params for the services."""

    rule = RuleEditorField(label="计分规则", required=False)

    def __init__(self, *args, weight=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "rule" in self.fields:
            self.fields["rule"].weight = weight
            self.fields["rule"].widget.weight = weight
            self.fields["rule"].widget.weight_source = self.add_prefix("weight") if "weight" in self.fields else ""

    def clean(self):
        data = super().clean()
        rule = data.get("rule")
        if rule is not None:
            data["rule_kind"], data["rule_params"] = rule.kind, rule.params
        return data

    @property
    def rule_kind(self) -> str:
        """The kind chosen now (as posted, else as stored): what the 标杆值 box depends on."""
        return as_draft(self["rule"].value()).kind if "rule" in self.fields else ""

    @property
    def benchmark_derived(self) -> bool:
        return benchmark_is_derived(self.rule_kind)

    def add_edit_errors(self, errors: dict[str, list[str]]) -> list[str]:
        """Put a service's EditError messages on their fields (the rule's into the editor, next to the box
        concerned); return those that belong to no field of this form."""
        left: list[str] = []
        for key, messages in errors.items():
            if key in RULE_FIELDS and "rule" in self.fields:
                self.add_error("rule", self.fields["rule"].report(messages, self.rule_kind))
            elif key in self.fields:
                self.add_error(key, messages)
            else:
                left += messages
        return left


class IndicatorEditForm(IndicatorTextsForm, IndicatorRuleForm):
    """Texts of any indicator; the rule only for a leaf (inner indicators are scored from their children)."""

    def __init__(self, *args, is_leaf: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_leaf:
            del self.fields["rule"]


class IndicatorAddForm(IndicatorTextsForm, IndicatorRuleForm):
    ORIGINS = [("library", "从模板库选择指标（连同评分标准和计分规则）"), ("scratch", "自行新建")]
    origin = forms.ChoiceField(label="新增方式", choices=ORIGINS, initial="library", widget=forms.RadioSelect)
    source = forms.TypedChoiceField(label="模板指标", required=False, coerce=int, empty_value=None)
    weight = forms.CharField(
        label="权重（分）",
        required=False,
        max_length=12,
        help_text="从模板库选择时可不填，沿用模板中的权重。",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    field_order = ["origin", "source", "name", "weight", "rule"]

    def __init__(self, *args, library: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["source"].choices = [("", "请选择模板指标"), *library]
        if self.data.get(self.add_prefix("origin")) == "library":
            self.fields["rule"].disabled = True  # a library indicator brings its own rule: the editor is not read

    def clean(self):
        data = super().clean()
        if data.get("origin") == "library" and not data.get("source"):
            self.add_error("source", "请选择要复制的模板指标。")
        if data.get("origin") == "scratch":
            if not data.get("name"):
                self.add_error("name", "请填写指标名称。")
            if not data.get("weight"):
                self.add_error("weight", "请填写权重。")
            if not data.get("rule_kind") and "rule" not in self.errors:
                self.add_error("rule", "请选择计分规则。")
        return data


def template_library(kind: str | None = None) -> list:
    """The indicators of every template as grouped choices: (模板名, [(pk, "一级 / 二级 / 指标（4 分）"), …])."""
    nodes = list(
        TemplateIndicator.objects.select_related("template").order_by("template__kind", "template__name", "order", "pk")
    )
    groups: dict[str, list] = {}
    by_template: dict[int, list] = {}
    for node in nodes:
        by_template.setdefault(node.template_id, []).append(node)
    for rows in by_template.values():
        for entry in IndicatorTree(rows, score=lambda row: None).nodes:
            node = entry.item
            rule = RULE_KINDS[node.rule_kind].label if node.rule_kind in RULE_KINDS else "下级汇总"
            label = f"{' / '.join(entry.path)}（{written(node.weight)} 分，{rule}）"
            group = f"{node.template.name}（{node.template.get_kind_display()}）"
            groups.setdefault(group, []).append((node.pk, label))
    if kind:
        own = [label for label in groups if label.endswith(f"（{EvaluationKind(kind).label}）")]
        return [(label, groups[label]) for label in own] + [
            (label, items) for label, items in groups.items() if label not in own
        ]
    return list(groups.items())
