"""评价任务: a finance bureau asks an evaluating firm to evaluate a unit's project (or the whole department) for a
year, by a deadline; the firm accepts it (an evaluation is created) or declines it with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from evaluations.models.evaluation import Evaluation
from evaluations.models.organisations import Organisation, OrganisationKind, Project
from rubrics.models import EvaluationKind


class CommissionState(models.TextChoices):
    OPEN = "open", "待接受"
    ACCEPTED = "accepted", "已接受"
    DECLINED = "declined", "已谢绝"
    WITHDRAWN = "withdrawn", "已撤回"


# A commission in these states still stands: another one for the same subject would duplicate it.
STANDING_COMMISSION_STATES = frozenset({CommissionState.OPEN, CommissionState.ACCEPTED})


class Commission(models.Model):
    bureau = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commissions_issued",
        verbose_name="委托单位",
        limit_choices_to={"kind": OrganisationKind.BUREAU},
    )
    evaluated_unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commissions_about",
        verbose_name="被评价单位",
        limit_choices_to={"kind": OrganisationKind.UNIT},
    )
    kind = models.CharField("评价类型", max_length=20, choices=EvaluationKind.choices)
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commissions",
        verbose_name="评价项目",
        help_text="项目支出绩效评价：可留空，由评价机构接受任务时选择或登记该单位的项目。",
    )
    year = models.PositiveIntegerField("评价年度")
    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commissions_received",
        verbose_name="评价机构",
        limit_choices_to={"kind": OrganisationKind.FIRM},
    )
    outline = models.TextField("评价要求与报告提纲", blank=True)
    deadline = models.DateField("报告提交期限")
    state = models.CharField("状态", max_length=20, choices=CommissionState.choices, default=CommissionState.OPEN)
    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commission",
        verbose_name="评价",
    )
    decline_reason = models.TextField("谢绝原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="下达人",
    )
    created_at = models.DateTimeField("下达时间", auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复人",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    history = HistoricalRecords(verbose_name="评价任务修改记录")

    class Meta:
        verbose_name = "评价任务"
        verbose_name_plural = "评价任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} 年度{self.subject}"

    @property
    def subject(self) -> str:
        """What is evaluated, in words: 「单位」项目「…」 or 「单位」部门整体."""
        if self.kind == EvaluationKind.DEPARTMENT:
            return f"{self.evaluated_unit}部门整体绩效评价"
        if self.project_id:
            return f"{self.project}项目支出绩效评价"
        return f"{self.evaluated_unit}项目支出绩效评价（项目待定）"

    def evaluation_title(self, project=None) -> str:
        """The evaluation's default title: the commission's, naming the project the firm chose where the bureau
        left it open (never "项目待定" once the project is known)."""
        if project is not None and self.kind == EvaluationKind.PROJECT and self.project_id is None:
            return f"{self.year} 年度{project}项目支出绩效评价"
        return str(self)
