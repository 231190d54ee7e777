"""An evaluation's own indicator tree: copied from a template, then independent of it.

Scores are Decimal with 2 decimals, written only by the scoring service (evaluations.domain.scoring).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from evaluations.models.evaluation import SCORE, Evaluation
from evaluations.narrative_html import EDITOR_EXTENSIONS, clean_section_html
from rubrics.engine import NOT_APPLICABLE, leaf_counts, validate_awarded
from rubrics.models import IndicatorFields


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
    # Rich text like a report section (evaluations.narrative_html): a model form (the admin) cleans it with the same
    # sanitiser as the analysis page, the drafter and the importer, and shows the same editor.
    analysis = ProseEditorField("指标分析", blank=True, extensions=EDITOR_EXTENSIONS, sanitize=clean_section_html)
    # The HTML the drafter last wrote into ``analysis``: an analysis still equal to it was not touched by a person,
    # so drafting again loses nothing; any other text is the team's own and is never overwritten without asking.
    analysis_drafted = models.TextField("起草稿", blank=True, editable=False)
    evidence_obtained = models.TextField(
        "现场调研取得的资料", blank=True, help_text="现场调研记录（附件 3）的“现场调研资料”"
    )
    research_content = models.TextField(
        "调研内容", blank=True, help_text="现场调研记录（附件 3）的调研内容；不填则取指标解释"
    )
    research_order = models.PositiveSmallIntegerField(
        "调研记录序号",
        null=True,
        blank=True,
        help_text="在现场调研记录（附件 3）中的顺序；不填的排在填了的之后，按指标体系的顺序",
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

    @property
    def not_applicable(self) -> bool:
        """Marked 不适用 by the evaluators (DESIGN §4.1); the evaluation's na_policy says how it counts."""
        return (self.inputs or {}).get(NOT_APPLICABLE.name) is True

    def counts(self, na_policy: str) -> bool:
        """Whether this leaf counts in the sums and the total under the evaluation's not-applicable policy."""
        return leaf_counts(self.inputs, na_policy)

    def clean(self) -> None:
        if self.parent_id is not None and self.evaluation_id is None:
            self.evaluation = self.parent.evaluation  # a child added under a node joins its evaluation
        if self.parent_id is not None and self.parent.evaluation_id != self.evaluation_id:
            raise ValidationError({"parent": "上级指标必须属于同一项评价。"})
        if self.awarded_score is not None:
            problem = validate_awarded(self.awarded_score, self.weight) if self.weight is not None else None
            if problem:
                raise ValidationError({"awarded_score": f"指标「{self.name}」：{problem}。"})
            if not self.override_reason.strip():
                raise ValidationError({"override_reason": "调整得分必须填写理由。"})
        self.clean_rule()


class LevelOneScore(models.Model):
    """A level-1 indicator's subtotal and 得分率 as the scoring service last computed them (IndicatorTree's root),
    so that the bureau's overview averages them in SQL instead of walking every evaluation's tree."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="level_one_scores", verbose_name="评价"
    )
    indicator = models.OneToOneField(
        EvaluationIndicator, on_delete=models.CASCADE, related_name="level_one_score", verbose_name="一级指标"
    )
    score = models.DecimalField("得分", null=True, blank=True, **SCORE)  # None while a leaf below is unscored
    weight = models.DecimalField("计算得分率的权重", **SCORE)  # over the applicable leaves where some are left out
    rate = models.DecimalField("得分率（%）", max_digits=9, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = "一级指标得分"
        verbose_name_plural = "一级指标得分"
        ordering = ["evaluation", "indicator"]

    def __str__(self) -> str:
        return f"{self.indicator.name}：{self.score}"
