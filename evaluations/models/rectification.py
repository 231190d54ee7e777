"""Rectification (整改): one item per finding of an approved evaluation, reported by the responsible unit and
accepted (验收) or sent back by the commissioning bureau; every hand-off is a step of the item's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from evaluations.models.content import Finding
from evaluations.models.evaluation import Evaluation
from evaluations.models.organisations import Organisation


class RectificationStatus(models.TextChoices):
    PENDING = "pending", "待整改"
    SUBMITTED = "submitted", "已提交验收"
    ACCEPTED = "accepted", "已验收"
    RETURNED = "returned", "退回"


# The responsible unit reports (measures, evidence) while an item waits for it; the bureau decides once submitted.
UNIT_REPORTING_STATUSES = frozenset({RectificationStatus.PENDING, RectificationStatus.RETURNED})
# Not yet accepted: such an item past its deadline is overdue.
OPEN_STATUSES = frozenset(set(RectificationStatus) - {RectificationStatus.ACCEPTED})


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
    # The bureau's latest 催办 while the unit still has to act; cleared when the unit submits.
    reminded_at = models.DateTimeField("催办时间", null=True, blank=True)
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


class RectificationAction(models.TextChoices):
    SUBMIT = "submit", "提交验收"
    ACCEPT = "accept", "验收通过"
    RETURN = "return", "退回整改"
    REMIND = "remind", "催办"
    DEADLINE = "deadline", "调整整改期限"


class RectificationStep(models.Model):
    """One hand-off on an item, as the history shows it: who, when, what was submitted or said."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="steps", verbose_name="整改事项")
    action = models.CharField("操作", max_length=20, choices=RectificationAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    comment = models.TextField("意见", blank=True)
    measures = models.TextField("提交的整改措施", blank=True)  # the report as submitted, kept as it was
    deadline = models.DateField("整改期限", null=True, blank=True)  # the new deadline of a 调整整改期限
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改记录"
        verbose_name_plural = "整改记录"
        ordering = ["item", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}（{self.item.finding.title}）"


class RectificationEvidence(models.Model):
    """A file the unit uploads as proof of rectification; checked like any evidence (evaluations.domain.evidence).
    Files not yet submitted can be removed; a submitted one stays with the submission it went with."""

    item = models.ForeignKey(
        RectificationItem, on_delete=models.CASCADE, related_name="evidence", verbose_name="整改事项"
    )
    submission = models.ForeignKey(
        RectificationStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name="随哪次提交报送",
    )
    file = models.FileField("文件", upload_to="rectification/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    content_type = models.CharField("文件类型", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"
        ordering = ["item", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
