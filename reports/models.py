"""Report outlines, an evaluation's report settings and the rendered report versions.

An outline's structure lives in code (reports/outlines.py), keyed by (key, version); the ReportOutline
row is what an admin picks per evaluation. A ReportVersion is one requested render: its assembled
content (a JSON snapshot, hashed), its progress while the background task runs, the PDF and the Word file.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from reports.outlines import OUTLINES, get_spec
from reports.typography import PROFILE_CHOICES, REPORT
from rubrics.models import EvaluationKind


class ReportOutline(models.Model):
    key = models.CharField("提纲代码", max_length=50)
    version = models.PositiveIntegerField("提纲版本", default=1)
    kind = models.CharField("适用评价类型", max_length=20, choices=EvaluationKind.choices)
    name = models.CharField("提纲名称", max_length=200)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("可选用", default=True, help_text="停用后不能再为评价选择，已生成的版本不受影响。")
    typography = models.CharField(
        "排版方案",
        max_length=20,
        choices=PROFILE_CHOICES,
        default=REPORT,
        help_text="公文：仿宋三号正文（每页 22 行、每行 28 字）、黑体/楷体标题，按 GB/T 9704；报告：紧凑排版。",
    )

    class Meta:
        verbose_name = "报告提纲"
        verbose_name_plural = "报告提纲"
        ordering = ["kind", "key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="report_outline_key_version")]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"

    @property
    def spec(self):
        return get_spec(self.key, self.version)

    def clean(self) -> None:
        spec = OUTLINES.get((self.key, self.version))
        if spec is None:
            known = "、".join(f"{key} 第 {version} 版" for key, version in OUTLINES)
            raise ValidationError({"key": f"程序中没有提纲「{self.key}」第 {self.version} 版（现有：{known}）。"})
        if spec.kind != self.kind:
            raise ValidationError({"kind": f"提纲「{self.key}」适用于{EvaluationKind(spec.kind).label}。"})


class ReportSettings(models.Model):
    """Per-evaluation choices for its report: the outline and, optionally, the report's own title."""

    evaluation = models.OneToOneField(
        "evaluations.Evaluation", on_delete=models.CASCADE, related_name="report_settings", verbose_name="评价"
    )
    outline = models.ForeignKey(
        ReportOutline,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="报告提纲",
        help_text="留空则使用该评价类型的最新提纲。",
    )
    title = models.CharField("报告标题", max_length=200, blank=True, help_text="留空则为“评价名称 + 报告”。")
    version = models.PositiveIntegerField("版本号", default=1, editable=False)

    class Meta:
        verbose_name = "报告设置"
        verbose_name_plural = "报告设置"

    def __str__(self) -> str:
        return f"{self.evaluation} 的报告设置"

    def clean(self) -> None:
        if self.outline_id and self.evaluation_id and self.outline.kind != self.evaluation.kind:
            raise ValidationError({"outline": "所选提纲与评价类型不一致。"})


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RENDERING = "rendering", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ReportVersion(models.Model):
    evaluation = models.ForeignKey(
        "evaluations.Evaluation", on_delete=models.CASCADE, related_name="report_versions", verbose_name="评价"
    )
    number = models.PositiveIntegerField("版本")
    outline = models.ForeignKey(ReportOutline, on_delete=models.PROTECT, related_name="+", verbose_name="报告提纲")
    title = models.CharField("报告标题", max_length=200)
    summary = models.CharField("总分与等级", max_length=50, blank=True)
    fonts = models.CharField(
        "排版与字体", max_length=300, blank=True, help_text="生成该版本时实际使用的排版方案与字体。"
    )
    status = models.CharField("状态", max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    stage = models.CharField("当前步骤", max_length=50, blank=True)
    error = models.TextField("失败原因", blank=True)
    content_hash = models.CharField("内容 SHA-256", max_length=64, db_index=True)
    content = models.JSONField("报告内容快照", default=dict, blank=True, help_text="生成成功后清空，以 PDF 为准。")
    is_draft = models.BooleanField("草稿", default=False, help_text="一致性检查有错误时生成的报告为草稿。")
    is_final = models.BooleanField(
        "批准时的最终报告", default=False, help_text="批准评价时生成并归档，其 SHA-256 用于核验。"
    )
    problem_count = models.PositiveIntegerField("未解决问题数", default=0)
    file = models.FileField("PDF 文件", upload_to="reports/%Y/%m/", blank=True)
    # The same content as a Word file for the last edits, made in the same background job from the same snapshot.
    word_file = models.FileField("Word 文件", upload_to="reports/%Y/%m/", blank=True)
    sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", null=True, blank=True)
    render_seconds = models.DecimalField("生成耗时（秒）", max_digits=8, decimal_places=2, null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="申请人",
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    # The workflow steps that handed the evaluation on with this version (submitted to review, passed a level,
    # submitted to the bureau, approved): what the receiver reads, never an older draft.
    hand_offs = models.ManyToManyField(
        "evaluations.StateChange", related_name="report_versions", blank=True, verbose_name="随流程步骤生成"
    )
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    # The worker that claimed the render holds a lease: it writes heartbeat_at while it works, and only the
    # holder of ``lease`` may record the outcome. A lapsed lease (the worker died) is taken over (reports.jobs).
    lease = models.CharField("租约", max_length=32, blank=True, editable=False)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True, editable=False)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        ordering = ["evaluation", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "number"], name="report_version_number"),
            # Two requests for the same content never make (and render) two versions, even when they race.
            models.UniqueConstraint(
                fields=["evaluation", "content_hash"],
                condition=~models.Q(content_hash=""),
                name="report_version_content_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.number} 版）"

    @property
    def is_active(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RENDERING)

    def file_name(self, extension: str) -> str:
        draft = "（草稿）" if self.is_draft else ""
        return f"{self.title}{draft}_第{self.number}版.{extension}"

    @property
    def download_name(self) -> str:
        return self.file_name("pdf")

    @property
    def word_download_name(self) -> str:
        return self.file_name("docx")
