"""What the team writes and collects: report sections, evidence, findings, recommendations, experiences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from evaluations.models.evaluation import Evaluation
from evaluations.models.indicators import EvaluationIndicator
from evaluations.narrative_html import EDITOR_EXTENSIONS, clean_section_html


class NarrativeSection(models.Model):
    """A section of the report text (项目背景, 评价目的 …), keyed by the outline of evaluations.sections.

    ``text`` is sanitised HTML (evaluations.narrative_html): a model form (the admin) cleans it with the same
    sanitiser as every other way in, and shows the same editor.
    """

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="narrative", verbose_name="评价")
    key = models.CharField("章节", max_length=50)
    text = ProseEditorField("正文", blank=True, extensions=EDITOR_EXTENSIONS, sanitize=clean_section_html)
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
