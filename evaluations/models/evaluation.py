"""An evaluation, its workflow states and timeline, and its team."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from evaluations.models.organisations import Organisation, OrganisationKind, Project
from rubrics.engine import validate_grades
from rubrics.models import EvaluationKind, NaPolicy, default_grades

SCORE = {"max_digits": 6, "decimal_places": 2}


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


S = EvaluationState
# An approved evaluation is frozen: nothing of it changes (DESIGN §8); only a new edition can be opened.
FROZEN_STATES = frozenset({S.APPROVED, S.RECTIFICATION})
# The team edits in these states; 征求意见 included: the team revises the draft for the comments it adopts
# before submitting (财监〔2021〕4号 第十八条).
EDITABLE_STATES = frozenset({S.DRAFT, S.COLLECTING, S.SCORING, S.CONSULTATION, S.RETURNED})
# The evaluated unit fills the base tables while it is asked for data.
UNIT_FILLING_STATES = frozenset({S.DRAFT, S.COLLECTING, S.RETURNED})
# From 征求意见 on, the draft is shared with the evaluated unit.
SHARED_WITH_UNIT_STATES = frozenset({S.CONSULTATION, S.SUBMITTED, S.APPROVED, S.RECTIFICATION})


class Transition(models.TextChoices):
    """The workflow's steps (evaluations.domain.workflow performs them); the timeline names them."""

    START_COLLECTING = "start_collecting", "开始数据采集"
    START_SCORING = "start_scoring", "开始评分"
    SUBMIT_REVIEW = "submit_review", "提交内部复核"
    PASS_REVIEW = "pass_review", "复核通过"
    REJECT_REVIEW = "reject_review", "退回修改"
    SUBMIT = "submit", "提交财政局审核"
    APPROVE = "approve", "批准"
    RETURN = "return", "退回修改"
    START_RECTIFICATION = "start_rectification", "进入整改跟踪"


# The decisions that are signed (evaluations.models.signoff.ReviewSignature): each internal level's, the bureau's.
REVIEW_TRANSITIONS = frozenset({Transition.PASS_REVIEW, Transition.REJECT_REVIEW})
BUREAU_DECISIONS = frozenset({Transition.APPROVE, Transition.RETURN})


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
    na_policy = models.CharField(
        "不适用指标的处理",
        max_length=10,
        choices=NaPolicy.choices,
        default=NaPolicy.RESCALE,
        help_text="标为“不适用”的末级指标：扣除后按百分制折算总分，或按满分计算（财预〔2020〕10号及各地做法）。",
    )
    state = models.CharField("状态", max_length=20, choices=EvaluationState.choices, default=EvaluationState.DRAFT)
    total_score = models.DecimalField("总分", null=True, blank=True, **SCORE)
    grade = models.CharField("评价等级结果", max_length=10, blank=True)
    scored_with = models.CharField(
        "计分引擎版本", max_length=20, blank=True, editable=False, help_text="计算当前得分所用的计分引擎版本。"
    )
    report_date = models.DateField("报告日期", null=True, blank=True)
    cover_names_firm = models.BooleanField(
        "封面列出评价机构",
        default=True,
        help_text="报告以评价机构名义出具时列出。被评价单位自行组织评价小组、以本单位名义出具报告"
        "（如“区民政局组织绩效评价小组”）时取消：封面不列评价机构。",
    )
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
    edition = models.PositiveIntegerField("版次", default=1, editable=False, help_text="第 N 版：开启新版本时加一。")
    review_level = models.PositiveSmallIntegerField("当前复核级次", default=0, editable=False)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_editions",
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
        if messages := validate_grades(self.grades):
            errors["grades"] = "；".join(messages)
        if errors:
            raise ValidationError(errors)


class StateChange(models.Model):
    """One row per workflow transition: the evaluation's timeline (who, from, to, when, comment)."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="state_changes", verbose_name="评价"
    )
    transition = models.CharField("操作", max_length=40, choices=Transition.choices)
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
    def stage_label(self) -> str:
        """Who decided, for the steps that are decisions: "二级复核", "财政局审核"; empty for the others."""
        if self.transition in REVIEW_TRANSITIONS:
            return LEVEL_LABELS.get(self.review_level, f"第{self.review_level}级复核")
        if self.transition in BUREAU_DECISIONS:
            return "财政局审核"
        return ""

    @property
    def transition_label(self) -> str:
        """The step as the timeline names it: "二级复核通过", "一级审核退回修改", "提交内部复核"."""
        if self.transition == Transition.PASS_REVIEW:
            return f"{self.stage_label}通过"
        if self.transition == Transition.REJECT_REVIEW:
            return f"{self.stage_label}退回修改"
        return self.get_transition_display()

    @property
    def headline(self) -> str:
        """A timeline line without the comment: "二级复核 孙琴 通过", "财政局审核 张三 批准", "王桂龙 提交内部复核"."""
        if self.stage_label:
            verb = "通过" if self.transition == Transition.PASS_REVIEW else self.get_transition_display()
            return f"{self.stage_label} {self.actor} {verb}"
        return f"{self.actor} {self.get_transition_display()}"


class TeamRole(models.TextChoices):
    MANAGER = "manager", "项目经理"
    LEAD = "lead", "主评人"
    MEMBER = "member", "评价工作组成员"
    REVIEW_1 = "review_1", "一级审核"
    REVIEW_2 = "review_2", "二级复核"
    REVIEW_3 = "review_3", "三级审核"


# Who prepares the evaluation (and so may not review it), and who signs each internal review level.
PREPARER_ROLES = frozenset({TeamRole.MANAGER, TeamRole.LEAD, TeamRole.MEMBER})
REVIEW_ROLES = {1: TeamRole.REVIEW_1, 2: TeamRole.REVIEW_2, 3: TeamRole.REVIEW_3}
LEVEL_LABELS = {1: "一级审核", 2: "二级复核", 3: "三级审核"}


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
