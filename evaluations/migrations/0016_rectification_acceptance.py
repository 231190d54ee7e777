"""Rectification with acceptance: steps (history) and evidence files per item, the bureau's reminder.

Carried over: 整改中 becomes 待整改; 已完成 (marked by the unit itself) becomes 已提交验收, a submission the bureau now
accepts or sends back; the single completion file becomes the item's first evidence file, kept with that submission.
"""

import os

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
}
STATUSES = {"in_progress": "pending", "done": "submitted"}


def carry_over(apps, schema_editor):
    Item = apps.get_model("evaluations", "RectificationItem")
    History = apps.get_model("evaluations", "HistoricalRectificationItem")
    Step = apps.get_model("evaluations", "RectificationStep")
    Evidence = apps.get_model("evaluations", "RectificationEvidence")
    for item in Item.objects.exclude(status="pending", completion_file="").iterator():
        item.status = STATUSES.get(item.status, item.status)
        step = None
        if item.status == "submitted" and item.updated_by_id is not None:
            step = Step.objects.create(item=item, action="submit", actor_id=item.updated_by_id, measures=item.measures)
        if item.completion_file:
            try:
                size = item.completion_file.size
            except OSError:
                size = 0
            name = item.completion_file_name or os.path.basename(item.completion_file.name)
            Evidence.objects.create(
                item=item,
                submission=step,
                file=item.completion_file.name,
                original_name=name,
                size=size,
                sha256=item.completion_sha256,
                content_type=CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream"),
                uploaded_by_id=item.updated_by_id,
            )
        item.save(update_fields=["status"])
    for old, new in STATUSES.items():
        History.objects.filter(status=old).update(status=new)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0015_commission_and_project_registration"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalrectificationitem",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="催办时间"),
        ),
        migrations.AddField(
            model_name="rectificationitem",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="催办时间"),
        ),
        migrations.CreateModel(
            name="RectificationStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("submit", "提交验收"),
                            ("accept", "验收通过"),
                            ("return", "退回整改"),
                            ("remind", "催办"),
                            ("deadline", "调整整改期限"),
                        ],
                        max_length=20,
                        verbose_name="操作",
                    ),
                ),
                ("comment", models.TextField(blank=True, verbose_name="意见")),
                ("measures", models.TextField(blank=True, verbose_name="提交的整改措施")),
                ("deadline", models.DateField(blank=True, null=True, verbose_name="整改期限")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="evaluations.rectificationitem",
                        verbose_name="整改事项",
                    ),
                ),
            ],
            options={
                "verbose_name": "整改记录",
                "verbose_name_plural": "整改记录",
                "ordering": ["item", "created_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="RectificationEvidence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file", models.FileField(upload_to="rectification/%Y/%m/", verbose_name="文件")),
                ("original_name", models.CharField(max_length=255, verbose_name="原文件名")),
                ("size", models.PositiveBigIntegerField(verbose_name="大小（字节）")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("content_type", models.CharField(max_length=100, verbose_name="文件类型")),
                ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="上传时间")),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evidence",
                        to="evaluations.rectificationitem",
                        verbose_name="整改事项",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="上传人",
                    ),
                ),
                (
                    "submission",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evidence",
                        to="evaluations.rectificationstep",
                        verbose_name="随哪次提交报送",
                    ),
                ),
            ],
            options={
                "verbose_name": "整改佐证材料",
                "verbose_name_plural": "整改佐证材料",
                "ordering": ["item", "uploaded_at", "pk"],
            },
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="historicalrectificationitem",
            name="completion_file",
        ),
        migrations.RemoveField(
            model_name="historicalrectificationitem",
            name="completion_file_name",
        ),
        migrations.RemoveField(
            model_name="historicalrectificationitem",
            name="completion_sha256",
        ),
        migrations.RemoveField(
            model_name="rectificationitem",
            name="completion_file",
        ),
        migrations.RemoveField(
            model_name="rectificationitem",
            name="completion_file_name",
        ),
        migrations.RemoveField(
            model_name="rectificationitem",
            name="completion_sha256",
        ),
        migrations.AlterField(
            model_name="historicalrectificationitem",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待整改"),
                    ("submitted", "已提交验收"),
                    ("accepted", "已验收"),
                    ("returned", "退回"),
                ],
                default="pending",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.AlterField(
            model_name="rectificationitem",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待整改"),
                    ("submitted", "已提交验收"),
                    ("accepted", "已验收"),
                    ("returned", "退回"),
                ],
                default="pending",
                max_length=20,
                verbose_name="状态",
            ),
        ),
    ]
