"""Forms of the setup before an evaluation: 评价任务 (the bureau commissions, the firm accepts or declines) and the
registration of a unit's project with its sub-items and budget figures. They read and type the input (money typed
in 万元, handed on in 元 as BudgetFigure stores it); evaluations.domain.commissions and .projects check and write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from evaluations.domain.basics import period_problems
from evaluations.domain.commissions import deadline_problem
from evaluations.interfaces.forms import DATE_WIDGET, GroupedModelChoiceField, limit_to_unit, unit_projects_field
from evaluations.models import Commission, FundingSource, Organisation, OrganisationKind, Project
from evaluations.queries import access
from rubrics.models import EvaluationKind, IndicatorTemplate

TEN_THOUSAND = Decimal(10000)
DATE_ERRORS = {"required": "请填写日期。", "invalid": "请填写有效的日期，例如 2024-01-31。"}
YEAR_ERRORS = {
    "required": "请填写年度。",
    "invalid": "年度应为四位数字，例如 2023。",
    "min_value": "年度应为 2000 到 2100 之间的四位年份。",
    "max_value": "年度应为 2000 到 2100 之间的四位年份。",
}


def last_year() -> int:
    return dt.date.today().year - 1


class WanField(forms.DecimalField):
    """An amount typed in 万元 (up to 6 decimals: whole 分), cleaned to 元; a stored 元 amount is shown in 万元."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "请填写数字（单位：万元）。",
                "min_value": "金额不能为负数。",
                "max_decimal_places": "万元最多 6 位小数（精确到分）。",
                "max_digits": "金额过大，请核对单位（万元）。",
                "max_whole_digits": "金额过大，请核对单位（万元）。",
            },
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "class": "form-control form-control-sm text-end"})
        self.widget.input_type = "text"

    def prepare_value(self, value):
        if isinstance(value, Decimal):  # a stored amount (元); typed text is shown back as typed
            return f"{(value / TEN_THOUSAND).normalize():f}"
        return value

    def clean(self, value):
        wan = super().clean(value)
        return None if wan is None else (wan * TEN_THOUSAND).quantize(Decimal("0.01"))


# --- commissions -----------------------------------------------------------------------------------------


class CommissionForm(forms.Form):
    evaluated_unit = forms.ModelChoiceField(
        label="被评价单位",
        queryset=Organisation.objects.none(),
        empty_label="请选择被评价单位",
        error_messages={"required": "请选择被评价单位。", "invalid_choice": "所选单位不是本局负责的单位，请重新选择。"},
        help_text="只列出本局所属地区的单位。",
    )
    kind = forms.ChoiceField(
        label="评价类型",
        choices=EvaluationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择评价类型。"},
    )
    project = unit_projects_field(
        label="评价项目",
        required=False,
        empty_label="（部门整体评价不选；项目评价可留给评价机构选择或登记）",
        help_text="只列出所选单位已登记的项目。",
        unit_field="evaluated_unit",
    )
    year = forms.IntegerField(label="评价年度", min_value=2000, max_value=2100, error_messages=YEAR_ERRORS)
    firm = forms.ModelChoiceField(
        label="评价机构",
        queryset=Organisation.objects.filter(kind=OrganisationKind.FIRM).order_by("name"),
        empty_label="请选择承担评价的评价机构",
        error_messages={"required": "请选择承担评价的评价机构。", "invalid_choice": "所选评价机构不存在，请重新选择。"},
    )
    deadline = forms.DateField(
        label="报告提交期限",
        widget=DATE_WIDGET,
        error_messages={**DATE_ERRORS, "required": "请填写报告提交期限。"},
        help_text="评价机构须在此日期前提交评价报告。",
    )
    outline = forms.CharField(
        label="评价要求与报告提纲",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="如：按《项目支出绩效评价管理办法》（财预〔2020〕10号）附3 参考提纲撰写；需重点关注的问题、"
        "需增加的章节等。",
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", last_year())
        super().__init__(*args, **kwargs)
        self.fields["evaluated_unit"].queryset = access.units_for_user(user).order_by("name")
        limit_to_unit(
            self, unit_field="evaluated_unit", project_field="project", projects=access.projects_for_user(user)
        )

    def clean_deadline(self):
        """Checked here too (the service's rule) so that every problem shows at once, not one round later."""
        deadline = self.cleaned_data["deadline"]
        if problem := deadline_problem(deadline):
            raise forms.ValidationError(problem)
        return deadline


class CommissionAcceptForm(forms.Form):
    """What the firm's evaluator sets on accepting: the evaluation's title, indicator template and period
    (and the project, when the commission left it to the firm)."""

    title = forms.CharField(label="评价名称", max_length=200, error_messages={"required": "请填写评价名称。"})
    project = GroupedModelChoiceField(
        label="评价项目",
        required=False,
        queryset=Project.objects.none(),
        group_by=lambda project: project.unit.name,
        empty_label="请选择被评价单位的项目",
        error_messages={"invalid_choice": "所选项目不是被评价单位的项目，请重新选择。"},
    )
    template = GroupedModelChoiceField(
        label="指标体系模板",
        queryset=IndicatorTemplate.objects.none(),
        group_by=lambda template: template.get_kind_display(),
        empty_label="请选择要复制的指标体系",
        error_messages={"required": "请选择要复制的指标体系模板。"},
        help_text="评价将复制模板的整套指标（含评分标准和计分规则），之后可在“指标体系”中增删个性指标。",
    )
    period_start = forms.DateField(
        label="评价期间起", widget=DATE_WIDGET, error_messages={**DATE_ERRORS, "required": "请填写评价期间起。"}
    )
    period_end = forms.DateField(
        label="评价期间止",
        widget=DATE_WIDGET,
        error_messages={**DATE_ERRORS, "required": "请填写评价期间止。"},
        help_text="可延至次年，例如第四季度的补贴在次年 1 月发放时。",
    )

    def __init__(self, *args, commission: Commission, user, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("title", str(commission))
        initial.setdefault("period_start", dt.date(commission.year, 1, 1))
        initial.setdefault("period_end", dt.date(commission.year, 12, 31))
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = IndicatorTemplate.objects.filter(kind=commission.kind).order_by(
            "-is_builtin", "name"
        )
        self.fields["template"].label_from_instance = lambda t: f"{t.name}{'（内置）' if t.is_builtin else ''}"
        if commission.kind == EvaluationKind.PROJECT and commission.project_id is None:
            self.fields["project"].required = True
            self.fields["project"].error_messages["required"] = "该任务未指定项目：请选择被评价单位的项目。"
            self.fields["project"].queryset = (
                access.projects_for_user(user)
                .filter(unit_id=commission.evaluated_unit_id)
                .select_related("unit")
                .order_by("name")
            )
            raw = str(initial.get("project") or "")
            chosen = self.fields["project"].queryset.filter(pk=raw).first() if raw.isdigit() else None
            if chosen is not None and self.initial["title"] == str(commission):  # back from registering it
                self.initial["title"] = commission.evaluation_title(chosen)
        else:
            del self.fields["project"]
        self.commission = commission
        self.year = commission.year

    def clean(self):
        """The service's period rule, here too so that every problem shows at once. The default title left as it was
        offered names the project chosen, not "项目待定"."""
        data = super().clean()
        if data.get("project") and data.get("title") == str(self.commission):
            data["title"] = self.commission.evaluation_title(data["project"])
        for field, messages in period_problems(self.year, data.get("period_start"), data.get("period_end")).items():
            for message in messages:
                self.add_error(field, message)
        return data


class CommissionDeclineForm(forms.Form):
    reason = forms.CharField(
        label="谢绝原因",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写谢绝的原因，财政局将据此另行安排。"},
        help_text="财政局将看到此原因，例如存在利害关系、期限内无法完成。",
    )


# --- projects ----------------------------------------------------------------------------------------------


class ProjectForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="项目单位",
        queryset=Organisation.objects.none(),
        empty_label="请选择项目单位",
        error_messages={"required": "请选择项目单位。", "invalid_choice": "所选单位不在您可以登记项目的单位之中。"},
    )
    name = forms.CharField(label="项目名称", max_length=200, error_messages={"required": "请填写项目名称。"})
    code = forms.CharField(label="项目编码", max_length=50, required=False)
    description = forms.CharField(
        label="项目概况",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="项目的主要内容，如“慰问工作、城市最低生活保障 2 大类工作”。",
    )
    year = forms.IntegerField(
        label="预算年度", min_value=2000, max_value=2100, widget=forms.HiddenInput, error_messages=YEAR_ERRORS
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)  # the project as the page showed it

    def __init__(self, *args, user, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = access.units_for_user(user).order_by("name")
        if project is not None:  # the unit is fixed once registered: evaluations and commissions refer to it
            self.fields["unit"].disabled = True
            self.fields["unit"].queryset = Organisation.objects.filter(pk=project.unit_id)


class TotalsForm(forms.Form):
    """One funding source's project totals of the year (项目资金情况表; 基础表4 of the department)."""

    funding_source = forms.ChoiceField(choices=FundingSource.choices, widget=forms.HiddenInput)
    initial_budget = WanField(label="年初预算")
    adjusted_budget = WanField(label="调整后预算（指标金额）")
    funds_received = WanField(label="到位资金")
    actual_expenditure = WanField(label="实际支出")
    carryover = WanField(label="结转结余")
    note = forms.CharField(
        label="备注",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    @property
    def source_label(self) -> str:
        source = self.initial.get("funding_source")
        return FundingSource(source).label if source in FundingSource.values else ""


class SubItemForm(forms.Form):
    """A sub-item (子项目) and its 年初下达金额 and 指标金额 of the year (表3-2)."""

    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label="子项名称",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    funding_source = forms.ChoiceField(
        label="资金来源",
        required=False,  # a blank row needs none; a named one is checked by the service
        choices=FundingSource.choices,
        initial=FundingSource.DISTRICT,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    initial_budget = WanField(label="年初下达金额")
    adjusted_budget = WanField(label="指标金额")


TotalsFormSet = forms.formset_factory(TotalsForm, extra=0)
SubItemFormSet = forms.formset_factory(SubItemForm, extra=3, can_delete=True)
