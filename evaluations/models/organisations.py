"""Organisations, people, projects and budget figures: the master data an evaluation is about.

Money is stored in yuan as Decimal (reports show 万元).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

MONEY = {"max_digits": 16, "decimal_places": 2}


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
    # The profile a team member is filled from (the seeds' 评价小组 table: 专业资格或技术职称, and the post held).
    qualification = models.CharField(
        "专业资格或技术职称", max_length=100, blank=True, help_text="如 注册会计师、资产评估师"
    )
    position = models.CharField("职务", max_length=50, blank=True, help_text="如 部门主任、项目经理")

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
    registered_by = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects_registered",
        verbose_name="登记单位",
        help_text="在工作台中登记该项目的评价机构或财政局；评价机构据此看到自己登记的项目。",
    )

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
