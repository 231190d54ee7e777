"""The two built-in report outlines (their structure is in reports/outlines.py, keyed by key and version)."""

from django.db import migrations

OUTLINES = [
    {
        "key": "project",
        "version": 1,
        "kind": "project",
        "name": "项目支出绩效评价报告（财预〔2020〕10号 附3）",
        "description": "参考报告 003 的结构，符合《项目支出绩效评价管理办法》附3 参考提纲。",
    },
    {
        "key": "department",
        "version": 1,
        "kind": "department",
        "name": "部门整体绩效评价报告",
        "description": "参考报告 004 的结构。",
    },
]


def create(apps, schema_editor):
    ReportOutline = apps.get_model("reports", "ReportOutline")
    for values in OUTLINES:
        ReportOutline.objects.get_or_create(key=values["key"], version=values["version"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
