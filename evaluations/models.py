"""The evaluation domain: organisations, people, projects, budgets, evaluations and their parts.

Money is stored in yuan as Decimal (reports show 万元); scores are Decimal with 2 decimals.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from rubrics.models import EvaluationKind, IndicatorFields, default_grades

MONEY = {"max_digits": 16, "decimal_places": 2}
SCORE = {"max_digits": 6, "decimal_places": 2}


class OrganisationKind(models.TextChoices):
    FIRM = "firm", "评价机构"
    BUREAU = "bureau", "财政局"
    UNIT = "unit", "被评价单位/部门"


class Organisation(models.Model):
    name = models.CharField("名称", max_length=200, unique=True)
    short_name = models.CharField("简称", max_length=100, blank=True)
    kind = models.CharField("类型", max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级单位",
    )
    region = models.CharField("所属地区", max_length=100, blank=True, help_text="如 深圳市罗湖区")
    review_levels = models.PositiveSmallIntegerField(
        "内部复核级数",
        default=3,
        choices=[
            (1, "一级（一级审核）"),
            (2, "二级（一级审核、二级复核）"),
            (3, "三级（一级审核、二级复核、三级审核）"),
        ],
        help_text="仅对评价机构有效：报告提交前须经过的内部复核级数。",
    )

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": "上级单位不能形成循环。"})
            seen.add(node.pk)
            node = node.parent


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="所属单位",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if not self.is_superuser and self.organisation_id is None:
            raise ValidationError({"organisation": "除系统管理员外，每个用户都必须属于一个单位。"})


class FundingSource(models.TextChoices):
    DISTRICT = "district", "区级资金"
    SUPERIOR = "superior", "上级资金"
    OTHER = "other", "其他资金"


class Project(models.Model):
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name="项目单位",
        limit_choices_to={"kind": OrganisationKind.UNIT},
    )
    name = models.CharField("项目名称", max_length=200)
    code = models.CharField("项目编码", max_length=50, blank=True)
    description = models.TextField("项目概况", blank=True)

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="project_unique_name_per_unit")]

    def __str__(self) -> str:
        return self.name


class SubItem(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sub_items", verbose_name="项目")
    name = models.CharField("子项名称", max_length=200)
    funding_source = models.CharField(
        "资金来源", max_length=20, choices=FundingSource.choices, default=FundingSource.DISTRICT
    )
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "项目子项"
        verbose_name_plural = "项目子项"
        ordering = ["project", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="subitem_unique_name")]

    def __str__(self) -> str:
        return f"{self.project} / {self.name}"


class BudgetFigure(models.Model):
    """One year's budget line of a unit, optionally narrowed to a project and a sub-item (yuan)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="budget_figures", verbose_name="单位"
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="budget_figures",
        verbose_name="项目",
    )
    sub_item = models.ForeignKey(
        SubItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="budget_figures",
        verbose_name="子项",
    )
    year = models.PositiveIntegerField("年度")
    funding_source = models.CharField(
        "资金来源", max_length=20, choices=FundingSource.choices, default=FundingSource.DISTRICT
    )
    initial_budget = models.DecimalField("年初预算（元）", null=True, blank=True, **MONEY)
    adjusted_budget = models.DecimalField("调整后预算/指标金额（元）", null=True, blank=True, **MONEY)
    funds_received = models.DecimalField("到位资金（元）", null=True, blank=True, **MONEY)
    actual_expenditure = models.DecimalField("实际支出（元）", null=True, blank=True, **MONEY)
    carryover = models.DecimalField("结转结余（元）", null=True, blank=True, **MONEY)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "预算数据"
        verbose_name_plural = "预算数据"
        ordering = ["organisation", "year", "project", "sub_item"]

    def __str__(self) -> str:
        scope = self.sub_item or self.project or self.organisation
        return f"{self.year} 年 {scope}"

    def clean(self) -> None:
        if self.sub_item_id and self.sub_item.project_id != self.project_id:
            raise ValidationError({"sub_item": "子项必须属于所选项目。"})
        if self.project_id and self.project.unit_id != self.organisation_id:
            raise ValidationError({"project": "项目必须属于所选单位。"})


class EvaluationState(models.TextChoices):
    DRAFT = "draft", "草稿"
    COLLECTING = "collecting", "数据采集"
    SCORING = "scoring", "评分"
    INTERNAL_REVIEW = "internal_review", "内部复核"
    CONSULTATION = "consultation", "征求意见"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "退回修改"
    APPROVED = "approved", "已批准"
    RECTIFICATION = "rectification", "整改跟踪"


class Evaluation(models.Model):
    kind = models.CharField("评价类型", max_length=20, choices=EvaluationKind.choices)
    title = models.CharField("评价名称", max_length=200)
    evaluated_unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="evaluations_received",
        verbose_name="被评价单位",
        limit_choices_to={"kind": OrganisationKind.UNIT},
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name="评价项目",
        help_text="项目支出绩效评价必填",
    )
    year = models.PositiveIntegerField("评价年度")
    period_start = models.DateField("评价期间起")
    period_end = models.DateField("评价期间止")
    commissioning_bureau = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="evaluations_commissioned",
        verbose_name="委托单位",
        limit_choices_to={"kind": OrganisationKind.BUREAU},
    )
    evaluating_firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="evaluations_performed",
        verbose_name="评价机构",
        limit_choices_to={"kind": OrganisationKind.FIRM},
    )
    template = models.ForeignKey(
        "rubrics.IndicatorTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name="来源指标体系模板",
    )
    grades = models.JSONField("评价等级", default=default_grades)
    state = models.CharField("状态", max_length=20, choices=EvaluationState.choices, default=EvaluationState.DRAFT)
    total_score = models.DecimalField("总分", null=True, blank=True, **SCORE)
    grade = models.CharField("评价等级结果", max_length=10, blank=True)
    report_date = models.DateField("报告日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    version = models.PositiveIntegerField("版本号", default=1, editable=False)
    review_level = models.PositiveSmallIntegerField("当前复核级次", default=0, editable=False)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_versions",
        verbose_name="所修订的已批准版本",
        editable=False,
    )
    history = HistoricalRecords(verbose_name="评价修改记录")

    class Meta:
        verbose_name = "绩效评价"
        verbose_name_plural = "绩效评价"
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == EvaluationKind.PROJECT:
            if not self.project_id:
                errors["project"] = "项目支出绩效评价必须选择评价项目。"
            elif self.evaluated_unit_id and self.project.unit_id != self.evaluated_unit_id:
                errors["project"] = "评价项目必须属于被评价单位。"
        if self.period_start and self.period_end and self.period_start > self.period_end:
            errors["period_end"] = "评价期间止不能早于评价期间起。"
        if errors:
            raise ValidationError(errors)


class StateChange(models.Model):
    """One row per workflow transition: the evaluation's timeline (who, from, to, when, comment)."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="state_changes", verbose_name="评价"
    )
    transition = models.CharField("操作", max_length=40)
    from_state = models.CharField("原状态", max_length=20, choices=EvaluationState.choices)
    to_state = models.CharField("新状态", max_length=20, choices=EvaluationState.choices)
    review_level = models.PositiveSmallIntegerField("复核级次", default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "流程记录"
        verbose_name_plural = "流程记录"
        ordering = ["evaluation", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.evaluation}：{self.get_from_state_display()} → {self.get_to_state_display()}"

    @property
    def transition_label(self) -> str:
        from evaluations.workflow import TRANSITIONS

        transition = TRANSITIONS.get(self.transition)
        return transition.label if transition else self.transition


class TeamRole(models.TextChoices):
    MANAGER = "manager", "项目经理"
    LEAD = "lead", "主评人"
    MEMBER = "member", "评价工作组成员"
    REVIEW_1 = "review_1", "一级审核"
    REVIEW_2 = "review_2", "二级复核"
    REVIEW_3 = "review_3", "三级审核"


class TeamMember(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="team", verbose_name="评价")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_memberships",
        verbose_name="系统账号",
    )
    name = models.CharField("姓名", max_length=50)
    group = models.CharField("评价组", max_length=50, blank=True, help_text="如 项目督查组、项目工作组")
    qualification = models.CharField("专业资格或技术职称", max_length=100, blank=True)
    role = models.CharField("角色", max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    duty = models.CharField("本次评价分工", max_length=100, blank=True, help_text="如 项目经理、一级审核")
    order = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="评价小组修改记录")

    class Meta:
        verbose_name = "评价小组成员"
        verbose_name_plural = "评价小组成员"
        ordering = ["evaluation", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "user"], name="team_member_once_per_evaluation")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class EvaluationIndicator(IndicatorFields):
    """An evaluation's own indicator: copied from a template, then independent of it."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="indicators", verbose_name="评价")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级指标",
    )
    source = models.ForeignKey(
        "rubrics.TemplateIndicator",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="来源模板指标",
    )
    is_custom = models.BooleanField("个性指标", default=False)
    inputs = models.JSONField("计分输入", default=dict, blank=True)
    actual_display = models.CharField("实际完成值", max_length=200, blank=True)
    computed_score = models.DecimalField("计算得分", null=True, blank=True, **SCORE)
    score_explanation = models.TextField("计分说明", blank=True)
    awarded_score = models.DecimalField(
        "评定得分", null=True, blank=True, **SCORE, help_text="仅在与计算得分不同时填写，并须说明理由。"
    )
    override_reason = models.TextField("调整理由", blank=True)
    analysis = models.TextField("指标分析", blank=True)
    evidence_obtained = models.TextField(
        "现场调研取得的资料", blank=True, help_text="现场调研记录（附件 3）的“现场调研资料”"
    )
    research_start = models.DateField("现场调研开始日期", null=True, blank=True)
    research_end = models.DateField("现场调研结束日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本号", default=1, editable=False)
    history = HistoricalRecords(verbose_name="评价指标修改记录")

    class Meta:
        verbose_name = "评价指标"
        verbose_name_plural = "评价指标"
        ordering = ["evaluation", "order", "pk"]

    @property
    def score(self):
        """The score that counts: the awarded one where given, else the computed one."""
        return self.awarded_score if self.awarded_score is not None else self.computed_score

    def clean(self) -> None:
        if self.parent_id is not None and self.evaluation_id is None:
            self.evaluation = self.parent.evaluation  # a child added under a node joins its evaluation
        if self.parent_id is not None and self.parent.evaluation_id != self.evaluation_id:
            raise ValidationError({"parent": "上级指标必须属于同一项评价。"})
        if self.awarded_score is not None and not self.override_reason.strip():
            raise ValidationError({"override_reason": "调整得分必须填写理由。"})
        self.clean_rule()


class DataTable(models.Model):
    """One data-collection table of an evaluation (its columns are declared in evaluations.datatables)."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="data_tables", verbose_name="评价"
    )
    key = models.CharField("表格", max_length=50)
    version = models.PositiveIntegerField("版本号", default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最后修改人",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    # The rows as saved, so the table's history shows every version of the table (rows live in TableRow).
    snapshot = models.JSONField("数据快照", default=list, blank=True, editable=False)
    history = HistoricalRecords(verbose_name="基础数据表修改记录")

    class Meta:
        verbose_name = "基础数据表"
        verbose_name_plural = "基础数据表"
        ordering = ["evaluation", "key"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "key"], name="one_table_per_key")]

    def __str__(self) -> str:
        from evaluations.datatables import TABLES

        spec = TABLES.get(self.key)
        return f"{spec.code} {spec.title}" if spec else self.key

    @property
    def spec(self):
        from evaluations.datatables import spec_for

        return spec_for(self.key)


class TableRow(models.Model):
    table = models.ForeignKey(DataTable, on_delete=models.CASCADE, related_name="rows", verbose_name="表格")
    order = models.PositiveIntegerField("行号", default=0)
    values = models.JSONField("数据", default=dict)

    class Meta:
        verbose_name = "表格行"
        verbose_name_plural = "表格行"
        ordering = ["table", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.table} 第 {self.order} 行"


class NarrativeSection(models.Model):
    """A section of the report text (项目背景, 评价目的 …), keyed by the outline of evaluations.narrative."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="narrative", verbose_name="评价")
    key = models.CharField("章节", max_length=50)
    text = models.TextField("正文", blank=True)
    version = models.PositiveIntegerField("版本号", default=1)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords(verbose_name="报告章节修改记录")

    class Meta:
        verbose_name = "报告章节"
        verbose_name_plural = "报告章节"
        ordering = ["evaluation", "key"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "key"], name="one_section_per_key")]

    def __str__(self) -> str:
        return self.key


class Evidence(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="evidence", verbose_name="评价")
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    content_type = models.CharField("文件类型", max_length=100)
    description = models.CharField("说明", max_length=200, blank=True)
    indicators = models.ManyToManyField(
        EvaluationIndicator, blank=True, related_name="evidence", verbose_name="关联指标"
    )
    tables = models.ManyToManyField("DataTable", blank=True, related_name="evidence", verbose_name="关联基础数据表")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="佐证材料修改记录", m2m_fields=[indicators, tables])

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["evaluation", "-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class NarrativeItem(models.Model):
    """Shared shape of findings, recommendations and experiences: a titled paragraph in order."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+", verbose_name="评价")
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容", blank=True)
    order = models.PositiveIntegerField("排序", default=0)
    version = models.PositiveIntegerField("版本号", default=1, editable=False)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["evaluation", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Finding(NarrativeItem):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="findings", verbose_name="评价")
    indicators = models.ManyToManyField(
        EvaluationIndicator, blank=True, related_name="findings", verbose_name="关联指标"
    )

    class Meta(NarrativeItem.Meta):
        verbose_name = "存在的问题"
        verbose_name_plural = "存在的问题"


class Recommendation(NarrativeItem):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="recommendations", verbose_name="评价"
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name="针对的问题",
    )

    class Meta(NarrativeItem.Meta):
        verbose_name = "建议"
        verbose_name_plural = "建议"


class Experience(NarrativeItem):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="experiences", verbose_name="评价"
    )

    class Meta(NarrativeItem.Meta):
        verbose_name = "经验做法"
        verbose_name_plural = "经验做法"


class CommentTarget(models.Model):
    """Where a comment points: a finding, a report section, an indicator, or the evaluation as a whole."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+", verbose_name="评价")
    finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="针对的问题"
    )
    indicator = models.ForeignKey(
        EvaluationIndicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="针对的指标",
    )
    section_key = models.CharField("针对的章节", max_length=50, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提出人"
    )
    text = models.TextField("意见")
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["evaluation", "created_at", "pk"]

    def target_label(self) -> str:
        if self.finding_id:
            return f"问题「{self.finding.title}」"
        if self.indicator_id:
            return f"指标「{self.indicator.name}」"
        if self.section_key:
            from evaluations.narrative import SECTIONS

            titles = {s.key: s.title for s in SECTIONS.get(self.evaluation.kind, ())}
            return f"章节「{titles.get(self.section_key, self.section_key)}」"
        return "报告整体"


class ConsultationDecision(models.TextChoices):
    ADOPTED = "adopted", "采纳"
    REJECTED = "rejected", "不予采纳"


class ConsultationComment(CommentTarget):
    """征求意见 (财监〔2021〕4号 第十八条): the unit's or bureau's comment and the team's answer."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="consultation_comments", verbose_name="评价"
    )
    decision = models.CharField("处理结果", max_length=20, choices=ConsultationDecision.choices, blank=True)
    reason = models.TextField("采纳或不予采纳的理由", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复人",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta(CommentTarget.Meta):
        verbose_name = "征求意见"
        verbose_name_plural = "征求意见台账"

    def __str__(self) -> str:
        return f"{self.target_label()}：{self.text[:30]}"


class ReviewComment(CommentTarget):
    """A finance-bureau reviewer's comment when returning an evaluation, attached where it applies."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="review_comments", verbose_name="评价"
    )
    state_change = models.ForeignKey(
        StateChange, on_delete=models.CASCADE, related_name="review_comments", verbose_name="退回记录"
    )

    class Meta(CommentTarget.Meta):
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"

    def __str__(self) -> str:
        return f"{self.target_label()}：{self.text[:30]}"


class Submission(models.Model):
    """What was submitted to the bureau: the whole evaluation as a perf-eval/1 document, to compare later."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="submissions", verbose_name="评价"
    )
    state_change = models.OneToOneField(
        StateChange, on_delete=models.CASCADE, related_name="submission", verbose_name="提交记录"
    )
    document = models.JSONField("提交时的评价数据")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "提交版本"
        verbose_name_plural = "提交版本"
        ordering = ["evaluation", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.evaluation} 提交于 {self.created_at:%Y-%m-%d %H:%M}"


class RectificationStatus(models.TextChoices):
    PENDING = "pending", "未开始"
    IN_PROGRESS = "in_progress", "整改中"
    DONE = "done", "已完成"


class RectificationItem(models.Model):
    """A finding of an approved evaluation turned into a rectification item the bureau follows up."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="rectification_items", verbose_name="评价"
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, related_name="rectification_items", verbose_name="问题"
    )
    responsible_unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="rectification_items", verbose_name="责任单位"
    )
    deadline = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=20, choices=RectificationStatus.choices, default=RectificationStatus.PENDING
    )
    measures = models.TextField("整改措施及完成情况", blank=True)
    completion_file = models.FileField("整改完成佐证", upload_to="rectification/%Y/%m/", blank=True)
    completion_file_name = models.CharField("佐证原文件名", max_length=255, blank=True)
    completion_sha256 = models.CharField("佐证 SHA-256", max_length=64, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最后更新人",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField("版本号", default=1, editable=False)
    history = HistoricalRecords(verbose_name="整改事项修改记录")

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["evaluation", "deadline", "pk"]

    def __str__(self) -> str:
        return f"{self.finding.title}（{self.get_status_display()}）"
