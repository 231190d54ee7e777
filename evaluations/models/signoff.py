"""Sign-off (签署): each review decision signed by a person at a level, with the opinion and the date."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from evaluations.models.evaluation import LEVEL_LABELS, Evaluation, StateChange

BUREAU_LEVEL = 0  # the commissioning bureau's decision, after the firm's internal levels 1–3


class SignOffDecision(models.TextChoices):
    PASSED = "passed", "通过"
    RETURNED = "returned", "退回修改"
    APPROVED = "approved", "批准"


class ReviewSignature(models.Model):
    """One signed decision: an internal review level passed or returned (复核意见), or the bureau's approval or
    return (审批意见). Written by the workflow with the step it signs; the signer's name and qualification are
    kept as they were on the day, so a later change of the team or the profile does not rewrite the record."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="signatures", verbose_name="评价")
    state_change = models.OneToOneField(
        StateChange, on_delete=models.CASCADE, related_name="signature", verbose_name="流程记录"
    )
    level = models.PositiveSmallIntegerField("复核级次", help_text="1–3：内部复核的级次；0：财政局审核。")
    decision = models.CharField("结论", max_length=20, choices=SignOffDecision.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures", verbose_name="签署人"
    )
    signer_name = models.CharField("签署人姓名", max_length=50)
    signer_qualification = models.CharField("专业资格或技术职称", max_length=100, blank=True)
    opinion = models.TextField("意见")
    signed_on = models.DateField("签署日期")
    created_at = models.DateTimeField("签署时间", auto_now_add=True)

    class Meta:
        verbose_name = "复核签署"
        verbose_name_plural = "复核签署"
        ordering = ["evaluation", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.level_label} {self.signer_name} {self.get_decision_display()}（{self.signed_on:%Y-%m-%d}）"

    @property
    def level_label(self) -> str:
        if self.level == BUREAU_LEVEL:
            return "财政局审核"
        return LEVEL_LABELS.get(self.level, f"第{self.level}级复核")

    @property
    def is_internal(self) -> bool:
        return self.level != BUREAU_LEVEL
