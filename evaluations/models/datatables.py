"""The data-collection tables of an evaluation; their columns are declared in evaluations.datatables."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from evaluations.datatables import TABLES, spec_for
from evaluations.models.evaluation import Evaluation


class DataTable(models.Model):
    """One data-collection table of an evaluation (its columns are declared in evaluations.datatables)."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="data_tables", verbose_name="评价"
    )
    key = models.CharField("表格", max_length=50)
    version = models.PositiveIntegerField("版本号", default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最后修改人",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    # The rows as saved, so the table's history shows every version of the table (rows live in TableRow).
    snapshot = models.JSONField("数据快照", default=list, blank=True, editable=False)
    history = HistoricalRecords(verbose_name="基础数据表修改记录")

    class Meta:
        verbose_name = "基础数据表"
        verbose_name_plural = "基础数据表"
        ordering = ["evaluation", "key"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "key"], name="one_table_per_key")]

    def __str__(self) -> str:
        spec = TABLES.get(self.key)
        return f"{spec.code} {spec.title}" if spec else self.key

    @property
    def spec(self):
        return spec_for(self.key)


class TableRow(models.Model):
    table = models.ForeignKey(DataTable, on_delete=models.CASCADE, related_name="rows", verbose_name="表格")
    order = models.PositiveIntegerField("行号", default=0)
    values = models.JSONField("数据", default=dict)

    class Meta:
        verbose_name = "表格行"
        verbose_name_plural = "表格行"
        ordering = ["table", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.table} 第 {self.order} 行"
