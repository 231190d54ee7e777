"""Comments in consultation and bureau review, submissions, and explanations of check errors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from evaluations.models.content import Finding
from evaluations.models.evaluation import Evaluation, StateChange
from evaluations.models.indicators import EvaluationIndicator
from evaluations.sections import SECTIONS


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


class ExplanationStatus(models.TextChoices):
    PENDING = "pending", "待复核"
    ACCEPTED = "accepted", "已认可"
    REJECTED = "rejected", "未认可"


class Explanation(models.Model):
    """说明: the team's explanation of a check error that states a true fact (a subsidy of the year paid the next
    January), decided by the reviewer who holds the evaluation next. An accepted explanation stops the error from
    blocking and is printed under 其他需要说明的问题. One per finding: explaining again replaces the text."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="explanations", verbose_name="评价"
    )
    key = models.CharField("检查项标识", max_length=200)  # Problem.key: which check, where
    where = models.CharField("位置", max_length=200)
    message = models.TextField("检查发现")  # as the check worded it when explained
    text = models.TextField("说明")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="说明人"
    )
    created_at = models.DateTimeField("说明时间", auto_now=True)
    status = models.CharField(
        "复核结果", max_length=20, choices=ExplanationStatus.choices, default=ExplanationStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="复核人",
    )
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    decision_comment = models.TextField("复核意见", blank=True)
    history = HistoricalRecords(verbose_name="说明修改记录")

    class Meta:
        verbose_name = "检查说明"
        verbose_name_plural = "检查说明"
        ordering = ["evaluation", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "key"], name="one_explanation_per_finding")]

    def __str__(self) -> str:
        return f"{self.where}：{self.text[:30]}"
