"""Indicator templates (指标体系模板): trees an admin edits and evaluations copy."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from rubrics import tree
from rubrics.engine import RULE_KINDS, na_policy_label, validate_grades, validate_rule


def rule_kind_choices() -> list[tuple[str, str]]:
    return [(kind, spec.label) for kind, spec in RULE_KINDS.items()]


def default_grades() -> list:
    return [[90, "优"], [80, "良"], [60, "中"], [0, "差"]]


class EvaluationKind(models.TextChoices):
    PROJECT = "project", "项目支出绩效评价"
    DEPARTMENT = "department", "部门整体绩效评价"


class EvaluationMode(models.TextChoices):
    SELF = "self", "单位自评"
    DEPARTMENT = "department", "部门评价"
    FINANCE = "finance", "财政评价"


class NaPolicy(models.TextChoices):
    """How a leaf marked 不适用 counts (DESIGN §4.1): its full weight, or left out with the total rescaled to 100."""

    RESCALE = "rescale", na_policy_label("rescale")
    FULL = "full", na_policy_label("full")


class IndicatorFields(models.Model):
    """What a template indicator and an evaluation's indicator both hold."""

    name = models.CharField("指标名称", max_length=200)
    explanation = models.TextField("指标解释", blank=True)
    standard = models.TextField("评分标准", blank=True)
    weight = models.DecimalField(
        "权重（分）", max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    benchmark = models.CharField("标杆值", max_length=200, blank=True)
    unit = models.CharField("计量单位", max_length=30, blank=True)
    rule_kind = models.CharField(
        "计分规则",
        max_length=30,
        blank=True,
        choices=rule_kind_choices,
        help_text="末级指标必填；有下级指标的指标由下级得分汇总。",
    )
    rule_params = models.JSONField("规则参数", default=dict, blank=True)
    bindings = models.JSONField(
        "数据绑定",
        default=dict,
        blank=True,
        help_text='{输入名: 派生数据代码}，如 {"actual": "budget_execution_rate"}；绑定的输入随基础数据更新。',
    )
    evidence_required = models.TextField("所需佐证材料", blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def clean_rule(self) -> None:
        """Refuse rule parameters the engine cannot score (bands without bands, …)."""
        if not self.rule_kind:
            if self.rule_params:
                raise ValidationError({"rule_kind": f"指标「{self.name}」填写了规则参数，但未选择计分规则。"})
            return
        if self.weight is None:
            return
        messages = validate_rule(self.rule_kind, self.rule_params or {}, self.weight)
        if messages:
            raise ValidationError({"rule_params": [f"指标「{self.name}」：{m}" for m in messages]})


class IndicatorTemplate(models.Model):
    name = models.CharField("模板名称", max_length=200, unique=True)
    kind = models.CharField("适用评价类型", max_length=20, choices=EvaluationKind.choices)
    description = models.TextField("说明", blank=True)
    mode = models.CharField(
        "评价方式",
        max_length=20,
        choices=EvaluationMode.choices,
        default=EvaluationMode.FINANCE,
        help_text="决定权重提示：部门/财政评价产出+效益≥60%，自评 10/50/30/10。",
    )
    source = models.CharField("来源", max_length=200, blank=True, help_text="如 财预〔2020〕10号 附2")
    grades = models.JSONField(
        "评价等级",
        default=default_grades,
        help_text="[[下限, 等级], …]，按下限从高到低，下限含本数。",
    )
    na_policy = models.CharField(
        "不适用指标的处理",
        max_length=10,
        choices=NaPolicy.choices,
        default=NaPolicy.RESCALE,
        help_text="评价复制本模板时的默认做法，各项评价可另行设置。",
    )
    is_builtin = models.BooleanField("内置模板", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "指标体系模板"
        verbose_name_plural = "指标体系模板"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        messages = validate_grades(self.grades or [])
        if messages:
            raise ValidationError({"grades": messages})

    def tree_nodes(self) -> list[tree.Node]:
        return [
            tree.Node(key=pk, parent=parent, name=name, weight=weight)
            for pk, parent, name, weight in self.indicators.values_list("pk", "parent_id", "name", "weight")
        ]

    def validate_tree(self) -> None:
        """Raise ValidationError listing every weight/depth/cycle problem of the saved tree."""
        errors = tree.tree_errors(self.tree_nodes())
        if errors:
            raise ValidationError(errors)


class TemplateIndicator(IndicatorFields):
    template = models.ForeignKey(
        IndicatorTemplate, on_delete=models.CASCADE, related_name="indicators", verbose_name="所属模板"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级指标",
    )

    class Meta:
        verbose_name = "模板指标"
        verbose_name_plural = "模板指标"
        ordering = ["template", "order", "pk"]

    def level(self) -> int:
        depth, node, seen = 1, self.parent, {self.pk}
        while node is not None and node.pk not in seen:  # a cycle (refused on save) must not loop forever
            seen.add(node.pk)
            depth, node = depth + 1, node.parent
        return depth

    level.short_description = "级次"

    def clean(self) -> None:
        if self.parent_id is not None and self.template_id is None:
            self.template = self.parent.template  # a child added under a node joins its template
        if self.parent_id is not None:
            if self.parent.template_id != self.template_id:
                raise ValidationError({"parent": "上级指标必须属于同一个指标体系模板。"})
            nodes = self.template.tree_nodes() if self.template_id else []
            nodes = [n for n in nodes if n.key != self.pk]
            nodes.append(tree.Node(key=self.pk or "new", parent=self.parent_id, name=self.name, weight=self.weight))
            errors = tree.depth_errors(nodes)
            if errors:
                raise ValidationError({"parent": errors})
        self.clean_rule()
