"""Evaluation.version meant the edition (第 N 版) but was never counted; it becomes ``edition``, set from the chain
of superseded evaluations. Timeline steps get their Chinese names as choices."""

import django.db.models.deletion
from django.db import migrations, models


def number_editions(apps, schema_editor):
    Evaluation = apps.get_model("evaluations", "Evaluation")
    parents = dict(Evaluation.objects.values_list("pk", "supersedes_id"))
    for pk in parents:
        edition, node = 1, parents[pk]
        while node is not None and edition <= len(parents):
            edition, node = edition + 1, parents.get(node)
        if edition != 1:
            Evaluation.objects.filter(pk=pk).update(edition=edition)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0006_supersedes"),
    ]

    operations = [
        migrations.RenameField(model_name="evaluation", old_name="version", new_name="edition"),
        migrations.RenameField(model_name="historicalevaluation", old_name="version", new_name="edition"),
        migrations.AlterField(
            model_name="evaluation",
            name="edition",
            field=models.PositiveIntegerField(
                default=1, editable=False, help_text="第 N 版：开启新版本时加一。", verbose_name="版次"
            ),
        ),
        migrations.AlterField(
            model_name="historicalevaluation",
            name="edition",
            field=models.PositiveIntegerField(
                default=1, editable=False, help_text="第 N 版：开启新版本时加一。", verbose_name="版次"
            ),
        ),
        migrations.AlterField(
            model_name="evaluation",
            name="supersedes",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="later_editions",
                to="evaluations.evaluation",
                verbose_name="所修订的已批准版本",
            ),
        ),
        migrations.AlterField(
            model_name="statechange",
            name="transition",
            field=models.CharField(
                choices=[
                    ("start_collecting", "开始数据采集"),
                    ("start_scoring", "开始评分"),
                    ("submit_review", "提交内部复核"),
                    ("pass_review", "复核通过"),
                    ("reject_review", "退回修改"),
                    ("submit", "提交财政局审核"),
                    ("approve", "批准"),
                    ("return", "退回修改"),
                    ("start_rectification", "进入整改跟踪"),
                ],
                max_length=40,
                verbose_name="操作",
            ),
        ),
        migrations.RunPython(number_editions, migrations.RunPython.noop),
    ]
